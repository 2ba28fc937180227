"""finn.codegen.hls_kernels: each HW node as a kernel call (pure; nothing is compiled here)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from custom_op.fpgadataflow.hw_op_helpers import make_op, random_values, size_and_fold
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.cpp_values import element_codec, element_kind
from finn.codegen.hls_kernels import KERNELS, kernel_spec
from finn.custom_op.fpgadataflow.base import HW_DOMAIN
from finn.custom_op.fpgadataflow.labelselect import label_datatype
from finn.util.exceptions import FoldingError, UnsupportedGraphError
from golden.streams import unpack_words

IN_DTS = ["BINARY", "BIPOLAR", "INT2", "INT4", "INT8", "UINT2", "UINT3", "UINT8"]


def one_node_model(node, inits: dict[str, np.ndarray], in_len: int, out_len: int,
                   vecs=(1,)) -> ModelWrapper:
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(node.input[0], TensorProto.FLOAT, list(vecs) + [in_len])],
        [helper.make_tensor_value_info(node.output[0], TensorProto.FLOAT, list(vecs) + [out_len])],
    )
    model = ModelWrapper(helper.make_model(graph))
    for name, value in inits.items():
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
    return model


@st.composite
def mvau_models(draw):
    xnor = draw(st.booleans())
    (mw, simd), (mh, pe) = draw(size_and_fold(40)), draw(size_and_fold(40))
    idt = "BINARY" if xnor else draw(st.sampled_from(IN_DTS))
    wdt = "BINARY" if xnor else draw(st.sampled_from(["BIPOLAR", "INT2", "INT3", "INT4"]))
    act = draw(st.sampled_from([None, "BIPOLAR", "UINT2", "INT3"]))
    vecs = draw(st.sampled_from([(1,), (1, 3)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inits = {"w": random_values(rng, wdt, (mw, mh))}
    attrs = dict(noActivation=1, outputDataType="INT16", accDataType="INT16")
    if act is not None:
        steps = DataType[act].get_num_possible_values() - 1
        inits["t"] = np.sort(rng.integers(-300, 300, (mh, steps)), axis=1)
        attrs = dict(noActivation=0, outputDataType=act, accDataType="INT16",
                     ActVal=int(DataType[act].min()) if act != "BIPOLAR" else 0)
    node, op = make_op("StreamingFCLayer_Batch", ["x", *inits], ["y"], name="fc/0", MW=mw, MH=mh,
                       PE=pe, SIMD=simd, binaryXnorMode=int(xnor), inputDataType=idt,
                       weightDataType=wdt, numInputVectors=list(vecs), **attrs)
    return one_node_model(node, inits, mw, mh, vecs), node, op


@st.composite
def thresholding_models(draw):
    (c, pe) = draw(size_and_fold(40))
    idt = draw(st.sampled_from(IN_DTS))
    odt = draw(st.sampled_from(["BIPOLAR", "BINARY", "UINT3", "INT4"]))
    steps = DataType[odt].get_num_possible_values() - 1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    thr = np.sort(rng.integers(-20, 20, (c, steps)), axis=1)
    node, op = make_op("Thresholding_Batch", ["x", "t"], ["y"], name="thr0", NumChannels=c, PE=pe,
                       numSteps=steps, inputDataType=idt, outputDataType=odt, weightDataType="INT6")
    return one_node_model(node, {"t": thr}, c, c), node, op


@st.composite
def labelselect_models(draw):
    labels, pe = draw(size_and_fold(40))
    k = draw(st.integers(1, labels))
    idt = draw(st.sampled_from(IN_DTS))
    node, op = make_op("LabelSelect_Batch", ["x"], ["y"], name="ls0", Labels=labels, PE=pe, K=k,
                       inputDataType=idt, outputDataType=label_datatype(labels).name)
    return one_node_model(node, {}, labels, k), node, op


@settings(max_examples=150)
@given(st.one_of(mvau_models(), thresholding_models(), labelselect_models()))
def test_stream_ports_match_the_op(model_node_op):
    model, node, op = model_node_op
    spec = kernel_spec(model, node)
    idt, odt = op.get_input_datatype(), op.get_output_datatype()
    fin, fout = op.get_folded_input_shape(), op.get_folded_output_shape()
    assert spec.inp.width == op.get_instream_width() and spec.out.width == op.get_outstream_width()
    assert (spec.inp.words, spec.inp.per_word) == fin[-2:]
    assert (spec.out.words, spec.out.per_word) == fout[-2:]
    assert (spec.inp.bits, spec.inp.codec) == (idt.bitwidth(), element_codec(idt))
    assert (spec.out.bits, spec.out.codec) == (odt.bitwidth(), element_codec(odt))
    assert spec.inp.word_type == f"ap_uint<{op.get_instream_width()}>"
    assert spec.out_is_index == (node.op_type == "LabelSelect_Batch")
    assert spec.node == node.name and re.fullmatch(r"[A-Za-z_]\w*", spec.ident)
    call = spec.call_text("in_s", "out_s", "n")
    assert "{" not in call and call.endswith(");")
    assert re.search(r"\(in_s, out_s\b.*\bn\);$", call), call
    assert spec.header in {"mvau.h", "thresholding.h", "labelselect.h"}


def decls(params: str) -> dict[str, str]:
    """Array name -> its declaration text."""
    out = {}
    for part in params.split("static const ")[1:]:
        out[re.match(r"\S+ (\w+)\[", part).group(1)] = part
    return out


@settings(max_examples=80)
@given(mvau_models())
def test_mvau_memories_hold_the_folded_tensors(model_node_op):
    model, node, op = model_node_op
    spec = kernel_spec(model, node)
    pe, simd, mw, mh = (op.get_nodeattr(a) for a in ("PE", "SIMD", "MW", "MH"))
    wdt = op.get_weight_datatype()
    arrays = decls(spec.params)
    wmem = mw * mh // (pe * simd)
    assert arrays["weights"].startswith(f"ap_uint<{simd * wdt.bitwidth()}> weights[{pe}][{wmem}] =")
    words = [int(h, 16) for h in re.findall(r"0x([0-9a-f]+)", arrays["weights"])]
    got = unpack_words(words, simd, wdt.bitwidth(), element_kind(wdt)).reshape(pe, wmem, simd)
    np.testing.assert_array_equal(got, op.folded_weights(model.get_initializer("w")))
    thr_decl = arrays["thresholds"]
    if op.get_nodeattr("noActivation"):
        n_thr = 0  # T = 0: the accumulator is the output (a dummy 1-entry memory)
        assert f"thresholds[{pe}][{mh // pe}][1]" in thr_decl
    else:
        folded = op.folded_thresholds(model.get_initializer("t"))
        n_thr = folded.shape[2]
        assert f"thresholds[{pe}][{mh // pe}][{n_thr}]" in thr_decl
        values = [int(v) for v in re.findall(r"(-?\d+)LL", thr_decl)]
        np.testing.assert_array_equal(np.array(values).reshape(folded.shape), folded)
        bits = int(re.match(r"ap_int<(\d+)>", thr_decl).group(1))
        assert -(2 ** (bits - 1)) <= folded.min() and folded.max() < 2 ** (bits - 1)
    xnor = "true" if op.get_nodeattr("binaryXnorMode") else "false"
    assert spec.call.startswith(f"finn::mvau<{mw}, {mh}, {simd}, {pe}, {n_thr}, ")
    assert f", {xnor}, " in spec.call
    assert spec.call_text("i", "o", "r").endswith(
        f"(i, o, {spec.ns}::weights, {spec.ns}::thresholds, r);")


@settings(max_examples=40)
@given(thresholding_models())
def test_thresholding_memory_holds_the_folded_thresholds(model_node_op):
    model, node, op = model_node_op
    spec = kernel_spec(model, node)
    folded = op.folded_thresholds(model.get_initializer("t"))
    values = [int(v) for v in re.findall(r"(-?\d+)LL", decls(spec.params)["thresholds"])]
    np.testing.assert_array_equal(np.array(values).reshape(folded.shape), folded)
    c, pe = op.get_nodeattr("NumChannels"), op.get_nodeattr("PE")
    assert spec.call.startswith(f"finn::thresholding<{c}, {pe}, {folded.shape[2]}, ")


def test_op_without_kernel_lists_the_known_ones():
    node = helper.make_node("ConvolutionInputGenerator", ["x"], ["y"], name="SWG_4", domain=HW_DOMAIN)
    model = one_node_model(node, {}, 4, 4)
    with pytest.raises(UnsupportedGraphError) as err:
        kernel_spec(model, node)
    msg = str(err.value)
    assert "node 'SWG_4'" in msg and "ConvolutionInputGenerator" in msg
    for op_type in KERNELS:
        assert op_type in msg


@pytest.mark.parametrize("missing", ["w", "t"])
def test_missing_initializer_names_node_and_input(missing):
    inits = {"w": np.ones((4, 2)), "t": np.zeros((2, 1))}
    del inits[missing]
    node, _ = make_op("StreamingFCLayer_Batch", ["x", "w", "t"], ["y"], name="FC_9", MW=4, MH=2,
                      inputDataType="INT2", weightDataType="INT2", outputDataType="BINARY",
                      accDataType="INT8")
    with pytest.raises(UnsupportedGraphError) as err:
        kernel_spec(one_node_model(node, inits, 4, 2), node)
    msg = str(err.value)
    assert "node 'FC_9'" in msg and f"'{missing}'" in msg and "initializer" in msg


def test_illegal_folding_is_refused():
    node, _ = make_op("Thresholding_Batch", ["x", "t"], ["y"], name="Thr_2", NumChannels=6, PE=4,
                      numSteps=1, inputDataType="INT2", outputDataType="BINARY", weightDataType="INT2")
    with pytest.raises(FoldingError, match="Thr_2"):
        kernel_spec(one_node_model(node, {"t": np.zeros((6, 1))}, 6, 6), node)


def test_spec_is_pure():
    """Building a spec leaves the node and its initializers untouched."""
    w = np.arange(-4, 4).reshape(4, 2) % 3 - 1
    node, _ = make_op("StreamingFCLayer_Batch", ["x", "w"], ["y"], name="fc", MW=4, MH=2, PE=2, SIMD=2,
                      noActivation=1, inputDataType="INT2", weightDataType="INT2", outputDataType="INT8",
                      accDataType="INT8")
    model = one_node_model(node, {"w": w}, 4, 2)
    before = model.model.SerializeToString()
    first = kernel_spec(model, model.graph.node[0])
    assert kernel_spec(model, model.graph.node[0]) == first
    assert model.model.SerializeToString() == before
    assert getCustomOp(model.graph.node[0]).get_nodeattr("PE") == 2
