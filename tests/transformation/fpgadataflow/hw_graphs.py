"""Small FINN-ONNX graphs "ready for HW conversion", built with onnx.helper.

``build_mlp`` makes the TFC shape: [Reshape] -> input MultiThreshold ->
(MatMul | XnorPopcountMatMul) -> [MultiThreshold] -> ... -> [TopK], with
datatype annotations as streamlining leaves them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.change_batchsize import ChangeBatchSize
from qonnx.transformation.infer_shapes import InferShapes

import finn.transformation.fpgadataflow.convert_to_hls_layers as to_hls
from finn.core.onnx_exec import execute_onnx

QONNX = "qonnx.custom_op.general"


@dataclass
class Layer:
    """One FC layer: weights of ``wdt``, then a MultiThreshold to ``act`` (None: no activation)."""

    mh: int
    wdt: str
    act: str | None


def random_values(rng: np.random.Generator, dt_name: str, shape) -> np.ndarray:
    dt = DataType[dt_name]
    if dt == DataType["BIPOLAR"]:
        return rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


def random_thresholds(rng, samples: np.ndarray, steps: int, shared: bool = False) -> np.ndarray:
    """Sorted thresholds per channel drawn around observed accumulator values.

    Some are half-integers and a few fall outside the observed range, to exercise
    rounding and clipping in the lowering.
    """
    channels = 1 if shared else samples.shape[-1]
    flat = samples.reshape(-1, samples.shape[-1])
    lo, hi = float(flat.min()), float(flat.max())
    thr = np.empty((channels, steps), dtype=np.float32)
    for c in range(channels):
        col = flat[:, 0 if shared else c]
        picks = rng.choice(col, size=steps) + rng.choice([0.0, 0.5, -0.5], size=steps)
        wild = rng.random(steps) < 0.1
        picks[wild] = rng.uniform(lo - 20, hi + 20, size=int(wild.sum())).round()
        thr[c] = np.sort(picks)
    return thr


def mt_node(name, inp, thr_name, out, out_dt: str, layout: str = ""):
    dt = DataType[out_dt]
    scale, bias = 1.0, 0.0
    if dt == DataType["BIPOLAR"]:
        scale, bias = 2.0, -1.0
    elif dt.signed():
        bias = float(dt.min())
    attrs = dict(out_dtype=out_dt, out_scale=scale, out_bias=bias)
    if layout:
        attrs["data_layout"] = layout
    return helper.make_node(
        "MultiThreshold", [inp, thr_name], [out], domain=QONNX, name=name, **attrs
    )


def steps_of(dt_name: str) -> int:
    return DataType[dt_name].get_num_possible_values() - 1


def build_mlp(
    rng: np.random.Generator,
    in_dt: str,
    in_ch: int,
    layers: list[Layer],
    *,
    input_act: str | None = None,
    xnor: bool = False,
    topk: int | None = None,
    reshape: bool = False,
    batch: int = 1,
    shared_thresholds: bool = False,
) -> ModelWrapper:
    """An MLP in FINN-ONNX form; ``xnor`` uses XnorPopcountMatMul (BINARY acts/weights)."""
    nodes, inits, dts = [], {}, {}
    cur = "global_in"
    if reshape:
        inits["shape0"] = np.array([batch, in_ch], dtype=np.int64)
        in_shape = [batch, 1, in_ch]
        nodes.append(helper.make_node("Reshape", [cur, "shape0"], ["flat"], name="Reshape_0"))
        cur = "flat"
    else:
        in_shape = [batch, in_ch]
    dts["global_in"] = in_dt
    if reshape:
        dts["flat"] = in_dt
    sample = random_values(rng, in_dt, (256, in_ch))
    cur_dt = in_dt
    if input_act is not None:
        thr = random_thresholds(rng, sample, steps_of(input_act), shared_thresholds)
        inits["thr_in"] = thr
        nodes.append(mt_node("MultiThreshold_in", cur, "thr_in", "act_in", input_act))
        cur, cur_dt = "act_in", input_act
        dts[cur] = cur_dt
        sample = random_values(rng, cur_dt, (256, in_ch))
    mw = in_ch
    for i, layer in enumerate(layers):
        w = random_values(rng, layer.wdt, (mw, layer.mh))
        inits[f"W{i}"] = w
        dts[f"W{i}"] = layer.wdt
        op = "XnorPopcountMatMul" if xnor else "MatMul"
        dom = QONNX if xnor else ""
        nodes.append(helper.make_node(op, [cur, f"W{i}"], [f"mm{i}"], domain=dom, name=f"{op}_{i}"))
        acc = (sample @ w) if not xnor else (sample @ w + (1 - sample) @ (1 - w))
        dts[f"mm{i}"] = "UINT32" if xnor else "INT32"
        cur = f"mm{i}"
        if layer.act is not None:
            inits[f"thr{i}"] = random_thresholds(rng, acc, steps_of(layer.act), shared_thresholds)
            nodes.append(mt_node(f"MultiThreshold_{i}", cur, f"thr{i}", f"act{i}", layer.act))
            cur, cur_dt = f"act{i}", layer.act
            dts[cur] = cur_dt
            sample = random_values(rng, cur_dt, (256, layer.mh))
        mw = layer.mh
    out_vi_type, out_shape = TensorProto.FLOAT, [batch, mw]
    if topk is not None:
        inits["K"] = np.array([topk], dtype=np.int64)
        nodes.append(
            helper.make_node(
                "TopK", [cur, "K"], ["topk_values", "global_out"], name="TopK_0", axis=-1
            )
        )
        out_vi_type, out_shape = TensorProto.INT64, [batch, topk]
    else:
        nodes[-1].output[0] = "global_out"
        dts["global_out"] = dts.pop(cur)
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("global_in", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("global_out", out_vi_type, out_shape)],
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QONNX, 1)]
    )
    model = ModelWrapper(proto)
    for name, value in inits.items():
        model.set_initializer(name, value)
    model = model.transform(InferShapes())
    for name, dt in dts.items():
        model.set_tensor_datatype(name, DataType[dt])
    return model


def random_input(rng, model: ModelWrapper, batch: int | None = None) -> dict[str, np.ndarray]:
    name = model.graph.input[0].name
    shape = list(model.get_tensor_shape(name))
    if batch is not None:
        shape[0] = batch
    return {name: random_values(rng, model.get_tensor_datatype(name).name, shape)}


def to_hw(model, mem_mode="const"):
    """The seed's sequence of conversion passes."""
    model = model.transform(to_hls.InferBinaryStreamingFCLayer(mem_mode))
    model = model.transform(to_hls.InferQuantizedStreamingFCLayer(mem_mode))
    model = model.transform(to_hls.InferLabelSelectLayer())
    return model.transform(to_hls.InferThresholdingLayer())


def with_batch(model, n):
    return model.transform(ChangeBatchSize(n)).transform(InferShapes())


def assert_same_function(before, after, rng, batch):
    b, a = with_batch(before, batch), with_batch(after, batch)
    for _ in range(2):
        inp = random_input(rng, b)
        ref = execute_onnx(b, inp)["global_out"]
        out = execute_onnx(a, inp)["global_out"]
        assert ref.shape == out.shape
        np.testing.assert_array_equal(ref, out)
