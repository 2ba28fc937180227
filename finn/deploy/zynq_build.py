"""ZynqBuild: the system of a board, written as a Vivado project, built into a bitfile with Vivado.

What it does to a folded model (``finn.transformation.fpgadataflow.make_zynq_proj.ZynqBuild``
is the seed's entry point):

1. DMA partitions at both ends of the accelerator (``InsertIODMA``) unless present;
2. FIFOs and width converters into the layers' partition, saved as a new child file (the
   seed's "post-synthesis" child shows them);
3. the system design, the very one ``system_rtlsim`` simulates (:func:`sim.system.system_design`),
   written to ``<out>/system`` (``finn_system.v``, the accelerator, the DMAs, memory images);
4. the Vivado project that packages it as an IP, puts it in the board's block design and
   builds the bitstream (:mod:`finn.deploy.vivado_zynq`), in ``<out>/vivado``;
5. with Vivado (``$FINN_VIVADO`` or ``vivado`` on PATH) the project runs and the ``.bit`` and
   ``.hwh`` are copied to ``<out>``, the utilization and timing reports parsed. Without it
   the whole system is synthesized with Yosys for the board's part with a fit check, and the
   result says plainly that no bitfile exists and why. This is not an error: such a build
   deploys to a virtual board. The Vivado run is untested here (no install on our
   machines); everything before it is.

The model's metadata gets ``vivado_pynq_proj``, ``bitfile`` and ``hw_handoff`` (the latter two
only when they exist) as in the seed, and ``system_design``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.util.basic import cache_subdir, make_build_dir
from finn.util.exceptions import ToolNotFoundError


def write_system(design, folder: Path) -> Path:
    """Write every file of a system design into ``folder`` (replaced whole, never half-written)."""
    from sim.rtlsim import write_design

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}_"))
    try:
        write_design(design, tmp)
        (tmp / "harness.cpp").unlink(missing_ok=True)  # the simulation's, not the hardware's
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def yosys_system(folder: Path, sources: list[str], part: str) -> dict:
    """Yosys resource counts of ``finn_system`` for ``part`` with a fit check, cached by content."""
    from finn.deploy.yosys_synth import fit_check, synthesize
    from sim.tools import find_yosys, tool_version

    h = hashlib.sha256(tool_version(find_yosys()).encode() + part.encode())
    for name in sorted(sources):
        h.update(name.encode() + b"\0" + (folder / name).read_bytes())
    for mem in sorted(p.name for p in folder.glob("*.mem")):
        h.update(mem.encode() + b"\0" + (folder / mem).read_bytes())
    cache = cache_subdir("yosys") / f"finn_system_{h.hexdigest()[:16]}.json"
    if cache.is_file():
        result = json.loads(cache.read_text())
        result["cached"] = True
        return result
    result = synthesize(folder, sources, top="finn_system")
    result["fit"] = fit_check(result["resources"], part)
    result["part"] = part
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, cache)
    result["cached"] = False
    return result


def zynq_build(model: ModelWrapper, platform: str, period_ns: float, hp_ports: int | None = None,
               out_dir: str | None = None) -> tuple[ModelWrapper, dict]:
    """Run the steps of the module docstring; returns the model and a result dict."""
    from finn.transformation.fpgadataflow.insert_dwc import InsertDWC
    from finn.transformation.fpgadataflow.insert_fifo import InsertFIFO
    from finn.transformation.fpgadataflow.insert_iodma import (
        InsertIODMA,
        is_bare_chain,
        layers_partition,
        split_system,
        wrap_in_partition,
    )
    from sim.board_model import board_model, check_clock
    from sim.system import auto_ports, system_design

    board = board_model(platform)
    fclk = check_clock(board, period_ns)
    out = Path(out_dir or make_build_dir("zynq_build_")).absolute()
    out.mkdir(parents=True, exist_ok=True)
    if is_bare_chain(model):  # the seed hands over the partition's child: give it a parent
        model = wrap_in_partition(model, str(out / "dataflow_partition_input.onnx"))
    idma, _, _ = split_system(model)
    if idma is None:
        ports = hp_ports or auto_ports(model, board, period_ns)
        model = model.transform(InsertIODMA(board.hp_width, ports, board.max_burst, board.read_outstanding,
                                            out_dir=str(out / "iodma")))
    layers = layers_partition(model)
    sdp = getCustomOp(layers)
    child = sdp.load_child().transform(InsertDWC()).transform(InsertFIFO())
    child_path = out / "dataflow_partition_layers.onnx"
    child.save(str(child_path))
    sdp.set_nodeattr("model", str(child_path))

    sd = system_design(model, board, clock_ns=period_ns)
    system_dir = write_system(sd.design, out / "system")
    sources = [s for s in sd.design.sources]
    result: dict = {"board": platform, "part": board.part, "clock_ns": period_ns, "fclk_mhz": fclk,
                    "hp_ports": sd.info.mem_ports, "system_design": str(system_dir), "sources": sources,
                    "dataflow_partition": str(child_path)}
    result.update(_vivado(out, system_dir, sd, platform, period_ns, sources))
    model.set_metadata_prop("system_design", str(system_dir))
    model.set_metadata_prop("vivado_pynq_proj", result["vivado_pynq_proj"])
    for key in ("bitfile", "hw_handoff", "vivado_synth_rpt", "vivado_timing_rpt"):
        if result.get(key):
            model.set_metadata_prop(key, result[key])
    return model, result


def _vivado(out: Path, system_dir: Path, sd, platform: str, period_ns: float, sources: list[str]) -> dict:
    """Write the Vivado project; run it when Vivado exists, else synthesize with Yosys."""
    from finn.deploy import vivado_zynq

    iface = vivado_zynq.system_interface(sd.info, sources)
    files = vivado_zynq.write_project(out / "vivado", system_dir, iface, platform, period_ns)
    result: dict = {"vivado_pynq_proj": str(files.project_dir), "tcl": [str(p) for p in files.tcl_files]}
    try:
        vivado_zynq.find_vivado()
    except ToolNotFoundError as exc:
        syn = yosys_system(system_dir, sources, sd.board.part)
        fit = syn["fit"]
        verdict = "fits" if fit.get("fits") else "does NOT fit"
        result.update({
            "bitfile": None, "hw_handoff": None, "yosys": syn,
            "bitfile_status": (f"no bitfile: {str(exc).splitlines()[0]}. The Vivado project is written "
                               f"({files.project_dir}); the system was synthesized with Yosys instead and "
                               f"{verdict} {sd.board.part}. Such a build deploys to a virtual board."),
        })
        return result
    built = vivado_zynq.run_project(files)
    for key in ("bit", "hwh"):
        target = out / f"finn_{platform.lower().replace('-', '_')}.{key}"
        shutil.copyfile(built[key], target)
        result["bitfile" if key == "bit" else "hw_handoff"] = str(target)
    result.update({k: v for k, v in built.items() if k not in ("bit", "hwh")})
    result["bitfile_status"] = f"bitfile built by Vivado: {result['bitfile']}"
    return result
