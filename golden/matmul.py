"""Exact integer matrix multiplication."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

_INT64_MAX = np.iinfo(np.int64).max


def _as_integer(a: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if not np.isfinite(arr).all() or not np.array_equal(arr, np.round(arr)):
        raise ValueError(f"{name} must be integer-valued")
    if arr.size and np.abs(arr).max() > 2.0**62:
        raise ValueError(f"{name} has values too large for int64 arithmetic")
    return arr.astype(np.int64)


def integer_matmul(x: ArrayLike, w: ArrayLike) -> np.ndarray:
    """Multiply integer-valued arrays exactly (``np.matmul`` semantics, int64).

    Parameters
    ----------
    x, w : array_like
        Integer-valued arrays (integer dtype, or float dtype holding whole
        numbers), e.g. ``x`` (N, K) and ``w`` (K, M).

    Returns
    -------
    ndarray
        int64 result of ``x @ w``.

    Raises
    ------
    ValueError
        If an input is not integer-valued, or the worst-case accumulator
        ``K * max|x| * max|w|`` could overflow int64.
    """
    xi = _as_integer(x, "x")
    wi = _as_integer(w, "w")
    if xi.ndim == 0 or wi.ndim == 0:
        raise ValueError("matmul operands must be at least 1-D")
    k = xi.shape[-1]
    xmax = int(np.abs(xi).max()) if xi.size else 0
    wmax = int(np.abs(wi).max()) if wi.size else 0
    if k * xmax * wmax > _INT64_MAX:  # python ints: no overflow in the check
        raise ValueError("accumulator could overflow int64")
    return np.matmul(xi, wi)
