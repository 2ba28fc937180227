"""Absorb linear ops into the MultiThreshold, MatMul weights or TopK that follow/precede them."""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.transformation.graph_utils import (
    const_input,
    is_scalar,
    single_consumer,
)
from finn.util.basic import smallest_int_datatype
from golden import streamline as algebra

# a threshold standing for "always" / "never" reached; clipped later to the input range
_NEVER = 2.0**40


def _linear_into(model, op_type, consumer_type):
    """Yield (node, dynamic input, constant, consumer) for op_type -> consumer_type."""
    for node in model.graph.node:
        if node.op_type != op_type or (c := const_input(model, node)) is None:
            continue
        nxt = single_consumer(model, node.output[0])
        if nxt is None or nxt.op_type != consumer_type or nxt.input[0] != node.output[0]:
            continue
        yield node, node.input[1 - c[0]], c[1], nxt


def _bypass(model, node, x, consumer):
    consumer.input[0] = x
    model.graph.node.remove(node)
    model = model.transform(InferShapes())
    return model.transform(InferDataTypes())


def _per_channel_ok(value, channels):
    v = np.asarray(value)
    return v.size in (1, channels) and sum(d != 1 for d in v.shape) <= 1


class AbsorbAddIntoMultiThreshold(Transformation):
    """``MT(x + a, T)`` -> ``MT(x, T - a)``."""

    def apply(self, model):
        for add, x, a, mt in _linear_into(model, "Add", "MultiThreshold"):
            thr = model.get_initializer(mt.input[1])
            if not _per_channel_ok(a, thr.shape[0] if thr.shape[0] > 1 else np.asarray(a).size):
                continue
            model.set_initializer(mt.input[1], algebra.absorb_add_into_thresholds(
                thr.astype(np.float64), np.asarray(a, dtype=np.float64)))
            return _bypass(model, add, x, mt), True
        return model, False


class AbsorbMulIntoMultiThreshold(Transformation):
    """``MT(x * m, T)`` -> ``MT(x, T / m)`` for ``m >= 0`` (a zero channel becomes constant)."""

    def apply(self, model):
        for mul, x, m, mt in _linear_into(model, "Mul", "MultiThreshold"):
            thr = model.get_initializer(mt.input[1]).astype(np.float64)
            m = np.asarray(m, dtype=np.float64)
            if not _per_channel_ok(m, thr.shape[0] if thr.shape[0] > 1 else m.size) or np.any(m < 0):
                continue
            col = m.reshape(-1, 1)
            thr = np.broadcast_to(thr, (max(thr.shape[0], col.shape[0]), thr.shape[1]))
            safe = np.where(col == 0, 1.0, col)
            new = algebra.absorb_mul_into_thresholds(thr, safe)
            # x * 0 >= t holds for every x iff t <= 0
            new = np.where(col == 0, np.where(thr <= 0, -_NEVER, _NEVER), new)
            model.set_initializer(mt.input[1], new)
            return _bypass(model, mul, x, mt), True
        return model, False


class AbsorbSignIntoMatMulWeights(Transformation):
    """``(x @ W) * m`` with some ``m < 0``: negate those columns of W and keep ``|m|``.

    Integer weights stay integer; the weight DataType is widened if needed.
    """

    def apply(self, model):
        for mm in model.get_nodes_by_op_type("MatMul"):
            w = model.get_initializer(mm.input[1])
            mul = single_consumer(model, mm.output[0])
            if w is None or mul is None or mul.op_type != "Mul":
                continue
            c = const_input(model, mul)
            if c is None:
                continue
            m = np.asarray(c[1], dtype=np.float64)
            if not np.any(m < 0) or not _per_channel_ok(m, w.shape[1]) or (m.ndim and m.shape[-1] not in (1, w.shape[1])):
                continue
            sign = np.where(np.broadcast_to(m.reshape(-1), (w.shape[1],)) < 0, -1.0, 1.0)
            w_dt = model.get_tensor_datatype(mm.input[1])
            new_w = w * sign[None, :]
            model.set_initializer(mm.input[1], new_w.astype(np.float32))
            if w_dt.is_integer():
                model.set_tensor_datatype(mm.input[1], w_dt if w_dt == DataType["BIPOLAR"]
                                          else smallest_int_datatype(new_w.min(), new_w.max()))
            model.set_initializer(mul.input[c[0]], np.abs(m).astype(np.float32))
            return model, True
        return model, False


class AbsorbScalarMulAddIntoTopK(Transformation):
    """Drop a scalar ``Add`` or positive scalar ``Mul`` right before a TopK (indices unchanged)."""

    def apply(self, model):
        for topk in model.get_nodes_by_op_type("TopK"):
            prod = model.find_producer(topk.input[0])
            if prod is None or prod.op_type not in ("Mul", "Add"):
                continue
            if single_consumer(model, prod.output[0]) is None:
                continue
            c = const_input(model, prod)
            if c is None or not is_scalar(c[1]):
                continue
            if prod.op_type == "Mul" and not algebra.absorb_mul_add_into_topk(c[1], 0.0):
                continue
            # only the indices may be consumed: the values change
            if len(topk.output) > 0 and model.find_consumers(topk.output[0]):
                continue
            if topk.output[0] in [o.name for o in model.graph.output]:
                continue
            return _bypass(model, prod, prod.input[1 - c[0]], topk), True
        return model, False
