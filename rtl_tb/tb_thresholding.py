"""Bench of ``finn_thresholding``: golden outputs in order, AXI-Stream rules, one word per clock.

Reference model: ``golden.multithreshold`` on the pytest side, which hands over the
input words and the expected output words. Case data: ``words``, ``expected``,
``offsets`` (clock of each output transfer relative to the first at full rate),
``valid_prob``, ``ready_prob``, ``seed``.
"""

from __future__ import annotations

import cocotb

from rtl_tb.checks import keeps_full_rate, matches_golden_under_stalls


@cocotb.test()
async def thresholding_matches_golden_under_stalls(dut):
    await matches_golden_under_stalls(dut, "thresholding")


@cocotb.test()
async def thresholding_takes_one_word_per_clock(dut):
    await keeps_full_rate(dut, "thresholding")
