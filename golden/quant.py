"""QONNX ``Quant`` and ``BipolarQuant``: uniform integer quantization.

``Quant(x, scale, zeropt, bitwidth)`` with attributes ``signed``, ``narrow``
and ``rounding_mode`` computes::

    q   = clip(round(x / scale + zeropt), min_int, max_int)   # integer level
    out = (q - zeropt) * scale                                  # de-scaled value

``scale`` and ``zeropt`` broadcast against ``x`` (per-tensor or per-channel).
Clipping an already-rounded value to integer bounds equals rounding a clipped
value (every rounding mode here is monotone and fixes integers), so the order
of the two steps is immaterial.

Arithmetic is done in the promoted floating dtype of ``x``, ``scale`` and
``zeropt`` (float32 for ONNX tensors), so ``x / scale`` rounds exactly as a
float32 implementation would before the rounding to integer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ROUNDING_MODES", "bipolar_quant", "datatype_range", "quant", "quant_int"]


def _round_half_up(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def _round_half_down(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.ceil(np.abs(v) - 0.5)


def _round_away(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.ceil(np.abs(v))


#: rounding mode name -> function; "ROUND" is round-half-to-even (``np.round``).
ROUNDING_MODES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "ROUND": np.round,
    "HALF_EVEN": np.round,
    "ROUND_TO_ZERO": np.trunc,
    "DOWN": np.trunc,
    "CEIL": np.ceil,
    "FLOOR": np.floor,
    "UP": _round_away,
    "HALF_UP": _round_half_up,
    "HALF_DOWN": _round_half_down,
}


def datatype_range(bitwidth: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """Return the inclusive integer range ``(min, max)`` of a quantized type.

    ===========  ======================  ==================
    signed       narrow=False            narrow=True
    ===========  ======================  ==================
    True         [-2**(b-1), 2**(b-1)-1]  [-2**(b-1)+1, 2**(b-1)-1]
    False        [0, 2**b - 1]           [0, 2**b - 2]
    ===========  ======================  ==================

    Note that a 1-bit signed type is ``[-1, 0]`` (``[0, 0]`` when narrow);
    the {-1, +1} type is produced by :func:`bipolar_quant`, not by ``quant``.

    Raises
    ------
    ValueError
        If ``bitwidth`` is not a positive integer.
    """
    if int(bitwidth) != bitwidth or bitwidth < 1:
        raise ValueError(f"bitwidth must be a positive integer, got {bitwidth}")
    b = int(bitwidth)
    if signed:
        lo = -(2 ** (b - 1)) + (1 if narrow else 0)
        hi = 2 ** (b - 1) - 1
    else:
        lo = 0
        hi = 2**b - (2 if narrow else 1)
    return lo, hi


def _resolve_rounding(mode: str) -> Callable[[np.ndarray], np.ndarray]:
    try:
        return ROUNDING_MODES[mode.upper()]
    except KeyError:
        raise ValueError(
            f"unknown rounding_mode {mode!r}; expected one of {sorted(ROUNDING_MODES)}"
        ) from None


def _float_operands(*arrays: ArrayLike) -> list[np.ndarray]:
    arrs = [np.asarray(a) for a in arrays]
    dtype = np.result_type(*arrs, np.float32)
    return [a.astype(dtype, copy=False) for a in arrs]


def _level(
    x: ArrayLike,
    scale: ArrayLike,
    zeropt: ArrayLike,
    bitwidth: int,
    signed: bool,
    narrow: bool,
    rounding_mode: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xf, s, z = _float_operands(x, scale, zeropt)
    if np.any(s <= 0):
        raise ValueError("scale must be positive")
    lo, hi = datatype_range(np.asarray(bitwidth).item(), signed, narrow)
    rnd = _resolve_rounding(rounding_mode)
    q = np.clip(rnd(xf / s + z), lo, hi)
    return q, s, z


def quant_int(
    x: ArrayLike,
    scale: ArrayLike,
    zeropt: ArrayLike,
    bitwidth: int,
    signed: bool,
    narrow: bool,
    rounding_mode: str = "ROUND",
) -> np.ndarray:
    """Return the integer level ``clip(round(x / scale + zeropt), min, max)``.

    Parameters are those of :func:`quant`.

    Returns
    -------
    ndarray
        int64, shape ``broadcast(x, scale, zeropt)``.
    """
    q, _, _ = _level(x, scale, zeropt, bitwidth, signed, narrow, rounding_mode)
    return q.astype(np.int64)


def quant(
    x: ArrayLike,
    scale: ArrayLike,
    zeropt: ArrayLike,
    bitwidth: int,
    signed: bool,
    narrow: bool,
    rounding_mode: str = "ROUND",
) -> np.ndarray:
    """Quantize then de-quantize ``x`` (the QONNX ``Quant`` op).

    Parameters
    ----------
    x : array_like
        Input values.
    scale : array_like
        Positive scale, broadcastable to ``x``.
    zeropt : array_like
        Zero point, broadcastable to ``x`` (usually 0).
    bitwidth : int
        Number of bits, >= 1.
    signed, narrow : bool
        Select the integer range, see :func:`datatype_range`.
    rounding_mode : str
        ``"ROUND"`` (half to even, like ``np.round``; alias ``"HALF_EVEN"``),
        ``"ROUND_TO_ZERO"`` (alias ``"DOWN"``), ``"CEIL"``, ``"FLOOR"``,
        ``"UP"`` (away from zero), ``"HALF_UP"``, ``"HALF_DOWN"``
        (ties away from / towards zero).  Case-insensitive.

    Returns
    -------
    ndarray
        ``(quant_int(...) - zeropt) * scale`` in the promoted float dtype
        (float32 for float32 operands).

    Raises
    ------
    ValueError
        On an unknown rounding mode, a non-positive scale or bitwidth.
    """
    q, s, z = _level(x, scale, zeropt, bitwidth, signed, narrow, rounding_mode)
    return (q - z) * s


def bipolar_quant(x: ArrayLike, scale: ArrayLike) -> np.ndarray:
    """Binarize to ``{-scale, +scale}`` (the QONNX ``BipolarQuant`` op).

    ``out = scale * (+1 if x >= 0 else -1)``; zero (including -0.0) maps to +1.

    Returns
    -------
    ndarray
        Promoted float dtype of ``x`` and ``scale`` (float32 for float32).
    """
    xf, s = _float_operands(x, scale)
    return np.where(xf >= 0, 1, -1).astype(xf.dtype) * s
