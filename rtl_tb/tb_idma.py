"""Bench of ``finn_idma`` (through the ``finn_idma_tb_p<PORTS>`` wrapper of
:func:`rtl_tb.axi_checks.idma_wrapper`, one ``m_axi_p<k>_*`` bus per port).

One simulation runs a list of transfers on one build. Each transfer: fill a memory
region (frames of random bytes, a 0xA5 pattern in every padding and surrounding byte),
program the AXI4-Lite registers (cocotbext-axi ``AxiLiteMaster``), start, poll ap_ctrl
until ap_done, then check

- the stream: every frame's words in order (little-endian from memory, padding dropped),
  tlast exactly on each frame's last word, nothing more (AXI-Stream rules by
  :class:`rtl_tb.axis.AxisProtocolChecker`), under random back-pressure;
- the memory ports (cocotbext-axi ``AxiRamRead`` per port on one shared memory, random
  ARREADY/RVALID pauses): :class:`rtl_tb.axi_checks.AxiBurstChecker` rules, each port
  reading only its own frames (f mod PORTS);
- the control block: ap_idle low and ap_done low while the transfer runs, ap_done and
  ap_ready set once every word is out, both cleared by the read, ap_idle high again,
  status (0x20) and frames done (0x24), the interrupt (GIE/IER/ISR) when asked;
- frames = 0 and a misaligned address end at once with no read (status bit 3 for the
  latter); an SLVERR/DECERR burst ends with done and the status bits.

Case data: ``params`` (the Verilog parameters), ``seed``, ``transfers``: list of
``{"base", "frames", "ready_prob", "mem_prob", "kind", "fault_frame", "irq"}`` with
kind one of ok, zero, misaligned, slverr, decerr.
Every wait is bounded; a hang is reported as such.
"""

from __future__ import annotations

import random
import warnings

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiReadBus, AxiStreamBus, AxiStreamSink
from cocotbext.axi.sparse_memory import SparseMemory

from rtl_tb.axi_checks import (
    DECERR,
    SLVERR,
    AxiBurstChecker,
    Regs,
    check_done_reads,
    ctrl_bits,
    faulty_ram_read,
    frame_ranges,
    inside,
    poll_done,
    program,
    set_pauses,
    stride,
)
from rtl_tb.axis import AxisProtocolChecker, Transfers, _quiet, reset
from rtl_tb.runner import load_case

PATTERN = 0xA5
warnings.filterwarnings("ignore", category=DeprecationWarning)  # cocotbext-axi on cocotb 2
STATUS = {"ok": 0, "zero": 0, "misaligned": 0b1001, "slverr": 0b0011, "decerr": 0b0101}


@cocotb.test(timeout_time=400, timeout_unit="ms")
async def idma_transfers(dut):
    case = load_case()
    p = case["params"]
    mem_w, stream_w, fb, ports = p["MEM_W"], p["STREAM_W"], p["FRAME_BYTES"], p["PORTS"]
    mb, wb = mem_w // 8, stream_w // 8
    words_per_frame, beats = fb // wb, stride(fb, mem_w) // mb
    rng = random.Random(case["seed"])
    Clock(dut.clk, 10, unit="ns").start()

    dut.rst_n.value = 0
    mem = SparseMemory(2**32)
    faults: dict[int, int] = {}
    allowed = [[] for _ in range(ports)]   # per port: the frame ranges it may read
    rams, checkers = [], []
    for k in range(ports):
        ram = faulty_ram_read(AxiReadBus.from_prefix(dut, f"m_axi_p{k}"), dut.clk, dut.rst_n,
                              mem, faults)
        ram.log.setLevel("WARNING")
        ram.ar_channel.queue_occupancy_limit = 4 * p["OUTSTANDING"] + 4  # the DUT limits, not the RAM
        rams.append(ram)
        checkers.append(AxiBurstChecker(dut, f"m_axi_p{k}", dut.clk, "read", mb, p["MAX_BURST"],
                                        p["OUTSTANDING"],
                                        allowed=lambda lo, hi, k=k: inside(allowed[k])(lo, hi)))
    sink = _quiet(AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst_n,
                                reset_active_level=False, byte_lanes=1))
    out = Transfers(dut, "m_axis", dut.clk, tlast=True)
    axis_check = AxisProtocolChecker(dut, "m_axis", dut.clk)
    regs = Regs(dut)
    await reset(dut, dut.clk)
    await ClockCycles(dut.clk, 2)

    v = await regs.read(0x00)
    if v & 0b1111 != 0b0100:
        raise AssertionError(f"after reset: {ctrl_bits(v)}, expected idle only")

    for i, t in enumerate(case["transfers"]):
        kind, base, frames = t["kind"], t["base"], t["frames"]
        name = f"transfer {i} ({kind}, base {base:#x}, {frames} frames)"
        problems: list[str] = []

        def bad(text: str, name=name, problems=problems) -> None:
            problems.append(f"{name}: {text}")

        # memory: pattern around and between the frames, random frame bytes
        s = stride(fb, mem_w)
        lo, hi = base - 4 * mb, base + frames * s + 4 * mb
        mem[max(lo, 0):hi] = bytes([PATTERN]) * (hi - max(lo, 0))
        expected, lasts = [], []
        for f in range(frames):
            data = bytes(rng.getrandbits(8) for _ in range(fb))
            mem[base + f * s: base + f * s + fb] = data
            expected += [int.from_bytes(data[j * wb:(j + 1) * wb], "little")
                         for j in range(words_per_frame)]
            lasts += [int(j == words_per_frame - 1) for j in range(words_per_frame)]
        if kind in ("zero", "misaligned"):
            expected, lasts = [], []
        ranges = frame_ranges(base, frames, fb, mem_w, whole_beats=True)
        for k in range(ports):
            allowed[k][:] = [] if kind in ("zero", "misaligned") else ranges[k::ports]
        faults.clear()
        if kind in ("slverr", "decerr"):
            ff = t["fault_frame"]
            faults[base + ff * s + (beats // 2) * mb] = SLVERR if kind == "slverr" else DECERR

        # random back-pressure and memory latency
        sink.clear()
        set_pauses(sink, rng, t["ready_prob"])
        for ram in rams:
            set_pauses(ram.ar_channel, rng, t["mem_prob"])
            set_pauses(ram.r_channel, rng, t["mem_prob"])

        n0, b0 = len(out.words), sum(len(c.bursts) for c in checkers)
        await program(regs, base, frames)
        if t.get("irq"):
            await regs.write(0x04, 1)
            await regs.write(0x08, 1)
        v = await regs.read(0x00)
        if v & 0b1111 != 0b0100:
            bad(f"before start: {ctrl_bits(v)}, expected idle only")
        await regs.write(0x00, 1)

        def on_busy(v, bad=bad, expected=expected, n0=n0) -> None:
            if v & 0b101 != 0b001:
                bad(f"while running ({len(out.words) - n0} of {len(expected)} words out): "
                    f"{ctrl_bits(v)}, expected start=1 idle=0")

        limit = 2000 + int(4 * frames * (words_per_frame + beats)
                           / min(t["ready_prob"], t["mem_prob"]))
        v, why = await poll_done(dut, regs, limit, on_busy)
        got, got_lasts = out.words[n0:], out.lasts[n0:]
        if v is None:
            bad(f"{why}; {len(got)} of {len(expected)} words out, "
                f"{sum(c.in_flight for c in checkers)} bursts in flight")
        else:
            if len(got) < len(expected):
                bad(f"ap_done with only {len(got)} of {len(expected)} words out")
            for c in checkers:
                problems += [f"{name}: {x}" for x in c.idle_problems()]
            await check_done_reads(dut, regs, t, v, bad)
            status = await regs.read(0x20)
            if status != STATUS[kind]:
                bad(f"status {status:#06b}, expected {STATUS[kind]:#06b}")
            done_frames = await regs.read(0x24)
            want_frames = 0 if kind in ("zero", "misaligned") else frames
            if done_frames != want_frames:
                bad(f"frames done register {done_frames}, expected {want_frames}")
        await ClockCycles(dut.clk, 20)  # a duplicated or late word would arrive here
        got, got_lasts = out.words[n0:], out.lasts[n0:]
        if len(got) != len(expected):
            bad(f"{len(got)} words out, {len(expected)} expected")
        for j, (e, g) in enumerate(zip(expected, got, strict=False)):
            if e != g:
                bad(f"word {j} (frame {j // words_per_frame}): got {g:#x}, expected {e:#x}")
                if sum("word" in x for x in problems) > 6:
                    break
        if got_lasts[:len(lasts)] != lasts[:len(got_lasts)]:
            j = next(j for j, (a, b) in enumerate(zip(got_lasts, lasts, strict=False)) if a != b)
            bad(f"tlast {got_lasts[j]} on word {j}, expected {lasts[j]}")
        if kind in ("zero", "misaligned") and sum(len(c.bursts) for c in checkers) != b0:
            bad("memory was read")
        for c in checkers:
            problems += c.violations
            c.violations.clear()
        problems += axis_check.violations
        if problems:
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise AssertionError(f"{len(problems)} problems:\n  " + "\n  ".join(problems[:20]) + more)
        dut._log.info("%s: ok, %d words, max %s bursts in flight", name, len(got),
                      [c.max_in_flight for c in checkers])
