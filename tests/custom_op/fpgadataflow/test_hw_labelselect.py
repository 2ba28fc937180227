"""LabelSelect_Batch: python execution vs golden (ties to the lower index), folding, lowering."""

from __future__ import annotations

import numpy as np
import pytest
from hw_op_helpers import INT_DTS, make_op, random_values, run, size_and_fold
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes

from finn.custom_op.fpgadataflow.labelselect import label_datatype, match_labelselect
from finn.util.exceptions import FoldingError, UnsupportedGraphError
from golden.labelselect import label_select


def build(labels, pe, k, idt, name="ls0"):
    return make_op(
        "LabelSelect_Batch",
        ["x"],
        ["y"],
        name=name,
        Labels=labels,
        PE=pe,
        K=k,
        inputDataType=idt,
        outputDataType=label_datatype(labels).name,
    )


@settings(max_examples=120, deadline=None)
@given(
    st.data(),
    size_and_fold(40),
    st.sampled_from(INT_DTS + ["BINARY", "BIPOLAR"]),
    st.integers(1, 5),
)
def test_exec_matches_golden(data, lpe, idt, batch):
    labels, pe = lpe
    k = data.draw(st.integers(1, labels))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    _, op = build(labels, pe, k, idt)
    x = random_values(rng, idt, (batch, labels))  # narrow types give many ties
    y = run(op, {"x": x})["y"]
    assert y.shape == (batch, k) and y.dtype == np.int64
    np.testing.assert_array_equal(y, label_select(x, k))
    # independent: stable sort of -x keeps lower indices first among ties
    np.testing.assert_array_equal(y, np.argsort(-x, axis=1, kind="stable")[:, :k])
    assert y.max() <= op.get_output_datatype().max()


def test_ties_go_to_lower_index():
    _, op = build(6, 2, 3, "UINT2")
    x = np.array([[1, 3, 3, 0, 3, 1]], dtype=np.float32)
    np.testing.assert_array_equal(run(op, {"x": x})["y"], [[1, 2, 4]])


@settings(max_examples=50, deadline=None)
@given(size_and_fold(64), st.sampled_from(INT_DTS))
def test_shapes_widths_cycles(lpe, idt):
    labels, pe = lpe
    _, op = build(labels, pe, 1, idt)
    assert np.prod(op.get_folded_input_shape()) == labels and op.get_folded_input_shape()[-1] == pe
    assert op.get_instream_width() == pe * DataType[idt].bitwidth()
    assert op.get_outstream_width() == label_datatype(labels).bitwidth()
    assert op.get_normal_output_shape() == (1, 1)
    assert op.cycles() == labels // pe
    assert op.get_output_datatype().max() >= labels - 1
    assert labels == 1 or op.get_output_datatype().max() < 2 * (labels - 1) + 1


def test_output_type_is_smallest_uint():
    assert label_datatype(10) == DataType["UINT4"]
    assert label_datatype(2) == DataType["BINARY"]
    assert label_datatype(17) == DataType["UINT5"]


def test_folding_errors():
    _, op = build(10, 3, 1, "UINT8", name="TopLabel")
    with pytest.raises(FoldingError, match="TopLabel"):
        op.verify_folding()
    op.set_nodeattr("PE", 5)
    op.set_nodeattr("K", 11)
    with pytest.raises(UnsupportedGraphError, match="K=11"):
        op.verify_folding()


def _topk_model(idt="UINT7", values_used=False, largest=1, axis=-1):
    outputs = ["vals", "idx"]
    node = helper.make_node("TopK", ["x", "K"], outputs, name="TopK_9", largest=largest, axis=axis)
    nodes = [node]
    graph_outs = [helper.make_tensor_value_info("idx", TensorProto.INT64, [1, 2])]
    if values_used:
        graph_outs.append(helper.make_tensor_value_info("vals", TensorProto.FLOAT, [1, 2]))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])], graph_outs
    )
    model = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    model.set_initializer("K", np.array([2], dtype=np.int64))
    model = model.transform(InferShapes())
    model.set_tensor_datatype("x", DataType[idt])
    return model


def test_match_labelselect():
    model = _topk_model()
    spec = match_labelselect(model, model.graph.node[0])
    assert spec.outputs == ["idx"] and spec.attrs["K"] == 2 and spec.attrs["Labels"] == 10
    assert spec.datatypes == {"idx": DataType["UINT4"]}
    assert (
        match_labelselect(
            _topk_model(values_used=True), _topk_model(values_used=True).graph.node[0]
        )
        is None
    )


@pytest.mark.parametrize("kwargs", [dict(idt="FLOAT32"), dict(largest=0), dict(axis=0)])
def test_match_errors_name_the_node(kwargs):
    model = _topk_model(**kwargs)
    with pytest.raises(UnsupportedGraphError, match="TopK_9"):
        match_labelselect(model, model.graph.node[0])
