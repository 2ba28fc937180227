"""MultiThreshold: count how many thresholds each element reaches."""

from __future__ import annotations

import numpy as np


def multithreshold(
    x: np.ndarray,
    thresholds: np.ndarray,
    out_scale: float = 1.0,
    out_bias: float = 0.0,
) -> np.ndarray:
    """Quantize ``x`` by counting the thresholds it reaches.

    Parameters
    ----------
    x : ndarray
        Shape (N, C) or (N, C, ...): channels on axis 1.
    thresholds : ndarray
        Shape (C, T) (one row per channel) or (1, T) (shared by all channels).
        Rows are sorted ascending.
    out_scale, out_bias : float
        The result is ``out_scale * count + out_bias``.

    Returns
    -------
    ndarray
        float32, same shape as ``x``; ``count[i] = #{t : x[i] >= t}``.

    Notes
    -----
    The channel axis is always axis 1.  qonnx's MultiThreshold instead guesses
    the layout from the rank when its ``data_layout`` attribute is unset, and
    takes a rank-3 input as NWC (channels last); set ``data_layout="NCW"`` to
    match this function.  ``out_scale * count + out_bias`` is evaluated in
    float64 and rounded once to float32 (qonnx rounds twice in float32, which
    can differ by one ulp for non-dyadic scale/bias).
    """
    x = np.asarray(x)
    thresholds = np.asarray(thresholds)
    if x.ndim < 2:
        raise ValueError(f"x must have a channel axis (ndim >= 2), got shape {x.shape}")
    channels = x.shape[1]
    if thresholds.ndim != 2 or thresholds.shape[0] not in (1, channels):
        raise ValueError(
            f"thresholds must have shape ({channels}, T) or (1, T), got {thresholds.shape}"
        )
    thr = np.broadcast_to(thresholds, (channels, thresholds.shape[1]))
    # move channels last so thresholds broadcast against the trailing axis
    xc = np.moveaxis(x, 1, -1)[..., None]
    count = (xc >= thr).sum(axis=-1)
    out = np.moveaxis(count, -1, 1).astype(np.float64) * out_scale + out_bias
    return out.astype(np.float32)
