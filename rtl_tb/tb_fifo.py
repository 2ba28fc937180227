"""Bench of ``finn_fifo``: every word comes out once, in order, under random stalls.

Reference model: a FIFO is the identity on the word sequence. Case data: ``words``,
``valid_prob``, ``ready_prob``, ``seed``.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock

from rtl_tb.axis import AxisProtocolChecker, AxisSink, AxisSource, Scoreboard, reset, wait_for
from rtl_tb.runner import load_case


@cocotb.test()
async def fifo_passes_every_word_in_order(dut):
    case = load_case()
    rng = random.Random(case["seed"])
    Clock(dut.clk, 10, unit="ns").start()
    src = AxisSource(dut, "s_axis", dut.clk, rng, case["valid_prob"])
    sink = AxisSink(dut, "m_axis", dut.clk, rng, case["ready_prob"])
    checkers = [AxisProtocolChecker(dut, "m_axis", dut.clk)]
    await reset(dut, dut.clk)
    sink.start()
    words = case["words"]
    cocotb.start_soon(src.send(words))
    done = await wait_for(sink, len(words), dut.clk, 50 * len(words) + 100)
    sb = Scoreboard("fifo")
    if not done:
        sb.mismatches.append(f"stalled: {len(sink.words)} of {len(words)} words out")
    sb.compare(words, sink.words)
    sb.check(*checkers)
