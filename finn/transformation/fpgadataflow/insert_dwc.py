"""`InsertDWC`: a data-width converter wherever two HW neighbours disagree on word width.

A producer with PE=16 writes 16 elements per word; a consumer with SIMD=8 reads
8. Between them the stream is re-cut by a ``StreamingDataWidthConverter_Batch``
(values unchanged). The helpers here (:func:`hw_stream_edges`,
:func:`check_edge_datatypes`, :func:`insert_stream_node`) are shared with
``InsertFIFO``, which puts nodes on the same edges.
"""

from __future__ import annotations

from dataclasses import dataclass

from onnx import NodeProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import HW_DOMAIN, HWCustomOp, is_hw_node
from finn.custom_op.fpgadataflow.streamingdatawidthconverter import legal_stream_widths
from finn.transformation import Transformation
from finn.transformation.fpgadataflow.convert_to_hls_layers import unique_node_name
from finn.util.exceptions import UnsupportedGraphError

DWC_OP = "StreamingDataWidthConverter_Batch"


@dataclass
class StreamEdge:
    """A stream from one HW node's output to the first input of one HW node."""

    tensor: str
    producer: NodeProto
    consumer: NodeProto

    @property
    def ops(self) -> tuple[HWCustomOp, HWCustomOp]:
        return getCustomOp(self.producer), getCustomOp(self.consumer)


def hw_stream_edges(model: ModelWrapper) -> list[StreamEdge]:
    """Every HW -> HW stream of ``model``, in graph order of the producers.

    Raises UnsupportedGraphError (naming the nodes) if a HW output that feeds
    a HW node also goes elsewhere (a fork: this flow has no stream duplicator)
    or feeds a HW node's non-stream input (only input 0 is streamed).
    """
    graph_outputs = {o.name for o in model.graph.output}
    edges = []
    for producer in model.graph.node:
        if not is_hw_node(producer):
            continue
        tensor = producer.output[0]
        consumers = model.find_consumers(tensor)
        hw = [c for c in consumers if is_hw_node(c)]
        if not hw:
            continue
        if len(consumers) > 1 or tensor in graph_outputs:
            others = [c.name for c in consumers]
            if tensor in graph_outputs:
                others.append("<graph output>")
            raise UnsupportedGraphError(
                f"stream '{tensor}' forks to {others}; a HW stream has exactly one reader",
                node=producer.name,
                hint="this flow has no stream duplicator: give each reader its own producer",
            )
        consumer = hw[0]
        if consumer.input[0] != tensor:
            raise UnsupportedGraphError(
                f"stream '{tensor}' feeds input {list(consumer.input).index(tensor)} of node "
                f"'{consumer.name}', but HW ops stream only their first input",
                node=producer.name,
                hint="make the tensor a constant (initializer) or the consumer's first input",
            )
        edges.append(StreamEdge(tensor, producer, consumer))
    return edges


def check_edge_datatypes(model: ModelWrapper, edge: StreamEdge) -> None:
    """Producer output, tensor annotation and consumer input must have one element width.

    Raises UnsupportedGraphError naming both nodes otherwise.
    """
    prod, cons = edge.ops
    odt, idt = prod.get_output_datatype(), cons.get_input_datatype()
    tdt = model.get_tensor_datatype(edge.tensor)
    if not odt.bitwidth() == tdt.bitwidth() == idt.bitwidth():
        raise UnsupportedGraphError(
            f"stream '{edge.tensor}' to node '{edge.consumer.name}': the producer writes "
            f"{odt.name} ({odt.bitwidth()} bits), the tensor is annotated {tdt.name} "
            f"({tdt.bitwidth()} bits), node '{edge.consumer.name}' reads {idt.name} "
            f"({idt.bitwidth()} bits)",
            node=edge.producer.name,
            hint="run InferDataTypes (or re-run the conversion passes) so both sides agree",
        )


def insert_stream_node(
    model: ModelWrapper,
    op_type: str,
    tensor: str,
    *,
    consumer: NodeProto | None = None,
    producer: NodeProto | None = None,
    **attrs,
) -> NodeProto:
    """Put a one-input, one-output HW node of ``op_type`` on the stream ``tensor``.

    With ``consumer``: the node reads ``tensor`` and ``consumer`` reads the node's
    output, a new tensor. With ``producer`` (for a graph output, whose name must
    stay): ``producer`` writes a new tensor and the node writes ``tensor``. The
    node is named ``<op_type>_<i>`` and placed so the graph stays topologically
    sorted; the new tensor, ``<node>_out0`` (``<node>_in0`` on the producer side)
    unless taken, gets the shape, element type and datatype of ``tensor``.
    """
    name = unique_node_name(model, op_type)
    # readable and deterministic where free (the conversion passes' <node>_out0 style)
    new = f"{name}_out0" if consumer is not None else f"{name}_in0"
    if new in model.get_all_tensor_names():
        new = model.make_new_valueinfo_name()
    vi = model.get_tensor_valueinfo(tensor)
    elem = vi.type.tensor_type.elem_type if vi is not None else None
    shape = model.get_tensor_shape(tensor)
    if consumer is not None:
        node = helper.make_node(op_type, [tensor], [new], name=name, domain=HW_DOMAIN, **attrs)
        index = list(model.graph.node).index(consumer)
        consumer.input[0] = new
    else:
        node = helper.make_node(op_type, [new], [tensor], name=name, domain=HW_DOMAIN, **attrs)
        index = list(model.graph.node).index(producer) + 1
        producer.output[0] = new
    model.graph.node.insert(index, node)
    if shape is not None:
        model.set_tensor_shape(new, shape, elem)
    model.set_tensor_datatype(new, model.get_tensor_datatype(tensor))
    return node


class InsertDWC(Transformation):
    """Insert a ``StreamingDataWidthConverter_Batch`` on every HW -> HW stream whose widths differ.

    The converter's ``shape`` is the producer's normal output shape (one frame),
    ``inWidth`` the producer's output stream width, ``outWidth`` the consumer's
    input stream width, ``dataType`` the tensor's datatype. Its output tensor
    has the original tensor's (batched) shape. Converters are named
    ``StreamingDataWidthConverter_Batch_<i>`` in graph order. A second
    application changes nothing (the converter's widths match both neighbours).

    Raises UnsupportedGraphError, naming both nodes, if producer and consumer
    element widths differ, or a width's element count does not divide the
    channel count C (the stream could not be cut into whole words).
    """

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        plans = []
        for edge in hw_stream_edges(model):
            prod, cons = edge.ops
            check_edge_datatypes(model, edge)
            in_w, out_w = prod.get_outstream_width(), cons.get_instream_width()
            if in_w == out_w:
                continue
            shape = [int(d) for d in prod.get_normal_output_shape()]
            dt = model.get_tensor_datatype(edge.tensor)
            legal = legal_stream_widths(shape[-1], dt.bitwidth())
            if in_w not in legal or out_w not in legal:
                raise UnsupportedGraphError(
                    f"stream '{edge.tensor}' to node '{edge.consumer.name}' cannot be width-"
                    f"converted: {in_w} bits -> {out_w} bits of {dt.name}; both element counts "
                    f"must divide C={shape[-1]}",
                    node=edge.producer.name,
                    hint=f"fold both nodes so their stream widths are among {legal} "
                    "(PE of the producer and SIMD/PE of the consumer dividing C)",
                )
            attrs = {"shape": shape, "inWidth": in_w, "outWidth": out_w, "dataType": dt.name}
            plans.append((edge, attrs))
        # number the converters in graph order (each goes just before its consumer)
        pos = {n.output[0]: i for i, n in enumerate(model.graph.node)}
        plans.sort(key=lambda plan: pos[plan[0].consumer.output[0]])
        # rewrite only after planning: no edits while walking graph.node
        for edge, attrs in plans:
            dt = attrs["dataType"]
            insert_stream_node(
                model,
                DWC_OP,
                edge.tensor,
                consumer=edge.consumer,
                inputDataType=dt,
                outputDataType=dt,
                **attrs,
            )
        return model, bool(plans)
