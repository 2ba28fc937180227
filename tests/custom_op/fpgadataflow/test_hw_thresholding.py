"""Thresholding_Batch: python execution vs golden, folding, models, lowering."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hw_op_helpers import INT_DTS, make_op, random_values, run, size_and_fold, vectors
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes

from finn.custom_op.fpgadataflow.thresholding import Thresholding_Batch, match_thresholding
from finn.util.exceptions import FoldingError, UnsupportedGraphError
from golden.multithreshold import multithreshold

OUT_DTS = ["BINARY", "BIPOLAR", "UINT2", "INT2", "UINT4", "INT3"]


def build(c, pe, idt, odt, vecs=(1,), name="thr0"):
    dt = DataType[odt]
    act = int(dt.min()) if dt.signed() and dt != DataType["BIPOLAR"] else 0
    return make_op(
        "Thresholding_Batch",
        ["x", "t"],
        ["y"],
        name=name,
        NumChannels=c,
        PE=pe,
        numSteps=dt.get_num_possible_values() - 1,
        ActVal=act,
        inputDataType=idt,
        weightDataType=idt,
        outputDataType=odt,
        numInputVectors=list(vecs),
    )


@settings(max_examples=120, deadline=None)
@given(
    st.data(),
    size_and_fold(32),
    st.sampled_from(INT_DTS + ["BIPOLAR", "BINARY"]),
    st.sampled_from(OUT_DTS),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
)
def test_exec_matches_golden(data, cpe, idt, odt, batch, seed):
    (c, pe), vecs = cpe, vectors(data.draw)
    rng = np.random.default_rng(seed)
    node, op = build(c, pe, idt, odt, vecs)
    steps = op.get_nodeattr("numSteps")
    x = random_values(rng, idt, [batch] + vecs[1:] + [c])
    lo, hi = DataType[idt].min(), DataType[idt].max()
    t = np.sort(rng.integers(lo - 1, hi + 2, (c, steps)), axis=1).astype(np.float32)
    y = run(op, {"x": x, "t": t})["y"]
    assert y.shape == x.shape and y.dtype == np.float32
    count = multithreshold(x.reshape(-1, c), t).reshape(x.shape)
    if odt == "BIPOLAR":
        np.testing.assert_array_equal(y, 2 * count - 1)
    else:
        np.testing.assert_array_equal(y, count + op.get_nodeattr("ActVal"))
    # independent: count of thresholds reached, by broadcasting
    ref = (x[..., None] >= t).sum(-1)
    np.testing.assert_array_equal(count, ref)
    assert op.get_output_datatype().allowed(float(y.min())) and op.get_output_datatype().allowed(
        float(y.max())
    )


@settings(max_examples=60, deadline=None)
@given(st.data(), size_and_fold(64), st.sampled_from(INT_DTS), st.sampled_from(OUT_DTS))
def test_shapes_widths_cycles(data, cpe, idt, odt):
    (c, pe), vecs = cpe, vectors(data.draw)
    _, op = build(c, pe, idt, odt, vecs)
    fin, nin = op.get_folded_input_shape(), op.get_normal_input_shape()
    assert nin == tuple(vecs) + (c,) and np.prod(fin) == np.prod(nin) and fin[-1] == pe
    assert op.get_folded_output_shape() == fin
    assert op.get_instream_width() == pe * DataType[idt].bitwidth()
    assert op.get_outstream_width() == pe * DataType[odt].bitwidth()
    assert op.cycles() == c // pe * int(np.prod(vecs))
    assert op.get_number_output_values() == op.cycles()
    op.verify_folding()
    thr = np.arange(c * 3).reshape(c, 3)
    ft = op.folded_thresholds(thr)
    assert ft.shape == (pe, c // pe, 3)
    for p, nf in itertools.product(range(pe), range(c // pe)):
        np.testing.assert_array_equal(ft[p, nf], thr[nf * pe + p])


def test_folding_error_names_node():
    _, op = build(784, 1, "UINT8", "BINARY", name="InputQuant")
    op.set_nodeattr("PE", 50)
    with pytest.raises(FoldingError) as err:
        op.verify_folding()
    assert "InputQuant" in str(err.value) and "NumChannels=784" in str(err.value)
    assert "49" in str(err.value)
    op.set_nodeattr("PE", 49)
    op.verify_folding()
    assert op.cycles() == 16


def test_resources_ram_style():
    _, op = build(256, 4, "UINT8", "UINT4")
    op.set_nodeattr("weightDataType", "UINT9")
    op.set_nodeattr("ram_style", "block")
    assert op.resources()["BRAM18"] > 0
    op.set_nodeattr("ram_style", "distributed")
    res = op.resources()
    assert res["BRAM18"] == 0 and res["DSP"] == 0 and res["LUT"] > 0


def _mt_model(idt="UINT8", shape=(1, 4), layout="", scale=1.0, bias=0.0, thr_rows=4):
    attrs = dict(out_dtype="UINT2", out_scale=scale, out_bias=bias)
    if layout:
        attrs["data_layout"] = layout
    node = helper.make_node(
        "MultiThreshold", ["x", "T"], ["y"], domain="qonnx.custom_op.general", name="MT_in", **attrs
    )
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_initializer(
        "T", np.tile(np.array([[10.5, 100, 300]], dtype=np.float32), (thr_rows, 1))
    )
    model = model.transform(InferShapes())
    model.set_tensor_datatype("x", DataType[idt])
    return model


def test_match_rounds_and_clips_thresholds():
    model = _mt_model()
    spec = match_thresholding(model, model.graph.node[0])
    thr = spec.inputs[1].value
    np.testing.assert_array_equal(thr, [[11, 100, 256]] * 4)  # ceil, clip to max+1
    assert spec.inputs[1].datatype == DataType["UINT9"]
    assert spec.attrs["NumChannels"] == 4 and spec.attrs["numSteps"] == 3
    assert isinstance(spec.attrs["numInputVectors"], list)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(idt="FLOAT32"),
        dict(scale=0.5),
        dict(bias=0.5),
        dict(shape=(1, 4, 2, 2), thr_rows=4),  # NCHW per-channel thresholds
    ],
)
def test_match_errors_name_the_node(kwargs):
    model = _mt_model(**kwargs)
    with pytest.raises(UnsupportedGraphError) as err:
        match_thresholding(model, model.graph.node[0])
    assert "MT_in" in str(err.value)


def test_match_channels_last_4d():
    model = _mt_model(shape=(1, 2, 2, 4), layout="NHWC")
    spec = match_thresholding(model, model.graph.node[0])
    assert spec.attrs["numInputVectors"] == [1, 2, 2] and spec.attrs["NumChannels"] == 4
    assert Thresholding_Batch.__name__ == spec.op_type
