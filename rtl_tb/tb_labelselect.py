"""Bench of ``finn_labelselect``: golden indices in order, AXI-Stream rules, full input rate.

Reference model: ``golden.label_select`` (ties: lower index first) on the pytest side,
which hands over the input words and the expected index words (K per vector, best
first). Case data: ``words``, ``expected``, ``offsets`` (clock of each output transfer
relative to the first at full rate: a vector every max(L/PE, K) clocks), ``valid_prob``,
``ready_prob``, ``seed``.
"""

from __future__ import annotations

import cocotb

from rtl_tb.checks import keeps_full_rate, matches_golden_under_stalls


@cocotb.test()
async def labelselect_matches_golden_under_stalls(dut):
    await matches_golden_under_stalls(dut, "labelselect")


@cocotb.test()
async def labelselect_consumes_one_word_per_clock(dut):
    await keeps_full_rate(dut, "labelselect")
