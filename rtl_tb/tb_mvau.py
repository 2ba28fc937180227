"""Bench of ``finn_mvau``: golden output words in order, under stalls and at full rate.

Reference model: the pytest side computes the expected output words with ``golden/``
(:func:`golden.mvau.mvau`, packed by :func:`golden.streams.pack_words`) and writes the
weight/threshold memory images the module loads. Case data: ``in_words``,
``out_words``, ``sf``, ``nf`` (folds), ``valid_prob``, ``ready_prob``, ``seed``.

Two tests on one build:

* ``mvau_matches_golden``: random input gaps and output back-pressure at the case's
  probabilities; every word out once, in order, AXI-Stream rules kept on both streams,
  every input word taken.
* ``mvau_full_rate``: source always valid, sink always ready; the same words, plus the
  timing contract: consecutive vectors' last output words are exactly SF * NF cycles
  apart, and the first output word transfers SF + 2 cycles after the first input word.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

from rtl_tb.axis import AxisProtocolChecker, AxisSink, AxisSource, Scoreboard, reset, wait_for
from rtl_tb.runner import load_case


class _TransferMonitor:
    """Cycle of every transfer on a stream it only observes (counted like AxisSink.cycles)."""

    def __init__(self, dut, prefix: str, clk):
        self.tvalid = getattr(dut, f"{prefix}_tvalid")
        self.tready = getattr(dut, f"{prefix}_tready")
        self.clk = clk
        self.cycles: list[int] = []

    def start(self) -> None:
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        cycle = 0
        while True:
            await RisingEdge(self.clk)
            cycle += 1
            await ReadOnly()
            if int(self.tvalid.value) == 1 and int(self.tready.value) == 1:
                self.cycles.append(cycle)


async def _run_stream(dut, case: dict, valid_prob: float, ready_prob: float, name: str):
    """Drive all input words, collect the output; return (scoreboard, sink, input monitor)."""
    rng = random.Random(case["seed"])
    Clock(dut.clk, 10, unit="ns").start()
    src = AxisSource(dut, "s_axis", dut.clk, rng, valid_prob)
    sink = AxisSink(dut, "m_axis", dut.clk, rng, ready_prob)
    mon = _TransferMonitor(dut, "s_axis", dut.clk)
    checkers = [AxisProtocolChecker(dut, "m_axis", dut.clk), AxisProtocolChecker(dut, "s_axis", dut.clk)]
    await reset(dut, dut.clk)
    sink.start()
    mon.start()
    in_words, out_words = case["in_words"], case["out_words"]
    cocotb.start_soon(src.send(in_words))
    fold = case["sf"] * case["nf"]
    budget = int((len(in_words) + len(out_words) + 2 * fold * case["vectors"])
                 / (valid_prob * ready_prob)) * 4 + 200
    done = await wait_for(sink, len(out_words), dut.clk, budget)
    sb = Scoreboard(name)
    if not done:
        sb.mismatches.append(f"stalled: {len(sink.words)} of {len(out_words)} words out, "
                             f"{src.sent} of {len(in_words)} words in")
    else:
        # long enough for a duplicated or spurious word to show up
        for _ in range(2 * fold + 10):
            await RisingEdge(dut.clk)
    if src.sent != len(in_words):
        sb.mismatches.append(f"source: {src.sent} of {len(in_words)} input words taken")
    sb.compare(out_words, sink.words)
    return sb, checkers, sink, mon


@cocotb.test()
async def mvau_matches_golden(dut):
    case = load_case()
    sb, checkers, _, _ = await _run_stream(dut, case, case["valid_prob"], case["ready_prob"], "mvau")
    sb.check(*checkers)


@cocotb.test()
async def mvau_full_rate(dut):
    case = load_case()
    sb, checkers, sink, mon = await _run_stream(dut, case, 1.0, 1.0, "mvau full rate")
    sf, nf, n = case["sf"], case["nf"], case["vectors"]
    if len(sink.cycles) == n * nf and mon.cycles:
        lasts = [sink.cycles[(v + 1) * nf - 1] for v in range(n)]
        gaps = [b - a for a, b in zip(lasts, lasts[1:], strict=False)]
        if any(g != sf * nf for g in gaps):
            sb.mismatches.append(f"last-word spacing {gaps}, expected {sf * nf} (SF*NF) each")
        latency = sink.cycles[0] - mon.cycles[0]
        if latency != sf + 2:
            sb.mismatches.append(f"latency {latency} cycles from first input to first output "
                                 f"word, expected SF + 2 = {sf + 2}")
    sb.check(*checkers)
