"""C++ simulation (cppsim): HW nodes run as g++-compiled HLS-style kernels.

Each HW node becomes a small program (``finn.codegen.hls_node``) compiled with g++
against ``finn/hlslib``; a dataflow partition whose child graph is a chain becomes
one program (``finn.codegen.hls_partition``) that streams every frame through all
kernels in one process. Binaries are cached in ``work_dir`` under a hash of the
sources, the library headers, the flags and the compiler version, so an unchanged
node is never compiled twice; missing ones are compiled in parallel.

Non-HW nodes (host-side ONNX ops around the partition) run exactly as in
:class:`sim.python_engine.PythonEngine`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.hls_kernels import KernelSpec, kernel_spec
from finn.codegen.hls_node import node_sources
from finn.codegen.hls_partition import partition_sources
from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.util.basic import cache_subdir
from finn.util.exceptions import CompileError, ToolNotFoundError, VerificationError
from sim.python_engine import PythonEngine
from sim.tools import tool_version

CXX_ENV = "FINN_CXX"  # override the compiler (default: g++ on PATH)
CXXFLAGS = ("-std=c++17", "-O2")
_BINARY = "sim"


def find_cxx() -> str:
    """Path of the C++ compiler: ``$FINN_CXX`` or ``g++`` on PATH."""
    name = os.environ.get(CXX_ENV, "g++")
    path = shutil.which(name)
    if path is None:
        raise ToolNotFoundError(
            f"C++ compiler '{name}' not found (cppsim compiles every HW node with it)",
            hint=f"install g++ (Debian/Ubuntu: apt-get install g++) or point {CXX_ENV} at a compiler",
        )
    return path


def default_work_dir() -> Path:
    """``$FINN_CACHE_DIR/cppsim``, else ``<user cache dir>/finn-open/cppsim``."""
    return cache_subdir("cppsim")


@functools.lru_cache(maxsize=1)
def _hlslib_files() -> dict[str, bytes]:
    lib = resources.files("finn.hlslib")
    return {p.name: p.read_bytes() for p in lib.iterdir() if p.name.endswith(".h")}


@dataclass
class Program:
    """One C++ program to build: sources, the main file and who it simulates."""

    label: str  # node or partition name, for messages
    ident: str
    sources: dict[str, str]
    main: list[str]  # the files to compile
    directory: Path | None = None
    compile_seconds: float = 0.0
    cached: bool = False

    @property
    def binary(self) -> Path:
        assert self.directory is not None
        return self.directory / _BINARY


def _key(program: Program, cxx: str) -> str:
    h = hashlib.sha256()
    for name in sorted(program.sources):
        h.update(name.encode() + b"\0" + program.sources[name].encode() + b"\0")
    for name, data in sorted(_hlslib_files().items()):
        h.update(name.encode() + b"\0" + data + b"\0")
    h.update(" ".join(CXXFLAGS).encode() + tool_version([cxx]).encode())
    return h.hexdigest()[:16]


def build(program: Program, work_dir: Path, cxx: str | None = None) -> Program:
    """Write ``program``'s sources and compile them, unless a cached binary exists.

    The folder is ``<work_dir>/<ident>_<hash>``; it appears only once complete, so
    an interrupted build leaves nothing half-written behind.
    """
    cxx = cxx or find_cxx()
    final = Path(work_dir) / f"{program.ident}_{_key(program, cxx)}"
    program.directory = final
    if (final / _BINARY).is_file():
        program.cached = True
        return program
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=work_dir, prefix=f".{program.ident}_"))
    try:
        for name, text in program.sources.items():
            (tmp / name).write_text(text)
        with resources.as_file(resources.files("finn.hlslib")) as lib:
            cmd = [cxx, *CXXFLAGS, f"-I{lib}", "-I.", *program.main, "-o", _BINARY]
            t0 = time.perf_counter()
            res = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
            program.compile_seconds = time.perf_counter() - t0
        if res.returncode != 0:
            keep = Path(work_dir) / f"{program.ident}_FAILED"
            shutil.rmtree(keep, ignore_errors=True)
            os.replace(tmp, keep)
            errors = [ln for ln in res.stderr.splitlines() if "error" in ln][:5]
            raise CompileError(
                "generated C++ does not compile:\n    " + "\n    ".join(errors or res.stderr.splitlines()[:5]),
                node=program.label,
                hint=f"sources and the full compiler output are kept in {keep} "
                     f"(command: {' '.join(cmd)})",
            )
        (tmp / "compile.log").write_text(" ".join(cmd) + "\n" + res.stderr)
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished the same program first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return program


def build_all(programs: list[Program], work_dir: Path, jobs: int | None = None) -> list[Program]:
    """Compile ``programs`` in parallel (``jobs`` compilers at once, default: CPU count)."""
    if not programs:
        return programs
    cxx = find_cxx()
    jobs = jobs or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda p: build(p, work_dir, cxx), programs))


def run_program(program: Program, x: np.ndarray, label: str | None = None) -> np.ndarray:
    """Run a built program on tensor ``x`` (float32 .npy in, .npy out)."""
    with tempfile.TemporaryDirectory(prefix="finn_cppsim_") as d:
        src, dst = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
        np.save(src, np.ascontiguousarray(x, dtype=np.float32))
        res = subprocess.run([str(program.binary), src, dst], capture_output=True, text=True, check=False)
        if res.returncode != 0 or not os.path.isfile(dst):
            raise VerificationError(
                f"C++ simulation failed (exit {res.returncode}): {res.stderr.strip()[:500]}",
                node=label or program.label,
                hint=f"reproduce with: {program.binary} <input.npy> <output.npy>",
            )
        return np.load(dst)


def node_program(model: ModelWrapper, node) -> Program:
    spec = kernel_spec(model, node)
    return Program(node.name, spec.ident, node_sources(spec), ["top.cpp", "driver.cpp"])


def partition_program(model: ModelWrapper, label: str) -> Program | None:
    """The one-process program of a chain-shaped HW graph, None if it is not a chain."""
    nodes = list(model.graph.node)
    if not nodes or len(model.graph.input) != 1 or len(model.graph.output) != 1:
        return None
    if not all(is_hw_node(n) for n in nodes):
        return None
    cur = model.graph.input[0].name
    for n in nodes:
        if n.input[0] != cur or len(n.output) != 1:
            return None
        cur = n.output[0]
    if cur != model.graph.output[0].name:
        return None
    specs: list[KernelSpec] = [kernel_spec(model, n) for n in nodes]
    ident = "partition_" + "_".join(s.ident for s in specs[:1]) + f"_{len(specs)}"
    return Program(label, ident, partition_sources(specs), ["partition.cpp"])


@dataclass
class CompileReport:
    """What compiling a model's programs cost."""

    programs: list[Program] = field(default_factory=list)

    def per_program(self) -> list[dict]:
        return [{"name": p.label, "seconds": round(p.compile_seconds, 3), "cached": p.cached,
                 "directory": str(p.directory)} for p in self.programs]


class CppSimEngine(PythonEngine):
    """Execute a model with HW nodes in C++ simulation.

    Parameters
    ----------
    model : ModelWrapper
        A model with HW nodes, or a parent whose StreamingDataflowPartition children hold them.
    work_dir : path, optional
        Where sources and binaries go (default :func:`default_work_dir`).
    stitched : bool
        Run each dataflow partition as one program (default). False runs node by node,
        one program per HW node, like ``execute_onnx(..., exec_mode="cppsim")``.
    jobs : int, optional
        Parallel compilers.
    """

    def __init__(self, model: ModelWrapper, work_dir: str | Path | None = None, stitched: bool = True,
                 jobs: int | None = None):
        super().__init__(model)
        self.work_dir = Path(work_dir) if work_dir is not None else default_work_dir()
        self.stitched = stitched
        self._children: dict[str, CppSimEngine] = {}
        self._partitions: dict[str, Program] = {}
        self._nodes: dict[str, Program] = {}
        self.compile_report = CompileReport()
        self._prepare(jobs)

    def _prepare(self, jobs: int | None) -> None:
        todo: list[Program] = []
        for node in self.model.graph.node:
            if node.op_type == "StreamingDataflowPartition":
                child = getCustomOp(node).load_child()
                prog = partition_program(child, node.name) if self.stitched else None
                if prog is not None:
                    self._partitions[node.name] = prog
                    todo.append(prog)
                else:
                    self._children[node.name] = CppSimEngine(child, self.work_dir, False, jobs)
                    self.compile_report.programs += self._children[node.name].compile_report.programs
            elif is_hw_node(node):
                prog = node_program(self.model, node)
                self._nodes[node.name] = prog
                todo.append(prog)
        built = build_all(todo, self.work_dir, jobs)
        self.compile_report.programs += built

    def _run_custom(self, node, context: dict[str, np.ndarray]) -> None:
        if node.name in self._nodes:
            context[node.output[0]] = run_program(self._nodes[node.name], context[node.input[0]])
        elif node.name in self._partitions:
            context[node.output[0]] = run_program(self._partitions[node.name], context[node.input[0]])
        elif node.name in self._children:
            self._children[node.name].run_as_partition(node, context)
        else:
            super()._run_custom(node, context)

