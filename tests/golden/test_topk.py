"""golden.topk vs onnxruntime TopK (largest, sorted), including ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_helpers import FAST, f32, make_model, run_ort

from golden.topk import topk


def ort_topk(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1, largest=1, sorted=1)
    out_shape = (*x.shape[:-1], k)
    model = make_model(
        [node],
        {"x": x},
        {"v": (out_shape, TensorProto.FLOAT), "i": (out_shape, TensorProto.INT64)},
        {"k": np.array([k], dtype=np.int64)},
    )
    res = run_ort(model, {"x": x})
    return res["v"], res["i"]


@st.composite
def topk_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    n = draw(st.integers(1, 40))
    # few distinct levels -> many ties; or continuous values -> none
    levels = draw(st.sampled_from([1, 2, 3, 5, 0]))
    shape = (*lead, n)
    x = rng.integers(0, levels, size=shape) if levels else rng.normal(size=shape)
    return f32(x), draw(st.integers(1, n))


@FAST
@given(topk_case())
def test_vs_onnxruntime(case):
    x, k = case
    ref_v, ref_i = ort_topk(x, k)
    v, i = topk(x, k)
    assert i.dtype == np.int64
    np.testing.assert_array_equal(i, ref_i)
    np.testing.assert_array_equal(v, ref_v)


def test_ties_lower_index_first():
    x = f32([[1, 3, 3, 2, 3, 1]])
    _, ref_i = ort_topk(x, 4)
    np.testing.assert_array_equal(ref_i, [[1, 2, 4, 3]])
    np.testing.assert_array_equal(topk(x, 4)[1], ref_i)


@pytest.mark.parametrize("k", [0, 7])
def test_rejects_bad_k(k):
    with pytest.raises(ValueError):
        topk(np.zeros((1, 6)), k)
