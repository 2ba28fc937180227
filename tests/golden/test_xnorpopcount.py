"""golden.xnorpopcount vs qonnx's XnorPopcountMatMul and an onnxruntime bipolar MatMul."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_helpers import FAST, f32, make_model, qnode, run_ort, run_qonnx

from golden.xnorpopcount import (
    binary_to_bipolar,
    bipolar_to_binary,
    xnor_to_bipolar_dot,
    xnorpopcount_matmul,
)


@st.composite
def binary_operands(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, k, m = draw(st.integers(1, 5)), draw(st.integers(1, 64)), draw(st.integers(1, 8))
    # bias the bit density so all-agree / all-disagree rows also show up
    p = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
    x = (rng.random((n, k)) < p).astype(np.int64)
    w = rng.integers(0, 2, size=(k, m))
    return x, w


@FAST
@given(binary_operands())
def test_vs_qonnx_xnorpopcount(ops):
    x, w = ops
    node = qnode("XnorPopcountMatMul", ["x", "w"], ["y"])
    shape = (x.shape[0], w.shape[1])
    model = make_model(
        [node], {"x": f32(x)}, {"y": (shape, TensorProto.FLOAT)}, initializers={"w": f32(w)}
    )
    ref = run_qonnx(model, {"x": f32(x)})["y"]
    got = xnorpopcount_matmul(x, w)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, ref)


@FAST
@given(binary_operands())
def test_vs_bipolar_matmul_in_onnxruntime(ops):
    """2 * popcount - K equals the +-1 dot product computed by onnxruntime MatMul."""
    x, w = ops
    k = x.shape[1]
    xb, wb = f32(2 * x - 1), f32(2 * w - 1)  # +-1 values: float32 exact for K < 2**24
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    model = make_model(
        [node], {"x": xb}, {"y": ((x.shape[0], w.shape[1]), TensorProto.FLOAT)}, {"w": wb}
    )
    ref = run_ort(model, {"x": xb})["y"]
    np.testing.assert_array_equal(xnor_to_bipolar_dot(xnorpopcount_matmul(x, w), k), ref)
    # and the encoders round-trip
    np.testing.assert_array_equal(bipolar_to_binary(xb), x)
    np.testing.assert_array_equal(binary_to_bipolar(w), wb)


def test_batched_leading_axes():
    x = np.array([[[1, 0, 1], [0, 0, 0]], [[1, 1, 1], [0, 1, 0]]])
    w = np.array([[1, 0], [0, 0], [1, 1]])
    expected = np.array([[[3, 2], [1, 2]], [[2, 1], [0, 1]]])
    np.testing.assert_array_equal(xnorpopcount_matmul(x, w), expected)


@pytest.mark.parametrize(
    ("x", "w"),
    [([[2, 0]], [[1], [0]]), ([[1, 0]], [[1], [-1]]), ([[1, 0, 1]], [[1], [0]])],
)
def test_rejects_bad_operands(x, w):
    with pytest.raises(ValueError):
        xnorpopcount_matmul(np.array(x), np.array(w))


def test_bipolar_to_binary_rejects_zero():
    with pytest.raises(ValueError):
        bipolar_to_binary(np.array([1, 0, -1]))
