"""TopK / LabelSelect: indices of the k largest values, ties to the lower index."""

from __future__ import annotations

import numpy as np


def topk(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(values, indices)`` of the ``k`` largest entries along the last axis.

    Ordering is descending by value; equal values keep ascending index order
    (the ONNX TopK rule).
    """
    x = np.asarray(x)
    if not 1 <= k <= x.shape[-1]:
        raise ValueError(f"k must be in [1, {x.shape[-1]}], got {k}")
    # stable sort of -x keeps lower indices first among equal values
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, axis=-1), idx.astype(np.int64)
