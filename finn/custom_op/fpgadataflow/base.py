"""`HWCustomOp`: what every streaming dataflow (HW) op tells the rest of the compiler.

A HW op is a node in domain ``finn.custom_op.fpgadataflow``. It describes one
hardware block that reads its main input as a stream of words and writes its
output as a stream of words. Everything a later stage needs is a pure query
on the op: the normal (unfolded) and folded tensor shapes, the stream widths,
the per-frame cycle count of the ideal pipeline (one PE x SIMD step per clock,
no bubbles), a resource estimate, and the weight/threshold tensors laid out as
the hardware memories hold them (:func:`get_weight_tensor_folded`,
:func:`get_threshold_tensor_folded`). Emitters (``finn/codegen``) read these;
they never recompute a layout themselves.

Conventions shared by all HW ops
--------------------------------
* Activations are channels-last: shape ``(N, ..., C)``. ``numInputVectors``
  holds the leading dims of *one frame*, batch placeholder first (``[1]`` for a
  fully-connected layer, ``[1, H, W]`` for a convolution lowered to a matmul),
  so ``cycles()`` is per frame. Python execution uses the real leading dims of
  the input it is given, so any batch size N works.
* Folding: an input vector of C elements arrives as C/SIMD words of SIMD
  elements; an output vector of C elements leaves as C/PE words of PE elements.
* Ops never mutate the graph and never touch files; lowering patterns return a
  :class:`LoweringSpec` that a pass in ``finn/transformation/fpgadataflow``
  applies.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from onnx import NodeProto
from qonnx.core.datatype import BaseDataType, DataType
from qonnx.custom_op.base import CustomOp

from finn.util.exceptions import FinnError, FoldingError, UnsupportedGraphError

HW_DOMAIN = "finn.custom_op.fpgadataflow"

# Xilinx 7-series RAMB18 aspect ratios (depth, width): 18 Kib, or 16 Kib for width < 9
BRAM18_SHAPES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))
# LUTRAM: one LUT6 is a 64 x 1 bit RAM (RAM64X1S)
LUTRAM_DEPTH = 64
# UltraRAM: 4096 x 72 bits
URAM_SHAPE = (4096, 72)
# "auto" ram_style: memories this shallow go to LUTRAM (a BRAM18 would be >= 75 % empty)
AUTO_LUTRAM_MAX_DEPTH = 128


# --------------------------------------------------------------------------- helpers


def divisors(n: int) -> list[int]:
    """All positive divisors of ``n``, ascending."""
    if n < 1:
        return []
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def get_weight_tensor_folded(w: np.ndarray, pe: int, simd: int) -> np.ndarray:
    """Lay out a MatMul weight matrix as the PE weight memories hold it.

    Parameters
    ----------
    w : ndarray
        Shape (MW, MH), MatMul layout (``y = x @ w``).
    pe, simd : int
        Folding; PE must divide MH and SIMD must divide MW.

    Returns
    -------
    ndarray
        Shape (PE, WMEM, SIMD) with WMEM = (MH/PE) * (MW/SIMD). Output neuron
        ``o`` is computed by PE ``o % PE`` in neuron fold ``nf = o // PE``; input
        element ``i`` is SIMD lane ``i % SIMD`` of synapse fold ``sf = i // SIMD``;
        word ``nf * (MW/SIMD) + sf`` of PE ``p`` holds ``w[sf*SIMD + s, nf*PE + p]``
        in lane ``s``, i.e. the order in which the hardware reads it. Values are
        unchanged (bit encodings such as bipolar -1 -> 0 are the emitter's job).
    """
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError(f"weights must be 2-D (MW, MH), got shape {w.shape}")
    mw, mh = w.shape
    if pe < 1 or simd < 1 or mh % pe or mw % simd:
        raise ValueError(f"PE={pe} must divide MH={mh} and SIMD={simd} must divide MW={mw}")
    nf, sf = mh // pe, mw // simd
    # (MH, MW) -> (NF, PE, SF, SIMD) -> (PE, NF, SF, SIMD)
    folded = w.T.reshape(nf, pe, sf, simd).transpose(1, 0, 2, 3)
    return folded.reshape(pe, nf * sf, simd)


def get_threshold_tensor_folded(
    thr: np.ndarray, pe: int, channels: int | None = None
) -> np.ndarray:
    """Lay out a (C, T) threshold matrix as the PE threshold memories hold it.

    Parameters
    ----------
    thr : ndarray
        Shape (C, T), or (1, T) shared by all channels (then ``channels`` is needed).
    pe : int
        Must divide C.
    channels : int, optional
        C, to broadcast a (1, T) matrix.

    Returns
    -------
    ndarray
        Shape (PE, TMEM, T) with TMEM = C/PE; entry ``[p, nf]`` holds the
        thresholds of channel ``nf * PE + p``.
    """
    thr = np.asarray(thr)
    if thr.ndim != 2:
        raise ValueError(f"thresholds must be 2-D (C, T), got shape {thr.shape}")
    c = channels if channels is not None else thr.shape[0]
    if thr.shape[0] not in (1, c):
        raise ValueError(f"thresholds of shape {thr.shape} do not match {c} channels")
    thr = np.broadcast_to(thr, (c, thr.shape[1]))
    if pe < 1 or c % pe:
        raise ValueError(f"PE={pe} must divide the channel count {c}")
    return thr.reshape(c // pe, pe, thr.shape[1]).transpose(1, 0, 2).copy()


def memory_resources(depth: int, width: int, ram_style: str) -> dict[str, int]:
    """LUT / BRAM18 / URAM cost of one ``depth`` x ``width`` bit memory.

    * ``distributed``: LUTRAM, ``ceil(depth / 64) * width`` LUTs.
    * ``block``: the cheapest RAMB18 aspect ratio,
      ``min over (d, w) of ceil(depth / d) * ceil(width / w)``.
    * ``ultra``: ``ceil(depth / 4096) * ceil(width / 72)`` URAMs.
    * ``auto``: LUTRAM if ``depth <= 128``, else block RAM (what Vivado tends to do).
    """
    res = {"LUT": 0, "BRAM18": 0, "URAM": 0}
    if depth <= 0 or width <= 0:
        return res
    if ram_style == "auto":
        ram_style = "distributed" if depth <= AUTO_LUTRAM_MAX_DEPTH else "block"
    if ram_style == "distributed":
        res["LUT"] = math.ceil(depth / LUTRAM_DEPTH) * width
    elif ram_style == "block":
        res["BRAM18"] = min(math.ceil(depth / d) * math.ceil(width / w) for d, w in BRAM18_SHAPES)
    elif ram_style == "ultra":
        res["URAM"] = math.ceil(depth / URAM_SHAPE[0]) * math.ceil(width / URAM_SHAPE[1])
    else:
        raise ValueError(f"unknown ram_style {ram_style!r}")
    return res


def channels_last_layout(rank: int, data_layout: str) -> bool:
    """Whether qonnx MultiThreshold sees channels on the last axis.

    qonnx reads channels from ``data_layout`` if set, else guesses by rank:
    2 -> NC, 3 -> NWC, 4 -> NCHW.
    """
    if data_layout:
        return data_layout.endswith("C") and data_layout.count("C") == 1
    return rank in (2, 3)


def is_hw_node(node: NodeProto) -> bool:
    """True for a streaming HW op (domain ``finn.custom_op.fpgadataflow``, HWCustomOp)."""
    if node.domain != HW_DOMAIN:
        return False
    from qonnx.custom_op.registry import getCustomOp

    try:
        return isinstance(getCustomOp(node), HWCustomOp)
    except KeyError:
        return False


@dataclass
class NewTensor:
    """A tensor a lowering creates (the pass picks a fresh name)."""

    value: np.ndarray
    datatype: BaseDataType


@dataclass
class LoweringSpec:
    """What a lowering pattern found: the HW node to build and the nodes it replaces.

    ``inputs`` holds existing tensor names or :class:`NewTensor` initializers;
    ``outputs`` are existing tensor names (the replaced subgraph's outputs);
    ``datatypes`` are annotations to set on existing tensors.
    """

    op_type: str
    inputs: list[str | NewTensor]
    outputs: list[str]
    attrs: dict[str, Any]
    replaced: list[NodeProto]
    datatypes: dict[str, BaseDataType] = field(default_factory=dict)


# --------------------------------------------------------------------------- base class


class HWCustomOp(CustomOp):
    """Base of every streaming HW op. Subclasses add their attributes and models."""

    def get_nodeattr_types(self) -> dict[str, tuple]:
        return {
            # leading dims of one frame, batch placeholder first: [1] or [1, H, W]
            "numInputVectors": ("ints", False, [1]),
            # FIFO depths the surrounding stream FIFOs need (used by FIFO insertion)
            "inFIFODepth": ("i", False, 2),
            "outFIFODepth": ("i", False, 2),
            "inputDataType": ("s", True, ""),
            "outputDataType": ("s", True, ""),
        }

    # --- identity and errors ------------------------------------------------------

    @property
    def name(self) -> str:
        return self.onnx_node.name or f"<unnamed {self.onnx_node.op_type}>"

    def _fail(self, exc: type[FinnError], message: str, hint: str | None = None) -> FinnError:
        return exc(message, node=self.name, hint=hint)

    # --- datatypes and shapes -----------------------------------------------------

    def get_input_datatype(self, ind: int = 0) -> BaseDataType:
        return DataType[self.get_nodeattr("inputDataType")]

    def get_output_datatype(self, ind: int = 0) -> BaseDataType:
        return DataType[self.get_nodeattr("outputDataType")]

    def frame_vectors(self) -> int:
        """Vectors per frame: ``prod(numInputVectors)``."""
        return int(np.prod(self.get_nodeattr("numInputVectors")))

    @abstractmethod
    def get_normal_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        """Unfolded shape of input ``ind`` for one frame."""

    @abstractmethod
    def get_normal_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        """Unfolded shape of output ``ind`` for one frame."""

    @abstractmethod
    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        """Input as a stream: last axis is one stream word (SIMD or PE elements)."""

    @abstractmethod
    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        """Output as a stream: last axis is one stream word."""

    def get_instream_width(self, ind: int = 0) -> int:
        """Bits per input stream word."""
        return self.get_folded_input_shape(ind)[-1] * self.get_input_datatype(ind).bitwidth()

    def get_outstream_width(self, ind: int = 0) -> int:
        """Bits per output stream word."""
        return self.get_folded_output_shape(ind)[-1] * self.get_output_datatype(ind).bitwidth()

    def get_number_output_values(self) -> int:
        """Output stream words per frame."""
        return int(np.prod(self.get_folded_output_shape()[:-1]))

    # --- folding and models -------------------------------------------------------

    @abstractmethod
    def folding_space(self) -> list[dict[str, int]]:
        """Every legal folding as attribute dicts, e.g. ``[{"PE": 1, "SIMD": 1}, ...]``."""

    @abstractmethod
    def verify_folding(self) -> None:
        """Raise :class:`FoldingError` (node, constraint, valid values) if folding is illegal."""

    @abstractmethod
    def cycles(self) -> int:
        """Clock cycles per frame of the ideal pipeline (one PE x SIMD step per clock)."""

    def min_in_fifo_depth(self) -> int:
        """Input FIFO words this unit needs to reach ``cycles()`` when its producer is
        throttled to the same rate (2: units that read their input continuously)."""
        return 2

    @abstractmethod
    def resources(self) -> dict[str, int]:
        """Estimated ``{"LUT", "BRAM18", "URAM", "DSP"}`` use."""

    def _check_divides(self, part_attr: str, whole_attr: str) -> None:
        part, whole = self.get_nodeattr(part_attr), self.get_nodeattr(whole_attr)
        if not (isinstance(part, int) and part >= 1 and whole >= 1 and whole % part == 0):
            raise self._fail(
                FoldingError,
                f"{part_attr}={part} must be >= 1 and divide {whole_attr}={whole}",
                f"set {part_attr} to one of {divisors(whole)}",
            )

    # --- qonnx CustomOp contract -------------------------------------------------

    def infer_node_datatype(self, model) -> None:
        """Annotate the output with ``outputDataType``.

        If upstream now annotates the input with a narrower integer type (its range
        inside ``inputDataType``'s), adopt it: the op stays correct and its stream
        gets narrower. Any other mismatch is an error.
        """
        node = self.onnx_node
        idt = model.get_tensor_datatype(node.input[0])
        cur = self.get_input_datatype()
        if idt != cur and idt.is_integer() and cur.min() <= idt.min() and idt.max() <= cur.max():
            self.set_nodeattr("inputDataType", idt.name)
        elif idt != cur:
            raise self._fail(
                UnsupportedGraphError,
                f"input '{node.input[0]}' is annotated {idt.name} but inputDataType is "
                f"{self.get_nodeattr('inputDataType')}",
                "re-run the conversion pass after changing upstream datatypes, "
                "or fix the annotation with model.set_tensor_datatype",
            )
        model.set_tensor_datatype(node.output[0], self.get_output_datatype())

    def _input_array(self, context: dict, ind: int, last_dim: int) -> np.ndarray:
        x = np.asarray(context[self.onnx_node.input[ind]])
        if x.ndim < 2 or x.shape[-1] != last_dim:
            raise self._fail(
                UnsupportedGraphError,
                f"input '{self.onnx_node.input[ind]}' has shape {x.shape}, expected (N, ..., {last_dim})",
            )
        return x

    def expected_input_count(self) -> int:
        return 1

    def verify_node(self) -> list[str]:
        """Check attributes, input count and folding; return one message per check."""
        msgs = []
        try:
            for attr, (_, required, *_) in self.get_nodeattr_types().items():
                if required:
                    self.get_nodeattr(attr)
            msgs.append("All necessary attributes exist")
        except Exception as exc:  # qonnx raises a bare Exception for missing attrs
            msgs.append(f"Missing attribute: {exc}")
        n_in = self.expected_input_count()
        if len(self.onnx_node.input) == n_in:
            msgs.append("The number of inputs is correct")
        else:
            msgs.append(
                f"{self.onnx_node.op_type} needs {n_in} inputs, has {len(self.onnx_node.input)}"
            )
        try:
            self.verify_folding()
            msgs.append("Folding is valid")
        except FoldingError as exc:
            msgs.append(str(exc))
        return msgs
