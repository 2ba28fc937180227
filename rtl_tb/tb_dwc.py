"""Bench of ``finn_dwc``: the re-cut words in order, AXI-Stream rules, both sides at full rate.

Reference model: ``golden.streams.repack_words`` on the pytest side, which hands over the
input and the expected output words. Case data: ``words``, ``expected``, ``offsets``
(clock of each output transfer relative to the first at full rate: output word j
leaves as soon as its last bit can have arrived at one input word per clock, and no
sooner than one word per clock), ``valid_prob``, ``ready_prob``, ``seed``.
"""

from __future__ import annotations

import cocotb

from rtl_tb.checks import keeps_full_rate, matches_golden_under_stalls


@cocotb.test()
async def dwc_matches_repack_under_stalls(dut):
    await matches_golden_under_stalls(dut, "dwc")


@cocotb.test()
async def dwc_moves_both_sides_every_clock(dut):
    await keeps_full_rate(dut, "dwc")
