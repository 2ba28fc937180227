"""StreamingFCLayer_Batch / MVAU: python execution vs golden, folding, models, lowering."""

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

from finn.custom_op.fpgadataflow.matrixvectoractivation import (
    MVAU,
    StreamingFCLayer_Batch,
    accumulator_range,
    match_mvau,
)
from finn.custom_op.registry import getCustomOp
from finn.util.exceptions import FoldingError, UnsupportedGraphError
from golden.mvau import mvau

ACT_DTS = ["BINARY", "BIPOLAR", "UINT2", "INT2", "UINT3", "INT4"]


def mvau_case(draw):
    xnor = draw(st.booleans())
    (mw, simd), (mh, pe) = draw(size_and_fold()), draw(size_and_fold())
    idt = "BINARY" if xnor else draw(st.sampled_from(INT_DTS + ["BIPOLAR"]))
    wdt = "BINARY" if xnor else draw(st.sampled_from(INT_DTS + ["BIPOLAR"]))
    act = draw(st.sampled_from([None] + ACT_DTS))
    return dict(xnor=xnor, mw=mw, simd=simd, mh=mh, pe=pe, idt=idt, wdt=wdt, act=act)


def build(case, vecs=(1,), name="fc0"):
    act = case["act"]
    attrs = dict(
        MW=case["mw"],
        MH=case["mh"],
        PE=case["pe"],
        SIMD=case["simd"],
        binaryXnorMode=int(case["xnor"]),
        noActivation=int(act is None),
        inputDataType=case["idt"],
        weightDataType=case["wdt"],
        accDataType="INT32",
        outputDataType=act or "INT32",
        numInputVectors=list(vecs),
    )
    odt = DataType[act] if act else None
    if act and odt.signed() and odt != DataType["BIPOLAR"]:
        attrs["ActVal"] = int(odt.min())
    inputs = ["x", "w"] if act is None else ["x", "w", "t"]
    return make_op("StreamingFCLayer_Batch", inputs, ["y"], name=name, **attrs)


@settings(max_examples=120, deadline=None)
@given(st.data(), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_exec_matches_golden(data, batch, seed):
    case = mvau_case(data.draw)
    vecs = vectors(data.draw)
    rng = np.random.default_rng(seed)
    _, op = build(case, vecs)
    x = random_values(rng, case["idt"], [batch] + vecs[1:] + [case["mw"]])
    w = random_values(rng, case["wdt"], (case["mw"], case["mh"]))
    ctx = {"x": x, "w": w}
    if case["act"]:
        steps = DataType[case["act"]].get_num_possible_values() - 1
        acc = mvau(x, w, binary_xnor=case["xnor"]).reshape(-1, case["mh"])
        lo, hi = acc.min(), acc.max()
        ctx["t"] = np.sort(rng.integers(lo - 1, hi + 2, (case["mh"], steps)), axis=1).astype(
            np.float32
        )
    y = run(op, ctx)["y"]
    assert y.dtype == np.float32
    assert y.shape == x.shape[:-1] + (case["mh"],)
    if case["act"] is None:
        expected = mvau(x, w, binary_xnor=case["xnor"])
    elif case["act"] == "BIPOLAR":
        expected = 2 * mvau(x, w, ctx["t"], binary_xnor=case["xnor"]) - 1
        assert set(np.unique(y)) <= {-1.0, 1.0}
    else:
        bias = op.get_nodeattr("ActVal")
        expected = mvau(x, w, ctx["t"], binary_xnor=case["xnor"], out_bias=bias)
        odt = DataType[case["act"]]
        assert y.min() >= odt.min() and y.max() <= odt.max()
    np.testing.assert_array_equal(y, expected)
    # independent check without the golden module: accumulator, then thresholds reached
    xi, wi = x.astype(np.int64), w.astype(np.int64)
    ref = (xi @ wi + (1 - xi) @ (1 - wi)) if case["xnor"] else xi @ wi
    if case["act"] is not None:
        ref = (ref[..., None] >= ctx["t"]).sum(-1)
        ref = 2 * ref - 1 if case["act"] == "BIPOLAR" else ref + op.get_nodeattr("ActVal")
    np.testing.assert_array_equal(y, ref)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_shapes_widths_cycles(data):
    case = mvau_case(data.draw)
    vecs = vectors(data.draw)
    _, op = build(case, vecs)
    mw, mh, pe, simd = case["mw"], case["mh"], case["pe"], case["simd"]
    nin, nout = op.get_normal_input_shape(), op.get_normal_output_shape()
    fin, fout = op.get_folded_input_shape(), op.get_folded_output_shape()
    assert nin == tuple(vecs) + (mw,) and nout == tuple(vecs) + (mh,)
    assert np.prod(fin) == np.prod(nin) and np.prod(fout) == np.prod(nout)
    assert fin[-1] == simd and fout[-1] == pe
    ibits = DataType[case["idt"]].bitwidth()
    assert op.get_instream_width() == simd * ibits
    assert op.get_outstream_width() == pe * op.get_output_datatype().bitwidth()
    assert op.get_weightstream_width() == pe * simd * DataType[case["wdt"]].bitwidth()
    assert op.get_number_output_values() == np.prod(vecs) * mh // pe
    assert op.cycles() == (mw // simd) * (mh // pe) * int(np.prod(vecs))
    assert op.calc_wmem() * pe * simd == mw * mh
    op.verify_folding()
    assert {"PE": pe, "SIMD": simd} in op.folding_space()
    res = op.resources()
    assert set(res) == {"LUT", "BRAM18", "URAM", "DSP"} and all(v >= 0 for v in res.values())


@settings(max_examples=60, deadline=None)
@given(size_and_fold(), size_and_fold(), st.integers(0, 2**32 - 1))
def test_folded_weights_and_thresholds_layout(mwf, mhf, seed):
    (mw, simd), (mh, pe) = mwf, mhf
    rng = np.random.default_rng(seed)
    w = rng.integers(-8, 8, (mw, mh))
    thr = np.sort(rng.integers(-20, 20, (mh, 3)), axis=1)
    _, op = build(
        dict(xnor=False, mw=mw, simd=simd, mh=mh, pe=pe, idt="INT4", wdt="INT4", act="UINT2")
    )
    fw = op.folded_weights(w)
    assert fw.shape == (pe, op.calc_wmem(), simd)
    sf = mw // simd
    for p, word, s in itertools.product(range(pe), range(op.calc_wmem()), range(simd)):
        nf, sfi = divmod(word, sf)
        assert fw[p, word, s] == w[sfi * simd + s, nf * pe + p]
    ft = op.folded_thresholds(thr)
    assert ft.shape == (pe, op.calc_tmem(), 3)
    for p, nf in itertools.product(range(pe), range(mh // pe)):
        np.testing.assert_array_equal(ft[p, nf], thr[nf * pe + p])


@pytest.mark.parametrize("attr,value,whole", [("SIMD", 5, "MW"), ("PE", 3, "MH"), ("PE", 0, "MH")])
def test_folding_error_names_node_and_divisors(attr, value, whole):
    case = dict(xnor=False, mw=12, simd=1, mh=8, pe=1, idt="INT2", wdt="INT2", act=None)
    _, op = build(case, name="MyFC_3")
    op.set_nodeattr(attr, value)
    with pytest.raises(FoldingError) as err:
        op.verify_folding()
    msg = str(err.value)
    assert "MyFC_3" in msg and attr in msg and whole in msg
    assert str([1, 2, 3, 4, 6, 12] if whole == "MW" else [1, 2, 4, 8]) in msg
    assert any("MyFC_3" in m for m in op.verify_node())


def test_both_op_types_resolve():
    for op_type, cls in (("StreamingFCLayer_Batch", StreamingFCLayer_Batch), ("MVAU", MVAU)):
        op = getCustomOp(
            helper.make_node(op_type, ["x", "w"], ["y"], domain="finn.custom_op.fpgadataflow")
        )
        assert type(op) is cls and isinstance(op, StreamingFCLayer_Batch)


def test_resources_memory_and_dsp_rules():
    case = dict(xnor=False, mw=64, simd=8, mh=64, pe=8, idt="INT8", wdt="INT8", act=None)
    _, op = build(case)
    op.set_nodeattr("ram_style", "distributed")
    dist = op.resources()
    assert dist["BRAM18"] == 0
    op.set_nodeattr("ram_style", "block")
    block = op.resources()
    assert block["BRAM18"] > 0 and block["LUT"] < dist["LUT"]
    op.set_nodeattr("mem_mode", "external")
    assert op.resources()["BRAM18"] == 0
    op.set_nodeattr("resType", "dsp")
    assert op.resources()["DSP"] == 8 * 8
    op.set_nodeattr("resType", "lut")
    assert op.resources()["DSP"] == 0
    op.set_nodeattr("resType", "auto")  # 8 x 8 bits: DSP
    assert op.resources()["DSP"] == 64
    _, xnor_op = build(dict(case, xnor=True, idt="BINARY", wdt="BINARY"))
    xnor_op.set_nodeattr("resType", "dsp")
    assert xnor_op.resources()["DSP"] == 0


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(INT_DTS[:4] + ["BIPOLAR", "BINARY", "UINT2"]),
    st.integers(1, 3),
    st.integers(0, 99),
)
def test_accumulator_range_is_exact(idt_name, mw, seed):
    rng = np.random.default_rng(seed)
    idt = DataType[idt_name]
    w = rng.integers(-3, 4, (mw, 2))
    values = [-1, 1] if idt == DataType["BIPOLAR"] else range(int(idt.min()), int(idt.max()) + 1)
    accs = [np.array(x) @ w for x in itertools.product(values, repeat=mw)]
    assert accumulator_range(w, idt, False) == (int(np.min(accs)), int(np.max(accs)))
    assert accumulator_range(rng.integers(0, 2, (mw, 2)), DataType["BINARY"], True) == (0, mw)


def _matmul_model(wdt="INT2", w=None, idt="INT4", mt_scale=1.0):
    w = np.array([[1, -2], [0, 1], [1, 1]], dtype=np.float32) if w is None else w
    nodes = [helper.make_node("MatMul", ["x", "W"], ["acc"], name="MatMul_7")]
    nodes.append(
        helper.make_node(
            "MultiThreshold",
            ["acc", "T"],
            ["y"],
            domain="qonnx.custom_op.general",
            name="MT_7",
            out_dtype="UINT2",
            out_scale=mt_scale,
        )
    )
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_initializer("W", w)
    model.set_initializer("T", np.array([[-1, 0, 2]] * 2, dtype=np.float32))
    model = model.transform(InferShapes())
    model.set_tensor_datatype("x", DataType[idt])
    model.set_tensor_datatype("W", DataType[wdt])
    return model


def test_match_mvau_absorbs_threshold():
    model = _matmul_model()
    spec = match_mvau(model, model.graph.node[0])
    assert spec.attrs["noActivation"] == 0 and spec.outputs == ["y"]
    assert [n.name for n in spec.replaced] == ["MatMul_7", "MT_7"]
    assert (
        spec.attrs["MW"] == 3 and spec.attrs["MH"] == 2 and spec.attrs["outputDataType"] == "UINT2"
    )
    assert match_mvau(model, model.graph.node[1]) is None


@pytest.mark.parametrize(
    "kwargs,culprit",
    [
        (dict(wdt="FLOAT32"), "MatMul_7"),
        (dict(idt="FLOAT32"), "MatMul_7"),
        (dict(w=np.array([[0.5, 1], [0, 1], [1, 1]], dtype=np.float32)), "MatMul_7"),
        (dict(w=np.array([[4, 1], [0, 1], [1, 1]], dtype=np.float32)), "MatMul_7"),  # 4 not in INT2
        (dict(mt_scale=0.5), "MT_7"),
    ],
)
def test_match_mvau_errors_name_the_node(kwargs, culprit):
    model = _matmul_model(**kwargs)
    with pytest.raises(UnsupportedGraphError) as err:
        match_mvau(model, model.graph.node[0])
    assert f"node '{culprit}'" in str(err.value) and "how to fix" in str(err.value)
