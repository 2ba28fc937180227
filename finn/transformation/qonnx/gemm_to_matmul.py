"""Gemm -> [Transpose] MatMul [Mul alpha] [Add beta*C].

qonnx's own GemmToMatMul fails on a Gemm without bias (what torch's dynamo
exporter emits), so we lower it here.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import get_by_name

from finn.transformation.graph_utils import add_tensor


def _attr(node, name, default):
    a = get_by_name(node.attribute, name)
    if a is None:
        return default
    return a.f if a.type == a.FLOAT else a.i


class GemmToMatMul(Transformation):
    """Replace every Gemm by MatMul plus the elementwise ops its attributes ask for."""

    def apply(self, model):
        gemms = model.get_nodes_by_op_type("Gemm")
        for gemm in gemms:
            a, b = gemm.input[0], gemm.input[1]
            c = gemm.input[2] if len(gemm.input) > 2 and gemm.input[2] else None
            alpha, beta = _attr(gemm, "alpha", 1.0), _attr(gemm, "beta", 1.0)
            trans_a, trans_b = _attr(gemm, "transA", 0), _attr(gemm, "transB", 0)
            new_nodes = []
            if trans_a:
                t = add_tensor(model)
                new_nodes.append(helper.make_node("Transpose", [a], [t], perm=[1, 0]))
                a = t
            if trans_b:
                b_init = model.get_initializer(b)
                if b_init is not None:
                    t = add_tensor(model, value=b_init.T)
                else:
                    t = add_tensor(model)
                    new_nodes.append(helper.make_node("Transpose", [b], [t], perm=[1, 0]))
                b = t
            out = gemm.output[0]
            y = add_tensor(model) if (alpha != 1.0 or c is not None) else out
            new_nodes.append(helper.make_node("MatMul", [a, b], [y]))
            if alpha != 1.0:
                y2 = add_tensor(model) if c is not None else out
                k = add_tensor(model, value=np.asarray([alpha], dtype=np.float32))
                new_nodes.append(helper.make_node("Mul", [y, k], [y2]))
                y = y2
            if c is not None:
                c_in = c
                if beta != 1.0:
                    c_val = model.get_initializer(c)
                    if c_val is not None:
                        c_in = add_tensor(model, value=beta * c_val)
                    else:
                        c_in = add_tensor(model)
                        kb = add_tensor(model, value=np.asarray([beta], dtype=np.float32))
                        new_nodes.append(helper.make_node("Mul", [c, kb], [c_in]))
                new_nodes.append(helper.make_node("Add", [y, c_in], [out]))
            index = list(model.graph.node).index(gemm)
            model.graph.node.remove(gemm)
            for offset, n in enumerate(new_nodes):
                model.graph.node.insert(index + offset, n)
        if gemms:
            model = model.transform(InferShapes())
        return model, False


class ReshapeToFlatten(Transformation):
    """``Reshape(x, [N, -1])`` (keeps the batch, flattens the rest) -> ``Flatten(axis=1)``.

    Exporters write the batch size into the Reshape's shape constant; Flatten keeps the
    graph batch-agnostic, so the same model executes 1 or 1,000 images.
    """

    def apply(self, model):
        changed = False
        for node in model.get_nodes_by_op_type("Reshape"):
            target = model.get_initializer(node.input[1])
            in_shape = model.get_tensor_shape(node.input[0])
            out_shape = model.get_tensor_shape(node.output[0])
            if target is None or in_shape is None or out_shape is None or len(out_shape) != 2:
                continue
            if out_shape[0] != in_shape[0] or out_shape[1] != int(np.prod(in_shape[1:])):
                continue
            node.op_type = "Flatten"
            del node.input[1]
            del node.attribute[:]
            node.attribute.append(helper.make_attribute("axis", 1))
            changed = True
        return model, changed
