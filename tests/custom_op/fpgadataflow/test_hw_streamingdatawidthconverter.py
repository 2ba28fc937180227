"""StreamingDataWidthConverter_Batch: shapes, widths, cycles, folding errors, identity execution."""

from __future__ import annotations

import numpy as np
import pytest
from hw_op_helpers import ALL_DTS, make_op, random_values, vectors
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.custom_op.fpgadataflow.base import divisors, is_hw_node
from finn.util.exceptions import FoldingError, UnsupportedGraphError
from golden.streams import pack_words, repack_words
from sim.python_engine import PythonEngine

OP = "StreamingDataWidthConverter_Batch"


def build(shape, in_elems, out_elems, dt, name="dwc0"):
    bits = DataType[dt].bitwidth()
    return make_op(
        OP,
        ["x"],
        ["y"],
        name=name,
        shape=list(shape),
        inWidth=in_elems * bits,
        outWidth=out_elems * bits,
        dataType=dt,
        inputDataType=dt,
        outputDataType=dt,
    )


def kind(dt_name: str) -> str:
    dt = DataType[dt_name]
    if dt == DataType["BIPOLAR"]:
        return "bipolar"
    return "signed" if dt.signed() else "unsigned"


@st.composite
def dwc_config(draw, max_c: int = 48):
    """(shape, in_elems, out_elems, dt): both element counts divide C."""
    c = draw(st.integers(1, max_c))
    ins, outs = draw(st.sampled_from(divisors(c))), draw(st.sampled_from(divisors(c)))
    return vectors(draw) + [c], ins, outs, draw(st.sampled_from(ALL_DTS))


@settings(max_examples=80, deadline=None)
@given(dwc_config())
def test_shapes_widths_cycles(cfg):
    shape, ins, outs, dt = cfg
    c, bits, frame = shape[-1], DataType[dt].bitwidth(), int(np.prod(shape[:-1]))
    _, op = build(shape, ins, outs, dt)
    op.verify_folding()
    assert op.get_normal_input_shape() == op.get_normal_output_shape() == tuple(shape)
    assert op.get_folded_input_shape() == tuple(shape[:-1]) + (c // ins, ins)
    assert op.get_folded_output_shape() == tuple(shape[:-1]) + (c // outs, outs)
    assert op.get_instream_width() == ins * bits and op.get_outstream_width() == outs * bits
    assert op.get_input_datatype() == op.get_output_datatype() == DataType[dt]
    assert op.cycles() == max(c // ins, c // outs) * frame
    assert op.get_number_output_values() == c // outs * frame
    assert op.folding_space() == [{}]
    assert op.resources() == {"LUT": 20 + (ins + outs) * bits, "BRAM18": 0, "URAM": 0, "DSP": 0}


def test_attributes_and_verify_node():
    node, op = build([1, 64], 16, 8, "BINARY", name="StreamingDataWidthConverter_Batch_0")
    assert is_hw_node(node) and op.expected_input_count() == 1
    types = op.get_nodeattr_types()
    for attr in ("shape", "inWidth", "outWidth", "dataType"):
        assert types[attr][1], f"{attr} must be required"
    assert op.verify_node() == [
        "All necessary attributes exist",
        "The number of inputs is correct",
        "Folding is valid",
    ]
    assert (op.get_instream_width(), op.get_outstream_width(), op.cycles()) == (16, 8, 8)


@pytest.mark.parametrize(
    "attrs, needle, legal",
    [
        # 6 bits are not whole UINT4 elements
        (dict(shape=[1, 12], inWidth=6, outWidth=8, dt="UINT4"), "inWidth=6", "[4, 8, 12, 16"),
        # 3 elements per word do not divide C=10
        (dict(shape=[1, 10], inWidth=20, outWidth=6, dt="UINT2"), "outWidth=6", "[2, 4, 10, 20]"),
        (dict(shape=[1, 8], inWidth=0, outWidth=8, dt="BINARY"), "inWidth=0", "[1, 2, 4, 8]"),
    ],
)
def test_verify_folding_names_node_constraint_and_legal_values(attrs, needle, legal):
    dt = attrs.pop("dt")
    _, op = make_op(
        OP, ["x"], ["y"], name="DWC_bad", dataType=dt, inputDataType=dt, outputDataType=dt, **attrs
    )
    with pytest.raises(FoldingError) as err:
        op.verify_folding()
    msg = str(err.value)
    assert "DWC_bad" in msg and needle in msg and f"C={attrs['shape'][-1]}" in msg
    assert legal in msg
    # the folded shapes of an illegal node raise the same error instead of a bogus shape
    folded = op.get_folded_input_shape if needle.startswith("in") else op.get_folded_output_shape
    with pytest.raises(FoldingError, match="DWC_bad"):
        folded()
    assert any("DWC_bad" in m for m in op.verify_node())


def one_node_model(shape, ins, outs, dt, batch):
    node, _ = build(shape, ins, outs, dt, name="StreamingDataWidthConverter_Batch_0")
    io_shape = [batch] + list(shape[1:])
    graph = helper.make_graph(
        [node],
        "dwc",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, io_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, io_shape)],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_tensor_datatype("x", DataType[dt])
    return model


@settings(max_examples=30, deadline=None)
@given(dwc_config(24), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_python_execution_is_identity(cfg, batch, seed):
    shape, ins, outs, dt = cfg
    rng = np.random.default_rng(seed)
    model = one_node_model(shape, ins, outs, dt, batch)
    x = random_values(rng, dt, [batch] + shape[1:])
    y = PythonEngine(model).run({"x": x})["y"]
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_array_equal(y, x)
    y = execute_onnx(model, {"x": x})["y"]
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, x)


def test_shape_and_datatype_inference_pass_through():
    model = one_node_model([1, 4, 6], 3, 2, "INT4", 5)
    model.graph.output[0].type.tensor_type.ClearField("shape")
    model.set_tensor_datatype("x", DataType["INT3"])  # narrower, fits INT4
    model = model.transform(InferShapes()).transform(InferDataTypes())
    assert model.get_tensor_shape("y") == [5, 4, 6]
    assert model.get_tensor_datatype("y") == DataType["INT3"]
    model.set_tensor_datatype("x", DataType["UINT8"])  # does not fit INT4
    with pytest.raises(UnsupportedGraphError, match="StreamingDataWidthConverter_Batch_0"):
        model.transform(InferDataTypes())


def test_wrong_input_shape_names_node():
    _, op = build([1, 8], 4, 2, "UINT2", name="DWC_x")
    with pytest.raises(UnsupportedGraphError, match="DWC_x"):
        op.execute_node({"x": np.zeros((2, 6), dtype=np.float32)}, None)


@settings(max_examples=60, deadline=None)
@given(dwc_config(36), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_repacked_words_are_the_consumers_words(cfg, batch, seed):
    """The bit stream the converter reads, re-cut, is the stream its consumer expects."""
    shape, ins, outs, dt = cfg
    rng = np.random.default_rng(seed)
    _, op = build(shape, ins, outs, dt)
    x = random_values(rng, dt, [batch] + shape[1:])
    context = {"x": x}
    op.execute_node(context, None)
    y = context["y"]
    bits, k = DataType[dt].bitwidth(), kind(dt)
    words_in = pack_words(x.reshape(-1, op.get_folded_input_shape()[-1]), bits, k)
    words_out = pack_words(y.reshape(-1, op.get_folded_output_shape()[-1]), bits, k)
    assert len(words_in) == batch * op.get_folded_input_shape()[-2] * np.prod(shape[1:-1])
    assert repack_words(words_in, op.get_instream_width(), op.get_outstream_width()) == words_out
