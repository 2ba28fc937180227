"""Merge two consecutive Mul (or Add) by constants into one."""

from __future__ import annotations

from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

from finn.transformation.graph_utils import add_tensor, const_input, single_consumer
from golden import streamline as algebra


class _CollapseRepeated(Transformation):
    op_type = ""
    combine = None

    def apply(self, model):
        for first in model.graph.node:
            if first.op_type != self.op_type or (c1 := const_input(model, first)) is None:
                continue
            second = single_consumer(model, first.output[0])
            if second is None or second.op_type != self.op_type:
                continue
            if (c2 := const_input(model, second)) is None:
                continue
            x = first.input[1 - c1[0]]
            merged = type(self).combine(c1[1], c2[1])
            second.input[:] = [x, add_tensor(model, value=merged)]
            model.graph.node.remove(first)
            model = model.transform(InferShapes())
            return model, True
        return model, False


class CollapseRepeatedMul(_CollapseRepeated):
    """``(x * a) * b`` -> ``x * (a * b)``."""

    op_type = "Mul"
    combine = staticmethod(algebra.collapse_muls)


class CollapseRepeatedAdd(_CollapseRepeated):
    """``(x + a) + b`` -> ``x + (a + b)``."""

    op_type = "Add"
    combine = staticmethod(algebra.collapse_adds)
