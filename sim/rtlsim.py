"""RTL simulation (rtlsim): HW nodes as Verilog, compiled with Verilator into a C++ harness.

A *design* is a folder with a generated top (``finn_top``, :mod:`finn.codegen.rtl_stitch`),
the ``finn/rtllib`` modules it uses, its memory images and the harness
(:mod:`finn.codegen.rtl_harness`), compiled once by Verilator into ``obj/sim``. The
folder name carries a hash of everything that goes into the binary, so an unchanged
design is never rebuilt. Every path inside is relative: the folder can be handed to
Yosys or moved.

Two ways to run a model (:class:`RtlSimEngine`):

* ``stitched`` (default): each dataflow partition becomes one design, with width
  converters and FIFOs inserted (``InsertDWC``, ``InsertFIFO``) and all frames streamed
  through it, optionally under random valid gaps and back-pressure; per-frame latency
  and the steady-state initiation interval are measured.
* node by node: every HW node is its own single-unit design.
"""

from __future__ import annotations

import hashlib
import json
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

from finn.codegen.cpp_values import element_kind
from finn.codegen.rtl_harness import harness_source
from finn.codegen.rtl_nodes import RtlInstance, rtl_instance
from finn.codegen.rtl_stitch import TopInfo, stitched_top
from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.util.basic import cache_subdir
from finn.util.exceptions import CompileError, UnsupportedGraphError, VerificationError
from golden.streams import pack_words, unpack_words
from sim.python_engine import PythonEngine
from sim.tools import find_verilator, tool_version, verilator_env

VERILATOR_FLAGS = ("--cc", "--exe", "--build", "-O3", "-Wno-fatal", "--x-assign", "fast", "--x-initial", "fast",
                   "--noassert", "-CFLAGS", "-O2")
# a waveform-capable build (a separate binary: tracing slows every run down)
TRACE_FLAGS = ("--trace", "-CFLAGS", "-DFINN_TRACE")
STALL_EXIT = 4
# liveness bound: a run stops as stalled after this many cycles without any transfer, with
# `latency` the sum of the units' analytic cycles per frame (an upper bound on the
# pipeline's fill time): LIVENESS_FACTOR * latency + LIVENESS_SLACK
LIVENESS_FACTOR = 8
LIVENESS_SLACK = 1000


def default_work_dir() -> Path:
    """``$FINN_CACHE_DIR/rtlsim``, else ``<user cache dir>/finn-open/rtlsim``."""
    return cache_subdir("rtlsim")


# --------------------------------------------------------------------------- designs


@dataclass
class Design:
    """A generated, buildable RTL design (a stitched partition or a single node)."""

    label: str
    ident: str
    info: TopInfo
    files: dict[str, str]  # generated text files (top, harness, memory images)
    modules: list[str]  # rtllib sources used
    directory: Path | None = None
    build_seconds: float = 0.0
    cached: bool = False
    trace: bool = False  # build with waveform support
    top: str = "finn_top"  # the top module; its file is <top>.v among ``files``
    output: str = "sim"  # what the build links (an executable, or a shared library)
    link_flags: tuple[str, ...] = ()  # extra Verilator flags of this kind of design

    @property
    def binary(self) -> Path:
        assert self.directory is not None
        return self.directory / "obj" / self.output

    @property
    def sources(self) -> list[str]:
        generated = sorted(n for n in self.files if n.endswith(".v") and n != f"{self.top}.v")
        return [f"{self.top}.v", *generated, *self.modules]


def design_from_instances(label: str, ident: str, instances: list[RtlInstance], frame_vectors: int = 1
                          ) -> Design:
    top, info = stitched_top(instances, frame_vectors)
    files = {"finn_top.v": top, "harness.cpp": harness_source(info)}
    for inst in instances:
        files.update(inst.mem_files)
    modules = sorted({inst.source for inst in instances})
    return Design(label, ident, info, files, modules)


def chain_nodes(model: ModelWrapper) -> list:
    """The HW nodes of a chain-shaped graph in stream order; UnsupportedGraphError otherwise."""
    nodes = list(model.graph.node)
    cur = model.graph.input[0].name
    for n in nodes:
        if not is_hw_node(n):
            raise UnsupportedGraphError(f"{n.op_type} is not a HW op", node=n.name,
                                        hint="a stitched design holds only HW nodes (a dataflow partition)")
        if n.input[0] != cur:
            raise UnsupportedGraphError("the partition is not a single chain of streams", node=n.name)
        cur = n.output[0]
    return nodes


def stitched_design(child: ModelWrapper, label: str) -> Design:
    """A dataflow partition's child graph as one design (DWCs and FIFOs inserted on a copy)."""
    from finn.transformation.fpgadataflow.insert_dwc import InsertDWC
    from finn.transformation.fpgadataflow.insert_fifo import InsertFIFO

    model = child.transform(InsertDWC()).transform(InsertFIFO())
    nodes = chain_nodes(model)
    instances = [rtl_instance(model, n) for n in nodes]
    vectors = getCustomOp(nodes[0]).frame_vectors()
    return design_from_instances(label, f"stitched_{instances[0].ident}_{len(instances)}", instances, vectors)


def node_design(model: ModelWrapper, node) -> Design:
    inst = rtl_instance(model, node)
    return design_from_instances(node.name, inst.ident, [inst], getCustomOp(node).frame_vectors())


# --------------------------------------------------------------------------- building


_LIB_CACHE: dict[str, bytes] = {}


def _module_text(name: str) -> bytes:
    if name not in _LIB_CACHE:
        _LIB_CACHE[name] = resources.files("finn.rtllib").joinpath(name).read_bytes()
    return _LIB_CACHE[name]


def _key(design: Design, verilator: str) -> str:
    h = hashlib.sha256()
    for name in sorted(design.files):
        h.update(name.encode() + b"\0" + design.files[name].encode() + b"\0")
    for name in design.modules:
        h.update(name.encode() + b"\0" + _module_text(name) + b"\0")
    h.update(" ".join(_flags(design)).encode() + tool_version([verilator]).encode())
    return h.hexdigest()[:16]


def _flags(design: Design) -> tuple[str, ...]:
    return (VERILATOR_FLAGS + ("--top-module", design.top) + design.link_flags
            + (TRACE_FLAGS if design.trace else ()))


def write_design(design: Design, folder: Path) -> None:
    """Write every file of ``design`` (generated text and rtllib modules) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in design.files.items():
        (folder / name).write_text(text)
    for name in design.modules:
        (folder / name).write_bytes(_module_text(name))


def build(design: Design, work_dir: Path, jobs: int = 1) -> Design:
    """Write and Verilate ``design`` under ``work_dir`` unless a built copy exists."""
    verilator = find_verilator()
    final = Path(work_dir) / f"{design.ident}{'_trace' if design.trace else ''}_{_key(design, verilator)}"
    design.directory = final
    if (final / "obj" / design.output).is_file():
        design.cached = True
        return design
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=work_dir, prefix=f".{design.ident}_"))
    try:
        write_design(design, tmp)
        cmd = [verilator, *_flags(design), "-j", str(jobs), "-Mdir", "obj", "-o", design.output,
               "harness.cpp", *design.sources]
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env=verilator_env(), check=False)
        design.build_seconds = time.perf_counter() - t0
        (tmp / "build.log").write_text(" ".join(cmd) + "\n" + res.stdout + res.stderr)
        if res.returncode != 0 or not (tmp / "obj" / design.output).is_file():
            keep = Path(work_dir) / f"{design.ident}_FAILED"
            shutil.rmtree(keep, ignore_errors=True)
            os.replace(tmp, keep)
            errors = [ln for ln in (res.stdout + res.stderr).splitlines() if "Error" in ln or "error:" in ln]
            raise CompileError("Verilator could not build the design:\n    " + "\n    ".join(errors[:6]),
                               node=design.label, hint=f"sources and build.log are kept in {keep}")
        # the object folder is large and only the binary is needed to run
        for p in (tmp / "obj").iterdir():
            if p.name != design.output:
                p.unlink() if p.is_file() else shutil.rmtree(p)
        try:
            os.replace(tmp, final)
        except OSError:  # another process built the same design first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return design


def build_all(designs: list[Design], work_dir: Path, jobs: int | None = None) -> list[Design]:
    """Build ``designs`` in parallel; each Verilator build gets a share of the cores."""
    if not designs:
        return designs
    cores = jobs or os.cpu_count() or 1
    workers = min(cores, len(designs))
    per_build = max(1, cores // workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda d: build(d, work_dir, per_build), designs))


# --------------------------------------------------------------------------- running


@dataclass
class RunStats:
    """Timing of one run of a design."""

    cycles: int
    frames: int
    first_in: list[int]
    last_out: list[int]
    tlast_errors: int = 0
    wall_seconds: float = 0.0  # the whole run: process start, memory images, file I/O
    sim_seconds: float = 0.0  # the simulation loop alone

    @property
    def latencies(self) -> list[int]:
        return [b - a + 1 for a, b in zip(self.first_in, self.last_out, strict=True)]

    def steady_state_ii(self) -> float | None:
        """Mean completion interval over the second half of the frames (cycles per frame)."""
        if self.frames < 4:
            return None
        mid = self.frames // 2
        return (self.last_out[-1] - self.last_out[mid - 1]) / (self.frames - mid)

    def ii_range(self) -> tuple[int, int] | None:
        if self.frames < 4:
            return None
        gaps = np.diff(self.last_out[self.frames // 2 - 1:])
        return int(gaps.min()), int(gaps.max())

    def to_dict(self) -> dict:
        lat = self.latencies
        return {"cycles": self.cycles, "frames": self.frames, "tlast_errors": self.tlast_errors,
                "latency_cycles": {"first": lat[0], "min": min(lat), "max": max(lat)} if lat else None,
                "steady_state_ii": self.steady_state_ii(), "ii_range": self.ii_range(),
                "wall_seconds": round(self.wall_seconds, 4), "sim_seconds": round(self.sim_seconds, 4),
                "cycles_per_second": round(self.cycles / self.sim_seconds) if self.sim_seconds else None}


def _to_bin(words: list[int], width: int) -> bytes:
    n = (width + 31) // 32 * 4
    return b"".join(int(w).to_bytes(n, "little") for w in words)


def _from_bin(data: bytes, width: int) -> list[int]:
    n = (width + 31) // 32 * 4
    return [int.from_bytes(data[i:i + n], "little") for i in range(0, len(data), n)]


def run_design(design: Design, words: list[int], valid_prob: float = 1.0, ready_prob: float = 1.0,
               seed: int = 1, trace: str | Path | None = None, max_idle: int | None = None
               ) -> tuple[list[int], RunStats]:
    """Stream ``words`` through a built design; return output words and timing.

    Raises VerificationError naming the design (and the stalled streams and FIFO
    occupancies) if no word moves for ``max_idle`` cycles.
    """
    info = design.info
    if max_idle is None:
        max_idle = 20000
    if trace is not None and not design.trace:
        import dataclasses

        assert design.directory is not None
        design = build(dataclasses.replace(design, trace=True, directory=None, cached=False),
                       design.directory.parent)
    with tempfile.TemporaryDirectory(prefix="finn_rtlsim_") as d:
        src, dst, stats = (os.path.join(d, n) for n in ("in.bin", "out.bin", "stats.json"))
        Path(src).write_bytes(_to_bin(words, info.in_width))
        cmd = [str(design.binary), src, dst, stats, "--valid-prob", str(valid_prob), "--ready-prob",
               str(ready_prob), "--seed", str(seed), "--max-idle", str(max_idle)]
        if trace is not None:
            cmd += ["--trace", str(trace)]
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=design.directory, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if res.returncode != 0:
            what = "stalled" if res.returncode == STALL_EXIT else f"failed (exit {res.returncode})"
            raise VerificationError(
                f"RTL simulation {what}:\n{res.stderr.strip()[:3000]}",
                node=design.label,
                hint=f"design folder {design.directory}; a waveform: rerun with trace=... "
                     f"({design.binary} in.bin out.bin stats.json --trace wave.vcd)",
            )
        out = _from_bin(Path(dst).read_bytes(), info.out_width)
        s = json.loads(Path(stats).read_text())
    return out, RunStats(s["cycles"], s["frames"], s["first_in"], s["last_out"], s["tlast_errors"], wall,
                         s["sim_seconds"])


@dataclass
class StreamFormat:
    """How a tensor maps to the words of a stream (element datatype, elements per word)."""

    dtype: object
    per_word: int

    def pack(self, x: np.ndarray) -> list[int]:
        values = np.asarray(x).reshape(-1, self.per_word)
        return pack_words(values, self.dtype.bitwidth(), element_kind(self.dtype))

    def unpack(self, words: list[int]) -> np.ndarray:
        return unpack_words(words, self.per_word, self.dtype.bitwidth(), element_kind(self.dtype))


def _formats(first, last) -> tuple[StreamFormat, StreamFormat, bool]:
    a, b = getCustomOp(first), getCustomOp(last)
    return (StreamFormat(a.get_input_datatype(), a.get_folded_input_shape()[-1]),
            StreamFormat(b.get_output_datatype(), b.get_folded_output_shape()[-1]),
            last.op_type == "LabelSelect_Batch")


@dataclass
class Runnable:
    """A built design with the tensor formats of its two streams."""

    design: Design
    fin: StreamFormat
    fout: StreamFormat
    out_elems: int  # per vector
    index_output: bool
    max_idle: int = 20000  # liveness bound, from the analytic latency
    last_stats: RunStats | None = None

    def run(self, x: np.ndarray, **kw) -> np.ndarray:
        words = self.fin.pack(x)
        kw.setdefault("max_idle", self.max_idle)
        out_words, stats = run_design(self.design, words, **kw)
        self.last_stats = stats
        if stats.tlast_errors:
            raise VerificationError(f"TLAST was wrong on {stats.tlast_errors} output words",
                                    node=self.design.label)
        y = self.fout.unpack(out_words).reshape(list(x.shape[:-1]) + [self.out_elems])
        return y.astype(np.int64) if self.index_output else y.astype(np.float32)


@dataclass
class BuildReport:
    designs: list[Design] = field(default_factory=list)

    def per_design(self) -> list[dict]:
        return [{"name": d.label, "seconds": round(d.build_seconds, 2), "cached": d.cached,
                 "directory": str(d.directory)} for d in self.designs]


class RtlSimEngine(PythonEngine):
    """Execute a model with its HW nodes in Verilator simulation.

    Parameters
    ----------
    model : ModelWrapper
        A model with HW nodes, or a parent whose StreamingDataflowPartition children hold them.
    work_dir : path, optional
        Where designs are built (default :func:`default_work_dir`).
    stitched : bool
        One design per partition (default), else one design per HW node.
    valid_prob, ready_prob, seed :
        Random valid gaps on the input and back-pressure on the output of every run.
    """

    def __init__(self, model: ModelWrapper, work_dir: str | Path | None = None, stitched: bool = True,
                 valid_prob: float = 1.0, ready_prob: float = 1.0, seed: int = 1, jobs: int | None = None):
        super().__init__(model)
        self.work_dir = Path(work_dir) if work_dir is not None else default_work_dir()
        self.stitched = stitched
        self.run_options = {"valid_prob": valid_prob, "ready_prob": ready_prob, "seed": seed}
        self.runnables: dict[str, Runnable] = {}
        self._children: dict[str, RtlSimEngine] = {}
        self.build_report = BuildReport()
        pending: list[tuple[str, Design, list]] = []
        for node in model.graph.node:
            if node.op_type == "StreamingDataflowPartition":
                child = getCustomOp(node).load_child()
                if stitched:
                    pending.append((node.name, stitched_design(child, node.name), chain_nodes(child)))
                else:
                    sub = RtlSimEngine(child, self.work_dir, False, valid_prob, ready_prob, seed, jobs)
                    self._children[node.name] = sub
                    self.build_report.designs += sub.build_report.designs
            elif is_hw_node(node):
                pending.append((node.name, node_design(model, node), [node]))
        built = build_all([p[1] for p in pending], self.work_dir, jobs)
        self.build_report.designs += built
        for (name, _, nodes), d in zip(pending, built, strict=True):
            fin, fout, index = _formats(nodes[0], nodes[-1])
            out_elems = int(getCustomOp(nodes[-1]).get_normal_output_shape()[-1])
            latency = sum(getCustomOp(n).cycles() for n in nodes)
            self.runnables[name] = Runnable(d, fin, fout, out_elems, index,
                                            LIVENESS_FACTOR * latency + LIVENESS_SLACK)

    def _run_custom(self, node, context: dict[str, np.ndarray]) -> None:
        if node.name in self.runnables:
            context[node.output[0]] = self.runnables[node.name].run(context[node.input[0]], **self.run_options)
        elif node.name in self._children:
            self._children[node.name].run_as_partition(node, context)
        else:
            super()._run_custom(node, context)
