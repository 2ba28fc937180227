"""cocotb bench of finn_fifo over depths, widths and stall patterns."""

from __future__ import annotations

import random

import pytest
from rtl_tb_helpers import bench_work_dir, simulators

from rtl_tb.runner import run_bench

pytestmark = pytest.mark.verilator

CASES = [
    # width, depth, valid_prob, ready_prob
    (1, 2, 1.0, 1.0),
    (12, 5, 0.6, 0.5),
    (70, 64, 0.9, 0.3),
]


@simulators
@pytest.mark.parametrize("width,depth,valid_prob,ready_prob", CASES)
def test_fifo_bench(simulator, width, depth, valid_prob, ready_prob):
    rng = random.Random(width * 1000 + depth)
    words = [rng.getrandbits(width) for _ in range(3 * depth + 50)]
    case = {"words": words, "valid_prob": valid_prob, "ready_prob": ready_prob, "seed": depth}
    run_bench("tb_fifo", "finn_fifo", ["finn_fifo.v"], {"WIDTH": width, "DEPTH": depth}, case,
              bench_work_dir(), simulator=simulator)
