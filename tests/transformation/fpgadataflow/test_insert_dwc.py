"""InsertDWC: converters exactly where neighbour widths differ; the function is unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from hw_graphs import Layer, assert_same_function, build_mlp, random_input, random_values, to_hw
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import HW_DOMAIN, is_hw_node
from finn.transformation.fpgadataflow.insert_dwc import InsertDWC, hw_stream_edges
from finn.util.exceptions import UnsupportedGraphError
from golden.streams import pack_words, repack_words
from sim.python_engine import PythonEngine

DWC = "StreamingDataWidthConverter_Batch"


def kind(dt: DataType) -> str:
    if dt == DataType["BIPOLAR"]:
        return "bipolar"
    return "signed" if dt.signed() else "unsigned"


def random_mlp(data, rng):
    """Thresholding -> 2-3 MVAUs -> LabelSelect, every node at a random legal folding."""
    in_ch = data.draw(st.sampled_from([4, 6, 8, 12]))
    sizes = data.draw(st.lists(st.sampled_from([4, 6, 8, 12]), min_size=2, max_size=3))
    acts = data.draw(
        st.lists(st.sampled_from(["UINT2", "INT2", "BIPOLAR", "UINT3"]), min_size=2, max_size=2)
    )
    layers = [Layer(mh, "INT2", acts[i % 2]) for i, mh in enumerate(sizes[:-1])]
    layers.append(Layer(sizes[-1], "INT2", None))
    model = build_mlp(rng, "INT4", in_ch, layers, input_act="UINT2", topk=1)
    hw = to_hw(model)
    assert all(is_hw_node(n) for n in hw.graph.node)
    for node in hw.graph.node:
        op = getCustomOp(node)
        for attr, value in data.draw(st.sampled_from(op.folding_space())).items():
            op.set_nodeattr(attr, value)
    return model, hw


def neighbours(model: ModelWrapper, node):
    return model.find_producer(node.input[0]), model.find_consumer(node.output[0])


def check_dwcs(before: ModelWrapper, after: ModelWrapper) -> None:
    """Converters exactly on the mismatched edges, with the neighbours' widths."""
    mismatched = {
        (e.producer.name, e.consumer.name)
        for e in hw_stream_edges(before)
        if e.ops[0].get_outstream_width() != e.ops[1].get_instream_width()
    }
    dwcs = after.get_nodes_by_op_type(DWC)
    assert [n.name for n in dwcs] == [f"{DWC}_{i}" for i in range(len(dwcs))]
    found = set()
    for node in dwcs:
        op = getCustomOp(node)
        op.verify_folding()
        prod, cons = neighbours(after, node)
        pop, cop = getCustomOp(prod), getCustomOp(cons)
        assert op.get_instream_width() == pop.get_outstream_width()
        assert op.get_outstream_width() == cop.get_instream_width()
        assert list(op.get_nodeattr("shape")) == list(pop.get_normal_output_shape())
        dt = after.get_tensor_datatype(node.input[0])
        assert op.get_nodeattr("dataType") == dt.name
        assert after.get_tensor_datatype(node.output[0]) == dt
        assert after.get_tensor_shape(node.output[0]) == after.get_tensor_shape(node.input[0])
        found.add((prod.name, cons.name))
    assert found == mismatched
    for edge in hw_stream_edges(after):
        assert edge.ops[0].get_outstream_width() == edge.ops[1].get_instream_width()


def check_repacking(model: ModelWrapper, context: dict) -> None:
    """Each converter's input words, re-cut, are the words its consumer reads."""
    for node in model.get_nodes_by_op_type(DWC):
        op = getCustomOp(node)
        dt = op.get_input_datatype()
        x, y = context[node.input[0]], context[node.output[0]]
        n_in, n_out = op.get_folded_input_shape()[-1], op.get_folded_output_shape()[-1]
        words_in = pack_words(x.reshape(-1, n_in), dt.bitwidth(), kind(dt))
        words_out = pack_words(y.reshape(-1, n_out), dt.bitwidth(), kind(dt))
        assert (
            repack_words(words_in, op.get_instream_width(), op.get_outstream_width()) == words_out
        )


def structure(model: ModelWrapper) -> list:
    return [(n.op_type, n.name, list(n.input), list(n.output)) for n in model.graph.node]


@settings(max_examples=25, deadline=None)
@given(st.data(), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_random_foldings(data, batch, seed):
    rng = np.random.default_rng(seed)
    model, hw = random_mlp(data, rng)
    after = hw.transform(InsertDWC())
    check_dwcs(hw, after)
    assert_same_function(model, after, rng, batch)
    inp = random_input(rng, hw, batch)
    ref = PythonEngine(hw).run(inp)["global_out"]
    context = PythonEngine(after).run(inp, return_full_context=True)
    np.testing.assert_array_equal(context["global_out"], ref)
    check_repacking(after, context)
    again = after.transform(InsertDWC())
    assert structure(again) == structure(after)


def two_layer_hw(pe0: int, simd1: int):
    rng = np.random.default_rng(0)
    layers = [Layer(12, "INT2", "UINT2"), Layer(4, "INT2", "UINT2")]
    hw = to_hw(build_mlp(rng, "INT4", 6, layers, input_act="UINT2"))
    getCustomOp(hw.get_node_from_name("StreamingFCLayer_Batch_0")).set_nodeattr("PE", pe0)
    getCustomOp(hw.get_node_from_name("StreamingFCLayer_Batch_1")).set_nodeattr("SIMD", simd1)
    return hw


def test_one_converter_with_named_tensor_and_annotations():
    hw = two_layer_hw(pe0=6, simd1=4)
    after = hw.transform(InsertDWC())
    assert [n.op_type for n in after.graph.node] == [
        "Thresholding_Batch",
        "StreamingFCLayer_Batch",
        DWC,
        "StreamingFCLayer_Batch",
    ]
    dwc = getCustomOp(after.graph.node[2])
    assert dwc.onnx_node.name == f"{DWC}_0" and dwc.onnx_node.domain == HW_DOMAIN
    assert (dwc.get_nodeattr("inWidth"), dwc.get_nodeattr("outWidth")) == (12, 8)
    assert list(dwc.get_nodeattr("shape")) == [1, 12]
    assert dwc.get_nodeattr("dataType") == "UINT2" == dwc.get_nodeattr("inputDataType")
    assert dwc.cycles() == 3 and dwc.verify_node()[-1] == "Folding is valid"
    out = dwc.onnx_node.output[0]
    assert out == f"{DWC}_0_out0" and after.graph.node[3].input[0] == out
    assert after.get_tensor_datatype(out) == DataType["UINT2"]
    assert after.get_tensor_shape(out) == [1, 12]


def test_matching_widths_change_nothing():
    hw = two_layer_hw(pe0=4, simd1=4)
    after = hw.transform(InsertDWC())
    assert structure(after) == structure(hw)


def test_incompatible_widths_name_both_nodes():
    hw = two_layer_hw(pe0=6, simd1=5)  # 5 does not divide MW=12: no whole words
    with pytest.raises(UnsupportedGraphError) as err:
        hw.transform(InsertDWC())
    msg = str(err.value)
    assert "StreamingFCLayer_Batch_0" in msg and "StreamingFCLayer_Batch_1" in msg
    assert "C=12" in msg and "how to fix" in msg


def test_element_width_mismatch_names_both_nodes():
    hw = two_layer_hw(pe0=4, simd1=4)
    getCustomOp(hw.get_node_from_name("StreamingFCLayer_Batch_1")).set_nodeattr(
        "inputDataType", "UINT4"
    )
    with pytest.raises(UnsupportedGraphError) as err:
        hw.transform(InsertDWC())
    msg = str(err.value)
    assert "StreamingFCLayer_Batch_0" in msg and "StreamingFCLayer_Batch_1" in msg
    assert "UINT2 (2 bits)" in msg and "UINT4 (4 bits)" in msg


def test_fork_between_hw_nodes_is_refused():
    def thr(name, inp, out, odt):
        return helper.make_node(
            "Thresholding_Batch",
            [inp, "t"],
            [out],
            name=name,
            domain=HW_DOMAIN,
            NumChannels=4,
            PE=2,
            numSteps=1,
            inputDataType="UINT2",
            weightDataType="UINT2",
            outputDataType=odt,
        )

    nodes = [
        thr("T0", "x", "a", "UINT2"),
        thr("T1", "a", "y", "BINARY"),
        thr("T2", "a", "z", "BINARY"),
    ]
    vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4]) for n in "xyz"]
    model = ModelWrapper(helper.make_model(helper.make_graph(nodes, "fork", vis[:1], vis[1:])))
    model.set_initializer("t", np.ones((4, 1), dtype=np.float32))
    for name, dt in (("x", "UINT2"), ("a", "UINT2"), ("y", "BINARY"), ("z", "BINARY")):
        model.set_tensor_datatype(name, DataType[dt])
    with pytest.raises(UnsupportedGraphError) as err:
        model.transform(InsertDWC())
    assert "T0" in str(err.value) and "T1" in str(err.value) and "T2" in str(err.value)


# --------------------------------------------------------------------------- real TFC-w1a1


def test_tfc_w1a1_partition(tfc_folded):
    after = tfc_folded.transform(InsertDWC())
    check_dwcs(tfc_folded, after)
    dwcs = {neighbours(after, n)[0].name: getCustomOp(n) for n in after.get_nodes_by_op_type(DWC)}
    # PE=16 -> SIMD=8 in the 64-wide hidden layer, as in FINN's TFC build ...
    fc0 = dwcs["StreamingFCLayer_Batch_0"]
    assert neighbours(after, fc0.onnx_node)[1].name == "StreamingFCLayer_Batch_1"
    assert (fc0.get_nodeattr("inWidth"), fc0.get_nodeattr("outWidth")) == (16, 8)
    assert fc0.get_nodeattr("dataType") == "BINARY" and list(fc0.get_nodeattr("shape")) == [1, 64]
    # ... and the last layer's 10 UINT7 scores per word (PE=10) -> LabelSelect (PE=1)
    fc3 = dwcs["StreamingFCLayer_Batch_3"]
    assert neighbours(after, fc3.onnx_node)[1].name == "LabelSelect_Batch_0"
    assert (fc3.get_nodeattr("inWidth"), fc3.get_nodeattr("outWidth")) == (70, 7)
    assert len(dwcs) == 2
    rng = np.random.default_rng(0)
    x = random_values(rng, "UINT8", (300, 784))
    name = tfc_folded.graph.input[0].name
    ref = PythonEngine(tfc_folded).run({name: x})["global_out"]
    context = PythonEngine(after).run({name: x}, return_full_context=True)
    np.testing.assert_array_equal(context["global_out"], ref)
    check_repacking(after, context)
    assert structure(after.transform(InsertDWC())) == structure(after)
