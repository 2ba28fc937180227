"""Bench of ``finn_odma`` (through the ``finn_odma_tb`` wrapper of
:func:`rtl_tb.axi_checks.odma_wrapper`, which adds the AXI IDs cocotbext-axi needs).

One simulation runs a list of transfers on one build. Each transfer: fill a memory
region with a 0xA5 pattern, program the AXI4-Lite registers, start, drive the frames'
words (random bytes, one ``AxiStreamFrame`` a frame, random valid gaps) into the stream,
poll ap_ctrl until ap_done, then check

- memory (cocotbext-axi ``AxiRamWrite``, random AWREADY/WREADY/BVALID pauses): every
  frame's bytes at base + f*stride, little-endian words, and every other byte of the
  region still the pattern (WSTRB keeps the padding of a frame's last beat untouched);
- the write port: :class:`rtl_tb.axi_checks.AxiBurstChecker` (4 KiB, MAX_BURST, size,
  INCR, alignment, bursts inside their frame, at most OUTSTANDING awaiting B, WLAST on
  exactly the len-th beat, WSTRB only on frame bytes);
- the stream: all words taken by ap_done, and s_axis_tready low once the transfer is
  over (and throughout frames = 0 / a misaligned address);
- the control block as in ``tb_idma``: ap_idle/ap_start while running, ap_done and
  ap_ready at the end and cleared by the read, status, frames done, interrupt;
- frames = 0 and a misaligned address end at once with no write; a burst answered with
  SLVERR/DECERR ends with done and the status bits (its data is still written).

Case data: ``params``, ``seed``, ``transfers``: list of ``{"base", "frames",
"valid_prob", "mem_prob", "kind", "fault_frame", "irq"}`` (``b_prob``: BVALID pauses of
their own, else ``mem_prob``). Every wait is bounded.
"""

from __future__ import annotations

import random
import warnings

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource, AxiWriteBus
from cocotbext.axi.sparse_memory import SparseMemory

from rtl_tb.axi_checks import (
    DECERR,
    SLVERR,
    AxiBurstChecker,
    Regs,
    check_done_reads,
    ctrl_bits,
    faulty_ram_write,
    frame_ranges,
    inside,
    poll_done,
    program,
    set_pauses,
    stride,
)
from rtl_tb.axis import Transfers, _quiet, reset
from rtl_tb.runner import load_case

PATTERN = 0xA5
STATUS = {"ok": 0, "zero": 0, "misaligned": 0b1001, "slverr": 0b0011, "decerr": 0b0101}
warnings.filterwarnings("ignore", category=DeprecationWarning)  # cocotbext-axi on cocotb 2


class ReadyWatch:
    """Counts the cycles s_axis_tready is high while ``on``."""

    def __init__(self, dut):
        self.on, self.seen, self.dut = False, 0, dut
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        while True:
            await RisingEdge(self.dut.clk)
            await ReadOnly()
            if self.on and int(self.dut.s_axis_tready.value):
                self.seen += 1


@cocotb.test(timeout_time=400, timeout_unit="ms")
async def odma_transfers(dut):
    case = load_case()
    p = case["params"]
    mem_w, stream_w, fb = p["MEM_W"], p["STREAM_W"], p["FRAME_BYTES"]
    mb, wb = mem_w // 8, stream_w // 8
    words_per_frame, beats = fb // wb, stride(fb, mem_w) // mb
    rng = random.Random(case["seed"])
    Clock(dut.clk, 10, unit="ns").start()

    dut.rst_n.value = 0
    dut.s_axis_tvalid.value = 0
    mem = SparseMemory(2**32)
    faults: dict[int, int] = {}
    bursts_ok, bytes_ok = [], []
    ram = faulty_ram_write(AxiWriteBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst_n, mem, faults)
    ram.log.setLevel("WARNING")
    ram.aw_channel.queue_occupancy_limit = 4 * p["OUTSTANDING"] + 4  # the DUT limits, not the RAM
    checker = AxiBurstChecker(dut, "m_axi", dut.clk, "write", mb, p["MAX_BURST"], p["OUTSTANDING"],
                              allowed=lambda lo, hi: inside(bursts_ok)(lo, hi),
                              writable=lambda lo, hi: inside(bytes_ok)(lo, hi))
    src = _quiet(AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst_n,
                                 reset_active_level=False, byte_lanes=1))
    taken = Transfers(dut, "s_axis", dut.clk, tlast=True)
    watch = ReadyWatch(dut)
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

        s = stride(fb, mem_w)
        lo, hi = max(base - 4 * mb, 0), base + frames * s + 4 * mb
        mem[lo:hi] = bytes([PATTERN]) * (hi - lo)
        image = bytearray([PATTERN]) * (hi - lo)   # the region as it must end
        stream_frames = []
        for f in range(frames):
            data = bytes(rng.getrandbits(8) for _ in range(fb))
            stream_frames.append([int.from_bytes(data[j * wb:(j + 1) * wb], "little")
                                  for j in range(words_per_frame)])
            if kind not in ("zero", "misaligned"):
                image[base + f * s - lo: base + f * s + fb - lo] = data
        live = kind not in ("zero", "misaligned")
        bursts_ok[:] = frame_ranges(base, frames, fb, mem_w, whole_beats=True) if live else []
        bytes_ok[:] = frame_ranges(base, frames, fb, mem_w, whole_beats=False) if live else []
        faults.clear()
        if kind in ("slverr", "decerr"):
            faults[base + t["fault_frame"] * s + (beats // 2) * mb] = \
                SLVERR if kind == "slverr" else DECERR

        set_pauses(src, rng, t["valid_prob"])
        for ch in (ram.aw_channel, ram.w_channel):
            set_pauses(ch, rng, t["mem_prob"])
        set_pauses(ram.b_channel, rng, t.get("b_prob", t["mem_prob"]))

        n0, b0 = len(taken.words), len(checker.bursts)
        n_words = frames * words_per_frame if live else 0
        await program(regs, base, frames)
        if t.get("irq"):
            await regs.write(0x04, 1)
            await regs.write(0x08, 1)
        v = await regs.read(0x00)
        if v & 0b1111 != 0b0100:
            bad(f"before start: {ctrl_bits(v)}, expected idle only")
        watch.on, watch.seen = not live, 0
        await regs.write(0x00, 1)

        async def drive(stream_frames=stream_frames) -> None:
            for words in stream_frames:
                await src.send(AxiStreamFrame(list(words)))

        if live:
            cocotb.start_soon(drive())

        def on_busy(v, bad=bad, n0=n0, n_words=n_words) -> None:
            if v & 0b101 != 0b001:
                bad(f"while running ({len(taken.words) - n0} of {n_words} words in): "
                    f"{ctrl_bits(v)}, expected start=1 idle=0")

        limit = 2000 + int(4 * frames * (words_per_frame + beats)
                           / min(t["valid_prob"], t["mem_prob"], t.get("b_prob", 1.0)))
        v, why = await poll_done(dut, regs, limit, on_busy)
        got = len(taken.words) - n0
        if v is None:
            bad(f"{why}; {got} of {n_words} words in, {checker.in_flight} bursts awaiting B, "
                f"{len(checker.bursts) - b0} bursts issued")
        else:
            if got != n_words:
                bad(f"ap_done with {got} of {n_words} words taken")
            problems += [f"{name}: {x}" for x in checker.idle_problems()]
            watch.on, watch.seen = True, 0
            await check_done_reads(dut, regs, t, v, bad)
            status = await regs.read(0x20)
            if status != STATUS[kind]:
                bad(f"status {status:#06b}, expected {STATUS[kind]:#06b}")
            done_frames = await regs.read(0x24)
            if done_frames != (frames if live else 0):
                bad(f"frames done register {done_frames}, expected {frames if live else 0}")
        await ClockCycles(dut.clk, 20)
        if watch.seen:
            bad(f"s_axis_tready high in {watch.seen} cycles with no frame left to take")
        watch.on = False
        if not live and len(checker.bursts) != b0:
            bad("memory was written")
        after = bytes(mem[lo:hi])
        diffs = [a for a in range(hi - lo) if after[a] != image[a]]
        for a in diffs[:8]:
            off = lo + a - base
            where = (f"frame {off // s} byte {off % s}" + (" (padding)" if off % s >= fb else "")
                     if 0 <= off < frames * s else "outside the frames")
            bad(f"memory {lo + a:#x} ({where}): {after[a]:#04x}, expected {image[a]:#04x}")
        if len(diffs) > 8:
            bad(f"... {len(diffs)} wrong bytes in all")
        problems += checker.violations
        checker.violations.clear()
        if problems:
            src.clear()
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise AssertionError(f"{len(problems)} problems:\n  " + "\n  ".join(problems[:20]) + more)
        dut._log.info("%s: ok, %d words, max %d bursts in flight", name, got, checker.max_in_flight)
