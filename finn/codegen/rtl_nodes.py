"""Each HW node as an instance of a ``finn/rtllib`` module: :class:`RtlInstance`.

An instance holds the module name, its Verilog parameters, the memory images it
reads with ``$readmemh`` (file name -> text; the names are relative, so the design
folder can move and Yosys, which cannot see absolute paths, reads them too) and
both stream interfaces. :data:`RTL_MODULES` maps op types to the functions that
build instances from a node's attributes and initializers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from qonnx.core.datatype import BaseDataType, DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.cpp_values import c_identifier, element_kind
from finn.codegen.registry import emit
from finn.codegen.rtl_mem import (
    mem_file_text,
    threshold_bits,
    threshold_mem_lines,
    weight_mem_lines,
)
from finn.util.exceptions import UnsupportedGraphError

KIND_CODE = {"unsigned": 0, "signed": 1, "bipolar": 2}
MODULE_FILES = {
    "finn_mvau": "finn_mvau.v",
    "finn_thresholding": "finn_thresholding.v",
    "finn_labelselect": "finn_labelselect.v",
    "finn_dwc": "finn_dwc.v",
    "finn_fifo": "finn_fifo.v",
}


@dataclass(frozen=True)
class RtlInstance:
    """One module instance; widths in bits, words per vector on each side."""

    node: str
    ident: str
    module: str
    params: dict[str, int | str]
    in_width: int
    out_width: int
    in_words: int
    out_words: int
    mem_files: dict[str, str] = field(default_factory=dict)
    has_count: bool = False  # exposes a `count` output (FIFO occupancy)

    @property
    def source(self) -> str:
        return MODULE_FILES[self.module]


def _kind(dt: BaseDataType) -> int:
    return KIND_CODE[element_kind(dt)]


def _init(model: ModelWrapper, node, index: int) -> np.ndarray:
    value = model.get_initializer(node.input[index])
    if value is None:
        raise UnsupportedGraphError(
            f"input {index} ('{node.input[index]}') must be a constant initializer for RTL generation",
            node=node.name,
        )
    return np.asarray(value)


def _ram_style(style: str) -> str:
    # no UltraRAM in the Verilog library (and none on xc7z020): such memories use block RAM
    return "block" if style == "ultra" else style


def _act_val(op) -> int:
    return 0 if op.get_output_datatype() == DataType["BIPOLAR"] else int(op.get_nodeattr("ActVal"))


def mvau_instance(model: ModelWrapper, node) -> RtlInstance:
    op = getCustomOp(node)
    op.verify_folding()
    ident = c_identifier(node.name)
    mw, mh, pe, simd = (op.get_nodeattr(a) for a in ("MW", "MH", "PE", "SIMD"))
    idt, wdt, odt, adt = (op.get_input_datatype(), op.get_weight_datatype(), op.get_output_datatype(),
                          op.get_acc_datatype())
    wfile = f"{ident}_weights.mem"
    mems = {wfile: mem_file_text(weight_mem_lines(op.folded_weights(_init(model, node, 1)), wdt))}
    params: dict[str, int | str] = {
        "MW": mw, "MH": mh, "PE": pe, "SIMD": simd,
        "IBITS": idt.bitwidth(), "IKIND": _kind(idt), "WBITS": wdt.bitwidth(), "WKIND": _kind(wdt),
        "XNOR": int(op.get_nodeattr("binaryXnorMode")),
        "ACCBITS": adt.bitwidth() + (0 if adt.signed() else 1),
        "OBITS": odt.bitwidth(), "WEIGHT_FILE": wfile, "RAM_STYLE": _ram_style(op.get_nodeattr("ram_style")),
    }
    if op.get_nodeattr("noActivation"):
        params.update(NTHR=0, TBITS=2, ACTVAL=0, THRESH_FILE="")
    else:
        thr = op.folded_thresholds(_init(model, node, 2))
        tbits = threshold_bits(thr)
        tfile = f"{ident}_thresholds.mem"
        mems[tfile] = mem_file_text(threshold_mem_lines(thr, tbits))
        params.update(NTHR=thr.shape[2], TBITS=tbits, ACTVAL=_act_val(op), THRESH_FILE=tfile)
    return RtlInstance(node.name, ident, "finn_mvau", params, simd * idt.bitwidth(), pe * odt.bitwidth(),
                       mw // simd, mh // pe, mems)


def thresholding_instance(model: ModelWrapper, node) -> RtlInstance:
    op = getCustomOp(node)
    op.verify_folding()
    ident = c_identifier(node.name)
    c, pe = op.get_nodeattr("NumChannels"), op.get_nodeattr("PE")
    idt, odt = op.get_input_datatype(), op.get_output_datatype()
    thr = op.folded_thresholds(_init(model, node, 1))
    tbits = threshold_bits(thr)
    tfile = f"{ident}_thresholds.mem"
    params: dict[str, int | str] = {
        "C": c, "PE": pe, "IBITS": idt.bitwidth(), "IKIND": _kind(idt), "NTHR": thr.shape[2],
        "TBITS": tbits, "ACTVAL": _act_val(op), "OBITS": odt.bitwidth(), "THRESH_FILE": tfile,
        "RAM_STYLE": _ram_style(op.get_nodeattr("ram_style")),
    }
    return RtlInstance(node.name, ident, "finn_thresholding", params, pe * idt.bitwidth(),
                       pe * odt.bitwidth(), c // pe, c // pe,
                       {tfile: mem_file_text(threshold_mem_lines(thr, tbits))})


def labelselect_instance(model: ModelWrapper, node) -> RtlInstance:
    op = getCustomOp(node)
    op.verify_folding()
    labels, pe, k = op.get_nodeattr("Labels"), op.get_nodeattr("PE"), op.get_nodeattr("K")
    idt, odt = op.get_input_datatype(), op.get_output_datatype()
    params: dict[str, int | str] = {"L": labels, "PE": pe, "K": k, "IBITS": idt.bitwidth(),
                                    "IKIND": _kind(idt), "OBITS": odt.bitwidth()}
    return RtlInstance(node.name, c_identifier(node.name), "finn_labelselect", params,
                       pe * idt.bitwidth(), odt.bitwidth(), labels // pe, k)


def dwc_instance(model: ModelWrapper, node) -> RtlInstance:
    op = getCustomOp(node)
    op.verify_folding()
    iw, ow = op.get_nodeattr("inWidth"), op.get_nodeattr("outWidth")
    frame_bits = int(op.get_nodeattr("shape")[-1]) * op.get_input_datatype().bitwidth()
    return RtlInstance(node.name, c_identifier(node.name), "finn_dwc", {"IW": iw, "OW": ow}, iw, ow,
                       frame_bits // iw, frame_bits // ow)


def fifo_instance(model: ModelWrapper, node) -> RtlInstance:
    op = getCustomOp(node)
    op.verify_folding()
    width = op.get_instream_width()
    words = int(op.get_nodeattr("shape")[-1]) // op.get_nodeattr("elemsPerWord")
    return RtlInstance(node.name, c_identifier(node.name), "finn_fifo",
                       {"WIDTH": width, "DEPTH": op.get_nodeattr("depth")}, width, width, words, words,
                       has_count=True)


RTL_MODULES: dict[str, Callable[[ModelWrapper, object], RtlInstance]] = {
    "StreamingFCLayer_Batch": mvau_instance,
    "MVAU": mvau_instance,
    "Thresholding_Batch": thresholding_instance,
    "LabelSelect_Batch": labelselect_instance,
    "StreamingDataWidthConverter_Batch": dwc_instance,
    "StreamingFIFO": fifo_instance,
}


def rtl_instance(model: ModelWrapper, node) -> RtlInstance:
    """The :class:`RtlInstance` of HW ``node``; UnsupportedGraphError for ops without a module."""
    return emit(RTL_MODULES, "Verilog module", model, node)
