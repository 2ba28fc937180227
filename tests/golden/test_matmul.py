"""golden.matmul.integer_matmul vs onnxruntime MatMul."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_helpers import FAST, f32, make_model, run_ort

from golden.matmul import integer_matmul


@st.composite
def int_operands(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 2)))]
    k, m = draw(st.integers(1, 64)), draw(st.integers(1, 16))
    bits = draw(st.integers(1, 8))
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1)
    x = rng.integers(lo, hi, size=(*lead, k))
    w = rng.integers(lo, hi, size=(k, m))
    return x, w


@FAST
@given(int_operands())
def test_vs_onnxruntime_matmul(ops):
    # |x|, |w| <= 128 and K <= 64 bound every partial sum by 64 * 128 * 128 = 2**20
    # < 2**24, so onnxruntime's float32 accumulation is exact whatever its
    # summation order: the comparison can be bit-exact.
    x, w = ops
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    out_shape = (*x.shape[:-1], w.shape[1])
    model = make_model([node], {"x": f32(x)}, {"y": (out_shape, TensorProto.FLOAT)}, {"w": f32(w)})
    ref = run_ort(model, {"x": f32(x)})["y"]
    got = integer_matmul(f32(x), f32(w))  # float dtype holding integers is accepted
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(integer_matmul(x, w), got)


def test_exact_beyond_float32():
    """int64 accumulation is exact where a float32 product is not."""
    x = np.array([[2**24 + 1, 1]])
    w = np.array([[1], [1]])
    assert integer_matmul(x, w)[0, 0] == 2**24 + 2
    assert np.float32(x[0, 0]) + np.float32(1) != 2**24 + 2


@pytest.mark.parametrize(
    ("x", "w"),
    [
        ([[0.5, 1.0]], [[1.0], [1.0]]),
        ([[1.0, np.nan]], [[1.0], [1.0]]),
        ([[1.0, 2.0]], [[np.inf], [1.0]]),
        ([[2**40, 2**40]], [[2**40], [2**40]]),
    ],
)
def test_rejects_non_integer_or_overflowing(x, w):
    with pytest.raises(ValueError):
        integer_matmul(np.array(x), np.array(w))
