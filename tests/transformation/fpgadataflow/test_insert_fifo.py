"""InsertFIFO: a FIFO on every HW stream (depth rule), at the graph edges when asked."""

from __future__ import annotations

import numpy as np
import pytest
from hw_graphs import Layer, assert_same_function, build_mlp, random_input, random_values, to_hw
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx as qonnx_execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.transformation.fpgadataflow.folding import folding_summary
from finn.transformation.fpgadataflow.insert_dwc import InsertDWC, hw_stream_edges
from finn.transformation.fpgadataflow.insert_fifo import InsertFIFO
from finn.util.exceptions import UnsupportedGraphError
from sim.python_engine import PythonEngine

FIFO = "StreamingFIFO"
DWC = "StreamingDataWidthConverter_Batch"


def structure(model: ModelWrapper) -> list:
    return [(n.op_type, n.name, list(n.input), list(n.output)) for n in model.graph.node]


def random_mlp(data, rng):
    """Thresholding -> MVAUs -> LabelSelect at random foldings and FIFO depth requests."""
    in_ch = data.draw(st.sampled_from([4, 6, 8]))
    sizes = data.draw(st.lists(st.sampled_from([4, 6, 8]), min_size=2, max_size=3))
    layers = [Layer(mh, "INT2", "UINT2") for mh in sizes[:-1]] + [Layer(sizes[-1], "INT2", None)]
    model = build_mlp(rng, "INT4", in_ch, layers, input_act="UINT2", topk=1)
    hw = to_hw(model)
    depths = st.sampled_from([2, 2, 3, 16, 64])
    for node in hw.graph.node:
        op = getCustomOp(node)
        for attr, value in data.draw(st.sampled_from(op.folding_space())).items():
            op.set_nodeattr(attr, value)
        op.set_nodeattr("inFIFODepth", data.draw(depths))
        op.set_nodeattr("outFIFODepth", data.draw(depths))
    return model, hw


def check_fifos(dwc: ModelWrapper, after: ModelWrapper) -> None:
    """FIFOs exactly where the depth rule puts them, with their neighbours' width."""
    fifos = after.get_nodes_by_op_type(FIFO)
    assert [n.name for n in fifos] == [f"{FIFO}_{i}" for i in range(len(fifos))]
    expected = {(e.producer.name, e.consumer.name) for e in hw_stream_edges(dwc)}
    first = dwc.find_consumer(dwc.graph.input[0].name)
    last = dwc.find_producer(dwc.graph.output[0].name)
    first_op = getCustomOp(first)
    if max(first_op.get_nodeattr("inFIFODepth"), first_op.min_in_fifo_depth()) > 2:
        expected.add((None, first.name))
    if getCustomOp(last).get_nodeattr("outFIFODepth") > 2:
        expected.add((last.name, None))
    found = set()
    for node in fifos:
        op = getCustomOp(node)
        op.verify_folding()
        prod = after.find_producer(node.input[0])
        cons = after.find_consumer(node.output[0])
        pop = getCustomOp(prod) if prod is not None else None
        cop = getCustomOp(cons) if cons is not None else None
        assert FIFO not in (getattr(prod, "op_type", None), getattr(cons, "op_type", None))
        if pop is not None and cop is not None:
            depth = max(pop.get_nodeattr("outFIFODepth"), cop.get_nodeattr("inFIFODepth"),
                        cop.min_in_fifo_depth(), 2)
        elif pop is None:
            depth = max(cop.get_nodeattr("inFIFODepth"), cop.min_in_fifo_depth())
            assert node.input[0] == after.graph.input[0].name
            assert list(op.get_nodeattr("shape")) == list(cop.get_normal_input_shape())
        else:
            depth = pop.get_nodeattr("outFIFODepth")
            assert node.output[0] == after.graph.output[0].name
        assert op.get_nodeattr("depth") == depth
        if pop is not None:
            assert op.get_instream_width() == pop.get_outstream_width()
            assert list(op.get_nodeattr("shape")) == list(pop.get_normal_output_shape())
        if cop is not None:
            assert op.get_outstream_width() == cop.get_instream_width()
        dt = after.get_tensor_datatype(node.input[0])
        assert (
            op.get_nodeattr("dataType") == dt.name == after.get_tensor_datatype(node.output[0]).name
        )
        found.add((getattr(prod, "name", None), getattr(cons, "name", None)))
    assert found == expected
    # every HW stream now has a FIFO on exactly one side
    for edge in hw_stream_edges(after):
        assert (edge.producer.op_type == FIFO) != (edge.consumer.op_type == FIFO)


@settings(max_examples=25, deadline=None)
@given(st.data(), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_random_foldings_and_depths(data, batch, seed):
    rng = np.random.default_rng(seed)
    model, hw = random_mlp(data, rng)
    dwc = hw.transform(InsertDWC())
    after = dwc.transform(InsertFIFO())
    check_fifos(dwc, after)
    assert [i.name for i in after.graph.input] == [i.name for i in hw.graph.input]
    assert after.graph.output == hw.graph.output  # name, shape and element type
    assert all(is_hw_node(n) for n in after.graph.node)
    assert_same_function(model, after, rng, batch)
    inp = random_input(rng, hw, batch)
    np.testing.assert_array_equal(
        PythonEngine(after).run(inp)["global_out"], PythonEngine(hw).run(inp)["global_out"]
    )
    assert structure(after.transform(InsertFIFO())) == structure(after)
    assert structure(after.transform(InsertDWC())) == structure(after)


def small_hw(**depths):
    """Thresholding(PE=2) -> MVAU(PE=3, SIMD=2) -> MVAU(SIMD=3) -> LabelSelect, widths matched."""
    rng = np.random.default_rng(1)
    layers = [Layer(6, "INT2", "UINT2"), Layer(4, "INT2", None)]
    model = build_mlp(rng, "INT4", 4, layers, input_act="UINT2", topk=1)
    hw = to_hw(model)
    folds = {
        "Thresholding_Batch_0": {"PE": 2},
        "StreamingFCLayer_Batch_0": {"PE": 3, "SIMD": 2},
        "StreamingFCLayer_Batch_1": {"PE": 1, "SIMD": 3},
    }
    for name, attrs in folds.items():
        for attr, value in attrs.items():
            getCustomOp(hw.get_node_from_name(name)).set_nodeattr(attr, value)
    for key, value in depths.items():
        name, attr = key.rsplit("__", 1)
        getCustomOp(hw.get_node_from_name(name)).set_nodeattr(attr, value)
    return model, hw


def test_fifos_between_all_hw_nodes_and_depth_rule():
    model, hw = small_hw(
        StreamingFCLayer_Batch_0__outFIFODepth=32, StreamingFCLayer_Batch_1__inFIFODepth=8
    )
    after = hw.transform(InsertFIFO())
    assert [n.op_type for n in after.graph.node] == [
        "Thresholding_Batch",
        FIFO,
        "StreamingFCLayer_Batch",
        FIFO,
        "StreamingFCLayer_Batch",
        FIFO,
        "LabelSelect_Batch",
    ]
    fifos = [getCustomOp(n) for n in after.get_nodes_by_op_type(FIFO)]
    # MVAU 0 replays 2 input words (SF 2, NF 2): it needs 2 + 2 waiting; the rest as asked
    assert [f.get_nodeattr("depth") for f in fifos] == [4, 32, 2]
    assert [f.get_nodeattr("elemsPerWord") for f in fifos] == [2, 3, 1]
    assert [list(f.get_nodeattr("shape")) for f in fifos] == [[1, 4], [1, 6], [1, 4]]
    last_dt = getCustomOp(hw.get_node_from_name("StreamingFCLayer_Batch_1")).get_output_datatype()
    assert [f.get_nodeattr("dataType") for f in fifos] == ["UINT2", "UINT2", last_dt.name]
    assert fifos[0].onnx_node.output[0] == "StreamingFIFO_0_out0"
    assert after.get_tensor_shape("StreamingFIFO_0_out0") == [1, 4]
    assert after.get_tensor_datatype("StreamingFIFO_0_out0") == DataType["UINT2"]
    # shape and datatype inference run through the FIFOs and leave the annotations as they are
    again = after.transform(InferShapes()).transform(InferDataTypes())
    for name in after.get_all_tensor_names():
        assert again.get_tensor_datatype(name) == after.get_tensor_datatype(name)
        assert again.get_tensor_shape(name) == after.get_tensor_shape(name)
    assert_same_function(model, after, np.random.default_rng(2), 3)
    inp = random_input(np.random.default_rng(4), hw)  # batch 1: as qonnx's executor needs
    ref = qonnx_execute_onnx(hw, inp)["global_out"]
    np.testing.assert_array_equal(qonnx_execute_onnx(after, inp)["global_out"], ref)


def test_graph_input_and_output_fifos_keep_the_names():
    model, hw = small_hw(Thresholding_Batch_0__inFIFODepth=16, LabelSelect_Batch_0__outFIFODepth=8)
    after = hw.transform(InsertFIFO())
    nodes = list(after.graph.node)
    assert [n.op_type for n in nodes][0] == FIFO and [n.op_type for n in nodes][-1] == FIFO
    head, tail = getCustomOp(nodes[0]), getCustomOp(nodes[-1])
    assert nodes[0].input[0] == "global_in" and nodes[1].input[0] == nodes[0].output[0]
    assert head.get_nodeattr("depth") == 16 and head.get_nodeattr("elemsPerWord") == 2
    assert head.get_nodeattr("dataType") == "INT4" and list(head.get_nodeattr("shape")) == [1, 4]
    assert nodes[-1].output[0] == "global_out" and nodes[-2].output[0] == nodes[-1].input[0]
    assert tail.get_nodeattr("depth") == 8 and tail.get_nodeattr("dataType") == "UINT2"
    assert after.get_tensor_datatype(nodes[-1].input[0]) == DataType["UINT2"]
    assert after.graph.output == hw.graph.output
    assert after.graph.output[0].type.tensor_type.elem_type == TensorProto.INT64
    assert len(after.get_nodes_by_op_type(FIFO)) == 5
    rng = np.random.default_rng(3)
    inp = random_input(rng, hw, 7)
    out = PythonEngine(after).run(inp)["global_out"]
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, PythonEngine(hw).run(inp)["global_out"])
    assert_same_function(model, after, rng, 2)
    assert structure(after.transform(InsertFIFO())) == structure(after)


def test_width_mismatch_needs_insert_dwc_first():
    _, hw = small_hw()
    getCustomOp(hw.get_node_from_name("StreamingFCLayer_Batch_1")).set_nodeattr("SIMD", 6)
    with pytest.raises(UnsupportedGraphError) as err:
        hw.transform(InsertFIFO())
    msg = str(err.value)
    assert "StreamingFCLayer_Batch_0" in msg and "StreamingFCLayer_Batch_1" in msg
    assert "InsertDWC" in msg
    after = hw.transform(InsertDWC()).transform(InsertFIFO())
    assert len(after.get_nodes_by_op_type(DWC)) == 1
    assert len(after.get_nodes_by_op_type(FIFO)) == 4


# --------------------------------------------------------------------------- real TFC-w1a1


def test_tfc_w1a1_partition(tfc_folded):
    dwc = tfc_folded.transform(InsertDWC())
    after = dwc.transform(InsertFIFO())
    check_fifos(dwc, after)
    ops = [n.op_type for n in after.graph.node]
    assert ops.count(DWC) == 2 and ops.count(FIFO) == 7
    # depths from the seed folding config (FC0/FC1/FC2 64, FC3 out 10), except in front of
    # FC0, which needs its 16 input words + 2 waiting (the config asks for 16)
    depths = [getCustomOp(n).get_nodeattr("depth") for n in after.get_nodes_by_op_type(FIFO)]
    assert depths == [18, 64, 64, 64, 64, 10, 2]
    rng = np.random.default_rng(0)
    x = random_values(rng, "UINT8", (300, 784))
    name = tfc_folded.graph.input[0].name
    ref = PythonEngine(tfc_folded).run({name: x})["global_out"]
    np.testing.assert_array_equal(PythonEngine(after).run({name: x})["global_out"], ref)
    summary = folding_summary(after)
    assert summary["II"] == folding_summary(tfc_folded)["II"]  # FIFOs/DWCs are not the bottleneck
    assert structure(after.transform(InsertFIFO())) == structure(after)
