"""Small helpers the FINN tutorial imports: build dirs and board/part names."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from qonnx.core.datatype import BaseDataType, DataType

# PYNQ boards and their FPGA parts
pynq_part_map: dict[str, str] = {
    "Ultra96": "xczu3eg-sbva484-1-e",
    "Pynq-Z1": "xc7z020clg400-1",
    "Pynq-Z2": "xc7z020clg400-1",
    "ZCU102": "xczu9eg-ffvb1156-2-e",
    "ZCU104": "xczu7ev-ffvc1156-2-e",
}

# Zynq-7000 (xc7z020) resources, for fit checks
part_resources: dict[str, dict[str, int]] = {
    "xc7z020clg400-1": {"LUT": 53200, "FF": 106400, "BRAM18": 280, "DSP": 220},
}


def cache_subdir(name: str) -> Path:
    """``$FINN_CACHE_DIR/<name>``, else ``<user cache dir>/finn-open/<name>``: where compiled
    simulations and bench builds are kept, keyed by content."""
    env = os.environ.get("FINN_CACHE_DIR")
    if env:
        return Path(env).expanduser() / name
    import platformdirs

    return Path(platformdirs.user_cache_dir("finn-open")) / name


def make_build_dir(prefix: str = "") -> str:
    """Create a fresh build directory and return its path.

    The parent is ``$FINN_BUILD_DIR`` when set, else the system temp dir.
    """
    parent = os.environ.get("FINN_BUILD_DIR") or tempfile.gettempdir()
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=parent)


def smallest_int_datatype(lo: int, hi: int) -> BaseDataType:
    """Narrowest qonnx integer DataType holding every integer in ``[lo, hi]``.

    Unsigned ranges give BINARY (1 bit) or UINTb; ranges with negatives give INTb
    (b >= 2). BIPOLAR is never returned: it is an encoding, not a range.
    """
    lo, hi = int(lo), int(hi)
    if lo > hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    if lo >= 0:
        bits = max(1, hi.bit_length())
        return DataType["BINARY"] if bits == 1 else DataType[f"UINT{bits}"]
    bits = max(2, (-lo - 1).bit_length() + 1, max(hi, 0).bit_length() + 1)
    return DataType[f"INT{bits}"]
