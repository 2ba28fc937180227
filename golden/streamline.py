"""The algebra behind each streamlining rewrite, as small pure functions.

Streamlining moves floating-point scales and biases through the graph until
they can be absorbed into MultiThreshold nodes, leaving an integer-only
datapath.  Every function here computes the new constants of one rewrite; its
docstring states the identity (in exact real arithmetic) that makes the
rewrite function-preserving, and when that identity also holds bit-exactly in
floating point.

Notation: ``MT(x, T)`` is :func:`golden.multithreshold.multithreshold`, i.e.
``#{t : x >= T[c, t]}`` per channel ``c``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "absorb_add_into_thresholds",
    "absorb_mul_add_into_topk",
    "absorb_mul_into_thresholds",
    "absorb_sign_into_thresholds",
    "batchnorm_to_affine",
    "collapse_adds",
    "collapse_muls",
    "move_add_past_mul",
    "move_scalar_add_past_matmul",
    "move_scalar_mul_past_matmul",
    "round_and_clip_thresholds",
    "sign_to_thresholds",
]


def _thresholds(thresholds: ArrayLike) -> np.ndarray:
    thr = np.asarray(thresholds)
    if thr.ndim != 2:
        raise ValueError(f"thresholds must have shape (C, T) or (1, T), got {thr.shape}")
    return thr


def _per_channel_column(value: ArrayLike, name: str) -> np.ndarray:
    """Return ``value`` as a (C, 1) or (1, 1) column.

    Accepts a scalar, a (C,) vector or any shape with at most one non-singleton
    axis, such as an NCHW initializer of shape (1, C, 1, 1).
    """
    arr = np.asarray(value)
    if sum(d != 1 for d in arr.shape) > 1:
        raise ValueError(f"{name} must be a scalar or per-channel vector, got shape {arr.shape}")
    return arr.reshape(-1, 1)


def _combine(thr: np.ndarray, col: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = thr.shape[0], col.shape[0]
    if rows != 1 and cols != 1 and rows != cols:
        raise ValueError(f"{name} has {cols} channels but thresholds have {rows} rows")
    return thr, col


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    return np.result_type(*arrays, np.float32)


def absorb_add_into_thresholds(thresholds: ArrayLike, add: ArrayLike) -> np.ndarray:
    """Absorb an ``Add`` that precedes a MultiThreshold into its thresholds.

    Identity: ``MT(x + a, T) == MT(x, T - a)``, since
    ``x + a >= t  <=>  x >= t - a`` for every threshold ``t``.

    Parameters
    ----------
    thresholds : array_like
        Shape (C, T) or (1, T).
    add : array_like
        Scalar or per-channel (C,) (any shape with one non-singleton axis,
        e.g. (1, C, 1, 1)), aligned with the MultiThreshold channel axis.

    Returns
    -------
    ndarray
        ``T - a``, shape (C, T) (or (1, T) if both are shared), promoted float
        dtype.  Shared thresholds with a per-channel ``a`` expand to (C, T).

    Notes
    -----
    Bit-exact in floating point when ``x + a`` and ``t - a`` are exact, e.g.
    integers (or dyadic values) of moderate size in float32.
    """
    thr, col = _combine(_thresholds(thresholds), _per_channel_column(add, "add"), "add")
    dtype = _float_dtype(thr, col)
    return thr.astype(dtype) - col.astype(dtype)


def absorb_mul_into_thresholds(thresholds: ArrayLike, mul: ArrayLike) -> np.ndarray:
    """Absorb a positive ``Mul`` that precedes a MultiThreshold into its thresholds.

    Identity: ``MT(x * m, T) == MT(x, T / m)`` for ``m > 0``, since
    ``x * m >= t  <=>  x >= t / m`` when ``m`` is positive.  A negative ``m``
    flips the comparison (``x <= t / m``), which a MultiThreshold cannot
    express, and ``m == 0`` has no finite quotient, so both are rejected.

    Parameters
    ----------
    thresholds : array_like
        Shape (C, T) or (1, T).
    mul : array_like
        Scalar or per-channel, as for :func:`absorb_add_into_thresholds`.

    Returns
    -------
    ndarray
        ``T / m``, shape (C, T) (or (1, T)), promoted float dtype.

    Raises
    ------
    ValueError
        If any ``m <= 0``.

    Notes
    -----
    Bit-exact in floating point when ``m`` is a power of two; for integer
    ``x`` and integer ``m`` it is also exact whenever ``t / m`` rounds to
    within less than ``1/m`` of its true value (always, for moderate sizes).
    """
    thr, col = _combine(_thresholds(thresholds), _per_channel_column(mul, "mul"), "mul")
    if np.any(col <= 0):
        raise ValueError("absorbing a Mul into thresholds needs mul > 0")
    dtype = _float_dtype(thr, col)
    return thr.astype(dtype) / col.astype(dtype)


def sign_to_thresholds(channels: int = 1) -> tuple[np.ndarray, float, float]:
    """Express a Sign-like bipolar quantizer as a MultiThreshold.

    Identity: ``bipolar_quant(x, 1) == MT(x, [[0]], out_scale=2, out_bias=-1)``:
    ``x >= 0`` gives count 1 -> ``2*1 - 1 = +1``; ``x < 0`` gives count 0 ->
    ``-1``.

    Parameters
    ----------
    channels : int
        Number of threshold rows (1 means shared by all channels).

    Returns
    -------
    tuple
        ``(thresholds, out_scale, out_bias)``: float32 zeros of shape
        (channels, 1), ``2.0``, ``-1.0``.
    """
    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    return np.zeros((channels, 1), dtype=np.float32), 2.0, -1.0


def absorb_sign_into_thresholds(
    thresholds: ArrayLike, out_scale: float = 1.0, out_bias: float = 0.0
) -> tuple[np.ndarray, float, float]:
    """Fuse ``bipolar_quant(MT(x, T, out_scale, out_bias), 1)`` into one MultiThreshold.

    With ``out_scale = s > 0`` the MultiThreshold output ``s * count + b`` is
    increasing in ``count``, so it is ``>= 0`` exactly when
    ``count >= c*``, where ``c*`` is the smallest count in ``[0, T]`` with
    ``s * c* + b >= 0``.  As each row of ``T`` is sorted ascending,
    ``count >= c*  <=>  x >= T[:, c* - 1]``.  Hence::

        bipolar_quant(MT(x, T, s, b)) == MT(x, T', out_scale=2, out_bias=-1)

    with the single-column ``T' = T[:, c* - 1]`` (``-inf`` if ``c* == 0``:
    always +1; ``+inf`` if no count qualifies: always -1).

    Parameters
    ----------
    thresholds : array_like
        Shape (C, T) or (1, T), rows sorted ascending.
    out_scale, out_bias : float
        Attributes of the original MultiThreshold; ``out_scale`` must be > 0.

    Returns
    -------
    tuple
        ``(thresholds', 2.0, -1.0)`` with ``thresholds'`` of shape (C, 1),
        promoted float dtype.

    Raises
    ------
    ValueError
        If ``out_scale <= 0``.

    Notes
    -----
    ``c*`` is found by evaluating ``s * c + b`` exactly as
    :func:`golden.multithreshold.multithreshold` does (float64, then cast to
    float32), so the fused node agrees with the golden reference bit-exactly.
    Infinite thresholds can be made finite by :func:`round_and_clip_thresholds`.
    """
    thr = _thresholds(thresholds)
    if not out_scale > 0:
        raise ValueError("absorbing a sign needs out_scale > 0")
    n = thr.shape[1]
    levels = (np.arange(n + 1, dtype=np.float64) * out_scale + out_bias).astype(np.float32)
    nonneg = np.flatnonzero(levels >= 0)
    dtype = _float_dtype(thr)
    if nonneg.size == 0:
        new = np.full((thr.shape[0], 1), np.inf, dtype=dtype)
    elif nonneg[0] == 0:
        new = np.full((thr.shape[0], 1), -np.inf, dtype=dtype)
    else:
        new = thr[:, nonneg[0] - 1 : nonneg[0]].astype(dtype)
    return new, 2.0, -1.0


def batchnorm_to_affine(
    gamma: ArrayLike,
    beta: ArrayLike,
    mean: ArrayLike,
    var: ArrayLike,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray]:
    """Rewrite inference-mode BatchNormalization as a per-channel ``x * scale + bias``.

    Identity: ``gamma * (x - mean) / sqrt(var + eps) + beta
    == x * scale + bias`` with ``scale = gamma / sqrt(var + eps)`` and
    ``bias = beta - mean * scale``.

    Returns
    -------
    tuple of ndarray
        ``(scale, bias)``, per channel, computed in float64 and returned in
        the promoted float dtype of the inputs (float32 for float32).

    Notes
    -----
    Not bit-exact in floating point: the fused form rounds differently from
    the normalize-then-scale form (a few ulp).
    """
    arrs = [np.asarray(a) for a in (gamma, beta, mean, var)]
    dtype = _float_dtype(*arrs)
    g, b, m, v = (a.astype(np.float64) for a in arrs)
    scale = g / np.sqrt(v + eps)
    bias = b - m * scale
    return scale.astype(dtype), bias.astype(dtype)


def collapse_muls(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Merge two consecutive constant ``Mul`` nodes.

    Identity: ``(x * a) * b == x * (a * b)`` (associativity; broadcasting as
    in numpy/ONNX).  Exact in floating point only when no rounding occurs,
    e.g. for powers of two.
    """
    a_, b_ = np.asarray(a), np.asarray(b)
    dtype = _float_dtype(a_, b_)
    return a_.astype(dtype) * b_.astype(dtype)


def collapse_adds(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Merge two consecutive constant ``Add`` nodes.

    Identity: ``(x + a) + b == x + (a + b)``.  Exact in floating point for
    integers (or dyadic values) of moderate size.
    """
    a_, b_ = np.asarray(a), np.asarray(b)
    dtype = _float_dtype(a_, b_)
    return a_.astype(dtype) + b_.astype(dtype)


def move_add_past_mul(add: ArrayLike, mul: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Swap ``Add(a) -> Mul(m)`` into ``Mul(m) -> Add(a * m)``.

    Identity: ``(x + a) * m == x * m + a * m`` (distributivity).

    Returns
    -------
    tuple of ndarray
        ``(mul, new_add)`` with ``new_add = a * m``, promoted float dtype.
    """
    a_, m_ = np.asarray(add), np.asarray(mul)
    dtype = _float_dtype(a_, m_)
    return m_.astype(dtype), a_.astype(dtype) * m_.astype(dtype)


def _scalar(value: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    return arr.reshape(())


def move_scalar_mul_past_matmul(mul: ArrayLike, w: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Swap ``Mul(s) -> MatMul(W)`` into ``MatMul(W) -> Mul(s)`` for a scalar ``s``.

    Identity: ``(x * s) @ W == (x @ W) * s`` (a scalar commutes with the
    linear map).  A non-scalar ``s`` would not commute.

    Returns
    -------
    tuple of ndarray
        ``(w, s)``: the unchanged weights and the scalar, now applied after.

    Raises
    ------
    ValueError
        If ``mul`` is not a scalar.
    """
    s = _scalar(mul, "mul")
    return np.asarray(w), s


def move_scalar_add_past_matmul(add: ArrayLike, w: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Swap ``Add(a) -> MatMul(W)`` into ``MatMul(W) -> Add(a * W.sum(axis=0))``.

    Identity: ``(x + a) @ W == x @ W + a @ W``; for a scalar ``a``,
    ``a @ W`` is ``a * W.sum(axis=0)``, one bias per output column.
    A per-input-feature ``a`` of shape (K,) is also accepted (then ``a @ W``).

    Parameters
    ----------
    add : array_like
        Scalar, or shape (K,).
    w : array_like
        Shape (K, M).

    Returns
    -------
    tuple of ndarray
        ``(w, bias)`` with ``bias`` of shape (M,), promoted float dtype.
        Exact for integer ``a`` and ``W`` of moderate size.
    """
    wa = np.asarray(w)
    if wa.ndim != 2:
        raise ValueError(f"w must be 2-D (K, M), got shape {wa.shape}")
    a = np.asarray(add)
    dtype = _float_dtype(a, wa)
    wf = wa.astype(np.float64)
    if a.size == 1:
        bias = a.reshape(()).astype(np.float64) * wf.sum(axis=0)
    elif a.shape == (wa.shape[0],):
        bias = a.astype(np.float64) @ wf
    else:
        raise ValueError(f"add must be a scalar or shape ({wa.shape[0]},), got {a.shape}")
    return wa, bias.astype(dtype)


def round_and_clip_thresholds(
    thresholds: ArrayLike,
    input_min: float,
    input_max: float,
    input_is_integer: bool,
) -> np.ndarray:
    """Make thresholds integer and bounded without changing the MultiThreshold.

    Identities, for inputs ``x`` with ``input_min <= x <= input_max``:

    * integer ``x``: ``x >= t  <=>  x >= ceil(t)``, so
      ``MT(x, T) == MT(x, ceil(T))``;
    * any ``x`` in range: a threshold ``t <= input_min`` is always reached,
      the same as ``t = input_min``; a threshold ``t > input_max`` is never
      reached, the same as ``t = input_max + 1``.  So clipping ``T`` to
      ``[input_min, input_max + 1]`` keeps the function (this also makes
      infinite thresholds finite).

    Parameters
    ----------
    thresholds : array_like
        Any shape (typically (C, T)); may contain +-inf.
    input_min, input_max : float
        Range of the MultiThreshold input.
    input_is_integer : bool
        Whether the input only takes integer values (enables rounding up).

    Returns
    -------
    ndarray
        float32 thresholds, same shape.  Exact for integer ranges within
        +-2**24; for non-integer inputs the thresholds should already be
        float32 (the final cast may otherwise move them).
    """
    if input_min > input_max:
        raise ValueError(f"empty input range [{input_min}, {input_max}]")
    thr = np.asarray(thresholds, dtype=np.float64)
    if input_is_integer:
        thr = np.ceil(thr)
    return np.clip(thr, input_min, input_max + 1).astype(np.float32)


def absorb_mul_add_into_topk(mul: ArrayLike, add: ArrayLike) -> bool:
    """Tell whether ``Mul(m) -> Add(a)`` before a TopK can be deleted.

    Identity: for a scalar ``m > 0`` and any scalar ``a``,
    ``TopK(x * m + a).indices == TopK(x).indices``: a strictly increasing
    map preserves the order of the values and also their ties, so the
    ordering and the tie-breaking (lower index first) are unchanged.  The TopK
    *values* do change, so the rewrite is only valid when only the indices are
    consumed (LabelSelect).  ``m <= 0`` reverses or collapses the order and a
    non-scalar ``m`` or ``a`` treats entries differently, so neither is
    absorbable.

    Returns
    -------
    bool
        True when the Mul and Add can be removed.

    Notes
    -----
    In floating point ``x * m + a`` can round two distinct values to one,
    creating a tie that reorders their indices; the identity is exact when the
    map is injective on the data (e.g. integer ``x``, ``m`` and ``a`` of
    moderate size).
    """
    m, a = np.asarray(mul), np.asarray(add)
    return bool(m.size == 1 and a.size == 1 and float(m.reshape(())) > 0)
