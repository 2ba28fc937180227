"""golden.mvau vs a (XnorPopcountMatMul | MatMul) -> MultiThreshold graph run by qonnx."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_helpers import FAST, f32, make_model, qnode, run_qonnx, sorted_thresholds

from golden.mvau import mvau

# qonnx's MultiThreshold guesses the channel axis from the rank when
# data_layout is unset (2-D NC, 3-D NWC, 4-D NCHW); the MVAU output has
# channels last, so 4-D needs an explicit NHWC.
LAYOUT = {2: None, 3: None, 4: "NHWC"}


def qonnx_mvau(x, w, thr, binary_xnor, out_bias):
    mm = (
        qnode("XnorPopcountMatMul", ["x", "w"], ["acc"])
        if binary_xnor
        else helper.make_node("MatMul", ["x", "w"], ["acc"])
    )
    out_shape = (*x.shape[:-1], w.shape[1])
    inits = {"w": f32(w)}
    nodes = [mm]
    out = "acc"
    if thr is not None:
        attrs = {"out_dtype": "FLOAT32", "out_bias": float(out_bias)}
        if LAYOUT[x.ndim]:
            attrs["data_layout"] = LAYOUT[x.ndim]
        nodes.append(qnode("MultiThreshold", ["acc", "thr"], ["y"], **attrs))
        inits["thr"] = thr
        out = "y"
    model = make_model(nodes, {"x": f32(x)}, {out: (out_shape, TensorProto.FLOAT)}, inits)
    return run_qonnx(model, {"x": f32(x)})[out]


@st.composite
def mvau_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    binary = draw(st.booleans())
    ndim = draw(st.sampled_from([2, 3, 4]))
    lead = [draw(st.integers(1, 3)) for _ in range(ndim - 1)]
    mw, mh = draw(st.integers(1, 32)), draw(st.integers(1, 8))
    if binary:
        x = rng.integers(0, 2, size=(*lead, mw))
        w = rng.integers(0, 2, size=(mw, mh))
        acc_lo, acc_hi = 0, mw
    else:
        x = rng.integers(-8, 8, size=(*lead, mw))  # |acc| <= 32 * 64: float32-exact
        w = rng.integers(-8, 8, size=(mw, mh))
        acc_lo, acc_hi = -16 * mw, 16 * mw
    thr = None
    if draw(st.booleans()):
        steps = draw(st.integers(1, 15))
        rows = draw(st.sampled_from([1, mh]))
        thr = sorted_thresholds(rng, rows, steps, acc_lo, acc_hi)
    out_bias = draw(st.sampled_from([0.0, -1.0, -4.0, 0.5]))
    return x, w, thr, binary, out_bias


@FAST
@given(mvau_case())
def test_vs_qonnx_composition(case):
    x, w, thr, binary, out_bias = case
    ref = qonnx_mvau(x, w, thr, binary, out_bias)
    got = mvau(x, w, thr, binary_xnor=binary, out_bias=out_bias)
    assert got.shape == ref.shape
    assert got.dtype == (np.int64 if thr is None else np.float32)
    np.testing.assert_array_equal(got, ref)


def test_binary_flag_changes_the_accumulator():
    """The same {0,1} operands give popcount vs plain dot product: the flag matters."""
    x = np.array([[1, 0, 0, 1]])
    w = np.array([[1], [0], [1], [1]])
    np.testing.assert_array_equal(mvau(x, w, binary_xnor=True), [[3]])
    np.testing.assert_array_equal(mvau(x, w), [[2]])
