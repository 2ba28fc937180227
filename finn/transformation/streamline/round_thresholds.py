"""`RoundAndClipThresholds`: integer inputs need only integer, in-range thresholds."""

from __future__ import annotations

import numpy as np
from qonnx.transformation.base import Transformation

from golden import streamline as algebra


class RoundAndClipThresholds(Transformation):
    """For a MultiThreshold on an integer input: ``T -> clip(ceil(T), min, max + 1)``."""

    def apply(self, model):
        changed = False
        for mt in model.get_nodes_by_op_type("MultiThreshold"):
            dt = model.get_tensor_datatype(mt.input[0])
            thr = model.get_initializer(mt.input[1])
            if thr is None or not dt.is_integer():
                continue
            new = algebra.round_and_clip_thresholds(thr, dt.min(), dt.max(), True)
            if thr.dtype != np.float32 or not np.array_equal(new, thr):
                model.set_initializer(mt.input[1], new)
                changed = True
        return model, changed
