"""Bench of ``finn_labelselect``: golden indices in order, AXI-Stream rules, full input rate.

Reference model: ``golden.label_select`` (ties: lower index first) on the pytest side,
which hands over the input words and the expected index words (K per vector, best
first). Case data: ``words``, ``expected``, ``offsets`` (clock of each output transfer
relative to the first at full rate: a vector every max(L/PE, K) clocks), ``valid_prob``,
``ready_prob``, ``seed``.
"""

from __future__ import annotations

import cocotb

from rtl_tb.axis import stream
from rtl_tb.runner import load_case


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
