"""golden.labelselect vs the indices output of onnxruntime TopK."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_helpers import FAST, f32, make_model, run_ort

from golden.labelselect import label_select


def ort_topk_indices(x: np.ndarray, k: int) -> np.ndarray:
    node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1)
    out_shape = (x.shape[0], k)
    model = make_model(
        [node],
        {"x": x},
        {"v": (out_shape, TensorProto.FLOAT), "i": (out_shape, TensorProto.INT64)},
        {"k": np.array([k], dtype=np.int64)},
    )
    return run_ort(model, {"x": x})["i"]


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 20), st.data())
def test_vs_onnxruntime_topk_indices(seed, batch, labels, data):
    # class scores as a classifier's last layer emits them: small integers
    # (quantized logits), so ties between classes are common
    rng = np.random.default_rng(seed)
    x = f32(rng.integers(-4, 5, size=(batch, labels)))
    k = data.draw(st.integers(1, labels))
    got = label_select(x, k)
    assert got.shape == (batch, k) and got.dtype == np.int64
    np.testing.assert_array_equal(got, ort_topk_indices(x, k))
