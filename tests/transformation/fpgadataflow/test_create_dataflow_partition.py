"""CreateDataflowPartition: HW runs move to child models; the parent computes the same."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hw_graphs import Layer, assert_same_function, build_mlp, random_input, to_hw, with_batch
from hypothesis import given, settings
from hypothesis import strategies as st
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.core.onnx_exec import execute_onnx
from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.util.exceptions import ModelLoadError


def tfc_like(rng, reshape=True):
    layers = [
        Layer(16, "BINARY", "BINARY"),
        Layer(16, "BINARY", "BINARY"),
        Layer(10, "BINARY", None),
    ]
    return build_mlp(
        rng, "UINT8", 49, layers, input_act="BINARY", xnor=True, topk=1, reshape=reshape
    )


def test_single_partition(tmp_path):
    rng = np.random.default_rng(0)
    model = tfc_like(rng)
    hw = to_hw(model)
    parent = hw.transform(CreateDataflowPartition(str(tmp_path / "parts")))
    assert [n.op_type for n in parent.graph.node] == ["Reshape", "StreamingDataflowPartition"]
    sdp = getCustomOp(parent.graph.node[1])
    path = sdp.get_nodeattr("model")
    assert sdp.get_nodeattr("partition_id") == 0
    assert os.path.dirname(path) == str(tmp_path / "parts") and os.path.isfile(path)
    child = ModelWrapper(path)
    assert all(is_hw_node(n) for n in child.graph.node) and len(child.graph.node) == 5
    # typed boundary: shapes and datatypes of the child's inputs and outputs
    assert child.graph.input[0].name == "flat" and child.get_tensor_shape("flat") == [1, 49]
    assert child.get_tensor_datatype("flat") == DataType["UINT8"]
    assert child.graph.output[0].name == "global_out" and child.get_tensor_shape("global_out") == [
        1,
        1,
    ]
    assert child.get_tensor_datatype("global_out") == DataType["UINT4"]
    assert parent.get_tensor_datatype("global_out") == DataType["UINT4"]
    # weights live in the child only
    assert not parent.graph.initializer[1:] and child.graph.initializer
    assert_same_function(model, parent, rng, batch=4)
    # the child alone equals the HW segment of the unpartitioned model
    inp = random_input(rng, hw)
    full = execute_onnx(hw, inp, return_full_exec_context=True)
    out = execute_onnx(child, {"flat": full["flat"]})["global_out"]
    np.testing.assert_array_equal(out, full["global_out"])
    # a second application changes nothing
    again = parent.transform(CreateDataflowPartition(str(tmp_path / "parts")))
    assert [n.op_type for n in again.graph.node] == ["Reshape", "StreamingDataflowPartition"]


def test_default_build_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FINN_BUILD_DIR", str(tmp_path))
    parent = to_hw(tfc_like(np.random.default_rng(1), reshape=False)).transform(
        CreateDataflowPartition()
    )
    path = getCustomOp(parent.graph.node[0]).get_nodeattr("model")
    assert path.startswith(str(tmp_path)) and "dataflow_partition_" in path


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_two_runs_give_two_partitions(tmp_path_factory, batch, seed):
    rng = np.random.default_rng(seed)
    layers = [Layer(6, "INT2", "UINT2"), Layer(5, "INT2", "UINT2"), Layer(4, "INT2", None)]
    model = build_mlp(rng, "INT4", 8, layers, topk=1)
    mt = model.get_node_from_name("MultiThreshold_1")
    getCustomOp(mt).set_nodeattr("out_scale", 2.0)  # not absorbable: splits the HW region
    model.set_tensor_datatype(mt.output[0], DataType["UINT3"])
    hw = to_hw(model)
    parent = hw.transform(CreateDataflowPartition(str(tmp_path_factory.mktemp("p"))))
    ops = [n.op_type for n in parent.graph.node]
    assert ops == [
        "StreamingDataflowPartition",
        "MatMul",
        "MultiThreshold",
        "StreamingDataflowPartition",
    ]
    sdps = [getCustomOp(n) for n in parent.get_nodes_by_op_type("StreamingDataflowPartition")]
    assert [s.get_nodeattr("partition_id") for s in sdps] == [0, 1]
    assert len({s.get_nodeattr("model") for s in sdps}) == 2
    assert_same_function(model, parent, rng, batch)


def test_missing_child_file_names_the_node(tmp_path):
    parent = to_hw(tfc_like(np.random.default_rng(2), reshape=False)).transform(
        CreateDataflowPartition(str(tmp_path))
    )
    os.remove(getCustomOp(parent.graph.node[0]).get_nodeattr("model"))
    with pytest.raises(ModelLoadError, match="StreamingDataflowPartition_0"):
        execute_onnx(with_batch(parent, 1), random_input(np.random.default_rng(3), parent))
