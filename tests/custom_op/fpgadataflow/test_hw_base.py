"""Shared HW-op helpers: divisors, datatypes, memory costs, folded layouts, HW detection."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.custom_op.fpgadataflow.base import (
    HW_DOMAIN,
    divisors,
    get_threshold_tensor_folded,
    get_weight_tensor_folded,
    is_hw_node,
    memory_resources,
)
from finn.custom_op.registry import getCustomOp
from finn.util.exceptions import UnsupportedGraphError


@given(st.integers(1, 5000))
def test_divisors(n):
    assert divisors(n) == [d for d in range(1, n + 1) if n % d == 0]


def test_memory_resources():
    # 64 words of 784 bits: 512x36 RAMB18 mode, ceil(784/36) = 22
    assert memory_resources(64, 784, "block")["BRAM18"] == 22
    # 16384 x 1 fits one BRAM18 in 16K x 1 mode
    assert memory_resources(16384, 1, "block")["BRAM18"] == 1
    assert memory_resources(2048, 9, "block")["BRAM18"] == 1
    assert memory_resources(2049, 9, "block")["BRAM18"] == 2
    assert memory_resources(100, 10, "distributed") == {"LUT": 20, "BRAM18": 0, "URAM": 0}
    assert memory_resources(128, 10, "auto")["BRAM18"] == 0
    assert memory_resources(129, 10, "auto")["BRAM18"] == 1
    assert memory_resources(4097, 73, "ultra")["URAM"] == 4
    with pytest.raises(ValueError):
        memory_resources(4, 4, "magnetic")


@settings(max_examples=50)
@given(st.integers(1, 2000), st.integers(1, 200))
def test_block_ram_is_cheapest_shape(depth, width):
    n = memory_resources(depth, width, "block")["BRAM18"]
    # enough capacity, and no single aspect ratio does better
    assert n * 18432 >= depth * width
    for d, w in ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36)):
        assert n <= math.ceil(depth / d) * math.ceil(width / w)


def test_folded_tensor_errors_and_broadcast():
    with pytest.raises(ValueError):
        get_weight_tensor_folded(np.zeros((6, 4)), pe=3, simd=2)
    with pytest.raises(ValueError):
        get_weight_tensor_folded(np.zeros((6, 4)), pe=2, simd=4)
    shared = get_threshold_tensor_folded(np.array([[1, 2]]), pe=2, channels=4)
    assert shared.shape == (2, 2, 2) and (shared == [1, 2]).all()
    w = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(get_weight_tensor_folded(w, 1, 3)[0], w.T)


def test_is_hw_node():
    assert is_hw_node(helper.make_node("Thresholding_Batch", ["x", "t"], ["y"], domain=HW_DOMAIN))
    assert not is_hw_node(helper.make_node("MatMul", ["x", "w"], ["y"]))
    assert not is_hw_node(
        helper.make_node("StreamingDataflowPartition", ["x"], ["y"], domain=HW_DOMAIN)
    )
    assert not is_hw_node(helper.make_node("NoSuchOp", ["x"], ["y"], domain=HW_DOMAIN))


def _one_node_model(batch: int, idt: str):
    node = helper.make_node(
        "Thresholding_Batch",
        ["x", "t"],
        ["y"],
        name="Thresholding_Batch_0",
        domain=HW_DOMAIN,
        NumChannels=4,
        numSteps=1,
        inputDataType="INT4",
        weightDataType="INT4",
        outputDataType="BINARY",
    )
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_initializer("t", np.zeros((4, 1), dtype=np.float32))
    model.set_tensor_datatype("x", DataType[idt])
    return model


def test_shape_inference_follows_batch_and_datatypes_narrow():
    model = _one_node_model(7, "UINT2").transform(InferShapes()).transform(InferDataTypes())
    assert model.get_tensor_shape("y") == [7, 4]
    assert model.get_tensor_datatype("y") == DataType["BINARY"]
    # UINT2 lies inside INT4: the op adopts the narrower input type
    assert getCustomOp(model.graph.node[0]).get_nodeattr("inputDataType") == "UINT2"
    with pytest.raises(UnsupportedGraphError, match="Thresholding_Batch_0"):
        _one_node_model(1, "UINT8").transform(InferDataTypes())
