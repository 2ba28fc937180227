"""Each HW node as a call of an ``finn/hlslib`` kernel: :class:`KernelSpec`.

A spec holds everything an emitter needs: the kernel header, the node's constant
memories as C++ declarations (inside the node's own namespace), the call with
placeholders for the streams and the vector count, and both stream interfaces
(element codec, elements per word, words per vector). :data:`KERNELS` maps op
types to the functions that build specs; they read the node's attributes and
initializers and never write anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.cpp_values import (
    c_identifier,
    element_codec,
    int_literals,
    nested_initializer,
    signed_bits,
    word_literals,
)
from finn.codegen.registry import emit
from finn.util.exceptions import UnsupportedGraphError


@dataclass(frozen=True)
class StreamPort:
    """One stream interface: element codec, elements per word, words per vector."""

    codec: str
    bits: int  # bits per element
    per_word: int
    words: int

    @property
    def width(self) -> int:
        return self.bits * self.per_word

    @property
    def word_type(self) -> str:
        return f"ap_uint<{self.width}>"


@dataclass(frozen=True)
class KernelSpec:
    """A HW node as a kernel call.

    ``call`` is a ``str.format`` template with ``{inp}``, ``{out}`` (stream names),
    ``{ns}`` (the node's parameter namespace) and ``{reps}`` (vectors to process).
    ``params`` declares the constant memories; emitters wrap it in namespace ``ns``.
    """

    node: str
    ident: str
    header: str
    params: str
    call: str
    inp: StreamPort
    out: StreamPort
    out_is_index: bool = False  # output values are indices (int64 tensors), not activations

    @property
    def ns(self) -> str:
        return f"p_{self.ident}"

    def call_text(self, inp: str, out: str, reps: str) -> str:
        return self.call.format(inp=inp, out=out, reps=reps, ns=self.ns)


def _initializer(model: ModelWrapper, node, index: int) -> np.ndarray:
    value = model.get_initializer(node.input[index])
    if value is None:
        raise UnsupportedGraphError(
            f"input {index} ('{node.input[index]}') must be a constant initializer for C++ generation",
            node=node.name,
            hint="weights and thresholds are baked into the kernel; keep them as initializers",
        )
    return np.asarray(value)


def _threshold_decl(thr_folded: np.ndarray) -> tuple[str, str]:
    """(C element type, declaration) of a (PE, TMEM, T) threshold memory."""
    bits = signed_bits(int(thr_folded.min()), int(thr_folded.max()))
    ctype = f"ap_int<{bits}>"
    pe, tmem, t = thr_folded.shape
    init = nested_initializer(int_literals(thr_folded), thr_folded.shape)
    return ctype, f"static const {ctype} thresholds[{pe}][{tmem}][{t}] =\n{init};\n"


def mvau_kernel(model: ModelWrapper, node) -> KernelSpec:
    op = getCustomOp(node)
    op.verify_folding()
    mw, mh = op.get_nodeattr("MW"), op.get_nodeattr("MH")
    pe, simd = op.get_nodeattr("PE"), op.get_nodeattr("SIMD")
    xnor = bool(op.get_nodeattr("binaryXnorMode"))
    idt, wdt, odt = op.get_input_datatype(), op.get_weight_datatype(), op.get_output_datatype()
    adt = op.get_acc_datatype()
    w_folded = op.folded_weights(_initializer(model, node, 1))
    wmem = w_folded.shape[1]
    wwidth = simd * wdt.bitwidth()
    params = (
        f"static const ap_uint<{wwidth}> weights[{pe}][{wmem}] =\n"
        f"{nested_initializer(word_literals(w_folded, wdt), (pe, wmem))};\n"
    )
    if op.get_nodeattr("noActivation"):
        n_thr, thr_type = 0, "ap_int<2>"
        params += f"static const {thr_type} thresholds[{pe}][{mh // pe}][1] = {{}};\n"
    else:
        thr_folded = op.folded_thresholds(_initializer(model, node, 2))
        n_thr = thr_folded.shape[2]
        thr_type, decl = _threshold_decl(thr_folded)
        params += decl
    acc_bits = adt.bitwidth() + (0 if adt.signed() else 1)
    ident = c_identifier(node.name)
    act_val = 0 if odt == DataType["BIPOLAR"] else op.get_nodeattr("ActVal")
    call = (
        f"finn::mvau<{mw}, {mh}, {simd}, {pe}, {n_thr}, {element_codec(idt)}, {element_codec(wdt)}, "
        f"{element_codec(odt)}, {'true' if xnor else 'false'}, {act_val}, ap_int<{acc_bits}>, {thr_type}>"
        "({inp}, {out}, {ns}::weights, {ns}::thresholds, {reps});"
    )
    return KernelSpec(
        node=node.name, ident=ident, header="mvau.h", params=params, call=call,
        inp=StreamPort(element_codec(idt), idt.bitwidth(), simd, mw // simd),
        out=StreamPort(element_codec(odt), odt.bitwidth(), pe, mh // pe),
    )


def thresholding_kernel(model: ModelWrapper, node) -> KernelSpec:
    op = getCustomOp(node)
    op.verify_folding()
    c, pe = op.get_nodeattr("NumChannels"), op.get_nodeattr("PE")
    idt, odt = op.get_input_datatype(), op.get_output_datatype()
    thr_folded = op.folded_thresholds(_initializer(model, node, 1))
    thr_type, params = _threshold_decl(thr_folded)
    act_val = 0 if odt == DataType["BIPOLAR"] else op.get_nodeattr("ActVal")
    call = (
        f"finn::thresholding<{c}, {pe}, {thr_folded.shape[2]}, {element_codec(idt)}, "
        f"{element_codec(odt)}, {act_val}, {thr_type}>"
        "({inp}, {out}, {ns}::thresholds, {reps});"
    )
    return KernelSpec(
        node=node.name, ident=c_identifier(node.name), header="thresholding.h", params=params,
        call=call,
        inp=StreamPort(element_codec(idt), idt.bitwidth(), pe, c // pe),
        out=StreamPort(element_codec(odt), odt.bitwidth(), pe, c // pe),
    )


def labelselect_kernel(model: ModelWrapper, node) -> KernelSpec:
    op = getCustomOp(node)
    op.verify_folding()
    labels, pe, k = op.get_nodeattr("Labels"), op.get_nodeattr("PE"), op.get_nodeattr("K")
    idt, odt = op.get_input_datatype(), op.get_output_datatype()
    call = (
        f"finn::label_select<{labels}, {pe}, {k}, {element_codec(idt)}, {element_codec(odt)}>"
        "({inp}, {out}, {reps});"
    )
    return KernelSpec(
        node=node.name, ident=c_identifier(node.name), header="labelselect.h", params="",
        call=call,
        inp=StreamPort(element_codec(idt), idt.bitwidth(), pe, labels // pe),
        out=StreamPort(element_codec(odt), odt.bitwidth(), 1, k),
        out_is_index=True,
    )


def dwc_kernel(model: ModelWrapper, node) -> KernelSpec:
    op = getCustomOp(node)
    op.verify_folding()
    dt = op.get_input_datatype()
    bits = dt.bitwidth()
    iw, ow = op.get_nodeattr("inWidth"), op.get_nodeattr("outWidth")
    channels = int(op.get_nodeattr("shape")[-1])
    call = f"finn::dwc<{iw}, {ow}, {channels * bits}>" "({inp}, {out}, {reps});"
    return KernelSpec(
        node=node.name, ident=c_identifier(node.name), header="dwc.h", params="", call=call,
        inp=StreamPort(element_codec(dt), bits, iw // bits, channels * bits // iw),
        out=StreamPort(element_codec(dt), bits, ow // bits, channels * bits // ow),
    )


def fifo_kernel(model: ModelWrapper, node) -> KernelSpec:
    op = getCustomOp(node)
    op.verify_folding()
    dt = op.get_input_datatype()
    n = op.get_nodeattr("elemsPerWord")
    words = int(op.get_nodeattr("shape")[-1]) // n
    call = f"finn::fifo<{n * dt.bitwidth()}, {op.get_nodeattr('depth')}>" "({inp}, {out}, {reps} * %d);" % words
    port = StreamPort(element_codec(dt), dt.bitwidth(), n, words)
    return KernelSpec(
        node=node.name, ident=c_identifier(node.name), header="fifo.h", params="", call=call,
        inp=port, out=port,
    )


KERNELS: dict[str, Callable[[ModelWrapper, object], KernelSpec]] = {
    "StreamingFCLayer_Batch": mvau_kernel,
    "MVAU": mvau_kernel,
    "Thresholding_Batch": thresholding_kernel,
    "LabelSelect_Batch": labelselect_kernel,
    "StreamingDataWidthConverter_Batch": dwc_kernel,
    "StreamingFIFO": fifo_kernel,
}


def kernel_spec(model: ModelWrapper, node) -> KernelSpec:
    """The :class:`KernelSpec` of HW ``node``; UnsupportedGraphError for ops without a kernel."""
    return emit(KERNELS, "C++ kernel", model, node)
