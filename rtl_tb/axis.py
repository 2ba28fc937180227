"""AXI-Stream verification components for cocotb benches.

Driving and taking streams is cocotbext-axi's (``AxiStreamSource``/``AxiStreamSink`` with
pause generators for random valid gaps and back-pressure); kept here is what it lacks:
the per-transfer record with cycle numbers, the protocol checker and the scoreboard.

Timing discipline (one clock domain, signals named ``<prefix>_tdata/_tvalid/_tready``):
drivers change their outputs right after a rising edge; everything is sampled in
the ReadOnly phase of the same cycle, i.e. exactly the values the next rising edge
will see. A transfer happens at an edge where tvalid and tready were both 1.
"""

from __future__ import annotations

import logging
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource


def _int(handle) -> int:
    return int(handle.value)


def pauses(rng: random.Random, go_prob: float):
    """A cocotbext-axi pause generator: each cycle paused with probability ``1 - go_prob``."""
    while True:
        yield rng.random() >= go_prob


def _bus(dut, prefix: str, tlast: bool = True) -> AxiStreamBus:
    bus = AxiStreamBus.from_prefix(dut, prefix)
    if not tlast and hasattr(bus, "tlast"):
        del bus._signals["tlast"]  # words, not frames: every transfer is one entry
        delattr(bus, "tlast")
    return bus


def _quiet(component):
    component.log.setLevel(logging.WARNING)  # it logs every frame at INFO
    return component


class Transfers:
    """Every transfer on one stream (an edge where tvalid and tready were 1): its word,
    its cycle and its tlast. cocotbext-axi's sink collects frames; the benches also need
    when each word moved (the full-rate checks)."""

    def __init__(self, dut, prefix: str, clk, tlast: bool = False):
        self.tdata = getattr(dut, f"{prefix}_tdata")
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tready = getattr(dut, f"{prefix}_tready")
        self.tlast = getattr(dut, f"{prefix}_tlast") if tlast else None
        self.clk = clk
        self.words: list[int] = []
        self.lasts: list[int] = []
        self.cycles: list[int] = []
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        cycle = 0
        while True:
            await RisingEdge(self.clk)
            cycle += 1
            await ReadOnly()
            if _int(self.tvalid) == 1 and _int(self.tready) == 1:
                self.words.append(_int(self.tdata))
                self.cycles.append(cycle)
                if self.tlast is not None:
                    self.lasts.append(_int(self.tlast))


class AxisSource:
    """Drives ``words`` into a slave stream (cocotbext-axi ``AxiStreamSource``, one word per
    transfer); ``valid_prob`` < 1 inserts random idle cycles through its pause generator."""

    def __init__(self, dut, prefix: str, clk, rng: random.Random, valid_prob: float = 1.0):
        self._src = _quiet(AxiStreamSource(_bus(dut, prefix), clk, byte_lanes=1))
        if valid_prob < 1.0:
            self._src.set_pause_generator(pauses(rng, valid_prob))
        self._log = Transfers(dut, prefix, clk)

    @property
    def sent(self) -> int:
        return len(self._log.words)

    async def send(self, words: list[int]) -> None:
        if words:
            await self._src.send(AxiStreamFrame(list(words)))
            await self._src.wait()


class AxisSink:
    """Takes words from a master stream (cocotbext-axi ``AxiStreamSink`` drives tready);
    ``ready_prob`` < 1 applies random back-pressure through its pause generator. ``words``,
    ``cycles`` and ``lasts`` record every transfer."""

    def __init__(self, dut, prefix: str, clk, rng: random.Random, ready_prob: float = 1.0,
                 tlast: bool = False):
        self._args = (dut, prefix, clk, tlast)
        self._rng, self.ready_prob = rng, ready_prob
        getattr(dut, f"{prefix}_tready").value = 0
        self._log: Transfers | None = None

    def start(self) -> None:
        dut, prefix, clk, tlast = self._args
        sink = _quiet(AxiStreamSink(_bus(dut, prefix, tlast), clk, byte_lanes=1))
        if self.ready_prob < 1.0:
            sink.set_pause_generator(pauses(self._rng, self.ready_prob))
        self._sink = sink
        self._log = Transfers(dut, prefix, clk, tlast)

    def _field(self, name: str) -> list[int]:
        return getattr(self._log, name) if self._log is not None else []

    @property
    def words(self) -> list[int]:
        return self._field("words")

    @property
    def cycles(self) -> list[int]:
        return self._field("cycles")

    @property
    def lasts(self) -> list[int]:
        return self._field("lasts")


class AxisProtocolChecker:
    """Records every AXI-Stream rule violation on one stream.

    Once tvalid is 1 and the word is not taken, tvalid must stay 1 and tdata must hold
    until the transfer (AXI4-Stream: a master may not withdraw or change a word).
    """

    def __init__(self, dut, prefix: str, clk):
        self.tdata = getattr(dut, f"{prefix}_tdata")
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tready = getattr(dut, f"{prefix}_tready")
        self.clk, self.prefix = clk, prefix
        self.violations: list[str] = []
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        stalled, held, cycle = False, 0, 0
        while True:
            await RisingEdge(self.clk)
            cycle += 1
            await ReadOnly()
            valid = _int(self.tvalid) == 1
            data = _int(self.tdata) if valid else 0
            if stalled and not valid:
                self.violations.append(f"{self.prefix}: cycle {cycle}: tvalid dropped before the transfer")
            elif stalled and data != held:
                self.violations.append(f"{self.prefix}: cycle {cycle}: tdata changed while stalled "
                                       f"({held:#x} -> {data:#x})")
            stalled = valid and _int(self.tready) == 0
            held = data


class Scoreboard:
    """In-order comparison of expected and observed words; keeps every mismatch."""

    def __init__(self, name: str):
        self.name = name
        self.mismatches: list[str] = []

    def compare(self, expected: list[int], got: list[int]) -> None:
        if len(got) != len(expected):
            self.mismatches.append(f"{self.name}: {len(got)} words out, {len(expected)} expected")
        for i, (e, g) in enumerate(zip(expected, got, strict=False)):
            if e != g:
                self.mismatches.append(f"{self.name}: word {i}: got {g:#x}, expected {e:#x}")

    def check(self, *checkers: AxisProtocolChecker) -> None:
        """Raise AssertionError listing the first mismatches and protocol violations."""
        problems = list(self.mismatches)
        for c in checkers:
            problems += c.violations
        if problems:
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise AssertionError(f"{len(problems)} problems:\n  " + "\n  ".join(problems[:20]) + more)


async def reset(dut, clk, cycles: int = 4) -> None:
    """Hold ``rst_n`` low for ``cycles`` rising edges."""
    dut.rst_n.value = 0
    for _ in range(cycles):
        await RisingEdge(clk)
    dut.rst_n.value = 1


async def wait_for(sink: AxisSink, n_words: int, clk, max_cycles: int) -> bool:
    """Wait until ``sink`` holds ``n_words`` words; False after ``max_cycles`` (a stall)."""
    for _ in range(max_cycles):
        if len(sink.words) >= n_words:
            return True
        await RisingEdge(clk)
    return len(sink.words) >= n_words


async def stream(dut, words: list[int], n_out: int, valid_prob: float, ready_prob: float,
                 seed: int, name: str) -> tuple[AxisSink, Scoreboard, AxisProtocolChecker]:
    """Drive ``words`` in, collect ``n_out`` words (and any extra ones) under the given stalls."""
    rng = random.Random(seed)
    Clock(dut.clk, 10, unit="ns").start()
    src = AxisSource(dut, "s_axis", dut.clk, rng, valid_prob)
    sink = AxisSink(dut, "m_axis", dut.clk, rng, ready_prob)
    checker = AxisProtocolChecker(dut, "m_axis", dut.clk)
    await reset(dut, dut.clk)
    sink.start()
    cocotb.start_soon(src.send(words))
    done = await wait_for(sink, n_out, dut.clk, 20 * (len(words) + n_out) + 200)
    await ClockCycles(dut.clk, 30)  # a duplicated word would arrive here
    sb = Scoreboard(name)
    if not done:
        sb.mismatches.append(f"stalled: {len(sink.words)} of {n_out} words out, {src.sent} in")
    return sink, sb, checker
