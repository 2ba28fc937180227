"""Matrix-vector-activation unit (MVAU): matmul, then optional thresholding."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from golden.matmul import integer_matmul
from golden.multithreshold import multithreshold
from golden.xnorpopcount import xnorpopcount_matmul


def mvau(
    x: ArrayLike,
    w: ArrayLike,
    thresholds: ArrayLike | None = None,
    *,
    binary_xnor: bool = False,
    out_bias: float = 0.0,
) -> np.ndarray:
    """Compute one MVAU layer: ``act(x @ w)``.

    Parameters
    ----------
    x : array_like
        Input activations, shape (N, MW) or (N, ..., MW): features on the last
        axis.  Integer-valued; {0, 1} when ``binary_xnor``.
    w : array_like
        Weights in MatMul layout, shape (MW, MH).  Integer-valued; {0, 1}
        when ``binary_xnor``.
    thresholds : array_like, optional
        Shape (MH, T) (one sorted row per output channel) or (1, T) (shared).
        If omitted, the accumulator is returned.
    binary_xnor : bool
        If true the accumulator is the XNOR popcount
        (:func:`golden.xnorpopcount.xnorpopcount_matmul`), which is what a
        binarized layer computes on {0, 1}-encoded bipolar values; otherwise
        it is the exact integer matmul.
    out_bias : float
        Added to the threshold count (``count + out_bias``); only used with
        ``thresholds``.

    Returns
    -------
    ndarray
        Without thresholds: int64 accumulator, shape (..., MH).
        With thresholds: float32 ``#{t : acc[..., c] >= thresholds[c, t]} +
        out_bias``, shape (..., MH).
    """
    acc = xnorpopcount_matmul(x, w) if binary_xnor else integer_matmul(x, w)
    if thresholds is None:
        return acc
    thr = np.asarray(thresholds)
    mh = acc.shape[-1]
    # multithreshold expects channels on axis 1: flatten leading axes to rows
    flat = acc.reshape(-1, mh)
    out = multithreshold(flat, thr, out_scale=1.0, out_bias=out_bias)
    return out.reshape(acc.shape)
