"""Lowering to HW ops keeps the model's function bit-exactly, for any batch size."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hw_graphs import Layer, assert_same_function, build_mlp, to_hw
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

import finn.transformation.fpgadataflow.convert_to_hls_layers as to_hls
from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.transformation.fpgadataflow.check import check_all_hw
from finn.util.exceptions import ConfigError, UnsupportedGraphError

WEIGHT_DTS = ["INT2", "INT3", "INT4", "BIPOLAR", "UINT2"]
ACT_DTS = ["UINT2", "INT2", "BIPOLAR", "BINARY", "UINT3", "INT4"]


@st.composite
def mlp_case(draw):
    xnor = draw(st.booleans())
    n_layers = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 12), min_size=n_layers, max_size=n_layers))
    topk = draw(st.booleans())
    if xnor:
        layers = [Layer(mh, "BINARY", "BINARY") for mh in sizes]
    else:
        layers = [
            Layer(mh, draw(st.sampled_from(WEIGHT_DTS)), draw(st.sampled_from(ACT_DTS)))
            for mh in sizes
        ]
    if topk or draw(st.booleans()):
        layers[-1].act = None  # last layer without activation, as before TopK
    k = draw(st.integers(1, sizes[-1])) if topk else None
    input_act = "BINARY" if xnor else draw(st.sampled_from([None, "UINT2", "INT3", "BIPOLAR"]))
    return dict(
        in_dt=draw(st.sampled_from(["UINT8", "INT4"])) if input_act else "INT3",
        in_ch=draw(st.integers(1, 20)),
        layers=layers,
        input_act=input_act,
        xnor=xnor,
        topk=k,
        reshape=draw(st.booleans()),
        shared_thresholds=draw(st.booleans()),
    )


@settings(max_examples=40, deadline=None)
@given(mlp_case(), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_conversion_is_bit_exact(case, batch, seed):
    rng = np.random.default_rng(seed)
    model = build_mlp(rng, **case)
    hw = to_hw(model)
    check_all_hw(hw)  # nothing left between the first and last HW node
    hw_nodes = [n for n in hw.graph.node if is_hw_node(n)]
    n_fc = len(case["layers"])
    assert [n.op_type for n in hw_nodes].count("StreamingFCLayer_Batch") == n_fc
    assert all(re.fullmatch(r"[A-Za-z_]+_\d+", n.name) for n in hw_nodes)
    assert len({n.name for n in hw.graph.node}) == len(hw.graph.node)
    for n in hw_nodes:
        op = getCustomOp(n)
        op.verify_folding()
        assert hw.get_tensor_datatype(n.output[0]) == op.get_output_datatype()
    assert_same_function(model, hw, rng, batch)
    # shape and datatype inference leave the converted model unchanged in function
    again = hw.transform(InferShapes()).transform(InferDataTypes())
    assert_same_function(model, again, rng, batch)


def test_tfc_w1a1_structure():
    rng = np.random.default_rng(0)
    layers = [Layer(64, "BINARY", "BINARY")] * 3 + [Layer(10, "BINARY", None)]
    model = build_mlp(
        rng, "UINT8", 784, layers, input_act="BINARY", xnor=True, topk=1, reshape=True
    )
    hw = model.transform(to_hls.InferBinaryStreamingFCLayer("decoupled"))
    hw = hw.transform(to_hls.InferLabelSelectLayer())
    hw = hw.transform(to_hls.InferThresholdingLayer())
    names = [n.name for n in hw.graph.node]
    assert names == [
        "Reshape_0",
        "Thresholding_Batch_0",
        "StreamingFCLayer_Batch_0",
        "StreamingFCLayer_Batch_1",
        "StreamingFCLayer_Batch_2",
        "StreamingFCLayer_Batch_3",
        "LabelSelect_Batch_0",
    ]
    fcs = [getCustomOp(n) for n in hw.get_nodes_by_op_type("StreamingFCLayer_Batch")]
    assert [(f.get_nodeattr("MW"), f.get_nodeattr("MH")) for f in fcs] == [
        (784, 64),
        (64, 64),
        (64, 64),
        (64, 10),
    ]
    assert all(f.get_nodeattr("mem_mode") == "decoupled" for f in fcs)
    assert all(f.get_nodeattr("binaryXnorMode") == 1 for f in fcs)
    assert [f.get_nodeattr("noActivation") for f in fcs] == [0, 0, 0, 1]
    assert fcs[-1].get_output_datatype() == DataType["UINT7"]  # popcount of 64 bits
    assert fcs[0].get_input_datatype() == DataType["BINARY"]
    # graph output keeps its name and int64 container, annotated with the label type
    out = hw.graph.output[0]
    assert out.name == "global_out" and out.type.tensor_type.elem_type == TensorProto.INT64
    assert hw.get_tensor_datatype("global_out") == DataType["UINT4"]
    ls = getCustomOp(hw.get_nodes_by_op_type("LabelSelect_Batch")[0])
    assert ls.get_input_datatype() == DataType["UINT7"] and ls.get_nodeattr("Labels") == 10
    assert_same_function(model, hw, rng, batch=3)


def test_unconvertible_nodes_stay_and_are_reported():
    rng = np.random.default_rng(1)
    layers = [Layer(6, "INT2", "UINT2"), Layer(5, "INT2", "UINT2"), Layer(4, "INT2", None)]
    model = build_mlp(rng, "INT4", 8, layers, topk=1)
    mt = model.get_node_from_name("MultiThreshold_1")
    getCustomOp(mt).set_nodeattr("out_scale", 2.0)  # values 0, 2, 4, 6: integer, not absorbable
    model.set_tensor_datatype(mt.output[0], DataType["UINT3"])
    fc_pass = to_hls.InferQuantizedStreamingFCLayer()
    hw = model.transform(fc_pass).transform(to_hls.InferLabelSelectLayer())
    hw = hw.transform(to_hls.InferThresholdingLayer())
    left = [(n.op_type, n.name) for n in hw.graph.node if not is_hw_node(n)]
    assert left == [("MatMul", "MatMul_1"), ("MultiThreshold", "MultiThreshold_1")]
    assert any(name == "MatMul_1" and "out_scale=2.0" in msg for name, msg in fc_pass.skipped)
    with pytest.raises(UnsupportedGraphError) as err:
        check_all_hw(hw)
    msg = str(err.value)
    assert "MatMul 'MatMul_1'" in msg and "MultiThreshold 'MultiThreshold_1'" in msg
    assert "out_scale=2.0" in msg and "how to fix" in msg
    assert_same_function(model, hw, rng, batch=2)


def test_check_all_hw_without_hw_nodes():
    rng = np.random.default_rng(2)
    model = build_mlp(rng, "INT4", 4, [Layer(3, "INT2", None)])
    with pytest.raises(UnsupportedGraphError) as err:
        check_all_hw(model)
    assert "MatMul 'MatMul_0'" in str(err.value) and "how to fix" in str(err.value)


def test_topk_with_used_values_is_left_alone():
    rng = np.random.default_rng(3)
    model = build_mlp(rng, "INT4", 4, [Layer(5, "INT2", None)], topk=2)
    vals = model.get_tensor_valueinfo("topk_values")
    model.graph.output.append(vals)
    hw = model.transform(to_hls.InferLabelSelectLayer())
    assert hw.get_nodes_by_op_type("TopK") and not hw.get_nodes_by_op_type("LabelSelect_Batch")


def test_convertible_but_unconverted_node_is_diagnosed():
    rng = np.random.default_rng(4)
    layers = [Layer(3, "INT2", "UINT2"), Layer(3, "INT2", None)]
    model = build_mlp(rng, "UINT8", 4, layers, input_act="UINT2", topk=1)
    hw = model.transform(to_hls.InferQuantizedStreamingFCLayer()).transform(
        to_hls.InferLabelSelectLayer()
    )
    check_all_hw(hw)  # the input quantizer is before the first HW node: allowed
    # a software node inside the HW region is reported with the pass that would lower it
    hw2 = model.transform(to_hls.InferThresholdingLayer()).transform(to_hls.InferLabelSelectLayer())
    with pytest.raises(UnsupportedGraphError, match="run to_hls.InferQuantizedStreamingFCLayer"):
        check_all_hw(hw2)


def test_bad_mem_mode():
    with pytest.raises(ConfigError, match="mem_mode"):
        to_hls.InferBinaryStreamingFCLayer("sram")
