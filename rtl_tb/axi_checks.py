"""AXI4 memory-side pieces of the DMA benches (``tb_idma``, ``tb_odma``).

The memory itself is cocotbext-axi's (``AxiRamRead`` / ``AxiRamWrite`` on one shared
``SparseMemory``, with pause generators on every channel for random latency); kept here
is what it lacks:

- :class:`AxiBurstChecker`: the master-side rules of every AR/AW burst (never across
  4 KiB, at most MAX_BURST beats, size = the bus width, INCR, aligned, inside an allowed
  address range), valid/payload held until the handshake, at most OUTSTANDING bursts in
  flight (address handshakes minus RLAST beats / B responses) and, on writes, WLAST on
  exactly the len-th beat and WSTRB only on allowed bytes;
- :class:`FaultyAxiRamRead` / :class:`FaultyAxiRamWrite`: the RAM models answering the
  bursts that touch chosen addresses with SLVERR or DECERR (cocotbext-axi only
  produces SLVERR, on a failing memory access);
- plain-Python helpers the pytest side uses: :func:`idma_wrapper` / :func:`odma_wrapper`
  (Verilog wrappers that split the packed ports of ``finn_idma`` into one
  ``m_axi_p<k>_*`` bus per port and add the ID signals cocotbext-axi requires) and
  :func:`mutant` (a copy of an rtllib module with text substitutions, for the mutant
  tests; finn/rtllib itself is never touched).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiRamRead, AxiRamWrite

OKAY, SLVERR, DECERR = 0, 2, 3
PAGE = 4096


# ---------------------------------------------------------------- protocol checker

class AxiBurstChecker:
    """Records every violation of the AXI4 burst rules on one master port.

    ``channel`` is ``"read"`` (AR + R) or ``"write"`` (AW + W + B); signals are
    ``<prefix>_ar*`` etc. ``allowed(lo, hi)`` says whether a burst may cover the byte range
    [lo, hi) (inside one frame padded to whole beats), ``writable(lo, hi)`` whether WSTRB
    may enable those bytes (the frames' own bytes; default ``allowed``).
    Sampled in the ReadOnly phase after each rising edge, like :mod:`rtl_tb.axis`.
    """

    def __init__(self, dut, prefix: str, clk, channel: str, mem_bytes: int, max_burst: int,
                 outstanding: int, allowed=None, writable=None):
        self.dut, self.prefix, self.clk, self.channel = dut, prefix, clk, channel
        self.mem_bytes, self.max_burst, self.outstanding = mem_bytes, max_burst, outstanding
        self.allowed = allowed or (lambda lo, hi: True)
        self.writable = writable or self.allowed
        self.violations: list[str] = []
        self.bursts: list[tuple[int, int]] = []      # (address, beats) of every burst
        self.in_flight = 0                           # address handshakes not yet completed
        self.max_in_flight = 0
        self.beats = 0                               # data beats seen
        self.w_open = 0                              # beats of the write burst in progress
        self.w_done = 0                              # write bursts closed by WLAST
        self.w_log: list[list[int]] = []             # WSTRB of each beat of each W burst
        self.w_checked = 0                           # W bursts checked against their AW
        a = "ar" if channel == "read" else "aw"
        self._a = {n: getattr(dut, f"{prefix}_{a}{n}") for n in
                   ("addr", "len", "size", "burst", "valid", "ready")}
        if channel == "read":
            self._d = {n: getattr(dut, f"{prefix}_r{n}") for n in ("valid", "ready", "last")}
        else:
            self._d = {n: getattr(dut, f"{prefix}_w{n}") for n in ("valid", "ready", "last", "strb")}
            self._b = {n: getattr(dut, f"{prefix}_b{n}") for n in ("valid", "ready")}
        self.cycle = 0
        cocotb.start_soon(self._run())

    def _bad(self, text: str) -> None:
        if len(self.violations) < 200:
            self.violations.append(f"{self.prefix} {self.channel}: cycle {self.cycle}: {text}")

    def _check_burst(self, addr: int, length: int, size: int, burst: int) -> None:
        beats = length + 1
        mb = self.mem_bytes
        end = addr + beats * mb
        if addr // PAGE != (end - 1) // PAGE:
            self._bad(f"burst {addr:#x}+{beats} beats crosses a 4 KiB boundary")
        if beats > self.max_burst:
            self._bad(f"burst {addr:#x} of {beats} beats > MAX_BURST {self.max_burst}")
        if (1 << size) != mb:
            self._bad(f"burst {addr:#x}: size {size}, the bus moves {mb} bytes a beat")
        if burst != 1:
            self._bad(f"burst {addr:#x}: burst type {burst}, not INCR")
        if addr % mb:
            self._bad(f"burst address {addr:#x} not aligned to {mb} bytes")
        if not self.allowed(addr, end):
            self._bad(f"burst [{addr:#x}, {end:#x}) outside the transfer's frames")
        self.bursts.append((addr, beats))

    async def _run(self) -> None:
        a, d = self._a, self._d
        held = None        # address payload of a stalled request
        w_bursts = 0       # index of the write burst the W beats belong to
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1
            await ReadOnly()
            valid, ready = int(a["valid"].value), int(a["ready"].value)
            payload = tuple(int(a[n].value) for n in ("addr", "len", "size", "burst")) if valid else None
            if held is not None and payload != held:
                self._bad(f"address request {held} withdrawn or changed before its handshake "
                          f"(now {payload})")
            if valid and ready:
                self._check_burst(*payload)
                self.in_flight += 1
                if self.channel == "write":
                    self._w_resolve()
            held = payload if valid and not ready else None
            done = 0
            if int(d["valid"].value) and int(d["ready"].value):
                self.beats += 1
                if self.channel == "read":
                    done = int(d["last"].value)
                else:
                    self._w_beat(w_bursts, int(d["last"].value), int(d["strb"].value))
                    if int(d["last"].value):
                        w_bursts += 1
            if self.channel == "write" and int(self._b["valid"].value) and int(self._b["ready"].value):
                done = 1
            if done:
                self.in_flight -= 1
                if self.in_flight < 0:
                    self._bad("a burst completed that was never requested")
                    self.in_flight = 0
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.in_flight > self.outstanding:
                self._bad(f"{self.in_flight} bursts in flight > OUTSTANDING {self.outstanding}")

    def _w_beat(self, index: int, last: int, strb: int) -> None:
        """One W beat of write burst ``index``. W may lead its AW (AXI allows it), so a
        burst is checked once it is closed by WLAST and its AW request is known."""
        if index == len(self.w_log):
            self.w_log.append([])
        self.w_log[index].append(strb)
        self.w_open = 0 if last else len(self.w_log[index])
        if last:
            self.w_done += 1
        self._w_resolve()

    def _w_resolve(self) -> None:
        while self.w_checked < min(self.w_done, len(self.bursts)):
            addr, beats = self.bursts[self.w_checked]
            strbs = self.w_log[self.w_checked]
            if len(strbs) != beats:
                self._bad(f"burst {addr:#x} of {beats} beats: WLAST on beat {len(strbs)}")
            for j, strb in enumerate(strbs):
                beat_addr = addr + j * self.mem_bytes
                lanes = [beat_addr + n for n in range(self.mem_bytes) if strb >> n & 1]
                out = [a for a in lanes if not self.writable(a, a + 1)]
                if out:
                    self._bad(f"WSTRB {strb:#x} on beat {j} of burst {addr:#x} writes "
                              f"{len(out)} bytes outside the frames (first {out[0]:#x})")
                    break
            self.w_log[self.w_checked] = []
            self.w_checked += 1

    def idle_problems(self) -> list[str]:
        """What is still open at the end of a transfer (nothing should be)."""
        out = []
        if self.in_flight:
            out.append(f"{self.prefix}: {self.in_flight} bursts still in flight after done")
        if self.channel == "write" and (self.w_open or self.w_done != len(self.bursts)):
            out.append(f"{self.prefix}: {self.w_done} W bursts closed (+{self.w_open} beats open) "
                       f"for {len(self.bursts)} AW requests")
        return out


# ---------------------------------------------------------------- error-injecting RAMs

def _fault(faults: dict[int, int], addr: int, nbytes: int) -> int | None:
    """The response for a burst covering [addr, addr+nbytes): the first fault inside it."""
    for a, resp in faults.items():
        if addr <= a < addr + nbytes:
            return resp
    return None


def faulty_ram_read(bus, clock, reset, mem, faults: dict[int, int]):
    """A cocotbext-axi ``AxiRamRead`` on ``mem`` whose bursts that cover an address of
    ``faults`` ({byte address: RRESP}) answer every beat with that response (the data
    still comes from memory). ``faults`` may be changed between transfers."""
    ram = AxiRamRead(bus, clock, reset, reset_active_level=False, mem=mem)
    ram.faults = faults
    ram._resp = None
    recv, send = ram.ar_channel.recv, ram.r_channel.send

    async def recv_ar():
        ar = await recv()
        ram._resp = _fault(ram.faults, int(ar.araddr), (int(ar.arlen) + 1) << int(ar.arsize))
        return ar

    async def send_r(r):
        if ram._resp is not None:
            r.rresp = ram._resp
        await send(r)

    ram.ar_channel.recv, ram.r_channel.send = recv_ar, send_r
    return ram


def faulty_ram_write(bus, clock, reset, mem, faults: dict[int, int]):
    """``AxiRamWrite`` on ``mem``; a burst covering an address of ``faults`` gets that BRESP
    (its data is still written)."""
    ram = AxiRamWrite(bus, clock, reset, reset_active_level=False, mem=mem)
    ram.faults = faults
    ram._resp = None
    recv, send = ram.aw_channel.recv, ram.b_channel.send

    async def recv_aw():
        aw = await recv()
        ram._resp = _fault(ram.faults, int(aw.awaddr), (int(aw.awlen) + 1) << int(aw.awsize))
        return aw

    async def send_b(b):
        if ram._resp is not None:
            b.bresp = ram._resp
        await send(b)

    ram.aw_channel.recv, ram.b_channel.send = recv_aw, send_b
    return ram


def pauses(rng, go_prob: float):
    """Pause generator: each cycle paused with probability ``1 - go_prob``."""
    while True:
        yield rng.random() >= go_prob


def set_pauses(channel, rng, go_prob: float) -> None:
    if go_prob >= 1.0:
        channel.clear_pause_generator()
        channel.pause = False
    else:
        channel.set_pause_generator(pauses(rng, go_prob))


# ---------------------------------------------------------------- control block (finn_axil_ctrl)

class Regs:
    """AXI4-Lite register access with a bounded wait (a hung control block fails)."""

    def __init__(self, dut):
        self.m = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.clk,
                               dut.rst_n, reset_active_level=False)
        self.m.write_if.log.setLevel("WARNING")
        self.m.read_if.log.setLevel("WARNING")

    async def read(self, addr: int) -> int:
        try:
            return await with_timeout(self.m.read_dword(addr), 2, "us")
        except Exception as e:
            raise AssertionError(f"AXI4-Lite read of {addr:#x} hung: {e!r}") from None

    async def write(self, addr: int, value: int) -> None:
        try:
            await with_timeout(self.m.write_dword(addr, value), 2, "us")
        except Exception as e:
            raise AssertionError(f"AXI4-Lite write of {addr:#x} hung: {e!r}") from None


async def poll_done(dut, regs: Regs, max_cycles: int, on_busy=None) -> tuple[int | None, str]:
    """Read ap_ctrl until ap_done; returns (ap_ctrl value, "") or (None, why not): the
    transfer ended (idle, ap_start cleared) without ap_done, or ``max_cycles`` passed.
    ``on_busy(value)`` sees every read of a running transfer."""
    t0 = get_sim_time("ns")
    while get_sim_time("ns") - t0 < 10 * max_cycles:
        v = await regs.read(0x00)
        if v & 0b10:
            return v, ""
        if v & 0b101 == 0b100:
            return None, f"no ap_done: the transfer ended without it ({ctrl_bits(v)})"
        if on_busy is not None:
            on_busy(v)
        await ClockCycles(dut.clk, 3)
    return None, f"hang: no ap_done within {max_cycles} cycles"


def ctrl_bits(v: int) -> str:
    return (f"ap_ctrl={v:#04x} (start={v & 1} done={v >> 1 & 1} idle={v >> 2 & 1} "
            f"ready={v >> 3 & 1})")


async def check_done_reads(dut, regs: Regs, t: dict, v: int, bad) -> None:
    """After the ap_done read: ap_ctrl bits, the clear-on-read, the interrupt."""
    if v & 0b1101 != 0b1100:
        bad(f"at done: {ctrl_bits(v)}, expected start=0 idle=1 ready=1")
    v2 = await regs.read(0x00)
    if v2 & 0b1111 != 0b0100:
        bad(f"read after done: {ctrl_bits(v2)}, expected done/ready cleared by the read, idle=1")
    if t.get("irq"):
        await RisingEdge(dut.clk)
        if int(dut.interrupt.value) != 1:
            bad("interrupt low after done with GIE and IER bit 0 set")
        isr = await regs.read(0x0C)
        if isr & 1 != 1:
            bad(f"ISR {isr:#x} after done, expected bit 0")
        await regs.write(0x0C, 1)
        await RisingEdge(dut.clk)
        if int(dut.interrupt.value) != 0 or (await regs.read(0x0C)) & 1:
            bad("ISR bit 0 / interrupt not cleared by writing 1 to ISR")
        await regs.write(0x04, 0)
        await regs.write(0x08, 0)


async def program(regs: Regs, base: int, frames: int) -> None:
    await regs.write(0x10, base & 0xFFFFFFFF)
    await regs.write(0x14, base >> 32)
    await regs.write(0x1C, frames)


# ---------------------------------------------------------------- layout helpers

def stride(frame_bytes: int, mem_w: int) -> int:
    mb = mem_w // 8
    return (frame_bytes + mb - 1) // mb * mb


def frame_ranges(base: int, frames: int, frame_bytes: int, mem_w: int, whole_beats: bool):
    """[lo, hi) of every frame (padded to whole beats when ``whole_beats``)."""
    s = stride(frame_bytes, mem_w)
    n = s if whole_beats else frame_bytes
    return [(base + f * s, base + f * s + n) for f in range(frames)]


def inside(ranges):
    """``allowed(lo, hi)``: [lo, hi) lies inside one of ``ranges``."""
    def allowed(lo: int, hi: int) -> bool:
        return any(a <= lo and hi <= b for a, b in ranges)
    return allowed


# ---------------------------------------------------------------- build helpers (pytest side)

_CTRL_PORTS = """\
  input  wire [5:0]  s_axi_control_awaddr,
  input  wire        s_axi_control_awvalid,
  output wire        s_axi_control_awready,
  input  wire [31:0] s_axi_control_wdata,
  input  wire [3:0]  s_axi_control_wstrb,
  input  wire        s_axi_control_wvalid,
  output wire        s_axi_control_wready,
  output wire [1:0]  s_axi_control_bresp,
  output wire        s_axi_control_bvalid,
  input  wire        s_axi_control_bready,
  input  wire [5:0]  s_axi_control_araddr,
  input  wire        s_axi_control_arvalid,
  output wire        s_axi_control_arready,
  output wire [31:0] s_axi_control_rdata,
  output wire [1:0]  s_axi_control_rresp,
  output wire        s_axi_control_rvalid,
  input  wire        s_axi_control_rready,
  /* verilator lint_off SYMRSVDWORD */
  output wire        interrupt,
  /* verilator lint_on SYMRSVDWORD */
"""
_CTRL_NAMES = ["awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp",
               "bvalid", "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid",
               "rready"]
_CTRL_CONN = "".join(f"    .s_axi_control_{n}(s_axi_control_{n}),\n" for n in _CTRL_NAMES) + \
    "    .interrupt(interrupt),\n"


def _write(work_dir: Path, name: str, text: str) -> str:
    path = Path(work_dir) / "wrappers" / f"{name}.v"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return str(path)


def idma_wrapper(work_dir: Path, ports: int) -> tuple[str, str]:
    """Write ``finn_idma_tb_p<ports>`` (one ``m_axi_p<k>_*`` AXI4 read bus per port, a
    1-bit ARID/RID tied off) into ``work_dir``; returns (module name, absolute path)."""
    name = f"finn_idma_tb_p{ports}"
    params = ("MEM_W = 64", "STREAM_W = 8", "FRAME_BYTES = 1", "MAX_BURST = 16",
              "OUTSTANDING = 8", "ADDR_W = 32", "BEAT_FIFO_DEPTH = 128", "WORD_FIFO_DEPTH = 2")
    pnames = [p.split()[0] for p in params]
    port_decl, wires, pack = "", "", {}
    sigs = [("araddr", "out", "ADDR_W"), ("arlen", "out", "8"), ("arsize", "out", "3"),
            ("arburst", "out", "2"), ("arcache", "out", "4"), ("arprot", "out", "3"),
            ("arvalid", "out", "1"), ("arready", "in", "1"), ("rdata", "in", "MEM_W"),
            ("rresp", "in", "2"), ("rlast", "in", "1"), ("rvalid", "in", "1"), ("rready", "out", "1")]
    for k in range(ports):
        port_decl += f"  output wire [0:0] m_axi_p{k}_arid,\n  /* verilator lint_off UNUSEDSIGNAL */\n" \
                     f"  input  wire [0:0] m_axi_p{k}_rid,\n  /* verilator lint_on UNUSEDSIGNAL */\n"
        wires += f"  assign m_axi_p{k}_arid = 1'b0;\n"
        for s, d, w in sigs:
            port_decl += f"  {'output' if d == 'out' else 'input '} wire [{w}-1:0] m_axi_p{k}_{s},\n"
    for s, _d, w in sigs:
        wires += f"  wire [{ports}*({w})-1:0] {s}_all;\n"
        pack[s] = "{" + ", ".join(f"m_axi_p{k}_{s}" for k in reversed(range(ports))) + "}"
    for s, d, w in sigs:
        if d == "in":
            wires += f"  assign {s}_all = {pack[s]};\n"
        else:
            for k in range(ports):
                wires += f"  assign m_axi_p{k}_{s} = {s}_all[{k}*({w}) +: ({w})];\n"
    conn = "".join(f"    .m_axi_{s}({s}_all),\n" for s, _d, _w in sigs)
    text = (f"// generated by rtl_tb/axi_checks.py: finn_idma with PORTS={ports}, one bus per port\n"
            f"module {name} #(\n" + ",\n".join(f"  parameter integer {p}" for p in params) + "\n) (\n"
            "  input  wire clk,\n  input  wire rst_n,\n" + _CTRL_PORTS + port_decl +
            "  output wire [STREAM_W-1:0] m_axis_tdata,\n  output wire m_axis_tvalid,\n"
            "  input  wire m_axis_tready,\n  output wire m_axis_tlast\n);\n" + wires +
            "  finn_idma #(" + ", ".join(f".{p}({p})" for p in pnames) + f", .PORTS({ports})) dut (\n"
            "    .clk(clk), .rst_n(rst_n),\n" + _CTRL_CONN + conn +
            "    .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid),\n"
            "    .m_axis_tready(m_axis_tready), .m_axis_tlast(m_axis_tlast)\n  );\nendmodule\n")
    return name, _write(work_dir, name, text)


def odma_wrapper(work_dir: Path) -> tuple[str, str]:
    """Write ``finn_odma_tb`` (``finn_odma`` plus the 1-bit AWID/BID cocotbext-axi needs)."""
    name = "finn_odma_tb"
    params = ("MEM_W = 64", "STREAM_W = 8", "FRAME_BYTES = 1", "MAX_BURST = 16",
              "OUTSTANDING = 8", "ADDR_W = 32", "FIFO_DEPTH = 32")
    pnames = [p.split()[0] for p in params]
    sigs = [("awaddr", "out", "ADDR_W"), ("awlen", "out", "8"), ("awsize", "out", "3"),
            ("awburst", "out", "2"), ("awcache", "out", "4"), ("awprot", "out", "3"),
            ("awvalid", "out", "1"), ("awready", "in", "1"), ("wdata", "out", "MEM_W"),
            ("wstrb", "out", "MEM_W/8"), ("wlast", "out", "1"), ("wvalid", "out", "1"),
            ("wready", "in", "1"), ("bresp", "in", "2"), ("bvalid", "in", "1"), ("bready", "out", "1")]
    decl = "".join(f"  {'output' if d == 'out' else 'input '} wire [{w}-1:0] m_axi_{s},\n"
                   for s, d, w in sigs)
    text = (f"// generated by rtl_tb/axi_checks.py: finn_odma with AXI IDs for cocotbext-axi\n"
            f"module {name} #(\n" + ",\n".join(f"  parameter integer {p}" for p in params) + "\n) (\n"
            "  input  wire clk,\n  input  wire rst_n,\n" + _CTRL_PORTS +
            "  output wire [0:0] m_axi_awid,\n  /* verilator lint_off UNUSEDSIGNAL */\n"
            "  input  wire [0:0] m_axi_bid,\n  /* verilator lint_on UNUSEDSIGNAL */\n" + decl +
            "  input  wire [STREAM_W-1:0] s_axis_tdata,\n  input  wire s_axis_tvalid,\n"
            "  output wire s_axis_tready,\n  input  wire s_axis_tlast\n);\n"
            "  assign m_axi_awid = 1'b0;\n"
            "  finn_odma #(" + ", ".join(f".{p}({p})" for p in pnames) + ") dut (\n"
            "    .clk(clk), .rst_n(rst_n),\n" + _CTRL_CONN +
            "".join(f"    .m_axi_{s}(m_axi_{s}),\n" for s, _d, _w in sigs) +
            "    .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid),\n"
            "    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast)\n  );\nendmodule\n")
    return name, _write(work_dir, name, text)


def mutant(work_dir: Path, source: str, subs: list[tuple[str, str]]) -> str:
    """A copy of ``finn/rtllib/<source>`` with each (regex, replacement) substitution
    applied (``re.sub``; regexes, so that the mutants survive edits of the surrounding
    code), written under ``work_dir/mutants/<hash>/<source>``; returns its absolute path.
    Each regex must match exactly once, so a mutant never silently equals the original."""
    from rtl_tb.runner import rtllib_dir

    text = (rtllib_dir() / source).read_text()
    for pattern, new in subs:
        text, n = re.subn(pattern, new, text)
        if n != 1:
            raise ValueError(f"mutant of {source}: {pattern!r} matches {n} times")
    key = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = Path(work_dir) / "mutants" / key / source
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        path.write_text(text)
    return str(path)
