"""The two checks every stream-to-stream bench runs on its case (``rtl_tb.runner.load_case``).

Case data: ``words`` (input), ``expected`` (output words, from golden/), ``offsets`` (clock
of each output transfer relative to the first, at full rate), ``valid_prob``,
``ready_prob``, ``seed``.
"""

from __future__ import annotations

from rtl_tb.axis import stream
from rtl_tb.runner import load_case


async def matches_golden_under_stalls(dut, name: str) -> None:
    """In-order golden comparison and AXI-Stream rules under the case's random stalls."""
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), case["valid_prob"],
                                     case["ready_prob"], case["seed"], name)
    sb.compare(case["expected"], sink.words)
    sb.check(checker)


async def keeps_full_rate(dut, name: str) -> None:
    """With no stalls, every output transfer happens exactly at its expected clock."""
    case = load_case()
    sink, sb, checker = await stream(dut, case["words"], len(case["expected"]), 1.0, 1.0,
                                     case["seed"], f"{name} at full rate")
    sb.compare(case["expected"], sink.words)
    offsets = [c - sink.cycles[0] for c in sink.cycles]
    if offsets != case["offsets"]:
        sb.mismatches.append(f"output clocks {offsets[:24]}..., expected {case['offsets'][:24]}...")
    dut._log.info("first output transfer in clock %d after reset", sink.cycles[0] if sink.cycles else -1)
    sb.check(checker)
