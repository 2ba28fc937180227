"""StreamingDataflowPartition: runs its child for any batch size; reports a missing child."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper

from finn.custom_op.fpgadataflow.base import HW_DOMAIN
from finn.custom_op.registry import getCustomOp
from finn.util.exceptions import ModelLoadError


def _child(path):
    node = helper.make_node(
        "LabelSelect_Batch",
        ["scores"],
        ["labels"],
        name="LabelSelect_Batch_0",
        domain=HW_DOMAIN,
        Labels=5,
        K=2,
        inputDataType="INT4",
        outputDataType="UINT3",
    )
    graph = helper.make_graph(
        [node],
        "child",
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 5])],
        [helper.make_tensor_value_info("labels", TensorProto.INT64, [1, 2])],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_tensor_datatype("scores", DataType["INT4"])
    model.set_tensor_datatype("labels", DataType["UINT3"])
    model.save(str(path))


def _sdp(path):
    node = helper.make_node(
        "StreamingDataflowPartition",
        ["a"],
        ["b"],
        name="StreamingDataflowPartition_0",
        domain=HW_DOMAIN,
        model=str(path),
    )
    return node, getCustomOp(node)


def test_exec_any_batch(tmp_path):
    _child(tmp_path / "child.onnx")
    _, sdp = _sdp(tmp_path / "child.onnx")
    x = np.random.default_rng(0).integers(-8, 8, (6, 5)).astype(np.float32)
    ctx = {"a": x, "b": None}
    sdp.execute_node(ctx, None)
    np.testing.assert_array_equal(ctx["b"], np.argsort(-x, axis=1, kind="stable")[:, :2])
    assert sdp.verify_node() == ["The child model exists"]


def test_missing_child(tmp_path):
    _, sdp = _sdp(tmp_path / "gone.onnx")
    with pytest.raises(ModelLoadError, match="StreamingDataflowPartition_0"):
        sdp.execute_node({"a": np.zeros((1, 5), np.float32)}, None)
    assert "not found" in sdp.verify_node()[0]
