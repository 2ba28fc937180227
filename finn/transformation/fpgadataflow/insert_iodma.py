"""`InsertIODMA`: DMA engines between memory and each dataflow partition's two streams.

On a board the accelerator is fed from DDR: an input DMA (``IODMA``, direction ``in``)
reads the frames and streams them into the first layer, an output DMA writes the last
layer's stream back (DESIGN.md, "The system around the accelerator"). As in FINN's
ZynqBuild, each DMA becomes a partition of its own, so the parent reads
``[IODMA in] -> [layers] -> [IODMA out]`` (the seed's ``model.graph.node[1]`` is the
layers' partition).

:func:`iodma_node` is the pure part: the DMA node a chain's end needs (its stream word
is the neighbour's, so no width converter sits between them; the DMA re-cuts memory
beats itself). :func:`memory_ports` picks how many memory ports to stripe the input over.
"""

from __future__ import annotations

import math
import os

from onnx import NodeProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import HW_DOMAIN, HWCustomOp, is_hw_node
from finn.transformation import Transformation
from finn.util.basic import make_build_dir
from finn.util.exceptions import UnsupportedGraphError

IODMA_OP = "IODMA"


def chain_ends(child: ModelWrapper) -> tuple[NodeProto, NodeProto]:
    """First and last HW node of a partition child (a chain of streams)."""
    nodes = [n for n in child.graph.node if is_hw_node(n)]
    if not nodes:
        raise UnsupportedGraphError("the dataflow partition holds no HW nodes",
                                    hint="run the conversion passes before InsertIODMA")
    return nodes[0], nodes[-1]


def iodma_node(child: ModelWrapper, direction: str, mem_width: int = 64, ports: int = 1,
               max_burst: int = 16, outstanding: int = 8, name: str | None = None) -> NodeProto:
    """The IODMA node feeding (``"in"``) or draining (``"out"``) the chain ``child``.

    Its stream word, element type and frame shape are those of the first layer's input
    (or the last layer's output). Input and output tensor names are ``<name>_in0`` and
    ``<name>_out0``.
    """
    first, last = chain_ends(child)
    op: HWCustomOp = getCustomOp(first if direction == "in" else last)
    if direction == "in":
        shape, folded, dt = op.get_normal_input_shape(), op.get_folded_input_shape(), op.get_input_datatype()
    else:
        shape, folded, dt = op.get_normal_output_shape(), op.get_folded_output_shape(), op.get_output_datatype()
    name = name or f"IODMA_{direction}0"
    return helper.make_node(
        IODMA_OP, [f"{name}_in0"], [f"{name}_out0"], name=name, domain=HW_DOMAIN,
        direction=direction, shape=[int(d) for d in shape], elemsPerWord=int(folded[-1]),
        dataType=dt.name, inputDataType=dt.name, outputDataType=dt.name, intfWidth=mem_width,
        numPorts=ports if direction == "in" else 1, maxBurst=max_burst, outstanding=outstanding)


def memory_ports(frame_beats: int, ii: int, available: int, ddr_beats_per_cycle: float) -> int:
    """Fewest memory ports whose beats per frame fit in the accelerator's II.

    ``ceil(frame_beats / ports) <= ii`` makes the memory no slower than the accelerator;
    more ports than the DDR can serve (``ddr_beats_per_cycle``) or than the board has
    bring nothing.
    """
    want = max(1, math.ceil(frame_beats / max(ii, 1)))
    ddr_cap = max(1, int(ddr_beats_per_cycle))
    return max(1, min(want, available, ddr_cap))


def _dma_child(node: NodeProto, model_name: str) -> ModelWrapper:
    """A one-node partition child holding ``node``."""
    op = getCustomOp(node)
    shape = [1] + [int(d) for d in op.get_normal_input_shape()[1:]]
    from onnx import TensorProto

    graph = helper.make_graph(
        [node], model_name,
        [helper.make_tensor_value_info(node.input[0], TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(node.output[0], TensorProto.FLOAT, shape)])
    child = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                                  helper.make_opsetid(HW_DOMAIN, 1)]))
    for t in (node.input[0], node.output[0]):
        child.set_tensor_datatype(t, op.get_input_datatype())
    return child


def has_iodma(child: ModelWrapper) -> bool:
    return any(n.op_type == IODMA_OP for n in child.graph.node)


class InsertIODMA(Transformation):
    """Give every dataflow partition an input and an output DMA partition.

    Parameters
    ----------
    mem_width : int
        Bits per memory beat (64 for Zynq-7000 HP ports, 128 for Zynq UltraScale+).
    ports : int
        Memory ports the input DMA stripes its frames over.
    max_burst, outstanding : int
        Burst length and bursts in flight per port (the board's limits).
    out_dir : str, optional
        Where the DMA children ``iodma_<name>.onnx`` go (default a fresh build dir).

    A partition whose neighbours already are DMA partitions is left alone, so a second
    application changes nothing.
    """

    def __init__(self, mem_width: int = 64, ports: int = 1, max_burst: int = 16, outstanding: int = 8,
                 out_dir: str | None = None):
        super().__init__()
        self.mem_width, self.ports = mem_width, ports
        self.max_burst, self.outstanding = max_burst, outstanding
        self.out_dir = out_dir

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        sdps = [n for n in model.graph.node if n.op_type == "StreamingDataflowPartition"]
        children = {n.name: getCustomOp(n).load_child() for n in sdps}
        todo = [n for n in sdps if not has_iodma(children[n.name])
                and not self._next_to_dma(model, n, children)]
        if not todo:
            return model, False
        out_dir = self.out_dir or make_build_dir("iodma_")
        os.makedirs(out_dir, exist_ok=True)
        next_id = max(getCustomOp(n).get_nodeattr("partition_id") for n in sdps) + 1
        for sdp in todo:
            child = children[sdp.name]
            for direction in ("in", "out"):
                name = f"IODMA_{direction}_{sdp.name}"
                dma = iodma_node(child, direction, self.mem_width, self.ports, self.max_burst,
                                 self.outstanding, name=name)
                path = os.path.abspath(os.path.join(out_dir, f"{name}.onnx"))
                _dma_child(dma, name).save(path)
                tensor = sdp.input[0] if direction == "in" else sdp.output[0]
                new = f"{name}_stream"
                part = helper.make_node(
                    "StreamingDataflowPartition", [tensor if direction == "in" else new],
                    [new if direction == "in" else tensor], name=f"StreamingDataflowPartition_{next_id}",
                    domain=HW_DOMAIN, model=path, partition_id=next_id)
                next_id += 1
                index = list(model.graph.node).index(sdp)
                if direction == "in":
                    sdp.input[0] = new
                    model.graph.node.insert(index, part)
                else:
                    sdp.output[0] = new
                    model.graph.node.insert(index + 1, part)
                model.set_tensor_shape(new, model.get_tensor_shape(tensor))
                model.set_tensor_datatype(new, model.get_tensor_datatype(tensor))
        return model, False

    @staticmethod
    def _next_to_dma(model: ModelWrapper, sdp: NodeProto, children: dict) -> bool:
        prod = model.find_producer(sdp.input[0])
        return prod is not None and prod.name in children and has_iodma(children[prod.name])


def is_bare_chain(model: ModelWrapper) -> bool:
    """A model of HW nodes only (a partition's child, as the seed hands ZynqBuild)."""
    return len(model.graph.node) > 0 and all(is_hw_node(n) for n in model.graph.node)


def wrap_in_partition(child: ModelWrapper, path: str) -> ModelWrapper:
    """A parent whose only node is a dataflow partition of ``child`` (saved to ``path``)."""
    import copy

    child.save(path)
    node = helper.make_node("StreamingDataflowPartition", [child.graph.input[0].name],
                            [child.graph.output[0].name], name="StreamingDataflowPartition_0",
                            domain=HW_DOMAIN, model=os.path.abspath(path), partition_id=0)
    graph = helper.make_graph([node], "dataflow_parent", [copy.deepcopy(child.graph.input[0])],
                              [copy.deepcopy(child.graph.output[0])])
    parent = ModelWrapper(helper.make_model(graph, opset_imports=list(child.model.opset_import)))
    for vi in (child.graph.input[0], child.graph.output[0]):
        parent.set_tensor_datatype(vi.name, child.get_tensor_datatype(vi.name))
    return parent


def split_system(model: ModelWrapper) -> tuple[NodeProto | None, ModelWrapper, NodeProto | None]:
    """The input DMA node, the layers' child and the output DMA node of a model's one
    accelerator (DMA nodes are None when the model has no DMA partitions yet). A bare
    chain of HW nodes is its own layers' child."""
    if is_bare_chain(model) and not has_iodma(model):
        return None, model, None
    layers = getCustomOp(layers_partition(model)).load_child()
    sdps = [n for n in model.graph.node if n.op_type == "StreamingDataflowPartition"]
    children = [getCustomOp(n).load_child() for n in sdps]
    dmas = [n for c in children if has_iodma(c) for n in c.graph.node if n.op_type == IODMA_OP]
    idma = next((n for n in dmas if getCustomOp(n).get_nodeattr("direction") == "in"), None)
    odma = next((n for n in dmas if getCustomOp(n).get_nodeattr("direction") == "out"), None)
    return idma, layers, odma


def layers_partition(model: ModelWrapper) -> NodeProto:
    """The one dataflow partition node of ``model`` whose child holds the layers (not a DMA)."""
    layers = [n for n in model.graph.node if n.op_type == "StreamingDataflowPartition"
              and not has_iodma(getCustomOp(n).load_child())]
    if len(layers) != 1:
        raise UnsupportedGraphError(
            f"expected one dataflow partition of layers, found {len(layers)}",
            hint="every layer between input and output must convert to a HW op")
    return layers[0]
