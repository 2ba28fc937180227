"""cocotb bench of finn_dwc against golden.streams.repack_words over width pairs."""

from __future__ import annotations

import math
import random

import pytest
from rtl_tb_helpers import bench_work_dir, simulators

from golden.streams import repack_words
from rtl_tb.runner import run_bench

pytestmark = pytest.mark.verilator

CASES = [
    # IW, OW, valid_prob, ready_prob
    (16, 8, 0.5, 0.4),
    (8, 16, 0.9, 0.3),
    (70, 7, 0.5, 0.4),  # TFC: PE=10 x 7-bit scores into LabelSelect
    (7, 70, 0.5, 0.4),
    (12, 8, 0.3, 0.9),
    (8, 12, 0.5, 0.4),
]
SLOW_CASES = [
    (1, 13, 0.5, 0.4),
    (13, 1, 0.5, 0.4),
    (24, 24, 0.5, 0.4),
    (600, 64, 0.5, 0.4),
]


def full_rate_offsets(iw: int, ow: int, n_out: int) -> list[int]:
    """Clock of each output word relative to the first when both sides never stall.

    Word j leaves when its last bit can have arrived at one input word per clock,
    and no sooner than one output word per clock.
    """
    first = math.ceil(ow / iw)
    return [max(j, math.ceil((j + 1) * ow / iw) - first) for j in range(n_out)]


def make_case(iw: int, ow: int, valid_prob: float, ready_prob: float, seed: int = 0):
    """Parameters and case data of one bench run: whole frames of lcm(IW, OW) bits."""
    rng = random.Random(seed + 1000 * iw + ow)
    frame_words = math.lcm(iw, ow) // iw
    n_in = frame_words * max(1, 200 // max(frame_words, math.lcm(iw, ow) // ow))
    words = [rng.getrandbits(iw) for _ in range(n_in)]
    expected = repack_words(words, iw, ow)
    case = {"words": words, "expected": expected,
            "offsets": full_rate_offsets(iw, ow, len(expected)),
            "valid_prob": valid_prob, "ready_prob": ready_prob, "seed": seed + 1}
    return {"IW": iw, "OW": ow}, case


def _run(simulator: str, iw: int, ow: int, valid_prob: float, ready_prob: float) -> None:
    params, case = make_case(iw, ow, valid_prob, ready_prob)
    run_bench("tb_dwc", "finn_dwc", ["finn_dwc.v"], params, case, bench_work_dir(),
              simulator=simulator)


def test_full_rate_offsets_match_the_frame_time():
    # a frame of B bits takes max(B/IW, B/OW) clocks in steady state
    for iw, ow in [(16, 8), (8, 16), (70, 7), (7, 70), (12, 8), (8, 12)]:
        b = math.lcm(iw, ow)
        off = full_rate_offsets(iw, ow, 4 * b // ow + 1)
        assert off[-1] - off[b // ow] == 3 * max(b // iw, b // ow)


@simulators
@pytest.mark.parametrize("iw,ow,valid_prob,ready_prob", CASES)
def test_dwc_bench(simulator, iw, ow, valid_prob, ready_prob):
    _run(simulator, iw, ow, valid_prob, ready_prob)


@pytest.mark.slow
@simulators
@pytest.mark.parametrize("iw,ow,valid_prob,ready_prob", SLOW_CASES)
def test_dwc_bench_more(simulator, iw, ow, valid_prob, ready_prob):
    _run(simulator, iw, ow, valid_prob, ready_prob)
