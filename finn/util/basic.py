"""Small helpers the FINN tutorial imports: build dirs and board/part names."""

from __future__ import annotations

import os
import tempfile

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


def make_build_dir(prefix: str = "") -> str:
    """Create a fresh build directory and return its path.

    The parent is ``$FINN_BUILD_DIR`` when set, else the system temp dir.
    """
    parent = os.environ.get("FINN_BUILD_DIR") or tempfile.gettempdir()
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=parent)
