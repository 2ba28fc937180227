"""Open-tool synthesis check: Yosys ``synth_xilinx -family xc7`` on a generated RTL design.

Counts LUT / FF / BRAM18 / DSP of a design folder (as :mod:`sim.rtlsim` writes it:
``finn_top.v``, the rtllib modules, memory images, all with relative paths, because
YoWASP's Yosys cannot see absolute paths under /tmp) and checks the fit on a part.
Out of context: no I/O buffers, so the counts are the accelerator's own.

Cell accounting (7-series): LUT = LUT1..LUT6 + LUTs inside LUTRAM/SRL primitives
(RAM32M/RAM64M 4, RAM32X1D/RAM64X1D 2, RAM128X1D 4, RAM256X1S 4, RAM32X1S/RAM64X1S/
RAM128X1S 1/1/2, SRL16E/SRLC32E 1); FF = FDRE+FDSE+FDCE+FDPE; BRAM18 = RAMB18E1 +
2 x RAMB36E1; DSP = DSP48E1.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from finn.util.basic import part_resources
from finn.util.exceptions import ToolNotFoundError, VerificationError
from sim.tools import find_yosys, yowasp_env

LUTRAM_LUTS = {"RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1S": 4,
               "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "SRL16E": 1, "SRLC32E": 1}
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE")


def count_resources(cells: dict[str, int]) -> dict[str, int]:
    """LUT/FF/BRAM18/DSP from Yosys' ``num_cells_by_type``."""
    lut = sum(n for c, n in cells.items() if c.startswith("LUT") and c[3:].isdigit())
    lut += sum(LUTRAM_LUTS.get(c, 0) * n for c, n in cells.items())
    return {
        "LUT": lut,
        "FF": sum(cells.get(c, 0) for c in FF_CELLS),
        "BRAM18": cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0),
        "DSP": cells.get("DSP48E1", 0),
    }


def synthesize(design_dir: str | Path, sources: list[str], top: str = "finn_top",
               timeout: int = 3600) -> dict:
    """Run Yosys on ``sources`` (names inside ``design_dir``); returns counts and cell types.

    Writes ``yosys.log`` and ``yosys_stat.json`` into the folder.
    """
    folder = Path(design_dir)
    cmd = [*find_yosys(), "-q", "-l", "yosys.log", "-p",
           f"read_verilog {' '.join(sources)}; synth_xilinx -family xc7 -noiopad -flatten -top {top}; "
           "tee -q -o yosys_stat.json stat -json"]
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=timeout, check=False,
                             env=yowasp_env())
    except FileNotFoundError as exc:  # pragma: no cover - find_yosys checked it
        raise ToolNotFoundError(str(exc)) from None
    seconds = time.perf_counter() - t0
    stat = folder / "yosys_stat.json"
    if res.returncode != 0 or not stat.is_file():
        raise VerificationError(f"Yosys failed (exit {res.returncode}): {res.stderr.strip()[-1500:]}",
                                hint=f"see {folder / 'yosys.log'}")
    data = json.loads(stat.read_text())
    cells = data.get("design", {}).get("num_cells_by_type", {})
    return {"resources": count_resources(cells), "cells": cells, "seconds": round(seconds, 1)}


def fit_check(resources: dict[str, int], part: str) -> dict:
    """Utilization of ``part`` (a key of :data:`finn.util.basic.part_resources` or a full part
    name starting with one); ``fits`` is False if any resource exceeds the part."""
    avail = next((v for k, v in part_resources.items() if part.startswith(k)), None)
    if avail is None:
        return {"part": part, "fits": None, "note": "no resource table for this part"}
    util = {k: round(resources.get(k, 0) / avail[k], 4) for k in avail if avail[k]}
    return {"part": part, "available": avail, "utilization": util, "fits": all(u <= 1.0 for u in util.values())}
