"""Stream words: how tensors travel between HW blocks, bit by bit.

The specification every backend (C++ kernels, Verilog modules, drivers) follows:

* A stream word holds ``n`` elements of ``bits`` bits each; element ``i`` sits in
  bits ``[i*bits, (i+1)*bits)`` (element 0 in the least significant bits).
* An element's bits are its *hardware value*: two's complement for signed
  integers, plain binary for unsigned; a bipolar value ``v in {-1, +1}`` is the
  bit ``(v + 1) / 2``.
* A tensor (..., C) streams as C/n words per vector, in order.

Words are Python ints (any width), so the same functions check 1-bit and 1568-bit
streams alike.
"""

from __future__ import annotations

import numpy as np


def encode(values: np.ndarray, bits: int, kind: str) -> np.ndarray:
    """Element values -> unsigned hardware values (int64 array, each in ``[0, 2**bits)``).

    ``kind`` is ``"unsigned"``, ``"signed"`` or ``"bipolar"``. Raises ValueError
    if a value is not representable.
    """
    v = np.asarray(values)
    if not np.array_equal(v, np.round(v)):
        raise ValueError("stream elements must be integers")
    v = v.astype(np.int64)
    if kind == "bipolar":
        if bits != 1 or not np.all(np.isin(v, (-1, 1))):
            raise ValueError("bipolar elements must be -1 or +1 in 1 bit")
        return (v + 1) // 2
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if kind == "signed" else (0, (1 << bits) - 1)
    if kind not in ("signed", "unsigned"):
        raise ValueError(f"unknown element kind {kind!r}")
    if v.size and (v.min() < lo or v.max() > hi):
        raise ValueError(f"values outside [{lo}, {hi}] do not fit {kind} {bits}-bit elements")
    return v & ((1 << bits) - 1) if bits < 64 else v


def decode(raw: np.ndarray, bits: int, kind: str) -> np.ndarray:
    """Inverse of :func:`encode`: unsigned hardware values -> element values (int64)."""
    r = np.asarray(raw).astype(np.int64)
    if kind == "bipolar":
        return 2 * r - 1
    if kind == "signed":
        return np.where(r >= (1 << (bits - 1)), r - (1 << bits), r)
    if kind == "unsigned":
        return r
    raise ValueError(f"unknown element kind {kind!r}")


def pack_words(values: np.ndarray, bits: int, kind: str) -> list[int]:
    """Pack (..., n) element values into one word per row of the last axis."""
    raw = encode(values, bits, kind)
    raw = raw.reshape(-1, raw.shape[-1]) if raw.ndim else raw.reshape(1, 1)
    words = []
    for row in raw:
        word = 0
        for i, r in enumerate(row.tolist()):
            word |= int(r) << (i * bits)
        words.append(word)
    return words


def unpack_words(words: list[int], n: int, bits: int, kind: str) -> np.ndarray:
    """Unpack words into an (len(words), n) array of element values."""
    mask = (1 << bits) - 1
    raw = np.array([[(int(w) >> (i * bits)) & mask for i in range(n)] for w in words], dtype=np.int64)
    return decode(raw.reshape(len(words), n), bits, kind)


def repack_words(words: list[int], in_width: int, out_width: int) -> list[int]:
    """Data-width conversion: the same bit sequence, re-cut into ``out_width``-bit words.

    The total bit count must divide by ``out_width``; bits keep their order
    (word 0's LSB first).
    """
    total = len(words) * in_width
    if total % out_width:
        raise ValueError(f"{total} bits do not form whole {out_width}-bit words")
    acc = 0
    for i, w in enumerate(words):
        acc |= int(w) << (i * in_width)
    mask = (1 << out_width) - 1
    return [(acc >> (j * out_width)) & mask for j in range(total // out_width)]
