"""`InsertFIFO`: a ``StreamingFIFO`` on every HW -> HW stream, and at the graph's edges if asked.

Depth rule: a FIFO between two HW nodes holds
``max(producer.outFIFODepth, consumer.inFIFODepth, consumer.min_in_fifo_depth(), 2)``
words, so both neighbours get at least the buffering they ask for, and the
consumer the buffering its cycle model needs (an MVAU that replays its input
needs a whole input vector waiting; 2 is the smallest FIFO the hardware builds).
At a graph input a FIFO of ``max(inFIFODepth, min_in_fifo_depth())`` words goes
in front of the HW node reading it, at a graph output one of ``outFIFODepth``
words after the HW node writing it, but only when that depth exceeds 2 (the
shell around the accelerator already buffers its streams that much).

Run ``InsertDWC`` first: a FIFO has one word width, so both neighbours of a
stream must agree on it.
"""

from __future__ import annotations

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import HWCustomOp, is_hw_node
from finn.custom_op.fpgadataflow.streamingfifo import MIN_DEPTH
from finn.transformation import Transformation
from finn.transformation.fpgadataflow.insert_dwc import (
    check_edge_datatypes,
    hw_stream_edges,
    insert_stream_node,
)
from finn.util.exceptions import UnsupportedGraphError

FIFO_OP = "StreamingFIFO"


def fifo_attrs(
    op: HWCustomOp, model: ModelWrapper, tensor: str, depth: int, output_side: bool
) -> dict:
    """Attributes of a FIFO of ``depth`` words on ``op``'s output (or input) stream ``tensor``."""
    if output_side:
        shape, folded = op.get_normal_output_shape(), op.get_folded_output_shape()
        own = op.get_output_datatype()
    else:
        shape, folded = op.get_normal_input_shape(), op.get_folded_input_shape()
        own = op.get_input_datatype()
    dt = model.get_tensor_datatype(tensor)
    if dt.bitwidth() != own.bitwidth():
        raise UnsupportedGraphError(
            f"tensor '{tensor}' is annotated {dt.name} ({dt.bitwidth()} bits) but the node "
            f"{'writes' if output_side else 'reads'} {own.name} ({own.bitwidth()} bits)",
            node=op.onnx_node.name,
            hint="run InferDataTypes so annotation and node agree",
        )
    return {
        "depth": depth,
        "shape": [int(d) for d in shape],
        "elemsPerWord": int(folded[-1]),
        "dataType": dt.name,
        "inputDataType": dt.name,
        "outputDataType": dt.name,
    }


class InsertFIFO(Transformation):
    """Insert ``StreamingFIFO`` nodes (depth rule in the module docstring).

    FIFOs are named ``StreamingFIFO_<i>``; no FIFO goes next to an existing
    one, so a second application changes nothing. The FIFO's ``shape`` and
    ``elemsPerWord`` are the producer's normal and folded output shape (for a
    graph-input FIFO: the consumer's input shapes); ``dataType`` is the
    tensor's datatype. Graph input and output names stay as they are.

    Raises UnsupportedGraphError, naming both nodes, if the neighbours of a
    stream differ in word or element width (run ``InsertDWC`` first).
    """

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        # (graph position, tensor, {"consumer" or "producer": node}, attrs); a FIFO goes
        # just before its consumer or just after its producer
        pos = {n.output[0]: i for i, n in enumerate(model.graph.node)}
        plans = []
        for edge in hw_stream_edges(model):
            if FIFO_OP in (edge.producer.op_type, edge.consumer.op_type):
                continue
            prod, cons = edge.ops
            check_edge_datatypes(model, edge)
            out_w, in_w = prod.get_outstream_width(), cons.get_instream_width()
            if out_w != in_w:
                raise UnsupportedGraphError(
                    f"stream '{edge.tensor}' to node '{edge.consumer.name}': the producer writes "
                    f"{out_w}-bit words, '{edge.consumer.name}' reads {in_w}-bit words",
                    node=edge.producer.name,
                    hint="run InsertDWC before InsertFIFO",
                )
            depth = max(prod.get_nodeattr("outFIFODepth"), cons.get_nodeattr("inFIFODepth"),
                        cons.min_in_fifo_depth(), MIN_DEPTH)
            attrs = fifo_attrs(prod, model, edge.tensor, depth, output_side=True)
            where = {"consumer": edge.consumer}
            plans.append((pos[edge.consumer.output[0]] - 0.5, edge.tensor, where, attrs))
        for inp in model.graph.input:
            for node in model.find_consumers(inp.name):
                if not is_hw_node(node) or node.op_type == FIFO_OP or node.input[0] != inp.name:
                    continue
                op = getCustomOp(node)
                depth = max(op.get_nodeattr("inFIFODepth"), op.min_in_fifo_depth())
                if depth > MIN_DEPTH:
                    attrs = fifo_attrs(op, model, inp.name, depth, output_side=False)
                    plans.append((pos[node.output[0]] - 0.5, inp.name, {"consumer": node}, attrs))
        for out in model.graph.output:
            node = model.find_producer(out.name)
            if node is None or not is_hw_node(node) or node.op_type == FIFO_OP:
                continue
            op = getCustomOp(node)
            depth = op.get_nodeattr("outFIFODepth")
            if depth > MIN_DEPTH:
                attrs = fifo_attrs(op, model, out.name, depth, output_side=True)
                plans.append((pos[node.output[0]] + 0.5, out.name, {"producer": node}, attrs))
        plans.sort(key=lambda plan: plan[0])  # number the FIFOs in graph order
        # rewrite only after planning: no edits while walking graph.node
        for _, tensor, where, attrs in plans:
            insert_stream_node(model, FIFO_OP, tensor, **where, **attrs)
        return model, bool(plans)
