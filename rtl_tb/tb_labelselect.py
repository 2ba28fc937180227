"""Bench of ``finn_labelselect``: golden indices in order, AXI-Stream rules, full input rate.

Reference model: ``golden.label_select`` (ties: lower index first) on the pytest side,
which hands over the input words and the expected index words (K per vector, best
first). Case data: ``words``, ``expected``, ``offsets`` (clock of each output transfer
relative to the first at full rate: a vector every max(L/PE, K) clocks), ``valid_prob``,
``ready_prob``, ``seed``.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles

from rtl_tb.axis import AxisProtocolChecker, AxisSink, AxisSource, Scoreboard, reset, wait_for
from rtl_tb.runner import load_case


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


@cocotb.test()
async def labelselect_matches_golden_under_stalls(dut):
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), case["valid_prob"],
                                     case["ready_prob"], case["seed"], "labelselect")
    sb.compare(case["expected"], sink.words)
    sb.check(checker)


@cocotb.test()
async def labelselect_consumes_one_word_per_clock(dut):
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), 1.0, 1.0,
                                     case["seed"], "labelselect at full rate")
    sb.compare(case["expected"], sink.words)
    offsets = [c - sink.cycles[0] for c in sink.cycles]
    if offsets != case["offsets"]:
        sb.mismatches.append(f"output clocks {offsets[:24]}..., expected {case['offsets'][:24]}...")
    dut._log.info("first output transfer in clock %d after reset", sink.cycles[0] if sink.cycles else -1)
    sb.check(checker)
