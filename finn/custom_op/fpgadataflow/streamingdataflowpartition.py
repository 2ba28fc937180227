"""StreamingDataflowPartition: a placeholder for a HW-only child model.

``CreateDataflowPartition`` moves each contiguous run of HW nodes into a child
ONNX file and leaves one of these nodes in the parent; its ``model`` attribute
is the child's path. The engines of ``sim`` run the child at their level; under
qonnx's executor (``execute_onnx(..., exec_mode="python")``) the node runs the child's
HW ops one by one (a partition holds nothing else), on any batch size, so the parent
stays runnable end to end.

This is a container, not a hardware block, so it is not an ``HWCustomOp``; it
reads the child file, which is its whole purpose. It knows no engine.
"""

from __future__ import annotations

import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.base import CustomOp
from qonnx.custom_op.registry import getCustomOp, is_custom_op

from finn.util.exceptions import ModelLoadError, UnsupportedGraphError


class StreamingDataflowPartition(CustomOp):
    """Inputs and outputs are the child model's graph inputs and outputs, in order."""

    def get_nodeattr_types(self) -> dict[str, tuple]:
        return {
            "model": ("s", True, ""),
            "partition_id": ("i", False, 0),
        }

    @property
    def name(self) -> str:
        return self.onnx_node.name or "<unnamed StreamingDataflowPartition>"

    def load_child(self) -> ModelWrapper:
        """The child model (raises ModelLoadError if the file is gone)."""
        path = self.get_nodeattr("model")
        if not path or not os.path.isfile(path):
            raise ModelLoadError(
                f"child model file '{path}' not found",
                node=self.name,
                hint="re-run CreateDataflowPartition, or point the 'model' attribute at the file",
            )
        return ModelWrapper(path)

    def make_shape_compatible_op(self, model):
        node = self.onnx_node
        if len(node.output) != 1:
            raise UnsupportedGraphError(
                f"shape inference supports one partition output, this one has {len(node.output)}",
                node=self.name,
                hint="skip InferShapes on the parent; the child models carry the shapes",
            )
        child = self.load_child()
        out_vi = child.graph.output[0]
        oshape = list(child.get_tensor_shape(out_vi.name))
        ishape = model.get_tensor_shape(node.input[0])
        if ishape:  # follow the parent's batch size
            oshape[0] = ishape[0]
        elem = out_vi.type.tensor_type.elem_type
        if elem == TensorProto.FLOAT:
            return helper.make_node("RandomNormal", [], [node.output[0]], shape=oshape, dtype=elem)
        dtype = helper.tensor_dtype_to_np_dtype(elem)
        value = numpy_helper.from_array(np.zeros(oshape, dtype=dtype))
        return helper.make_node("Constant", [], [node.output[0]], value=value)

    def infer_node_datatype(self, model) -> None:
        child = self.load_child()
        for parent_name, vi in zip(self.onnx_node.output, child.graph.output, strict=False):
            model.set_tensor_datatype(parent_name, child.get_tensor_datatype(vi.name))

    def execute_node(self, context, graph) -> None:
        node = self.onnx_node
        child = self.load_child()
        if len(child.graph.input) != len(node.input) or len(child.graph.output) != len(node.output):
            raise UnsupportedGraphError(
                "the child model's inputs/outputs do not match the node's",
                node=self.name,
                hint="re-run CreateDataflowPartition",
            )
        ctx = {init.name: numpy_helper.to_array(init) for init in child.graph.initializer}
        ctx.update({vi.name: context[p] for p, vi in zip(node.input, child.graph.input, strict=True)})
        for n in child.graph.node:
            if not is_custom_op(n.domain, n.op_type):
                raise UnsupportedGraphError(
                    f"the partition holds a {n.op_type} node ('{n.name}'), which is no HW op",
                    node=self.name, hint="run the model with sim.make_engine, or re-partition it")
            getCustomOp(n).execute_node(ctx, child.graph)
        for parent, vi in zip(node.output, child.graph.output, strict=True):
            context[parent] = ctx[vi.name]

    def verify_node(self) -> list[str]:
        try:
            self.load_child()
            return ["The child model exists"]
        except ModelLoadError as exc:
            return [str(exc)]
