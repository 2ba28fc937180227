"""System simulation: the accelerator with its DMA engines and a model of the board's memory.

:func:`system_design` turns a model (a dataflow partition of layers, with or without its
DMA partitions from ``InsertIODMA``) into a buildable design: the stitched accelerator
(:func:`sim.rtlsim.stitched_design`), the ``finn_system`` top with an input and an output
DMA (:mod:`finn.codegen.rtl_system`) and the C++ memory model
(:mod:`finn.codegen.system_harness`), compiled by Verilator into a shared library in the
content-addressed rtlsim cache.

:class:`SystemSimulation` drives one instance of it the way the processor drives a board:
allocate buffers at physical addresses of the simulated DDR, write and read them, read and
write the DMAs' registers, run until done under a watchdog; simulated cycles and time at
the clock come with every result. :meth:`SystemSimulation.run_frames` is the driver's
whole sequence (program both DMAs, start the output DMA then the input DMA, poll the
output DMA's ap_done, check both DMAs' status).

:class:`SystemEngine` is the ``rtlsim_system`` execution mode: the same engine interface
as the other levels, the accelerator's partition run through the system.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.rtl_system import SYSTEM_TOP, SystemInfo, dma_params, system_top
from finn.codegen.system_harness import GLOBAL_STATS, PARAMS, PORT_STATS, harness_source
from finn.transformation.fpgadataflow.insert_iodma import (
    iodma_node,
    is_bare_chain,
    memory_ports,
    split_system,
)
from finn.util.exceptions import ConfigError, VerificationError
from sim.board_model import BoardModel, board_model
from sim.python_engine import PythonEngine
from sim.rtlsim import Design, StreamFormat, build, default_work_dir, stitched_design

# the register map of both DMAs (an HLS-generated block's, as FINN-style drivers program it)
AP_CTRL, ADDR_LO, ADDR_HI, FRAMES, STATUS, PROGRESS = 0x00, 0x10, 0x14, 0x1C, 0x20, 0x24
AP_START, AP_DONE, AP_IDLE = 0x1, 0x2, 0x4
STATUS_BITS = {0x2: "SLVERR", 0x4: "DECERR", 0x8: "buffer address not aligned"}
CONTROL = {"idma0": 0, "odma0": 1}
RESP = {"SLVERR": 2, "DECERR": 3}
BUFFER_ALIGN = 4096  # pynq.allocate hands out page-aligned buffers
POLL_CYCLES = 16  # the driver reads ap_ctrl every this many cycles
MMIO_TIMEOUT = 1000
LIVENESS_SLACK = 20000


def dma_modules() -> list[str]:
    """The rtllib files of the DMA engines (the control block and any helper modules)."""
    names = [p.name for p in resources.files("finn.rtllib").iterdir()]
    own = {"finn_axil_ctrl.v", "finn_idma.v", "finn_odma.v", "finn_fifo.v"}
    return sorted(n for n in names if n in own or (n.startswith("finn_dma_") and n.endswith(".v")))


@dataclass
class SystemDesign:
    """A buildable system: the design (files, sources) and what drivers need to know."""

    design: Design
    info: SystemInfo
    board: BoardModel
    frame_in: StreamFormat
    frame_out: StreamFormat
    in_dma: object  # the IODMA ops (their frame layout is the driver's contract)
    out_dma: object
    out_elems: int
    index_output: bool
    analytic_latency: int  # sum of the units' cycles per frame (a bound on the pipeline fill)
    accel_ii: int

    @property
    def library(self) -> Path:
        return self.design.binary


def auto_ports(model: ModelWrapper, board: BoardModel, clock_ns: float) -> int:
    """The fewest memory ports that carry the frames as fast as the accelerator takes them."""
    from finn.transformation.fpgadataflow.folding import folding_summary

    _, child, _ = split_system(model)
    probe = getCustomOp(iodma_node(child, "in", board.hp_width, 1, board.max_burst, board.read_outstanding))
    return memory_ports(probe.frame_beats(), folding_summary(child)["II"], board.hp_ports,
                        board.ddr_bytes_per_cycle(clock_ns) / board.port_bytes_per_cycle())


def system_design(model: ModelWrapper, board: str | BoardModel = "Pynq-Z1", ports: int | None = None,
                  clock_ns: float = 10.0, trace: bool = False) -> SystemDesign:
    """The system design of ``model``'s accelerator on ``board``.

    ``model`` is a parent with one dataflow partition of layers (DMAs are added here, not
    in the model) or the output of ``InsertIODMA`` (its DMA nodes are used as they are).
    ``ports`` is the number of memory ports the input is striped over; None takes the
    model's DMAs or, without them, the fewest ports that keep up with the accelerator
    (:func:`memory_ports`); a count other than the model's DMAs' builds that variant.
    """
    bm = board if isinstance(board, BoardModel) else board_model(board)
    idma, child, odma = split_system(model)
    from finn.transformation.fpgadataflow.folding import folding_summary

    accel_ii = folding_summary(child)["II"]
    if idma is not None and ports is not None and getCustomOp(idma).get_nodeattr("numPorts") != ports:
        idma = odma = None  # another port count than the model's DMAs: a variant of the system
    if idma is None:
        if ports is None:
            ports = auto_ports(model, bm, clock_ns)
        if not 1 <= ports <= bm.hp_ports:
            raise ConfigError(f"{bm.name} has {bm.hp_ports} HP ports; {ports} were asked for",
                              hint=f"choose --hp-ports between 1 and {bm.hp_ports}")
        idma = iodma_node(child, "in", bm.hp_width, ports, bm.max_burst, bm.read_outstanding)
        odma = iodma_node(child, "out", bm.hp_width, 1, bm.max_burst, bm.write_outstanding)
    in_op, out_op = getCustomOp(idma), getCustomOp(odma)
    for op in (in_op, out_op):
        op.verify_folding()
    accel = stitched_design(child, "accelerator")
    info = SystemInfo(accel.info, dma_params(in_op, bm.addr_width), dma_params(out_op, bm.addr_width),
                      in_op.get_nodeattr("numPorts"), in_op.get_nodeattr("intfWidth"), bm.addr_width)
    files = dict(accel.files)
    files.pop("harness.cpp")
    files[f"{SYSTEM_TOP}.v"] = system_top(info)
    files["harness.cpp"] = harness_source(info)
    ident = f"system_{accel.ident}_{info.mem_ports}p"
    design = Design("system", ident, accel.info, files, sorted(set(accel.modules) | set(dma_modules())),
                    trace=trace, top=SYSTEM_TOP, output="libsystem.so",
                    link_flags=("-CFLAGS", "-fPIC", "-LDFLAGS", "-shared"))
    from sim.rtlsim import _formats, chain_nodes

    nodes = chain_nodes(child)
    fin, fout, index = _formats(nodes[0], nodes[-1])
    latency = sum(getCustomOp(n).cycles() for n in nodes) + in_op.cycles() + out_op.cycles()
    out_elems = int(getCustomOp(nodes[-1]).get_normal_output_shape()[-1])
    return SystemDesign(design, info, bm, fin, fout, in_op, out_op, out_elems, index, latency, accel_ii)


def build_system(sd: SystemDesign, work_dir: Path | None = None, jobs: int | None = None) -> SystemDesign:
    """Verilate ``sd`` (once: the rtlsim cache keys it by content)."""
    import os

    build(sd.design, Path(work_dir) if work_dir is not None else default_work_dir(), jobs or os.cpu_count() or 1)
    return sd


# --------------------------------------------------------------------------- the library


def _load(path: Path) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(path))
    u64, u32, vp = ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p
    sig = {
        "finn_sim_create": (vp, [ctypes.POINTER(ctypes.c_double), ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]),
        "finn_sim_destroy": (None, [vp]),
        "finn_sim_cycle": (u64, [vp]),
        "finn_sim_mem_write": (ctypes.c_int, [vp, u64, ctypes.c_char_p, u64]),
        "finn_sim_mem_read": (ctypes.c_int, [vp, u64, ctypes.c_char_p, u64]),
        "finn_sim_mmio_write": (ctypes.c_int, [vp, ctypes.c_int, u32, u32, u64, ctypes.POINTER(u32)]),
        "finn_sim_mmio_read": (ctypes.c_int, [vp, ctypes.c_int, u32, ctypes.POINTER(u32), u64,
                                              ctypes.POINTER(u32)]),
        "finn_sim_step": (ctypes.c_int, [vp, u64]),
        "finn_sim_wait_bit": (ctypes.c_int, [vp, ctypes.c_int, u32, u32, u64, u64, u64, ctypes.POINTER(u32)]),
        "finn_sim_inject_error": (ctypes.c_int, [vp, u64, u64, ctypes.c_int]),
        "finn_sim_stats": (ctypes.c_int, [vp, ctypes.POINTER(u64), ctypes.c_int]),
        "finn_sim_message": (ctypes.c_char_p, [vp]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


@dataclass
class Buffer:
    """A buffer in the simulated DDR: its physical address and size in bytes."""

    physical_address: int
    nbytes: int


@dataclass
class RunResult:
    """One transfer through the system: outputs, simulated cycles and time, traffic."""

    frames: int
    cycles: int  # from starting the output DMA to the poll that saw ap_done
    clock_ns: float
    stats: dict = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.cycles * self.clock_ns * 1e-9

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.cycles else 0.0


class SystemSimulation:
    """One simulated board: the system's Verilator model and its memory.

    Parameters
    ----------
    sd : SystemDesign
        A built design (:func:`build_system`).
    clock_ns : float
        The PL clock; the DDR budget per cycle and every reported time follow from it.
    trace : str, optional
        A VCD file to dump every cycle into (the design must be built with ``trace=True``).
    """

    def __init__(self, sd: SystemDesign, clock_ns: float = 10.0, trace: str | None = None):
        self.sd, self.clock_ns = sd, clock_ns
        self._lib = _load(sd.library)
        b = sd.board
        values = {"read_outstanding": b.read_outstanding, "write_outstanding": b.write_outstanding,
                  "read_latency": b.read_latency, "write_latency": b.write_latency, "max_burst": b.max_burst,
                  "ddr_bytes_per_cycle": b.ddr_bytes_per_cycle(clock_ns), "ddr_base": b.ddr_base,
                  "ddr_size": b.ddr_bytes}
        arr = (ctypes.c_double * len(PARAMS))(*[float(values[p]) for p in PARAMS])
        self._h = self._lib.finn_sim_create(arr, len(PARAMS), (trace or "").encode(),
                                            str(sd.design.directory).encode())
        if not self._h:
            raise VerificationError("the system simulation could not start (DDR mapping failed, or a "
                                    "waveform was asked of a build without waveform support)",
                                    node="system", hint="build the design with trace=True for waveforms")
        self._next = b.ddr_base + (1 << 20)  # the first MiB stays free, as Linux keeps low memory

    # -- lifetime ------------------------------------------------------------------------
    def close(self) -> None:
        if self._h:
            self._lib.finn_sim_destroy(self._h)
            self._h = None

    def __enter__(self) -> SystemSimulation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    # -- memory --------------------------------------------------------------------------
    def allocate(self, nbytes: int, align: int = BUFFER_ALIGN) -> Buffer:
        """A buffer of ``nbytes`` in the simulated DDR, ``align``-byte aligned (a bump allocator)."""
        if nbytes <= 0:
            raise ConfigError(f"cannot allocate a buffer of {nbytes} bytes")
        base = -(-self._next // align) * align
        b = self.sd.board
        if base + nbytes > b.ddr_base + b.ddr_bytes:
            raise ConfigError(f"{nbytes} bytes do not fit in the {b.ddr_bytes >> 20} MiB of {b.name}'s DDR",
                              hint="run fewer frames per batch")
        self._next = base + nbytes
        return Buffer(base, nbytes)

    def write(self, address: int, data: bytes | np.ndarray) -> None:
        raw = bytes(data) if not isinstance(data, np.ndarray) else data.tobytes()
        if self._lib.finn_sim_mem_write(self._h, address, raw, len(raw)):
            raise ConfigError(f"write of {len(raw)} bytes at {address:#x} is outside the simulated DDR")

    def read(self, address: int, nbytes: int) -> bytes:
        out = ctypes.create_string_buffer(nbytes)
        if self._lib.finn_sim_mem_read(self._h, address, out, nbytes):
            raise ConfigError(f"read of {nbytes} bytes at {address:#x} is outside the simulated DDR")
        return out.raw

    # -- registers -----------------------------------------------------------------------
    def _port(self, dma: str) -> int:
        if dma not in CONTROL:
            raise ConfigError(f"unknown DMA '{dma}'", hint=f"the system has {', '.join(CONTROL)}")
        return CONTROL[dma]

    def mmio_write(self, dma: str, offset: int, value: int) -> None:
        resp = ctypes.c_uint32()
        if self._lib.finn_sim_mmio_write(self._h, self._port(dma), offset, value & 0xFFFFFFFF, MMIO_TIMEOUT,
                                         ctypes.byref(resp)):
            raise VerificationError(f"AXI-Lite write to {dma}+{offset:#x} got no response in "
                                    f"{MMIO_TIMEOUT} cycles", node=dma)

    def mmio_read(self, dma: str, offset: int) -> int:
        value, resp = ctypes.c_uint32(), ctypes.c_uint32()
        if self._lib.finn_sim_mmio_read(self._h, self._port(dma), offset, ctypes.byref(value), MMIO_TIMEOUT,
                                        ctypes.byref(resp)):
            raise VerificationError(f"AXI-Lite read of {dma}+{offset:#x} got no response in "
                                    f"{MMIO_TIMEOUT} cycles", node=dma)
        return value.value

    # -- time ----------------------------------------------------------------------------
    @property
    def cycle(self) -> int:
        return int(self._lib.finn_sim_cycle(self._h))

    @property
    def seconds(self) -> float:
        """Simulated time since reset at the clock (not wall time)."""
        return self.cycle * self.clock_ns * 1e-9

    def step(self, cycles: int) -> None:
        self._lib.finn_sim_step(self._h, cycles)

    def wait_done(self, dma: str = "odma0", max_cycles: int = 10**9, max_idle: int = 100000,
                  poll: int = POLL_CYCLES) -> int:
        """Poll ``dma``'s ap_ctrl every ``poll`` cycles until ap_done; return the value read.

        Raises VerificationError naming every stream's valid/ready, every FIFO's occupancy
        and the memory ports' traffic if nothing moves for ``max_idle`` cycles or the DMA is
        not done after ``max_cycles``: a stalled system never hangs.
        """
        value = ctypes.c_uint32()
        rc = self._lib.finn_sim_wait_bit(self._h, self._port(dma), AP_CTRL, AP_DONE, poll, max_cycles,
                                         max_idle, ctypes.byref(value))
        if rc == 0:
            return value.value
        what = {1: f"not done after {max_cycles} cycles", 3: "its control port answered with an error",
                4: f"stalled (nothing moved for {max_idle} cycles)"}.get(rc, f"failed ({rc})")
        raise VerificationError(f"system simulation: {dma} {what}\n{self.message()}", node=dma,
                                hint="rerun with a waveform (SystemSimulation(..., trace='wave.vcd'))")

    def inject_error(self, lo: int, hi: int, kind: str = "SLVERR") -> None:
        """Make memory accesses that touch ``[lo, hi)`` answer ``kind`` (SLVERR or DECERR)."""
        if kind not in RESP or self._lib.finn_sim_inject_error(self._h, lo, hi, RESP[kind]):
            raise ConfigError(f"unknown error response '{kind}'", hint="use SLVERR or DECERR")

    def message(self) -> str:
        return (self._lib.finn_sim_message(self._h) or b"").decode()

    def stats(self) -> dict:
        n = len(GLOBAL_STATS) + len(PORT_STATS) * self.sd.info.mem_ports
        arr = (ctypes.c_uint64 * n)()
        self._lib.finn_sim_stats(self._h, arr, n)
        out = dict(zip(GLOBAL_STATS, arr[: len(GLOBAL_STATS)], strict=True))
        out["ports"] = [dict(zip(PORT_STATS, arr[len(GLOBAL_STATS) + len(PORT_STATS) * p:
                                                len(GLOBAL_STATS) + len(PORT_STATS) * (p + 1)], strict=True))
                        for p in range(self.sd.info.mem_ports)]
        return out

    # -- the driver's sequence -----------------------------------------------------------
    def start_transfer(self, dma: str, buf: Buffer, frames: int) -> None:
        """Program ``dma`` with a buffer and a frame count and set ap_start."""
        op = self.sd.in_dma if dma == "idma0" else self.sd.out_dma
        if frames <= 0:
            raise ConfigError(f"{dma}: a transfer needs at least one frame, got {frames}",
                              hint="pass a batch of one or more frames")
        if buf.physical_address % op.mem_bytes():
            raise ConfigError(f"{dma}: buffer address {buf.physical_address:#x} is not aligned to the "
                              f"{op.mem_bytes()}-byte memory word",
                              hint="allocate buffers with pynq.allocate (page-aligned)")
        if buf.nbytes < frames * op.frame_stride():
            raise ConfigError(f"{dma}: {frames} frames need {frames * op.frame_stride()} bytes, the buffer "
                              f"holds {buf.nbytes}", hint="allocate frames * frame_stride bytes")
        self.mmio_write(dma, ADDR_LO, buf.physical_address & 0xFFFFFFFF)
        self.mmio_write(dma, ADDR_HI, buf.physical_address >> 32)
        self.mmio_write(dma, FRAMES, frames)
        self.mmio_write(dma, AP_CTRL, AP_START)

    def check_status(self, dma: str) -> None:
        status = self.mmio_read(dma, STATUS)
        if status & 1:
            what = ", ".join(v for k, v in STATUS_BITS.items() if status & k) or f"status {status:#x}"
            raise VerificationError(f"{dma} ended with an error: {what}", node=dma,
                                    hint="the buffer must lie in DDR and be aligned to the memory word")

    def run_frames(self, frames_in: np.ndarray, max_idle: int | None = None) -> tuple[np.ndarray, RunResult]:
        """Run ``frames_in`` (N, frame_bytes) uint8, packed as the input DMA reads them, through the
        system; return the output frames (N, frame_bytes) uint8 and the run's timing."""
        sd = self.sd
        n = int(frames_in.shape[0])
        i_op, o_op = sd.in_dma, sd.out_dma
        src = self.allocate(n * i_op.frame_stride())
        dst = self.allocate(n * o_op.frame_stride())
        strided = np.zeros((n, i_op.frame_stride()), dtype=np.uint8)
        strided[:, : i_op.frame_bytes()] = frames_in
        self.write(src.physical_address, strided)
        before = self.stats()
        self.start_transfer("odma0", dst, n)
        start = self.cycle
        self.start_transfer("idma0", src, n)
        bound = max_idle or 8 * sd.analytic_latency + LIVENESS_SLACK + 4 * sd.board.read_latency
        self.wait_done("odma0", max_cycles=max(10**6, 200 * n * max(sd.accel_ii, i_op.cycles())), max_idle=bound)
        cycles = self.cycle - start
        self.wait_done("idma0", max_cycles=10 * bound, max_idle=bound)  # it finished first; clear its done
        self.check_status("idma0")
        self.check_status("odma0")
        after = self.stats()
        if after["violations"] > before["violations"]:
            raise VerificationError(f"the DMAs broke the AXI rules:\n{self.message()}", node="system")
        out = np.frombuffer(self.read(dst.physical_address, dst.nbytes), dtype=np.uint8)
        out = out.reshape(n, o_op.frame_stride())[:, : o_op.frame_bytes()]
        traffic = {"read_beats": sum(p["r_beats"] for p in after["ports"]) - sum(p["r_beats"] for p in before["ports"]),
                   "write_beats": sum(p["w_beats"] for p in after["ports"]) - sum(p["w_beats"] for p in before["ports"])}
        self._next = src.physical_address  # buffers are reused by the next batch
        return out.copy(), RunResult(n, cycles, self.clock_ns, traffic)


# --------------------------------------------------------------------------- frames <-> bytes


def pack_frames(fmt: StreamFormat, dma, x: np.ndarray) -> np.ndarray:
    """Frames (N, ...) of tensor values as the input DMA reads them: (N, frame_bytes) uint8."""
    n = x.shape[0]
    words = fmt.pack(x)
    nb = dma.word_bytes()
    raw = b"".join(int(w).to_bytes(nb, "little") for w in words)
    return np.frombuffer(raw, dtype=np.uint8).reshape(n, dma.frame_bytes())


def unpack_frames(fmt: StreamFormat, dma, frames: np.ndarray, elems: int) -> np.ndarray:
    """Output frames (N, frame_bytes) uint8 back to tensor values (N, ..., elems)."""
    nb = dma.word_bytes()
    flat = frames.reshape(-1, nb)
    words = [int.from_bytes(row.tobytes(), "little") for row in flat]
    return fmt.unpack(words)


class SystemEngine(PythonEngine):
    """Execute a model with its accelerator in the system simulation (``rtlsim_system``).

    Non-HW nodes run as in python; the layers' dataflow partition runs through the DMAs,
    the stitched accelerator and the memory model, ``batch`` frames per transfer. DMA
    partitions (from ``InsertIODMA``) pass their tensor through: the system holds them.
    """

    def __init__(self, model: ModelWrapper, board: str = "Pynq-Z1", clock_ns: float = 10.0,
                 ports: int | None = None, batch: int = 1000, work_dir: str | Path | None = None):
        super().__init__(model)
        self.sd = build_system(system_design(model, board, ports, clock_ns), work_dir)
        self.clock_ns, self.batch = clock_ns, batch
        self.runs: list[RunResult] = []
        self._sim: SystemSimulation | None = None

    def simulation(self) -> SystemSimulation:
        if self._sim is None:
            self._sim = SystemSimulation(self.sd, self.clock_ns)
        return self._sim

    def run_accelerator(self, x: np.ndarray) -> np.ndarray:
        """The accelerator's outputs for partition inputs ``x`` (N, ..., C)."""
        sd, sim = self.sd, self.simulation()
        outs = []
        for lo in range(0, x.shape[0], self.batch):
            part = x[lo: lo + self.batch]
            frames = pack_frames(sd.frame_in, sd.in_dma, part)
            out, result = sim.run_frames(frames)
            self.runs.append(result)
            y = unpack_frames(sd.frame_out, sd.out_dma, out, sd.out_elems)
            outs.append(y.reshape(list(part.shape[:-1]) + [sd.out_elems]))
        y = np.concatenate(outs)
        return y.astype(np.int64) if sd.index_output else y.astype(np.float32)

    def run(self, inputs: dict[str, np.ndarray], return_full_context: bool = False,
            keep_dtypes: bool = False) -> dict[str, np.ndarray]:
        if not is_bare_chain(self.model):
            return super().run(inputs, return_full_context, keep_dtypes)
        # a partition's child (the seed's handle on the accelerator): all of it is the system
        graph = self.model.graph
        if return_full_context:
            raise ConfigError("the system simulation of a bare chain has no intermediate tensors",
                              hint="use the rtlsim mode to inspect every stream")
        x = np.asarray(inputs[graph.input[0].name], dtype=np.float32)
        return {graph.output[0].name: self.run_accelerator(x)}

    def _run_custom(self, node, context: dict[str, np.ndarray]) -> None:
        if node.op_type != "StreamingDataflowPartition":
            return super()._run_custom(node, context)
        child = getCustomOp(node).load_child()
        if any(n.op_type == "IODMA" for n in child.graph.node):
            context[node.output[0]] = context[node.input[0]]  # the system holds the DMAs
            return
        context[node.output[0]] = self.run_accelerator(context[node.input[0]])

    def throughput(self) -> dict:
        """Frames, cycles and frames/s summed over every transfer so far."""
        frames = sum(r.frames for r in self.runs)
        cycles = sum(r.cycles for r in self.runs)
        return {"frames": frames, "cycles": cycles, "clock_ns": self.clock_ns,
                "fps": frames / (cycles * self.clock_ns * 1e-9) if cycles else 0.0,
                "transfers": len(self.runs)}


def bounds(sd: SystemDesign, clock_ns: float) -> dict:
    """The compute bound (clock / II) and the memory bound (port bytes per cycle / bytes per frame)."""
    i_op = sd.in_dma
    ports = i_op.get_nodeattr("numPorts")
    per_cycle = min(ports * i_op.mem_bytes(), sd.board.ddr_bytes_per_cycle(clock_ns))
    clock_hz = 1e9 / clock_ns
    return {"compute_bound_fps": clock_hz / sd.accel_ii, "memory_bound_fps": clock_hz * per_cycle / i_op.frame_stride(),
            "accelerator_ii_cycles": sd.accel_ii, "bytes_per_frame": i_op.frame_stride(), "hp_ports": ports,
            "port_bytes_per_cycle": i_op.mem_bytes(), "memory_beats_per_frame": math.ceil(i_op.frame_beats() / ports)}
