"""Properties of the absorb passes (``finn.transformation.streamline.absorb``).

Each test builds a small random graph holding the pattern, applies the pass and checks
that it rewrote (the absorbed node is gone) and that execution before == after on random
inputs. Inputs, constants and thresholds are integers / dyadic values and the scales
powers of two (or zero), where the threshold algebra is exact in float32: the checks
are bit-exact.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto
from property_graphs import (
    apply,
    assert_same,
    batches,
    channels,
    dyadic,
    ints,
    make_model,
    node,
    op_types,
    powers_of_two,
    qnode,
    run,
    seeds,
    sorted_thresholds,
)
from qonnx.core.datatype import DataType

from finn.transformation.streamline.absorb import (
    AbsorbAddIntoMultiThreshold,
    AbsorbMulIntoMultiThreshold,
    AbsorbScalarMulAddIntoTopK,
    AbsorbSignIntoMatMulWeights,
)

_out_dtypes = st.sampled_from([("UINT2", 3, 0.0), ("INT2", 3, -2.0), ("UINT4", 15, 0.0),
                               ("BINARY", 1, 0.0)])


def _order(inputs: list[str], swap: bool) -> list[str]:
    """Binary op operands in either order (constant first or second)."""
    return inputs[::-1] if swap else inputs


def _mt(inp, out, dtype, bias, thr="t"):
    return qnode("MultiThreshold", [inp, thr], [out], out_dtype=dtype, out_bias=bias)


@given(seed=seeds, n=batches, c=channels, scalar=st.booleans(), shared_thr=st.booleans(),
       out=_out_dtypes, swap=st.booleans())
def test_absorb_add_into_multithreshold(seed, n, c, scalar, shared_thr, out, swap):
    """``MT(x + a, T) -> MT(x, T - a)`` for scalar or per-channel ``a`` and shared (1, T) or
    per-channel (C, T) thresholds."""
    dtype, steps, bias = out
    rng = np.random.default_rng(seed)
    a = dyadic(rng, (1,) if scalar else (1, c), -4, 4, 1)
    t = sorted_thresholds(rng, 1 if shared_thr else c, steps, -6, 6)
    model = make_model([node("Add", _order(["x", "a"], swap), ["xa"]), _mt("xa", "y", dtype, bias)],
                       {"x": (n, c)}, ["y"], {"a": a, "t": t})
    after = apply(model, AbsorbAddIntoMultiThreshold())
    assert op_types(after) == ["MultiThreshold"]
    x = ints(rng, (n, c), -8, 8)
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=channels, scalar=st.booleans(), shared_thr=st.booleans(),
       out=_out_dtypes, zeros=st.booleans(), swap=st.booleans())
def test_absorb_mul_into_multithreshold(seed, n, c, scalar, shared_thr, out, zeros, swap):
    """``MT(x * m, T) -> MT(x, T / m)`` for ``m > 0``; a channel with ``m == 0`` becomes
    constant (all thresholds <= 0 passed, the others never)."""
    dtype, steps, bias = out
    rng = np.random.default_rng(seed)
    m = powers_of_two(rng, (1,) if scalar else (1, c), -3, 3)
    if zeros:
        m = np.where(rng.random(m.shape) < 0.4, 0.0, m).astype(np.float32)
    t = sorted_thresholds(rng, 1 if shared_thr else c, steps, -6, 6)
    model = make_model([node("Mul", _order(["x", "m"], swap), ["xm"]), _mt("xm", "y", dtype, bias)],
                       {"x": (n, c)}, ["y"], {"m": m, "t": t})
    after = apply(model, AbsorbMulIntoMultiThreshold())
    assert op_types(after) == ["MultiThreshold"]
    x = dyadic(rng, (n, c), -8, 8, 2)
    assert_same(run(model, x), run(after, x))


def test_absorb_mul_into_multithreshold_refuses_negative():
    """A negative scale flips the comparison, which a MultiThreshold cannot express."""
    model = make_model([node("Mul", ["x", "m"], ["xm"]), _mt("xm", "y", "UINT2", 0.0)],
                       {"x": (1, 2)}, ["y"], {"m": np.array([[1.0, -2.0]]),
                                              "t": np.array([[0.0, 1.0, 2.0]] * 2)})
    assert op_types(apply(model, AbsorbMulIntoMultiThreshold())) == ["Mul", "MultiThreshold"]


@given(seed=seeds, n=batches, k=channels, m=channels, wdt=st.sampled_from(["INT3", "BIPOLAR"]),
       scalar=st.booleans(), swap=st.booleans())
def test_absorb_sign_into_matmul_weights(seed, n, k, m, wdt, scalar, swap):
    """``(x @ W) * s`` with negative entries in ``s`` -> ``(x @ W') * |s|`` with those
    columns of W negated; W stays integer, its DataType widened if needed (INT3 -4 -> 4),
    BIPOLAR stays BIPOLAR."""
    rng = np.random.default_rng(seed)
    w = rng.choice([-1.0, 1.0], size=(k, m)) if wdt == "BIPOLAR" else ints(rng, (k, m), -4, 3)
    s = powers_of_two(rng, (1,) if scalar else (1, m), -2, 2, signed=True)
    s.flat[0] = -abs(s.flat[0])  # at least one negative entry: the pass must fire
    model = make_model([node("MatMul", ["x", "w"], ["acc"]), node("Mul", _order(["acc", "s"], swap), ["y"])],
                       {"x": (n, k)}, ["y"], {"w": w, "s": s}, {"w": wdt})
    after = apply(model, AbsorbSignIntoMatMulWeights())
    new_w = after.get_initializer(after.graph.node[0].input[1])
    new_s = next(after.get_initializer(t) for t in after.graph.node[1].input
                 if after.get_initializer(t) is not None)
    assert np.all(new_s >= 0), "negative scale left behind"
    new_dt = after.get_tensor_datatype(after.graph.node[0].input[1])
    assert new_dt.is_integer() and all(new_dt.allowed(v) for v in np.unique(new_w))
    if wdt == "BIPOLAR":
        assert new_dt == DataType["BIPOLAR"]
    x = ints(rng, (n, k), -8, 8)
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=st.integers(2, 12), ops=st.lists(
    st.sampled_from(["Mul", "Add"]), min_size=1, max_size=2), k=st.integers(1, 2))
def test_absorb_scalar_mul_add_into_topk(seed, n, c, ops, k):
    """Scalar ``Add`` / positive scalar ``Mul`` before TopK (indices only) are dropped:
    order-preserving maps keep the indices, ties included (integer scores, exact ops)."""
    rng = np.random.default_rng(seed)
    nodes, inits, prev = [], {"k": np.array([k], dtype=np.int64)}, "x"
    for i, op in enumerate(ops):
        inits[f"c{i}"] = ints(rng, (1,), -3, 3) if op == "Add" else powers_of_two(rng, (1,))
        nodes.append(node(op, _order([prev, f"c{i}"], i % 2 == 1), [f"l{i}"]))
        prev = f"l{i}"
    nodes.append(node("TopK", [prev, "k"], ["values", "y"], axis=-1))
    model = make_model(nodes, {"x": (n, c)}, {"y": TensorProto.INT64}, inits)
    after = model
    for _ in ops:
        after = apply(after, AbsorbScalarMulAddIntoTopK())
    assert op_types(after) == ["TopK"], op_types(after)
    x = ints(rng, (n, c), -3, 3)  # small range: ties are common
    assert_same(run(model, x), run(after, x))


def test_absorb_into_topk_refuses_negative_mul_and_used_values():
    def graph(scale, outputs):
        return make_model([node("Mul", ["x", "s"], ["xs"]),
                           node("TopK", ["xs", "k"], ["values", "y"], axis=-1)],
                          {"x": (1, 4)}, outputs,
                          {"s": np.array([scale]), "k": np.array([1], dtype=np.int64)})

    negative = graph(-2.0, {"y": TensorProto.INT64})
    assert op_types(apply(negative, AbsorbScalarMulAddIntoTopK())) == ["Mul", "TopK"]
    values_used = graph(2.0, {"values": TensorProto.FLOAT, "y": TensorProto.INT64})
    assert op_types(apply(values_used, AbsorbScalarMulAddIntoTopK())) == ["Mul", "TopK"]
