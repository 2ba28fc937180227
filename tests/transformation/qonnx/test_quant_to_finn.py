"""Properties of ``finn.transformation.qonnx.quant_to_finn``.

* ``ConvertQuantActToMultiThreshold``: a dynamic Quant / BipolarQuant becomes a
  MultiThreshold (+ Mul by the scale); no quantizer is left, and the outputs equal the
  qonnx Quant execution *bit for bit* on inputs kept 2% of a step away from the rounding
  boundaries (exactly on a half level, ``x >= (j - 1/2) s`` and round-half-to-even
  legitimately differ: the documented limitation).
* ``FoldQuantWeights``: a constant quantizer feeding a MatMul becomes integer weights
  with their DataType and a Mul by the scale after the MatMul; bit-exact with
  power-of-two scales and dyadic inputs, within a stated float tolerance otherwise.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from property_graphs import (
    apply,
    assert_same,
    batches,
    channels,
    dyadic,
    make_model,
    node,
    op_types,
    powers_of_two,
    qnode,
    run,
    seeds,
)
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from finn.transformation.qonnx.quant_to_finn import (
    ConvertQuantActToMultiThreshold,
    FoldQuantWeights,
)
from finn.util.exceptions import UnsupportedGraphError
from golden.quant import datatype_range

QUANT_OPS = ("Quant", "BipolarQuant")


def _quant_model(n, c, bits, signed, narrow, rounding, scale, relu=False):
    inits = {"s": scale, "z": np.zeros(1), "b": np.array([float(bits)])}
    nodes = [node("Relu", ["x"], ["r"])] if relu else []
    nodes.append(qnode("Quant", ["r" if relu else "x", "s", "z", "b"], ["y"], signed=int(signed),
                       narrow=int(narrow), rounding_mode=rounding))
    return make_model(nodes, {"x": (n, c)}, ["y"], inits)


def _off_boundary_inputs(rng, shape, scale, lo, hi, boundary):
    """``(k + f) * scale`` for levels k around [lo, hi] (saturation included) and a
    fraction f at least 0.02 away from the rounding boundary (0.5 ROUND, 0 FLOOR)."""
    k = rng.integers(lo - 2, hi + 3, size=shape)
    f = rng.uniform(0.02, 0.48, size=shape) * rng.choice([-1.0, 1.0], size=shape) + boundary
    return ((k + f) * np.broadcast_to(scale, shape)).astype(np.float32)


_widths = st.integers(1, 8)


@given(seed=seeds, n=batches, c=channels, bits=_widths, signed=st.booleans(),
       narrow=st.booleans(), rounding=st.sampled_from(["ROUND", "FLOOR"]),
       per_channel=st.booleans(), pot=st.booleans())
def test_quant_act_to_multithreshold(seed, n, c, bits, signed, narrow, rounding, per_channel, pot):
    if bits == 1 and signed:
        signed = False  # 1-bit signed Quant is refused (test_one_bit_signed_quant_refused)
    rng = np.random.default_rng(seed)
    shape = (1, c) if per_channel else (1,)
    scale = powers_of_two(rng, shape, -4, 2) if pot else rng.uniform(0.05, 3.0, shape).astype(np.float32)
    model = _quant_model(n, c, bits, signed, narrow, rounding, scale)
    after = apply(model, ConvertQuantActToMultiThreshold())
    ops = op_types(after)
    assert not set(ops) & set(QUANT_OPS) and ops[0] == "MultiThreshold", ops
    lo, hi = datatype_range(bits, signed, narrow)
    mt = after.graph.node[0]
    out_dt = after.get_tensor_datatype(mt.output[0])  # holds the range (narrow: a subset)
    assert out_dt.is_integer() and out_dt.min() <= lo and out_dt.max() >= hi, out_dt
    x = _off_boundary_inputs(rng, (n, c), scale, lo, hi, 0.5 if rounding == "ROUND" else 0.0)
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=channels, bits=st.integers(2, 8), narrow=st.booleans())
def test_relu_before_unsigned_quant_is_absorbed(seed, n, c, bits, narrow):
    """``Relu -> Quant(unsigned)`` (what QuantReLU exports): every threshold is positive, so
    the Relu is redundant and dropped; same values."""
    rng = np.random.default_rng(seed)
    scale = powers_of_two(rng, (1,), -3, 1)
    model = _quant_model(n, c, bits, False, narrow, "ROUND", scale, relu=True)
    after = apply(model, ConvertQuantActToMultiThreshold())
    assert op_types(after) in (["MultiThreshold", "Mul"], ["MultiThreshold"]), op_types(after)
    lo, hi = datatype_range(bits, False, narrow)
    x = _off_boundary_inputs(rng, (n, c), scale, -hi, hi, 0.5)
    assert_same(run(model, x), run(after, x))


def test_relu_before_signed_quant_is_kept():
    """With a threshold <= 0 (signed quantizer) the Relu matters and stays."""
    model = _quant_model(2, 3, 3, True, False, "ROUND", np.array([0.5]), relu=True)
    after = apply(model, ConvertQuantActToMultiThreshold())
    assert op_types(after) == ["Relu", "MultiThreshold", "Mul"]
    x = np.array([[-1.3, -0.2, 0.6], [1.1, 2.9, -4.0]], dtype=np.float32)
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=channels, per_channel=st.booleans())
def test_bipolar_quant_act_to_multithreshold(seed, n, c, per_channel):
    """BipolarQuant -> MultiThreshold(0) with ``2 count - 1`` (BIPOLAR) [* scale]; zero
    maps to +1 on both sides."""
    rng = np.random.default_rng(seed)
    scale = powers_of_two(rng, (1, c) if per_channel else (1,), -2, 2)
    model = make_model([qnode("BipolarQuant", ["x", "s"], ["y"])], {"x": (n, c)}, ["y"],
                       {"s": scale})
    after = apply(model, ConvertQuantActToMultiThreshold())
    assert op_types(after)[0] == "MultiThreshold" and "BipolarQuant" not in op_types(after)
    inst = getCustomOp(after.graph.node[0])
    assert inst.get_nodeattr("out_dtype") == "BIPOLAR"
    x = dyadic(rng, (n, c), -2, 2, 2)  # includes exact zeros
    assert_same(run(model, x), run(after, x))


@pytest.mark.parametrize("case", ["negative scale", "zero point", "rounding CEIL", "1-bit signed",
                                  "relu bipolar"])
def test_unsupported_quantizers_raise(case):
    """Inputs the conversion cannot express raise UnsupportedGraphError naming the node."""
    scale, z, bits, rounding, signed = np.array([0.5]), np.zeros(1), 4.0, "ROUND", 1
    if case == "negative scale":
        scale = np.array([-0.5])
    elif case == "zero point":
        z = np.array([1.0])
    elif case == "rounding CEIL":
        rounding = "CEIL"
    elif case == "1-bit signed":
        bits = 1.0
    if case == "relu bipolar":
        nodes = [node("Relu", ["x"], ["r"]), qnode("BipolarQuant", ["r", "s"], ["y"], name="q0")]
    else:
        nodes = [qnode("Quant", ["x", "s", "z", "b"], ["y"], name="q0", signed=signed, narrow=0,
                       rounding_mode=rounding)]
    model = make_model(nodes, {"x": (1, 3)}, ["y"], {"s": scale, "z": z, "b": np.array([bits])})
    with pytest.raises(UnsupportedGraphError, match="q0"):
        apply(model, ConvertQuantActToMultiThreshold())


# ---- FoldQuantWeights -------------------------------------------------------------------

def _weight_model(rng, n, k, m, bits, signed, narrow, scale, bipolar):
    w = rng.normal(size=(k, m)).astype(np.float32) * 2
    if bipolar:
        q = qnode("BipolarQuant", ["w", "s"], ["wq"])
        inits = {"w": w, "s": scale}
    else:
        q = qnode("Quant", ["w", "s", "z", "b"], ["wq"], signed=int(signed), narrow=int(narrow),
                  rounding_mode="ROUND")
        inits = {"w": w, "s": scale, "z": np.zeros(1), "b": np.array([float(bits)])}
    return make_model([q, node("MatMul", ["x", "wq"], ["y"])], {"x": (n, k)}, ["y"], inits)


@given(seed=seeds, n=batches, k=channels, m=channels, bits=st.integers(1, 8),
       signed=st.booleans(), narrow=st.booleans(), per_channel=st.booleans(),
       pot=st.booleans())
def test_fold_quant_weights(seed, n, k, m, bits, signed, narrow, per_channel, pot):
    rng = np.random.default_rng(seed)
    bipolar = bits == 1 and signed
    shape = (1, m) if per_channel else (1,)
    scale = powers_of_two(rng, shape, -3, 1) if pot else rng.uniform(0.05, 2.0, shape).astype(np.float32)
    model = _weight_model(rng, n, k, m, bits, signed, narrow, scale, bipolar)
    after = apply(model, FoldQuantWeights())
    ops = op_types(after)
    assert not set(ops) & set(QUANT_OPS)
    assert ops[0] == "MatMul" and ops[1:] in ([], ["Mul"]), ops
    w_name = after.graph.node[0].input[1]
    w, dt = after.get_initializer(w_name), after.get_tensor_datatype(w_name)
    want = DataType["BIPOLAR"] if bipolar else (
        DataType["BINARY"] if bits == 1 and not signed else
        DataType[f"{'INT' if signed else 'UINT'}{bits}"])
    assert dt == want, (dt, want)
    assert all(dt.allowed(v) for v in np.unique(w)), "weights outside their DataType"
    x = dyadic(rng, (n, k), -4, 4, 2)
    before_y, after_y = run(model, x)["y"], run(after, x)["y"]
    if pot:  # x @ (q s) == (x @ q) s exactly: all partial sums are exact dyadic numbers
        assert np.array_equal(before_y, after_y)
    else:  # two summation orders, each within k ulp of sum |x| |q s|
        bound = 2 * k * np.finfo(np.float32).eps * (np.abs(x) @ np.abs(w * scale))
        assert np.all(np.abs(before_y - after_y) <= bound + 1e-30)


def test_fold_quant_weights_refuses_scale_along_reduction_axis():
    rng = np.random.default_rng(0)
    model = _weight_model(rng, 1, 3, 2, 4, True, False, np.array([[0.5], [1.0], [2.0]]), False)
    with pytest.raises(UnsupportedGraphError, match="reduction"):
        apply(model, FoldQuantWeights())


@given(seed=seeds, c=channels, bits=st.integers(2, 8))
def test_fold_quant_weights_into_non_matmul_constant(seed, c, bits):
    """A constant quantizer feeding something else (here an Add) folds to its float
    values ``q * s``: same output bit for bit."""
    rng = np.random.default_rng(seed)
    inits = {"w": rng.normal(size=(1, c)).astype(np.float32), "s": np.array([0.25]),
             "z": np.zeros(1), "b": np.array([float(bits)])}
    model = make_model([qnode("Quant", ["w", "s", "z", "b"], ["wq"], signed=1, narrow=0,
                              rounding_mode="ROUND"), node("Add", ["x", "wq"], ["y"])],
                       {"x": (2, c)}, ["y"], inits)
    after = apply(model, FoldQuantWeights())
    assert op_types(after) == ["Add"]
    x = dyadic(rng, (2, c))
    assert_same(run(model, x), run(after, x))
