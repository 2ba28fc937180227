"""Each streamlining identity: the "before" graph, run by qonnx/onnxruntime, equals
the "after" graph built from the golden rewrite's constants.

Integer-valued data are compared bit-exactly.  The purely floating-point
rewrites (batchnorm, collapse, move-add-past-mul) reassociate float32
arithmetic, so they are compared with a tolerance derived in each test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_helpers import FAST, f32, make_model, qnode, run_ort, run_qonnx, sorted_thresholds

from golden.multithreshold import multithreshold
from golden.quant import bipolar_quant
from golden.streamline import (
    absorb_add_into_thresholds,
    absorb_mul_add_into_topk,
    absorb_mul_into_thresholds,
    absorb_sign_into_thresholds,
    batchnorm_to_affine,
    collapse_adds,
    collapse_muls,
    move_add_past_mul,
    move_scalar_add_past_matmul,
    move_scalar_mul_past_matmul,
    round_and_clip_thresholds,
    sign_to_thresholds,
)

FLOAT = TensorProto.FLOAT


def mt_node(inp: str, thr: str, out: str, out_scale: float = 1.0, out_bias: float = 0.0):
    return qnode(
        "MultiThreshold",
        [inp, thr],
        [out],
        out_dtype="FLOAT32",
        out_scale=float(out_scale),
        out_bias=float(out_bias),
    )


def run_mt(x: np.ndarray, thr: np.ndarray, out_scale: float = 1.0, out_bias: float = 0.0):
    """The "after" graph: a lone MultiThreshold, executed by qonnx."""
    model = make_model(
        [mt_node("x", "thr", "y", out_scale, out_bias)],
        {"x": x},
        {"y": (x.shape, FLOAT)},
        {"thr": f32(thr)},
    )
    return run_qonnx(model, {"x": x})["y"]


def run_binop_then_mt(op: str, x: np.ndarray, const: np.ndarray, thr: np.ndarray):
    """The "before" graph: ``op(x, const) -> MultiThreshold(thr)``, executed by qonnx."""
    model = make_model(
        [helper.make_node(op, ["x", "c"], ["t"]), mt_node("t", "thr", "y")],
        {"x": x},
        {"y": (x.shape, FLOAT)},
        {"c": f32(const), "thr": thr},
    )
    return run_qonnx(model, {"x": x})["y"]


@st.composite
def nchw_int_and_thresholds(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, c, h, w = (draw(st.integers(1, 3)) for _ in range(4))
    x = rng.integers(-12, 13, size=(n, c, h, w))
    shared = draw(st.booleans())
    thr = sorted_thresholds(rng, 1 if shared else c, draw(st.integers(1, 7)), -14, 14)
    # plant exact ties: copy (rounded-up) threshold values into half of x, so
    # x == t, and x just above a half-integer t, both occur in every example
    plant = rng.random(x.shape) < 0.5
    x[plant] = np.clip(np.ceil(rng.choice(thr.ravel(), size=int(plant.sum()))), -12, 12)
    per_channel = draw(st.booleans())
    return rng, f32(x), thr, per_channel


# ------------------------------------------------------------ add / mul into MT


@FAST
@given(nchw_int_and_thresholds())
def test_absorb_add_into_thresholds(case):
    rng, x, thr, per_channel = case
    c = x.shape[1]
    # integer adds keep x + a and t - a exact in float32: bit-exact comparison
    add = rng.integers(-10, 11, size=(c,) if per_channel else ())
    before = run_binop_then_mt("Add", x, add.reshape(1, c, 1, 1) if per_channel else add, thr)
    new_thr = absorb_add_into_thresholds(thr, add)
    assert new_thr.shape[0] == (c if per_channel else thr.shape[0])
    np.testing.assert_array_equal(run_mt(x, new_thr), before)
    np.testing.assert_array_equal(multithreshold(x, new_thr), before)


@FAST
@given(nchw_int_and_thresholds())
def test_absorb_mul_into_thresholds(case):
    rng, x, thr, per_channel = case
    c = x.shape[1]
    # powers of two and small integers: x * m is exact and, for integer x,
    # x >= t / m cannot flip on t / m's rounding (it is >= 1/m from any
    # integer unless exactly on one), so the comparison is bit-exact
    choices = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0])
    mul = rng.choice(choices, size=(c,) if per_channel else ())
    before = run_binop_then_mt("Mul", x, mul.reshape(1, c, 1, 1) if per_channel else mul, thr)
    new_thr = absorb_mul_into_thresholds(thr, mul)
    np.testing.assert_array_equal(run_mt(x, new_thr), before)
    np.testing.assert_array_equal(multithreshold(x, new_thr), before)


def test_absorb_mul_rejects_non_positive():
    x = f32([[-2.0, 1.0, 3.0]]).reshape(1, 3)
    thr = f32([[0.0, 2.0]])
    # a negative multiplier really breaks the identity (so raising is required)
    before = run_binop_then_mt("Mul", x, f32(-1.0), thr)
    assert not np.array_equal(run_mt(x, thr / -1.0), before)
    for bad in (-1.0, 0.0, [1.0, -2.0, 1.0]):
        with pytest.raises(ValueError):
            absorb_mul_into_thresholds(np.tile(thr, (3, 1)), bad)


def test_absorb_rejects_channel_mismatch():
    with pytest.raises(ValueError):
        absorb_add_into_thresholds(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError):
        absorb_add_into_thresholds(np.zeros((3, 2)), np.zeros((3, 3)))


# ------------------------------------------------------------------ sign


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 5))
def test_sign_to_thresholds(seed, channels):
    rng = np.random.default_rng(seed)
    x = f32(rng.normal(size=(2, channels, 3)))
    x[0, 0, :2] = [0.0, -0.0]
    node = qnode("BipolarQuant", ["x", "s"], ["y"])
    model = make_model([node], {"x": x}, {"y": (x.shape, FLOAT)}, {"s": f32(1.0)})
    before = run_qonnx(model, {"x": x})["y"]
    for rows in (1, channels):
        thr, scale, bias = sign_to_thresholds(rows)
        # rank-3 input: give qonnx the NCW layout explicitly (it would guess NWC)
        mt = qnode(
            "MultiThreshold",
            ["x", "thr"],
            ["y"],
            out_dtype="FLOAT32",
            out_scale=scale,
            out_bias=bias,
            data_layout="NCW",
        )
        after_model = make_model([mt], {"x": x}, {"y": (x.shape, FLOAT)}, {"thr": thr})
        np.testing.assert_array_equal(run_qonnx(after_model, {"x": x})["y"], before)
        np.testing.assert_array_equal(multithreshold(x, thr, scale, bias), before)
    np.testing.assert_array_equal(bipolar_quant(x, 1.0), before)


@FAST
@given(
    nchw_int_and_thresholds(),
    st.sampled_from([0.25, 0.5, 1.0, 2.0, 3.0]),
    st.sampled_from([-40.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.75, 2.0]),
)
def test_absorb_sign_into_thresholds(case, out_scale, out_bias):
    _, x, thr, _ = case
    model = make_model(
        [mt_node("x", "thr", "m", out_scale, out_bias), qnode("BipolarQuant", ["m", "s"], ["y"])],
        {"x": x},
        {"y": (x.shape, FLOAT)},
        {"thr": thr, "s": f32(1.0)},
    )
    before = run_qonnx(model, {"x": x})["y"]
    new_thr, scale, bias = absorb_sign_into_thresholds(thr, out_scale, out_bias)
    assert new_thr.shape == (thr.shape[0], 1)
    np.testing.assert_array_equal(run_mt(x, new_thr, scale, bias), before)
    # +-inf thresholds (always / never) become finite after clipping to the input range
    finite = round_and_clip_thresholds(new_thr, -12, 12, input_is_integer=True)
    assert np.isfinite(finite).all()
    np.testing.assert_array_equal(run_mt(x, finite, scale, bias), before)


def test_absorb_sign_rejects_non_positive_scale():
    with pytest.raises(ValueError):
        absorb_sign_into_thresholds(np.zeros((1, 3)), -1.0, 0.0)


# -------------------------------------------------------------- batchnorm


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.sampled_from([1e-5, 1e-3, 0.1]))
def test_batchnorm_to_affine(seed, c, eps):
    rng = np.random.default_rng(seed)
    x = f32(rng.normal(scale=2.0, size=(2, c, 3, 3)))
    gamma, beta, mean = (f32(rng.normal(size=c)) for _ in range(3))
    var = f32(rng.uniform(0.0, 4.0, size=c))
    bn = helper.make_node(
        "BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], epsilon=float(eps)
    )
    inits = {"g": gamma, "b": beta, "m": mean, "v": var}
    before = run_ort(make_model([bn], {"x": x}, {"y": (x.shape, FLOAT)}, inits), {"x": x})["y"]
    scale, bias = batchnorm_to_affine(gamma, beta, mean, var, eps)
    after_model = make_model(
        [helper.make_node("Mul", ["x", "s"], ["t"]), helper.make_node("Add", ["t", "a"], ["y"])],
        {"x": x},
        {"y": (x.shape, FLOAT)},
        {"s": scale.reshape(1, c, 1, 1), "a": bias.reshape(1, c, 1, 1)},
    )
    after = run_ort(after_model, {"x": x})["y"]
    # float32 reassociation: both forms are within a few ulp of the exact
    # value.  Terms reach |x * scale| <= ~8 * 2 / sqrt(eps) only for tiny var,
    # so the bound is relative to the largest intermediate magnitude.
    mag = np.abs(x * scale.reshape(1, c, 1, 1)).max() + np.abs(bias).max() + 1.0
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6 * mag)


# ---------------------------------------------------------- collapse / move


def run_two_binops(op1, c1, op2, c2, x):
    model = make_model(
        [helper.make_node(op1, ["x", "c1"], ["t"]), helper.make_node(op2, ["t", "c2"], ["y"])],
        {"x": x},
        {"y": (x.shape, FLOAT)},
        {"c1": f32(c1), "c2": f32(c2)},
    )
    return run_ort(model, {"x": x})["y"]


def run_binop(op, c, x):
    model = make_model(
        [helper.make_node(op, ["x", "c"], ["y"])], {"x": x}, {"y": (x.shape, FLOAT)}, {"c": f32(c)}
    )
    return run_ort(model, {"x": x})["y"]


@st.composite
def affine_consts(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c = draw(st.integers(1, 5))
    integer = draw(st.booleans())
    x = rng.integers(-20, 21, size=(2, c, 3)) if integer else rng.normal(scale=4, size=(2, c, 3))

    def const():
        shape = (1, c, 1) if draw(st.booleans()) else ()
        if integer:
            return f32(rng.integers(-6, 7, size=shape))
        return f32(rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1, 1], size=shape))

    return f32(x), const(), const(), integer


@FAST
@given(affine_consts())
def test_collapse_muls(case):
    x, a, b, integer = case
    before = run_two_binops("Mul", a, "Mul", b, x)
    after = run_binop("Mul", collapse_muls(a, b), x)
    if integer:
        np.testing.assert_array_equal(after, before)
    else:
        # products have no cancellation: (x*a)*b and x*(a*b) each round twice,
        # so they differ by at most ~2 ulp relative (2 * 2**-24 ~ 1.2e-7)
        np.testing.assert_allclose(after, before, rtol=1e-6, atol=0)


@FAST
@given(affine_consts())
def test_collapse_adds(case):
    x, a, b, integer = case
    before = run_two_binops("Add", a, "Add", b, x)
    after = run_binop("Add", collapse_adds(a, b), x)
    if integer:
        np.testing.assert_array_equal(after, before)
    else:
        # sums can cancel, so the error is absolute: ~2 ulp of the largest
        # operand magnitude (|x| <~ 20, |a|,|b| <= 3) -> atol 1e-5
        np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)


@FAST
@given(affine_consts())
def test_move_add_past_mul(case):
    x, a, m, integer = case
    before = run_two_binops("Add", a, "Mul", m, x)
    new_m, new_a = move_add_past_mul(a, m)
    after = run_two_binops("Mul", new_m, "Add", new_a, x)
    if integer:
        np.testing.assert_array_equal(after, before)
    else:
        # distributivity in float32: x*m + a*m can cancel, absolute error ~ a
        # few ulp of |x*m| <~ 60 -> atol 1e-5 * 60 scale; rtol 1e-5
        np.testing.assert_allclose(after, before, rtol=1e-5, atol=6e-5)


@st.composite
def matmul_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 16)), draw(st.integers(1, 8))
    x = f32(rng.integers(-8, 9, size=(n, k)))
    w = f32(rng.integers(-8, 9, size=(k, m)))
    return rng, x, w


def run_binop_matmul(op, c, x, w, swap):
    """``op(x, c) @ w`` (swap=False) or ``op(x @ w, c)`` (swap=True) in onnxruntime."""
    if swap:
        nodes = [
            helper.make_node("MatMul", ["x", "w"], ["t"]),
            helper.make_node(op, ["t", "c"], ["y"]),
        ]
    else:
        nodes = [
            helper.make_node(op, ["x", "c"], ["t"]),
            helper.make_node("MatMul", ["t", "w"], ["y"]),
        ]
    shape = (x.shape[0], w.shape[1])
    model = make_model(nodes, {"x": x}, {"y": (shape, FLOAT)}, {"c": f32(c), "w": w})
    return run_ort(model, {"x": x})["y"]


@FAST
@given(matmul_case(), st.sampled_from([0.25, 0.5, 2.0, -4.0, 3.0]))
def test_move_scalar_mul_past_matmul(case, s):
    _, x, w = case
    # integer x, W and a power-of-two or small-integer s: every product and
    # partial sum is an exact float32 integer/dyadic -> bit-exact
    before = run_binop_matmul("Mul", s, x, w, swap=False)
    new_w, new_s = move_scalar_mul_past_matmul(np.float32(s), w)
    np.testing.assert_array_equal(run_binop_matmul("Mul", new_s, x, new_w, swap=True), before)


def test_move_scalar_mul_rejects_vector():
    with pytest.raises(ValueError):
        move_scalar_mul_past_matmul(np.ones(3), np.ones((3, 2)))


@FAST
@given(matmul_case(), st.booleans())
def test_move_scalar_add_past_matmul(case, vector):
    rng, x, w = case
    k = x.shape[1]
    add = f32(rng.integers(-5, 6, size=(k,) if vector else ()))
    before = run_binop_matmul("Add", add, x, w, swap=False)
    new_w, bias = move_scalar_add_past_matmul(add, w)
    assert bias.shape == (w.shape[1],)
    np.testing.assert_array_equal(run_binop_matmul("Add", bias, x, new_w, swap=True), before)


# ---------------------------------------------------------- round and clip


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(-20, 0), st.integers(0, 20), st.booleans())
def test_round_and_clip_thresholds(seed, lo, hi, integer):
    rng = np.random.default_rng(seed)
    c = 3
    x = rng.integers(lo, hi + 1, size=(2, c)) if integer else rng.uniform(lo, hi, size=(2, c))
    x = f32(x)
    x[0, :2] = [lo, hi]  # the range ends themselves
    # non-integer thresholds spread well beyond the input range, plus +-inf
    thr = np.sort(rng.uniform(lo - 10, hi + 10, size=(c, 6)), axis=1)
    thr[0, 0], thr[-1, -1] = -np.inf, np.inf
    thr = f32(thr)
    before = run_mt(x, thr)
    new_thr = round_and_clip_thresholds(thr, lo, hi, integer)
    assert new_thr.dtype == np.float32
    assert new_thr.min() >= lo and new_thr.max() <= hi + 1
    if integer:
        np.testing.assert_array_equal(new_thr, np.round(new_thr))
    np.testing.assert_array_equal(run_mt(x, new_thr), before)


def test_rounding_needs_integer_inputs():
    """ceil(T) is only valid for integer inputs: 0.5 >= 0.3 but 0.5 < ceil(0.3)."""
    x, thr = f32([[0.5]]), f32([[0.3]])
    assert run_mt(x, thr)[0, 0] == 1
    assert run_mt(x, round_and_clip_thresholds(thr, 0, 1, input_is_integer=True))[0, 0] == 0
    assert run_mt(x, round_and_clip_thresholds(thr, 0, 1, input_is_integer=False))[0, 0] == 1


# ---------------------------------------------------------------- topk


def run_topk_indices(x, k, mul=None, add=None):
    nodes, inits, cur = [], {"k": np.array([k], dtype=np.int64)}, "x"
    if mul is not None:
        nodes.append(helper.make_node("Mul", [cur, "m"], ["xm"]))
        inits["m"], cur = f32(mul), "xm"
    if add is not None:
        nodes.append(helper.make_node("Add", [cur, "a"], ["xa"]))
        inits["a"], cur = f32(add), "xa"
    nodes.append(helper.make_node("TopK", [cur, "k"], ["v", "i"], axis=-1))
    shape = (x.shape[0], k)
    model = make_model(
        nodes, {"x": x}, {"v": (shape, FLOAT), "i": (shape, TensorProto.INT64)}, inits
    )
    return run_ort(model, {"x": x})["i"]


@FAST
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.125, 0.5, 1.0, 3.0, 7.0]),
    st.sampled_from([-100.0, -1.5, 0.0, 2.0, 1000.0]),
    st.data(),
)
def test_absorb_mul_add_into_topk(seed, mul, add, data):
    rng = np.random.default_rng(seed)
    n = data.draw(st.integers(1, 12))
    # small integers: the affine map is exact and injective in float32, and ties abound
    x = f32(rng.integers(-5, 6, size=(3, n)))
    k = data.draw(st.integers(1, n))
    assert absorb_mul_add_into_topk(mul, add)
    np.testing.assert_array_equal(run_topk_indices(x, k), run_topk_indices(x, k, mul, add))


def test_absorb_mul_add_into_topk_refuses():
    x = f32([[1, 4, 2, 3]])
    # a negative scale reverses the order: the rewrite really would be wrong
    assert not np.array_equal(run_topk_indices(x, 2), run_topk_indices(x, 2, -1.0, 0.0))
    assert not absorb_mul_add_into_topk(-1.0, 0.0)
    assert not absorb_mul_add_into_topk(0.0, 0.0)
    assert not absorb_mul_add_into_topk(np.array([1.0, 2.0]), 0.0)
    assert not absorb_mul_add_into_topk(1.0, np.array([0.0, 1.0]))
