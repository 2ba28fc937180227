"""cocotb bench of finn_thresholding against golden.multithreshold over folds and datatypes."""

from __future__ import annotations

import numpy as np
import pytest
from rtl_tb_helpers import bench_work_dir, simulators

from finn.codegen.rtl_mem import mem_file_text, threshold_bits, threshold_mem_lines
from golden.multithreshold import multithreshold
from golden.streams import pack_words
from rtl_tb.runner import run_bench

pytestmark = pytest.mark.verilator

KIND_CODE = {"unsigned": 0, "signed": 1, "bipolar": 2}

CASES = {
    # name: C, PE, IBITS, input kind, NTHR, ACTVAL, OBITS, output kind, valid_prob, ready_prob
    "u8_pe1_t3": (4, 1, 8, "unsigned", 3, 0, 2, "unsigned", 0.5, 0.4),
    "s6_pe8_t7_act-4": (8, 8, 6, "signed", 7, -4, 3, "signed", 0.8, 0.6),
    "s5_pe3_t1_bipolar_out": (12, 3, 5, "signed", 1, 0, 1, "bipolar", 0.5, 0.4),
    "u4_pe2_t5_act-2": (6, 2, 4, "unsigned", 5, -2, 4, "signed", 0.9, 0.3),
}
SLOW_CASES = {
    "s16_pe4_t15_act-8": (16, 4, 16, "signed", 15, -8, 4, "signed", 0.5, 0.4),
    "bipolar_in_pe2": (4, 2, 1, "bipolar", 1, 0, 1, "bipolar", 0.5, 0.4),
    "u2_pe1_t3_c1": (1, 1, 2, "unsigned", 3, 0, 2, "unsigned", 0.3, 0.9),
}


def _input_range(bits: int, kind: str) -> tuple[int, int]:
    if kind == "signed":
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return (-1, 1) if kind == "bipolar" else (0, (1 << bits) - 1)


def make_case(name: str, c: int, pe: int, ibits: int, ikind: str, nthr: int, actval: int,
              obits: int, okind: str, valid_prob: float, ready_prob: float, seed: int = 0):
    """Parameters and case data of one bench run; writes the threshold memory file."""
    rng = np.random.default_rng(seed + sum(map(ord, name)))
    lo, hi = _input_range(ibits, ikind)
    # thresholds reach a little beyond the input range, so "never" and "always" occur
    thr = np.sort(rng.integers(lo - 2, hi + 3, size=(c, nthr)), axis=1)
    if ikind == "bipolar":
        thr = np.sort(rng.choice([-1, 0, 1, 2], size=(c, nthr)), axis=1)
    n_vec = max(6, 192 // c)
    x = rng.integers(lo, hi + 1, size=(n_vec, c))
    if ikind == "bipolar":
        x = rng.choice([-1, 1], size=(n_vec, c))
    # many inputs equal to a threshold of their channel: x >= thr versus x > thr
    hit = rng.random((n_vec, c)) < 0.4
    pick = thr[np.arange(c)[None, :], rng.integers(0, nthr, size=(n_vec, c))]
    x = np.where(hit & (pick >= lo) & (pick <= hi), pick, x)
    if ikind == "bipolar":
        x = np.where(x >= 0, 1, -1)
    if okind == "bipolar":  # a 1-bit count read as -1/+1: count*2 - 1 (ACTVAL 0 in hardware)
        y = multithreshold(x, thr, out_scale=2.0, out_bias=-1.0)
    else:
        y = multithreshold(x, thr, out_bias=float(actval))
    nf = c // pe
    words = pack_words(x.reshape(n_vec * nf, pe), ibits, ikind)
    expected = pack_words(y.reshape(n_vec * nf, pe), obits, okind)
    thr_folded = thr.reshape(nf, pe, nthr).transpose(1, 0, 2)
    tbits = threshold_bits(thr_folded)
    mem_dir = (bench_work_dir() / "mem" / f"thresholding_{name}").resolve()
    mem_dir.mkdir(parents=True, exist_ok=True)
    mem = mem_dir / "thresholds.mem"
    mem.write_text(mem_file_text(threshold_mem_lines(thr_folded, tbits)))
    params = {"C": c, "PE": pe, "IBITS": ibits, "IKIND": KIND_CODE[ikind], "NTHR": nthr,
              "TBITS": tbits, "ACTVAL": actval, "OBITS": obits,
              "THRESH_FILE": f'"{mem}"'}  # a Verilog string literal, quotes included
    case = {"words": words, "expected": expected, "offsets": list(range(len(expected))),
            "valid_prob": valid_prob, "ready_prob": ready_prob, "seed": seed + 1}
    return params, case


def _run(simulator: str, name: str, spec: tuple) -> None:
    params, case = make_case(name, *spec)
    run_bench("tb_thresholding", "finn_thresholding", ["finn_thresholding.v"], params, case,
              bench_work_dir(), simulator=simulator)


@simulators
@pytest.mark.parametrize("name", list(CASES))
def test_thresholding_bench(simulator, name):
    _run(simulator, name, CASES[name])


@pytest.mark.slow
@simulators
@pytest.mark.parametrize("name", list(SLOW_CASES))
def test_thresholding_bench_more(simulator, name):
    _run(simulator, name, SLOW_CASES[name])
