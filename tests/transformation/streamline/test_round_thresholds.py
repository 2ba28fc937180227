"""Properties of ``RoundAndClipThresholds``: on an integer input, thresholds become
``clip(ceil(T), min, max + 1)`` -- integers in the input's range -- and the MultiThreshold
computes the same levels for every value of the input DataType (checked exhaustively for
small types), bit-exact."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from property_graphs import (
    apply,
    assert_same,
    dyadic,
    make_model,
    qnode,
    run,
    seeds,
)
from qonnx.core.datatype import DataType

from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds

_in_types = st.sampled_from(["BINARY", "BIPOLAR", "UINT2", "UINT4", "INT2", "INT3", "INT4",
                             "UINT8", "INT8"])


def _model(dt: str, thr: np.ndarray):
    c = thr.shape[0]
    return make_model([qnode("MultiThreshold", ["x", "t"], ["y"], out_dtype="UINT4")],
                      {"x": (1, c)}, ["y"], {"t": thr}, {"x": dt})


def _all_values(dt: DataType, c: int) -> np.ndarray:
    """Every value of ``dt`` in every channel: shape (#values, c)."""
    values = np.array([-1.0, 1.0]) if dt == DataType["BIPOLAR"] else \
        np.arange(dt.min(), dt.max() + 1, dtype=np.float64)
    return np.repeat(values[:, None], c, axis=1).astype(np.float32)


@given(seed=seeds, dt=_in_types, rows=st.integers(1, 6), steps=st.integers(1, 15))
def test_round_and_clip_thresholds(seed, dt, rows, steps):
    rng = np.random.default_rng(seed)
    dtype = DataType[dt]
    lo, hi = float(dtype.min()), float(dtype.max())
    # quarter-steps from well below min to well above max: fractions and out-of-range
    thr = np.sort(dyadic(rng, (rows, steps), lo - 6, hi + 6, 2), axis=1)
    thr[0, 0] = lo - 2.75  # at least one value that must change (both rounded and clipped)
    thr = np.sort(thr, axis=1)
    model = _model(dt, thr)
    after = apply(model, RoundAndClipThresholds())
    new = after.get_initializer("t")
    assert new.dtype == np.float32
    assert np.array_equal(new, np.ceil(new)), "thresholds not integer"
    assert new.min() >= lo and new.max() <= hi + 1, (new.min(), new.max())
    assert not np.array_equal(new, thr)
    x = _all_values(dtype, rows)
    assert_same(run(model, x), run(after, x))


def test_round_thresholds_leaves_float_inputs_alone():
    thr = np.array([[-0.5, 0.25, 1.75]], dtype=np.float32)
    model = _model("FLOAT32", thr)
    assert np.array_equal(apply(model, RoundAndClipThresholds()).get_initializer("t"), thr)
