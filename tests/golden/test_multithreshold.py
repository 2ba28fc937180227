"""golden.multithreshold vs qonnx's MultiThreshold custom op (run by qonnx)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto
from onnx_helpers import FAST, f32, make_model, qnode, run_qonnx, sorted_thresholds

from golden.multithreshold import multithreshold

# out_scale / out_bias drawn from dyadic values: exact in float32, so the
# qonnx (float32) and golden (float64 then cast) scalings agree bit-exactly.
DYADIC_SCALES = st.sampled_from([1.0, 2.0, 0.5, -1.0, 0.25, 3.0])
DYADIC_BIASES = st.sampled_from([0.0, -1.0, -0.5, 2.0, -8.0, 0.125])


def qonnx_multithreshold(
    x: np.ndarray,
    thr: np.ndarray,
    out_scale: float = 1.0,
    out_bias: float = 0.0,
    data_layout: str | None = None,
) -> np.ndarray:
    attrs = {"out_dtype": "FLOAT32", "out_scale": out_scale, "out_bias": out_bias}
    if data_layout is not None:
        attrs["data_layout"] = data_layout
    node = qnode("MultiThreshold", ["x", "thr"], ["y"], **attrs)
    model = make_model(
        [node], {"x": x}, {"y": (x.shape, TensorProto.FLOAT)}, initializers={"thr": thr}
    )
    return run_qonnx(model, {"x": x})["y"]


@st.composite
def mt_case(draw, ndim: int, shared: bool):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 6))
    spatial = [draw(st.integers(1, 4)) for _ in range(ndim - 2)]
    steps = draw(st.integers(1, 15))
    # integer inputs on the same grid as the thresholds: many exact ties x == t
    x = f32(rng.integers(-10, 11, size=(n, c, *spatial)))
    thr = sorted_thresholds(rng, 1 if shared else c, steps, -10, 10)
    return x, thr, draw(DYADIC_SCALES), draw(DYADIC_BIASES)


@FAST
@given(mt_case(ndim=2, shared=False))
def test_nc_per_channel(case):
    x, thr, scale, bias = case
    ref = qonnx_multithreshold(x, thr, scale, bias)
    np.testing.assert_array_equal(multithreshold(x, thr, scale, bias), ref)


@FAST
@given(mt_case(ndim=4, shared=False))
def test_nchw_per_channel(case):
    x, thr, scale, bias = case
    ref = qonnx_multithreshold(x, thr, scale, bias)
    np.testing.assert_array_equal(multithreshold(x, thr, scale, bias), ref)


@FAST
@given(st.sampled_from([2, 4]).flatmap(lambda nd: mt_case(ndim=nd, shared=True)))
def test_shared_thresholds(case):
    x, thr, scale, bias = case
    assert thr.shape[0] == 1
    ref = qonnx_multithreshold(x, thr, scale, bias)
    np.testing.assert_array_equal(multithreshold(x, thr, scale, bias), ref)


@FAST
@given(mt_case(ndim=3, shared=False))
def test_3d_needs_explicit_layout(case):
    """qonnx guesses a rank-3 input is NWC (channels LAST); golden is channels-on-axis-1.

    With ``data_layout="NCW"`` they agree; without it qonnx thresholds the
    last axis, which equals golden applied to the channels-last view.
    """
    x, thr, scale, bias = case
    got = multithreshold(x, thr, scale, bias)
    np.testing.assert_array_equal(got, qonnx_multithreshold(x, thr, scale, bias, "NCW"))
    x_nwc = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    default = qonnx_multithreshold(x_nwc, thr, scale, bias)
    np.testing.assert_array_equal(np.moveaxis(got, 1, -1), default)


@FAST
@given(
    st.integers(0, 2**32 - 1), st.floats(0.125, 10.0, width=32), st.floats(-10.0, 10.0, width=32)
)
def test_float_inputs_any_scale(seed, scale, bias):
    # Counts are compared bit-exactly; the scaled output to 1e-6 relative:
    # qonnx computes scale*count+bias in float32 (two roundings), golden in
    # float64 with one final rounding, so they may differ by ~1 ulp.
    rng = np.random.default_rng(seed)
    x = f32(rng.normal(size=(2, 5, 3, 3)))
    thr = f32(np.sort(rng.normal(size=(5, 7)), axis=1))
    np.testing.assert_array_equal(multithreshold(x, thr), qonnx_multithreshold(x, thr))
    np.testing.assert_allclose(
        multithreshold(x, thr, scale, bias),
        qonnx_multithreshold(x, thr, scale, bias),
        rtol=1e-6,
        atol=1e-6,
    )


def test_ties_count_as_reached():
    """x == t counts (>=): this example separates >= from >, so the check has teeth."""
    x = f32([[0.0, 1.0, 2.0], [-1.0, 3.0, 2.5]])
    thr = f32([[0.0, 1.0, 2.0]])
    ref = qonnx_multithreshold(x, thr)
    np.testing.assert_array_equal(multithreshold(x, thr), ref)
    np.testing.assert_array_equal(ref, [[1, 2, 3], [0, 3, 3]])
    strict = (x[..., None] > thr[0]).sum(-1)
    assert not np.array_equal(strict, ref)


@pytest.mark.parametrize(
    ("x_shape", "thr_shape"), [((4,), (1, 2)), ((2, 3), (2, 2)), ((2, 3), (3,))]
)
def test_rejects_bad_shapes(x_shape, thr_shape):
    with pytest.raises(ValueError):
        multithreshold(np.zeros(x_shape), np.zeros(thr_shape))
