"""`CreateDataflowPartition`: move each contiguous run of HW nodes into a child model.

The parent keeps its software nodes (e.g. the input Reshape) and gets one
``StreamingDataflowPartition`` node per run, whose ``model`` attribute is the
path of the child ONNX file. The child has the run's nodes, weights, datatype
and layout annotations, and graph inputs/outputs with shapes, so it can be
built and simulated on its own.
"""

from __future__ import annotations

import copy
import os

from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.general import RemoveUnusedTensors

from finn.custom_op.fpgadataflow.base import HW_DOMAIN, is_hw_node
from finn.transformation import Transformation
from finn.util.basic import make_build_dir
from finn.util.exceptions import UnsupportedGraphError


def hw_runs(model: ModelWrapper) -> list[list]:
    """Maximal runs of consecutive HW nodes, in graph (topological) order."""
    runs, current = [], []
    for node in model.graph.node:
        if is_hw_node(node):
            current.append(node)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _valueinfo(model: ModelWrapper, name: str, node_name: str):
    vi = model.get_tensor_valueinfo(name)
    if vi is None or not vi.type.tensor_type.HasField("shape"):
        raise UnsupportedGraphError(
            f"tensor '{name}' has no shape, so the partition boundary cannot be typed",
            node=node_name,
            hint="run InferShapes before CreateDataflowPartition",
        )
    return copy.deepcopy(vi)


def extract_child(
    model: ModelWrapper, run: list, graph_name: str
) -> tuple[ModelWrapper, list, list]:
    """The child model of ``run``, with its input and output tensor names."""
    run_outputs = {*(o for n in run for o in n.output)}
    run_ids = {n.output[0] for n in run}
    inits = {t.name for t in model.graph.initializer}
    graph_outs = {o.name for o in model.graph.output}
    inputs, outputs, tensors = [], [], []
    for n in run:
        for t in n.input:
            if t and t not in run_outputs and t not in inits and t not in inputs:
                inputs.append(t)
            tensors.append(t)
        tensors.extend(n.output)
    for n in run:
        for t in n.output:
            outside = [c for c in model.find_consumers(t) if c.output[0] not in run_ids]
            if (t in graph_outs or outside) and t not in outputs:
                outputs.append(t)
    first = run[0].name
    in_vis = [_valueinfo(model, t, first) for t in inputs]
    out_vis = [_valueinfo(model, t, first) for t in outputs]
    internal = set(tensors) - set(inputs) - set(outputs) - inits
    vis = [copy.deepcopy(vi) for vi in model.graph.value_info if vi.name in internal]
    graph = helper.make_graph(
        [copy.deepcopy(n) for n in run],
        graph_name,
        in_vis,
        out_vis,
        initializer=[copy.deepcopy(t) for t in model.graph.initializer if t.name in set(tensors)],
        value_info=vis,
    )
    for qa in model.graph.quantization_annotation:
        if qa.tensor_name in set(tensors):
            graph.quantization_annotation.append(copy.deepcopy(qa))
    proto = helper.make_model(graph, opset_imports=list(model.model.opset_import))
    proto.ir_version = model.model.ir_version
    return ModelWrapper(proto), inputs, outputs


class CreateDataflowPartition(Transformation):
    """Replace each maximal run of HW nodes by a ``StreamingDataflowPartition``.

    Parameters
    ----------
    partition_model_dir : str, optional
        Where the child models ``partition_<id>.onnx`` go; a fresh
        ``make_build_dir("dataflow_partition_")`` directory if None.
    """

    def __init__(self, partition_model_dir: str | None = None) -> None:
        super().__init__()
        self.partition_model_dir = partition_model_dir

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        runs = hw_runs(model)
        if not runs:
            return model, False
        out_dir = self.partition_model_dir or make_build_dir("dataflow_partition_")
        os.makedirs(out_dir, exist_ok=True)
        existing = [
            getCustomOp(n).get_nodeattr("partition_id")
            for n in model.get_nodes_by_op_type("StreamingDataflowPartition")
        ]
        next_id = max(existing, default=-1) + 1
        for k, run in enumerate(runs):
            pid = next_id + k
            child, inputs, outputs = extract_child(model, run, f"dataflow_partition_{pid}")
            path = os.path.abspath(os.path.join(out_dir, f"partition_{pid}.onnx"))
            child.save(path)
            sdp = helper.make_node(
                "StreamingDataflowPartition",
                inputs,
                outputs,
                name=f"StreamingDataflowPartition_{pid}",
                domain=HW_DOMAIN,
                model=path,
                partition_id=pid,
            )
            index = list(model.graph.node).index(run[0])
            for n in run:
                model.graph.node.remove(n)
            model.graph.node.insert(index, sdp)
        if HW_DOMAIN not in model.get_opset_imports():
            model.set_opset_import(HW_DOMAIN, 1)
        model = model.transform(RemoveUnusedTensors(), make_deepcopy=False, cleanup=False)
        # the partition nodes are not HW nodes, so a second application finds nothing
        return model, False
