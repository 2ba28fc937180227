"""Vitis HLS synthesis of every HW node, when Vitis HLS (or Vivado HLS) is installed.

:func:`write_hls_projects` writes, per HW node, the generated C++ (the same sources
cppsim compiles), the kernel headers and a project script (``hls.tcl``).
:func:`synthesize` runs the scripts with ``vitis_hls`` / ``vivado_hls`` from PATH
(``$FINN_VITIS_HLS`` overrides) and otherwise says the tool is missing.

UNTESTED: no vendor install exists on the development and CI machines; this path
is kept thin on purpose and is marked as such in every report it writes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.hls_kernels import kernel_spec
from finn.codegen.hls_node import node_sources
from finn.codegen.hls_tcl import hls_project_tcl
from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.util.exceptions import ToolNotFoundError

HLS_TOOL_ENV = "FINN_VITIS_HLS"
HLS_TOOLS = ("vitis_hls", "vivado_hls")


def find_hls_tool() -> str | None:
    """``$FINN_VITIS_HLS``, else the first of vitis_hls / vivado_hls on PATH, else None."""
    env = os.environ.get(HLS_TOOL_ENV)
    if env:
        return shutil.which(env)
    for name in HLS_TOOLS:
        path = shutil.which(name)
        if path:
            return path
    return None


def hw_nodes(model: ModelWrapper) -> list[tuple[ModelWrapper, object]]:
    """(model holding it, node) for every HW node, dataflow partitions expanded."""
    found = []
    for node in model.graph.node:
        if node.op_type == "StreamingDataflowPartition":
            found += hw_nodes(getCustomOp(node).load_child())
        elif is_hw_node(node):
            found.append((model, node))
    return found


def write_hls_projects(model: ModelWrapper, out_dir: str | Path, part: str, clock_ns: float) -> list[Path]:
    """One folder per HW node under ``out_dir`` with sources, headers and ``hls.tcl``."""
    folders = []
    lib = resources.files("finn.hlslib")
    for owner, node in hw_nodes(model):
        spec = kernel_spec(owner, node)
        folder = Path(out_dir) / spec.ident
        folder.mkdir(parents=True, exist_ok=True)
        files = dict(node_sources(spec))
        files["hls.tcl"] = hls_project_tcl(spec.ident, part, clock_ns)
        for name, text in files.items():
            (folder / name).write_text(text)
        for header in lib.iterdir():
            if header.name.endswith(".h"):
                (folder / header.name).write_bytes(header.read_bytes())
        folders.append(folder)
    return folders


def synthesize(model: ModelWrapper, out_dir: str | Path, part: str, clock_ns: float) -> list[dict]:
    """Write the projects and run each with the HLS tool; ToolNotFoundError if it is absent.

    Returns one ``{"node", "folder", "returncode"}`` per node.
    """
    folders = write_hls_projects(model, out_dir, part, clock_ns)
    tool = find_hls_tool()
    if tool is None:
        raise ToolNotFoundError(
            f"Vitis HLS not found (looked for {' / '.join(HLS_TOOLS)} on PATH and ${HLS_TOOL_ENV}); "
            f"the HLS projects are written to {out_dir}",
            hint="install Vitis HLS and source its settings64.sh, then run `vitis_hls -f hls.tcl` in "
                 "each node folder; C simulation needs no vendor tool (exec_mode='cppsim')",
        )
    results = []
    for folder in folders:
        res = subprocess.run([tool, "-f", "hls.tcl"], cwd=folder, capture_output=True, text=True, check=False)
        (folder / "hls.log").write_text(res.stdout + res.stderr)
        results.append({"node": folder.name, "folder": str(folder), "returncode": res.returncode})
    return results
