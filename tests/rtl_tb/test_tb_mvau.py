"""cocotb bench of finn_mvau over datatypes, foldings, activations and stall patterns.

Each case draws (seeded) weights, thresholds and input vectors, writes the memory
images with :mod:`finn.codegen.rtl_mem` into a per-case folder, and computes the
expected output words with ``golden/``. One Verilator build per parameter set; the
bench runs a stalled and a full-rate pass on it (see ``rtl_tb/tb_mvau.py``).
"""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from rtl_tb_helpers import bench_work_dir, simulators

from finn.codegen.cpp_values import element_kind, signed_bits
from finn.codegen.rtl_mem import (
    mem_file_text,
    threshold_bits,
    threshold_mem_lines,
    weight_mem_lines,
)
from finn.custom_op.fpgadataflow.base import get_threshold_tensor_folded, get_weight_tensor_folded
from finn.custom_op.fpgadataflow.matrixvectoractivation import accumulator_range
from golden.mvau import mvau
from golden.streams import pack_words
from golden.xnorpopcount import bipolar_to_binary
from rtl_tb.runner import rtllib_dir, run_bench

pytestmark = pytest.mark.verilator

KIND_CODE = {"unsigned": 0, "signed": 1, "bipolar": 2}


@dataclass(frozen=True)
class Spec:
    """One parameter set of the module (plus the stall pattern of its stalled pass)."""

    name: str
    idt: str
    wdt: str
    mw: int
    mh: int
    pe: int
    simd: int
    nthr: int = 0  # 0: no activation, the accumulator is the output
    actval: int = 0
    xnor: bool = False
    acc_bits: int = 0  # 0: the narrowest that holds the accumulator range
    out_bits: int = 0  # 0: what the output values need
    valid_prob: float = 1.0
    ready_prob: float = 1.0
    ram_style: str = "auto"
    vectors: int = 6
    seed: int = 1  # of weights, thresholds and inputs


CASES = [
    # TFC hidden layer: bipolar x bipolar in XNOR mode, one threshold, bipolar output bit
    Spec("xnor_thr", "BIPOLAR", "BIPOLAR", 32, 16, 4, 8, nthr=1, xnor=True,
         valid_prob=0.5, ready_prob=0.4, ram_style="block"),
    # PE = MH and SIMD = MW (SF = NF = 1: one vector per clock), popcount output
    Spec("xnor_noact_full_parallel", "BIPOLAR", "BIPOLAR", 16, 8, 8, 16, xnor=True),
    # PE = SIMD = 1, signed output (ACTVAL < 0)
    Spec("int2_int2_thr3_pe1_simd1", "INT2", "INT2", 6, 4, 1, 1, nthr=3, actval=-2,
         valid_prob=0.5, ready_prob=0.4, ram_style="distributed"),
    # 4-bit unsigned activations, 15 thresholds (an UINT4 output)
    Spec("uint4_bipolar_w_thr15", "UINT4", "BIPOLAR", 8, 8, 2, 2, nthr=15),
    # signed accumulator output, sign-extended to OBITS > ACCBITS
    Spec("int4_int3_acc", "INT4", "INT3", 12, 6, 3, 4, out_bits=16, valid_prob=0.6, ready_prob=0.4),
]


def _values(rng: np.random.Generator, dt, shape) -> np.ndarray:
    if dt == DataType["BIPOLAR"]:
        return rng.choice([-1, 1], size=shape).astype(np.int64)
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape, dtype=np.int64)


def _thresholds(rng: np.random.Generator, acc: np.ndarray, lo: int, hi: int, nthr: int) -> np.ndarray:
    """Sorted (MH, nthr) thresholds: mostly at or next to accumulator values the inputs
    reach (so ``>=`` ties occur), some outside the accumulator range, some duplicated."""
    mh = acc.shape[1]
    thr = np.empty((mh, nthr), dtype=np.int64)
    for c in range(mh):
        for t in range(nthr):
            r = rng.random()
            if r < 0.1:
                thr[c, t] = lo - int(rng.integers(0, 3))
            elif r < 0.2:
                thr[c, t] = hi + int(rng.integers(0, 3))
            else:
                thr[c, t] = int(rng.choice(acc[:, c])) + int(rng.integers(-1, 2))
        row = np.sort(thr[c])
        for t in range(1, nthr):
            if rng.random() < 0.25:
                row[t] = row[t - 1]  # duplicate threshold
        thr[c] = row
    return thr


def _write_file(path: Path, text: str) -> None:
    """Write ``text`` unless already there, atomically: a simulator of another test
    (pytest-xdist) may be reading the same memory image."""
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def build_case(spec: Spec, mem_dir: Path) -> tuple[dict, dict]:
    """(Verilog parameters, bench case) of ``spec``; writes the memory images to ``mem_dir``."""
    seed = spec.seed
    rng = np.random.default_rng(seed)
    idt, wdt = DataType[spec.idt], DataType[spec.wdt]
    sf, nf = spec.mw // spec.simd, spec.mh // spec.pe
    x = _values(rng, idt, (spec.vectors, spec.mw))
    w = _values(rng, wdt, (spec.mw, spec.mh))
    if spec.xnor:
        xg, wg = bipolar_to_binary(x), bipolar_to_binary(w)
    else:
        xg, wg = x, w
    lo, hi = accumulator_range(w, idt, spec.xnor)
    acc_bits = spec.acc_bits or signed_bits(lo, hi)
    acc = mvau(xg, wg, binary_xnor=spec.xnor)

    mem_dir.mkdir(parents=True, exist_ok=True)
    wfile = mem_dir / "weights.mem"
    _write_file(wfile, mem_file_text(weight_mem_lines(get_weight_tensor_folded(w, spec.pe, spec.simd), wdt)))
    params = {
        "MW": spec.mw, "MH": spec.mh, "PE": spec.pe, "SIMD": spec.simd,
        "IBITS": idt.bitwidth(), "IKIND": KIND_CODE[element_kind(idt)],
        "WBITS": wdt.bitwidth(), "WKIND": KIND_CODE[element_kind(wdt)],
        "XNOR": int(spec.xnor), "ACCBITS": acc_bits, "NTHR": spec.nthr, "ACTVAL": spec.actval,
        # Verilator takes -GNAME="text" as a string; the runner passes the value verbatim
        "WEIGHT_FILE": f'"{wfile.resolve()}"', "RAM_STYLE": f'"{spec.ram_style}"',
    }
    if spec.nthr:
        thr = _thresholds(rng, acc, lo, hi, spec.nthr)
        thr_folded = get_threshold_tensor_folded(thr, spec.pe)
        tbits = threshold_bits(thr_folded)
        tfile = mem_dir / "thresholds.mem"
        _write_file(tfile, mem_file_text(threshold_mem_lines(thr_folded, tbits)))
        params.update(TBITS=tbits, THRESH_FILE=f'"{tfile.resolve()}"')
        out = np.rint(mvau(xg, wg, thr, binary_xnor=spec.xnor, out_bias=spec.actval)).astype(np.int64)
        top = spec.nthr + spec.actval
        out_kind = "signed" if spec.actval < 0 else "unsigned"
        out_bits = signed_bits(spec.actval, top) if spec.actval < 0 else max(1, top.bit_length())
    else:
        out, out_kind, out_bits = acc, "signed", acc_bits
    out_bits = spec.out_bits or out_bits
    params["OBITS"] = out_bits
    case = {
        "in_words": pack_words(x.reshape(-1, spec.simd), idt.bitwidth(), element_kind(idt)),
        "out_words": pack_words(out.reshape(-1, spec.pe), out_bits, out_kind),
        "sf": sf, "nf": nf, "vectors": spec.vectors,
        "valid_prob": spec.valid_prob, "ready_prob": spec.ready_prob, "seed": seed,
    }
    return params, case


def _random_spec(seed: int) -> Spec:
    r = random.Random(seed)
    kind = r.choice(["xnor", "int", "bipolar_w"])
    mw, mh = r.choice([2, 4, 6, 8, 12, 16, 24, 32]), r.choice([1, 2, 3, 4, 6, 8, 16])
    simd = r.choice([d for d in range(1, mw + 1) if mw % d == 0])
    pe = r.choice([d for d in range(1, mh + 1) if mh % d == 0])
    if kind == "xnor":
        idt = wdt = "BIPOLAR"
    else:
        idt = r.choice(["UINT2", "UINT4", "INT2", "INT4", "INT8", "BIPOLAR"])
        wdt = "BIPOLAR" if kind == "bipolar_w" else r.choice(["INT2", "INT3", "UINT2", "INT8"])
    nthr = r.choice([0, 1, 3, 7])
    actval = r.choice([0, 0, -(nthr + 1) // 2]) if nthr else 0
    stalls = r.random() < 0.7
    return Spec(f"sweep{seed}", idt, wdt, mw, mh, pe, simd, nthr=nthr, actval=actval,
                xnor=kind == "xnor", acc_bits=r.choice([0, 0, 32]),
                valid_prob=0.6 if stalls else 1.0, ready_prob=0.5 if stalls else 1.0,
                ram_style=r.choice(["auto", "block", "distributed"]), vectors=5, seed=seed)


SWEEP_SEEDS = range(12)


def _mem_dir(name: str) -> Path:
    # a fixed folder per case: the build key holds the file names, so a warm cache is reused
    return bench_work_dir() / "finn_mvau_mem" / name


@simulators
@pytest.mark.parametrize("spec", CASES, ids=lambda s: s.name)
def test_mvau_bench(simulator, spec):
    params, case = build_case(spec, _mem_dir(spec.name))
    run_bench("tb_mvau", "finn_mvau", ["finn_mvau.v"], params, case, bench_work_dir(),
              simulator=simulator)


@pytest.mark.parametrize("spec", CASES + [_random_spec(seed) for seed in SWEEP_SEEDS],
                         ids=lambda s: s.name)
def test_mvau_lint_clean(spec):
    """``verilator --lint-only -Wall`` reports nothing on every tested parameter set."""
    from sim.tools import find_verilator, verilator_env

    params, _ = build_case(spec, _mem_dir(spec.name))
    cmd = [find_verilator(), "--lint-only", "-Wall", str(rtllib_dir() / "finn_mvau.v")]
    cmd += [f"-G{k}={v}" for k, v in params.items()]
    res = subprocess.run(cmd, capture_output=True, text=True, env=verilator_env(), check=False)
    assert res.returncode == 0 and "%Warning" not in res.stderr, res.stderr


# Mutants of the module the bench must reject (a cheap parameter set with thresholds
# and stalls; one extra build each).
MUTANTS = {
    "threshold_compare_gt": ("if ($signed(a_ext) >= $signed(t_ext))",
                             "if ($signed(a_ext) > $signed(t_ext))"),
    # s_axis_tready ignores the stall: input words taken while the pipeline is frozen are lost
    "dropped_input_beat": ("assign s_axis_tready = en && nf_zero;",
                           "assign s_axis_tready = nf_zero;"),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mvau_bench_rejects_mutant(mutant):
    good, bad = MUTANTS[mutant]
    text = (rtllib_dir() / "finn_mvau.v").read_text()
    assert text.count(good) == 1, f"mutation site {good!r} not found once in finn_mvau.v"
    # a fixed path, rewritten only on change: a warm build cache skips Verilator
    src = bench_work_dir() / "finn_mvau_mutants" / mutant / "finn_mvau.v"
    src.parent.mkdir(parents=True, exist_ok=True)
    _write_file(src, text.replace(good, bad))
    spec = CASES[2]  # thresholds with ties, stalls, SF * NF = 24 cycles per vector
    params, case = build_case(spec, _mem_dir(spec.name))
    with pytest.raises(AssertionError, match="failed") as err:
        run_bench("tb_mvau", "finn_mvau", [str(src)], params, case, bench_work_dir())
    assert "problems" in str(err.value)  # the scoreboard's report, not a crash


@pytest.mark.slow
@pytest.mark.parametrize("seed", SWEEP_SEEDS)
def test_mvau_bench_sweep(seed):
    spec = _random_spec(seed)
    params, case = build_case(spec, _mem_dir(spec.name))
    run_bench("tb_mvau", "finn_mvau", ["finn_mvau.v"], params, case, bench_work_dir(), seed=seed)
