"""Batched node-by-node execution of a (FINN-)ONNX model.

Standard ONNX nodes run on onnxruntime in one-node sessions whose tensors have no
fixed shapes, so one compiled session serves any batch size; sessions are cached
per model. Custom nodes (qonnx's and our HW ops) run their ``execute_node``.
Unlike qonnx's ``execute_onnx`` this needs no batch-size rewrite of the graph.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp, is_custom_op

import finn.custom_op.fpgadataflow  # noqa: F401  (registers the HW op domain)

_ELEM = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
         np.dtype(np.float64): TensorProto.DOUBLE, np.dtype(np.int32): TensorProto.INT32,
         np.dtype(np.bool_): TensorProto.BOOL}


class PythonEngine:
    """Executes one model; reuse the engine to reuse its compiled onnxruntime sessions."""

    def __init__(self, model: ModelWrapper):
        self.model = model
        self.opset = model.model.opset_import[0].version
        for imp in model.model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                self.opset = imp.version
        self._sessions: dict[int, ort.InferenceSession] = {}
        self._init = {i.name: model.get_initializer(i.name) for i in model.graph.initializer}

    def _elem_type(self, tensor: str) -> int:
        for vi in list(self.model.graph.value_info) + list(self.model.graph.output):
            if vi.name == tensor and vi.type.tensor_type.elem_type:
                return vi.type.tensor_type.elem_type
        return TensorProto.FLOAT

    def _session(self, index: int, node, context) -> ort.InferenceSession:
        sess = self._sessions.get(index)
        if sess is not None:
            return sess
        dyn_inputs = [t for t in node.input if t and t not in self._init]
        const_inputs = [t for t in node.input if t and t in self._init]
        inputs = [helper.make_tensor_value_info(t, _ELEM[context[t].dtype], None) for t in dyn_inputs]
        outputs = [helper.make_tensor_value_info(t, self._elem_type(t), None) for t in node.output if t]
        inits = [numpy_helper.from_array(np.asarray(self._init[t]), name=t) for t in const_inputs]
        graph = helper.make_graph([node], "node", inputs, outputs, initializer=inits)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        proto.ir_version = 8
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 3
        sess = ort.InferenceSession(proto.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        self._sessions[index] = sess
        return sess

    def _run_custom(self, node, context: dict[str, np.ndarray]) -> None:
        """Execute one custom-op node (other engines override this for HW nodes); a dataflow
        partition's child runs batched on an engine of its own."""
        if node.op_type == "StreamingDataflowPartition":
            PythonEngine(getCustomOp(node).load_child()).run_as_partition(node, context)
            return
        getCustomOp(node).execute_node(context, self.model.graph)

    def run(self, inputs: dict[str, np.ndarray], return_full_context: bool = False,
            keep_dtypes: bool = False) -> dict[str, np.ndarray]:
        """Execute on ``inputs`` (any batch size); return graph outputs (or every tensor).
        Inputs become float32 (ONNX's tensors) unless ``keep_dtypes`` (a partition's child is
        fed its parent's tensors as they are: an index output stays int64)."""
        graph = self.model.graph
        context: dict[str, np.ndarray] = {k: np.asarray(v) for k, v in self._init.items()}
        for inp in graph.input:
            if inp.name in self._init:
                continue
            if inp.name not in inputs:
                raise KeyError(f"missing graph input '{inp.name}'")
            context[inp.name] = np.asarray(inputs[inp.name], dtype=None if keep_dtypes else np.float32)
        for index, node in enumerate(graph.node):
            if is_custom_op(node.domain, node.op_type):
                self._run_custom(node, context)
            else:
                sess = self._session(index, node, context)
                feed = {t: context[t] for t in node.input if t and t not in self._init}
                results = sess.run(None, feed)
                for name, value in zip([o for o in node.output if o], results, strict=True):
                    context[name] = value
        if return_full_context:
            return context
        return {o.name: context[o.name] for o in graph.output}

    def run_as_partition(self, node, context: dict[str, np.ndarray]) -> None:
        """Execute this engine's model as the child of partition ``node``: read the node's
        inputs from ``context``, write its outputs there."""
        graph = self.model.graph
        feed = {vi.name: context[p] for p, vi in zip(node.input, graph.input, strict=True)}
        result = self.run(feed, keep_dtypes=True)
        for parent, vi in zip(node.output, graph.output, strict=True):
            context[parent] = result[vi.name]
