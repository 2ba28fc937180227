"""Bench of ``finn_dwc``: the re-cut words in order, AXI-Stream rules, both sides at full rate.

Reference model: ``golden.streams.repack_words`` on the pytest side, which hands over the
input and the expected output words. Case data: ``words``, ``expected``, ``offsets``
(clock of each output transfer relative to the first at full rate: output word j
leaves as soon as its last bit can have arrived at one input word per clock, and no
sooner than one word per clock), ``valid_prob``, ``ready_prob``, ``seed``.
"""

from __future__ import annotations

import cocotb

from rtl_tb.axis import stream
from rtl_tb.runner import load_case


@cocotb.test()
async def dwc_matches_repack_under_stalls(dut):
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), case["valid_prob"],
                                     case["ready_prob"], case["seed"], "dwc")
    sb.compare(case["expected"], sink.words)
    sb.check(checker)


@cocotb.test()
async def dwc_moves_both_sides_every_clock(dut):
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), 1.0, 1.0,
                                     case["seed"], "dwc at full rate")
    sb.compare(case["expected"], sink.words)
    offsets = [c - sink.cycles[0] for c in sink.cycles]
    if offsets != case["offsets"]:
        sb.mismatches.append(f"output clocks {offsets[:24]}..., expected {case['offsets'][:24]}...")
    dut._log.info("first output transfer in clock %d after reset", sink.cycles[0] if sink.cycles else -1)
    sb.check(checker)
