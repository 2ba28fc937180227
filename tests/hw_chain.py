"""A small mixed chain of HW nodes wrapped in a dataflow partition (shared by RTL tests).

Thresholding INT4 -> UINT2 (PE 2), an integer MVAU with thresholds (SIMD 4, PE 3), a
bipolar-weight MVAU without activation (SIMD 2, PE 2: a 6 -> 4 bit width converter in
front) and a top-2 label select (PE 1: another converter): every module kind the flow
stitches.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper

from finn.custom_op.fpgadataflow.base import HW_DOMAIN
from finn.custom_op.fpgadataflow.matrixvectoractivation import accumulator_range
from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.util.basic import smallest_int_datatype


def _sorted_thresholds(rng, rows, t, lo, hi):
    return np.sort(rng.integers(lo, hi + 1, size=(rows, t)), axis=1).astype(np.float32)


def chain_model(tmp_path, seed: int = 0) -> ModelWrapper:
    rng = np.random.default_rng(seed)
    nodes, inits, dts = [], {}, {"x": "INT4"}
    # 1. thresholding INT4 -> UINT2 (3 thresholds), 8 channels, PE 2
    inits["t0"] = _sorted_thresholds(rng, 8, 3, -8, 8)
    nodes.append(helper.make_node("Thresholding_Batch", ["x", "t0"], ["a0"], name="Thresholding_Batch_0",
                                  domain=HW_DOMAIN, NumChannels=8, PE=2, numSteps=3, ActVal=0,
                                  inputDataType="INT4", weightDataType="INT5", outputDataType="UINT2"))
    # 2. integer MVAU UINT2 x INT3 -> UINT2 (3 thresholds), 8 -> 6, SIMD 4, PE 3
    w1 = rng.integers(-4, 4, size=(8, 6)).astype(np.float32)
    lo, hi = accumulator_range(w1, DataType["UINT2"], False)
    inits["w1"], inits["t1"] = w1, _sorted_thresholds(rng, 6, 3, lo, hi + 1)
    acc1 = smallest_int_datatype(min(lo, int(inits["t1"].min())), max(hi, int(inits["t1"].max())))
    nodes.append(helper.make_node("StreamingFCLayer_Batch", ["a0", "w1", "t1"], ["a1"],
                                  name="StreamingFCLayer_Batch_0", domain=HW_DOMAIN, MW=8, MH=6, SIMD=4,
                                  PE=3, inputDataType="UINT2", weightDataType="INT3", outputDataType="UINT2",
                                  accDataType=acc1.name, ActVal=0, noActivation=0))
    # 3. bipolar-weight MVAU without activation, 6 -> 4, SIMD 2, PE 2 (width converter 6 -> 4 bits)
    w2 = rng.choice([-1.0, 1.0], size=(6, 4)).astype(np.float32)
    lo2, hi2 = accumulator_range(w2, DataType["UINT2"], False)
    acc2 = smallest_int_datatype(lo2, hi2)
    inits["w2"] = w2
    nodes.append(helper.make_node("StreamingFCLayer_Batch", ["a1", "w2"], ["a2"], name="StreamingFCLayer_Batch_1",
                                  domain=HW_DOMAIN, MW=6, MH=4, SIMD=2, PE=2, inputDataType="UINT2",
                                  weightDataType="BIPOLAR", outputDataType=acc2.name, accDataType=acc2.name,
                                  noActivation=1))
    # 4. label select top-2 of 4 (width converter PE 2 -> 1)
    nodes.append(helper.make_node("LabelSelect_Batch", ["a2"], ["y"], name="LabelSelect_Batch_0",
                                  domain=HW_DOMAIN, Labels=4, PE=1, K=2, inputDataType=acc2.name,
                                  outputDataType="UINT2"))
    shapes = {"x": [1, 8], "a0": [1, 8], "a1": [1, 6], "a2": [1, 4]}
    vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in shapes.items()]
    out = helper.make_tensor_value_info("y", TensorProto.INT64, [1, 2])
    graph = helper.make_graph(nodes, "chain", [vis[0]], [out], value_info=vis[1:])
    model = ModelWrapper(helper.make_model(graph))
    for name, value in inits.items():
        model.set_initializer(name, value)
    dts.update({"a0": "UINT2", "a1": "UINT2", "a2": acc2.name, "y": "UINT2", "w2": "BIPOLAR", "w1": "INT3"})
    for name, dt in dts.items():
        model.set_tensor_datatype(name, DataType[dt])
    return model.transform(CreateDataflowPartition(partition_model_dir=str(tmp_path / "partition")))
