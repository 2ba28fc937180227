"""XNOR-popcount matrix multiplication on binary {0, 1} operands.

A binarized neural network computes dot products of bipolar {-1, +1} vectors.
Hardware encodes -1 as bit 0 and +1 as bit 1; the product of two bipolar
values is +1 exactly when the bits agree, i.e. when ``XNOR`` of the bits is 1.
So a bipolar dot product of length ``K`` is recovered from the number of
agreeing positions ``P`` (the popcount of the XNOR) as ``2 * P - K``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _as_binary(a: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1")
    return arr.astype(np.int64)


def xnorpopcount_matmul(x_bin: ArrayLike, w_bin: ArrayLike) -> np.ndarray:
    """Count, for each (row of ``x``, column of ``w``) pair, the agreeing bits.

    Parameters
    ----------
    x_bin : array_like
        Binary {0, 1} values, shape (N, K) or (..., K).
    w_bin : array_like
        Binary {0, 1} values, shape (K, M) (MatMul layout).

    Returns
    -------
    ndarray
        int64, shape (..., M):
        ``result[n, m] = #{k : x_bin[n, k] == w_bin[k, m]}``.  The values are
        exact integers in ``[0, K]``; callers feeding an ONNX graph cast to
        float32 (exact for K < 2**24).

    Raises
    ------
    ValueError
        If an operand holds a value other than 0 or 1, or the inner dimensions
        differ.
    """
    x = _as_binary(x_bin, "x_bin")
    w = _as_binary(w_bin, "w_bin")
    if w.ndim != 2:
        raise ValueError(f"w_bin must be 2-D (K, M), got shape {w.shape}")
    if x.ndim < 1 or x.shape[-1] != w.shape[0]:
        raise ValueError(f"inner dimensions differ: x {x.shape} vs w {w.shape}")
    # agreements = (both 1) + (both 0)
    return x @ w + (1 - x) @ (1 - w)


def bipolar_to_binary(x: ArrayLike) -> np.ndarray:
    """Map bipolar {-1, +1} to binary {0, 1}: ``(x + 1) / 2``.

    Returns
    -------
    ndarray
        int64 array of 0s and 1s, same shape as ``x``.

    Raises
    ------
    ValueError
        If ``x`` holds a value other than -1 or +1.
    """
    arr = np.asarray(x)
    if arr.size and not np.isin(arr, (-1, 1)).all():
        raise ValueError("x must contain only -1 and +1")
    return ((arr.astype(np.int64) + 1) // 2).astype(np.int64)


def binary_to_bipolar(x: ArrayLike) -> np.ndarray:
    """Map binary {0, 1} to bipolar {-1, +1}: ``2 * x - 1`` (int64)."""
    return 2 * _as_binary(x, "x") - 1


def xnor_to_bipolar_dot(popcount: ArrayLike, K: int) -> np.ndarray:
    """Convert an XNOR popcount over ``K`` positions to the bipolar dot product.

    With ``P`` agreeing and ``K - P`` disagreeing positions the bipolar dot
    product is ``P - (K - P) = 2 * P - K``.

    Returns
    -------
    ndarray
        int64 if ``popcount`` is integer-valued, else float64.
    """
    p = np.asarray(popcount)
    if np.issubdtype(p.dtype, np.floating) and np.array_equal(p, np.round(p)):
        p = p.astype(np.int64)
    return 2 * p - K
