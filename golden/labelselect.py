"""LabelSelect: the indices of the k largest values (TopK without values)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from golden.topk import topk


def label_select(x: ArrayLike, k: int) -> np.ndarray:
    """Return the indices of the ``k`` largest entries along the last axis.

    Same ordering as :func:`golden.topk.topk`: descending by value, equal
    values in ascending index order.

    Returns
    -------
    ndarray
        int64, shape ``x.shape[:-1] + (k,)``.
    """
    _, idx = topk(np.asarray(x), k)
    return idx
