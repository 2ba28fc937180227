"""Move linear ops (Mul/Add by constants) downstream, towards the MultiThresholds that absorb them.

Each pass rewrites one match per ``apply`` and reports a change; qonnx's
``model.transform`` repeats it to a fixpoint.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.transformation.graph_utils import (
    add_tensor,
    const_input,
    drop_value_info,
    is_scalar,
    single_consumer,
)
from golden import streamline as algebra

INVARIANT_OPS = ("Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze")
LINEAR_OPS = ("Mul", "Add")


def _linear(model, node):
    """(dynamic input, constant) of a Mul/Add by a constant, else None."""
    if node.op_type not in LINEAR_OPS:
        return None
    c = const_input(model, node)
    if c is None:
        return None
    return node.input[1 - c[0]], c[1]


def _finish(model):
    model = model.transform(InferShapes())
    model = model.transform(InferDataTypes())
    return model


def _swap_order(model, first, second):
    """Put ``first`` right after ``second`` in the node list."""
    model.graph.node.remove(first)
    index = list(model.graph.node).index(second)
    model.graph.node.insert(index + 1, first)


def _move_past(model, lin, x, nxt, new_const):
    """Rewire ``x -> lin -> nxt -> out`` as ``x -> nxt -> lin(new_const) -> out``."""
    out = nxt.output[0]
    mid = add_tensor(model)
    nxt.input[list(nxt.input).index(lin.output[0])] = x
    nxt.output[0] = mid
    lin.input[:] = [mid, add_tensor(model, value=new_const)]
    lin.output[0] = out
    drop_value_info(model, out)
    _swap_order(model, lin, nxt)
    return _finish(model)


class MoveScalarLinearPastInvariants(Transformation):
    """Scalar Mul/Add followed by a shape-only op (Reshape, Flatten, Transpose, ...) swap places."""

    def apply(self, model):
        for node in model.graph.node:
            lin = _linear(model, node)
            if lin is None or not is_scalar(lin[1]):
                continue
            nxt = single_consumer(model, node.output[0])
            if nxt is None or nxt.op_type not in INVARIANT_OPS or nxt.input[0] != node.output[0]:
                continue
            x, y, z = lin[0], node.output[0], nxt.output[0]
            nxt.input[0] = x
            nxt.output[0] = y
            node.input[list(node.input).index(x)] = y
            node.output[0] = z
            drop_value_info(model, y)
            _swap_order(model, node, nxt)
            return _finish(model), True
        return model, False


class MoveAddPastMul(Transformation):
    """``(x + a) * m`` -> ``x * m + a * m``."""

    def apply(self, model):
        for add in model.graph.node:
            if add.op_type != "Add" or (lin := _linear(model, add)) is None:
                continue
            mul = single_consumer(model, add.output[0])
            if mul is None or mul.op_type != "Mul" or (mlin := _linear(model, mul)) is None:
                continue
            x, a = lin
            _, new_a = algebra.move_add_past_mul(a, mlin[1])
            return _move_past(model, add, x, mul, new_a), True
        return model, False


def _matmul_after(model, node):
    mm = single_consumer(model, node.output[0])
    if mm is None or mm.op_type != "MatMul" or mm.input[0] != node.output[0]:
        return None
    if model.get_initializer(mm.input[1]) is None:
        return None
    return mm


class MoveScalarMulPastMatMul(Transformation):
    """``(x * s) @ W`` -> ``(x @ W) * s`` for a scalar ``s``."""

    def apply(self, model):
        for mul in model.graph.node:
            if mul.op_type != "Mul" or (lin := _linear(model, mul)) is None:
                continue
            if not is_scalar(lin[1]) or (mm := _matmul_after(model, mul)) is None:
                continue
            return _move_past(model, mul, lin[0], mm, np.asarray(lin[1]).reshape(1)), True
        return model, False


class MoveAddPastMatMul(Transformation):
    """``(x + a) @ W`` -> ``x @ W + a @ W`` for a constant ``a`` broadcasting along rows."""

    def apply(self, model):
        for add in model.graph.node:
            if add.op_type != "Add" or (lin := _linear(model, add)) is None:
                continue
            if (mm := _matmul_after(model, add)) is None:
                continue
            x, a = lin
            w = model.get_initializer(mm.input[1])
            shape = model.get_tensor_shape(x)
            if shape is None or len(shape) != 2 or w.ndim != 2:
                continue
            try:
                a_row = np.broadcast_to(np.asarray(a, dtype=np.float64), (1, w.shape[0]))
            except ValueError:
                continue
            return _move_past(model, add, x, mm, a_row @ w.astype(np.float64)), True
        return model, False


class ConvertBipolarActToBinary(Transformation):
    """A bipolar MultiThreshold (``2*count - 1``) that feeds a MatMul whose weights are not
    bipolar becomes a BINARY MultiThreshold followed by ``Mul(2)``, ``Add(-1)``; those then
    move past the MatMul so it sees integer {0, 1} inputs. Bipolar x bipolar MatMuls are
    left for ``ConvertBipolarMatMulToXnorPopcount``.

    The correction ``Add(-1)`` becomes a per-channel ``Add(-colsum(W))`` after the MatMul,
    which only a MultiThreshold further down can absorb; a MatMul that feeds anything else
    (the last layer, before TopK) keeps its BIPOLAR input, which is integer as it is."""

    def apply(self, model):
        from qonnx.core.datatype import DataType
        from qonnx.custom_op.registry import getCustomOp

        for mt in model.get_nodes_by_op_type("MultiThreshold"):
            inst = getCustomOp(mt)
            if inst.get_nodeattr("out_dtype") != "BIPOLAR":
                continue
            mm = self._downstream_matmul(model, mt.output[0])
            if mm is None:
                continue
            w_dt = model.get_tensor_datatype(mm.input[1])
            if w_dt == DataType["BIPOLAR"] or not self._feeds_multithreshold(model, mm):
                continue
            inst.set_nodeattr("out_dtype", "BINARY")
            inst.set_nodeattr("out_scale", 1.0)
            inst.set_nodeattr("out_bias", 0.0)
            out = mt.output[0]
            binary, doubled = add_tensor(model), add_tensor(model)
            mt.output[0] = binary
            mul = helper.make_node("Mul", [binary, add_tensor(model, value=np.asarray([2.0]))], [doubled])
            add = helper.make_node("Add", [doubled, add_tensor(model, value=np.asarray([-1.0]))], [out])
            index = list(model.graph.node).index(mt)
            model.graph.node.insert(index + 1, mul)
            model.graph.node.insert(index + 2, add)
            model.set_tensor_datatype(binary, DataType["BINARY"])
            drop_value_info(model, out)
            return _finish(model), True
        return model, False

    @staticmethod
    def _feeds_multithreshold(model, mm):
        """Whether ``mm``'s output reaches a MultiThreshold through Mul/Add by constants."""
        node = single_consumer(model, mm.output[0])
        while node is not None and node.op_type in LINEAR_OPS and _linear(model, node) is not None:
            node = single_consumer(model, node.output[0])
        return node is not None and node.op_type == "MultiThreshold"

    @staticmethod
    def _downstream_matmul(model, tensor):
        node = single_consumer(model, tensor)
        while node is not None and node.op_type == "Mul" and _linear(model, node) is not None:
            node = single_consumer(model, node.output[0])
        if node is not None and node.op_type == "MatMul" and model.get_initializer(node.input[1]) is not None:
            return node
        return None
