"""cocotb bench of finn_labelselect against golden.label_select over folds, K and datatypes."""

from __future__ import annotations

import numpy as np
import pytest
from rtl_tb_helpers import bench_work_dir, simulators

from golden.labelselect import label_select
from golden.streams import pack_words
from rtl_tb.runner import run_bench

pytestmark = pytest.mark.verilator

KIND_CODE = {"unsigned": 0, "signed": 1, "bipolar": 2}

CASES = {
    # name: L, PE, K, IBITS, kind, (lo, hi) score range, levels, OBITS, valid_prob, ready_prob
    # scores take `levels` distinct values, lo and hi among them: extremes and many ties
    "tfc_l10_pe1_k1": (10, 1, 1, 8, "signed", (-128, 127), 6, 4, 0.5, 0.4),
    "ties_l12_pe3_k4": (12, 3, 4, 4, "signed", (-1, 1), 3, 4, 0.5, 0.4),
    "u3_l8_pe4_k3": (8, 4, 3, 3, "unsigned", (0, 7), 4, 3, 0.9, 0.7),
}
SLOW_CASES = {
    "all_l6_pe6_k6": (6, 6, 6, 2, "signed", (-2, 1), 4, 3, 0.5, 0.4),
    "bipolar_l4_pe2_k2": (4, 2, 2, 1, "bipolar", (-1, 1), 2, 2, 0.5, 0.4),
    "s16_l20_pe5_k5": (20, 5, 5, 16, "signed", (-32768, 32767), 12, 5, 0.3, 0.9),
}

def make_case(labels: int, pe: int, k: int, ibits: int, kind: str, score_range: tuple[int, int],
              levels: int, obits: int, valid_prob: float, ready_prob: float, seed: int = 0):
    """Parameters and case data of one bench run."""
    rng = np.random.default_rng(seed + 1000 * labels + 100 * pe + k)
    lo, hi = score_range
    n_vec = max(8, 240 // labels)
    pool = np.unique(np.concatenate([[lo, hi], rng.integers(lo, hi + 1, size=levels - 2)]))
    if kind == "bipolar":
        pool = np.array([-1, 1])
    x = rng.choice(pool, size=(n_vec, labels))
    nf = labels // pe
    words = pack_words(x.reshape(n_vec * nf, pe), ibits, kind)
    expected = [int(i) for i in label_select(x, k).reshape(-1)]
    # at full rate a vector leaves every max(L/PE, K) clocks, its K indices back to back
    period = max(nf, k)
    offsets = [v * period + r for v in range(n_vec) for r in range(k)]
    params = {"L": labels, "PE": pe, "K": k, "IBITS": ibits, "IKIND": KIND_CODE[kind], "OBITS": obits}
    case = {"words": words, "expected": expected, "offsets": offsets,
            "valid_prob": valid_prob, "ready_prob": ready_prob, "seed": seed + 1}
    return params, case


def _run(simulator: str, spec: tuple) -> None:
    params, case = make_case(*spec)
    run_bench("tb_labelselect", "finn_labelselect", ["finn_labelselect.v"], params, case,
              bench_work_dir(), simulator=simulator)


@simulators
@pytest.mark.parametrize("name", list(CASES))
def test_labelselect_bench(simulator, name):
    _run(simulator, CASES[name])


@pytest.mark.slow
@simulators
@pytest.mark.parametrize("name", list(SLOW_CASES))
def test_labelselect_bench_more(simulator, name):
    _run(simulator, SLOW_CASES[name])
