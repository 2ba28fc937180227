"""StreamingFIFO: shapes, widths, cycles, memory model, folding errors, identity execution."""

from __future__ import annotations

import numpy as np
import pytest
from hw_op_helpers import ALL_DTS, make_op, random_values, size_and_fold, vectors
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.custom_op.fpgadataflow.base import is_hw_node, memory_resources
from finn.util.exceptions import FoldingError, UnsupportedGraphError
from sim.python_engine import PythonEngine

OP = "StreamingFIFO"


def build(shape, elems, dt, depth=2, name="fifo0", **extra):
    return make_op(
        OP,
        ["x"],
        ["y"],
        name=name,
        depth=depth,
        shape=list(shape),
        elemsPerWord=elems,
        dataType=dt,
        inputDataType=dt,
        outputDataType=dt,
        **extra,
    )


@settings(max_examples=80, deadline=None)
@given(
    st.data(),
    size_and_fold(48),
    st.sampled_from(ALL_DTS),
    st.integers(2, 600),
    st.sampled_from(["auto", "block", "distributed", "ultra"]),
)
def test_shapes_widths_cycles_resources(data, cn, dt, depth, ram_style):
    (c, n), vecs = cn, vectors(data.draw)
    shape, bits = vecs + [c], DataType[dt].bitwidth()
    _, op = build(shape, n, dt, depth, ram_style=ram_style)
    op.verify_folding()
    assert op.get_normal_input_shape() == op.get_normal_output_shape() == tuple(shape)
    assert op.get_folded_input_shape() == op.get_folded_output_shape() == tuple(vecs) + (c // n, n)
    assert op.get_instream_width() == op.get_outstream_width() == n * bits == op.stream_width()
    assert op.cycles() == c // n * int(np.prod(vecs)) == op.get_number_output_values()
    assert op.folding_space() == [{}]
    mem = memory_resources(depth, n * bits, ram_style)
    res = op.resources()
    assert res == {"LUT": 30 + mem["LUT"], "BRAM18": mem["BRAM18"], "URAM": mem["URAM"], "DSP": 0}


def test_attributes_defaults_and_ram_style():
    node, op = build([1, 64], 16, "BINARY", depth=64, name="StreamingFIFO_0")
    assert is_hw_node(node) and op.expected_input_count() == 1
    types = op.get_nodeattr_types()
    for attr in ("depth", "shape", "elemsPerWord", "dataType"):
        assert types[attr][1], f"{attr} must be required"
    assert op.get_nodeattr("ram_style") == "auto"
    assert op.verify_node()[-1] == "Folding is valid"
    assert op.resources()["BRAM18"] == 0 and op.resources()["LUT"] == 30 + 16  # 64 x 16 LUTRAM
    op.set_nodeattr("depth", 256)  # auto: deeper than 128 goes to block RAM
    assert op.resources()["BRAM18"] == 1 and op.resources()["LUT"] == 30
    op.set_nodeattr("ram_style", "distributed")
    assert op.resources() == {"LUT": 30 + 4 * 16, "BRAM18": 0, "URAM": 0, "DSP": 0}
    with pytest.raises(ValueError):
        op.set_nodeattr("ram_style", "magnetic")


@pytest.mark.parametrize(
    "kwargs, needles",
    [
        (dict(depth=1), ["depth=1", ">= 2"]),
        (dict(depth=0), ["depth=0", ">= 2"]),
        (dict(elems=5), ["elemsPerWord=5", "C=12", "[1, 2, 3, 4, 6, 12]"]),
        (dict(elems=0), ["elemsPerWord=0", "C=12"]),
    ],
)
def test_verify_folding_names_node_and_constraint(kwargs, needles):
    args = dict(shape=[1, 12], elems=4, dt="UINT3", depth=8, name="FIFO_bad") | kwargs
    _, op = build(**args)
    with pytest.raises(FoldingError) as err:
        op.verify_folding()
    msg = str(err.value)
    assert "FIFO_bad" in msg and "how to fix" in msg
    for needle in needles:
        assert needle in msg
    assert any("FIFO_bad" in m for m in op.verify_node())


def test_folded_shape_of_illegal_fifo_raises():
    _, op = build([1, 12], 5, "UINT3", name="FIFO_x")
    with pytest.raises(FoldingError, match="FIFO_x"):
        op.get_folded_output_shape()


def one_node_model(shape, elems, dt, batch, elem_type=TensorProto.FLOAT):
    node, _ = build(shape, elems, dt, depth=4, name="StreamingFIFO_0")
    io_shape = [batch] + list(shape[1:])
    graph = helper.make_graph(
        [node],
        "fifo",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, io_shape)],
        [helper.make_tensor_value_info("y", elem_type, io_shape)],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_tensor_datatype("x", DataType[dt])
    return model


@settings(max_examples=30, deadline=None)
@given(st.data(), size_and_fold(24), st.sampled_from(ALL_DTS), st.integers(1, 6))
def test_python_execution_is_identity(data, cn, dt, batch):
    (c, n), vecs = cn, vectors(data.draw)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    model = one_node_model(vecs + [c], n, dt, batch)
    x = random_values(rng, dt, [batch] + vecs[1:] + [c])
    for y in (PythonEngine(model).run({"x": x})["y"], execute_onnx(model, {"x": x})["y"]):
        assert y.dtype == np.float32 and y.shape == x.shape
        np.testing.assert_array_equal(y, x)


def test_identity_keeps_int64_indices():
    # a FIFO after LabelSelect carries int64 indices: the container type must survive
    _, op = build([1, 3], 1, "UINT4")
    x = np.array([[7, 0, 15]], dtype=np.int64)
    context = {"x": x}
    op.execute_node(context, None)
    assert context["y"].dtype == np.int64 and context["y"] is not x
    np.testing.assert_array_equal(context["y"], x)


def test_shape_and_datatype_inference_pass_through():
    model = one_node_model([1, 2, 8], 4, "UINT4", 3)
    model.graph.output[0].type.tensor_type.ClearField("shape")
    model.set_tensor_datatype("x", DataType["UINT2"])
    model = model.transform(InferShapes()).transform(InferDataTypes())
    assert model.get_tensor_shape("y") == [3, 2, 8]
    assert model.get_tensor_datatype("y") == DataType["UINT2"]
    model.set_tensor_datatype("x", DataType["INT4"])
    with pytest.raises(UnsupportedGraphError, match="StreamingFIFO_0"):
        model.transform(InferDataTypes())
