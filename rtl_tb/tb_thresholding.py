"""Bench of ``finn_thresholding``: golden outputs in order, AXI-Stream rules, one word per clock.

Reference model: ``golden.multithreshold`` on the pytest side, which hands over the
input words and the expected output words. Case data: ``words``, ``expected``,
``offsets`` (clock of each output transfer relative to the first at full rate),
``valid_prob``, ``ready_prob``, ``seed``.
"""

from __future__ import annotations

import cocotb

from rtl_tb.axis import stream
from rtl_tb.runner import load_case


@cocotb.test()
async def thresholding_matches_golden_under_stalls(dut):
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), case["valid_prob"],
                                     case["ready_prob"], case["seed"], "thresholding")
    sb.compare(case["expected"], sink.words)
    sb.check(checker)


@cocotb.test()
async def thresholding_takes_one_word_per_clock(dut):
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), 1.0, 1.0,
                                     case["seed"], "thresholding at full rate")
    sb.compare(case["expected"], sink.words)
    offsets = [c - sink.cycles[0] for c in sink.cycles]
    if offsets != case["offsets"]:
        sb.mismatches.append(f"output clocks {offsets[:24]}..., expected {case['offsets'][:24]}...")
    dut._log.info("first output transfer in clock %d after reset", sink.cycles[0] if sink.cycles else -1)
    sb.check(checker)
