"""Matrix-vector-activation unit (MVAU): ``act(x @ W)`` on a stream.

``StreamingFCLayer_Batch`` is FINN's (and the seed's) name; ``MVAU`` is the modern
one. Both op types resolve to this implementation.

Hardware: PE processing elements each compute one output neuron at a time; each
PE consumes SIMD input elements per clock. A frame of one input vector (MW
elements) producing MH outputs therefore takes ``(MW/SIMD) * (MH/PE)`` clocks.
Without activation the output is the accumulator (``noActivation=1``); with
activation it is ``#{thresholds reached} + ActVal`` per output channel. In
``binaryXnorMode`` inputs and weights are bits and the accumulator is the XNOR
popcount.
"""

from __future__ import annotations

import math

import numpy as np
from onnx import helper
from qonnx.core.datatype import BaseDataType, DataType

from finn.custom_op.fpgadataflow.base import (
    HWCustomOp,
    LoweringSpec,
    NewTensor,
    divisors,
    get_threshold_tensor_folded,
    get_weight_tensor_folded,
    memory_resources,
)
from finn.custom_op.fpgadataflow.thresholding import mt_channels_last, threshold_activation
from finn.util.basic import smallest_int_datatype
from finn.util.exceptions import UnsupportedGraphError
from golden.mvau import mvau

# FINN-R style LUT model constants
LUT_BASE = 300  # fixed control, stream handshake and address logic per MVAU
DSP_AUTO_MIN_BITS = 4  # resType=auto uses DSPs when both operands are at least this wide
DSP_A, DSP_B = 25, 18  # DSP48E1 multiplier operand widths


class StreamingFCLayer_Batch(HWCustomOp):
    """Fully-connected (or lowered convolution) layer with optional thresholding.

    Inputs: ``[x (N, ..., MW), W (MW, MH)]`` plus ``thresholds (MH, T)`` unless
    ``noActivation``. Output: ``(N, ..., MH)``.
    """

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                "PE": ("i", False, 1),
                "SIMD": ("i", False, 1),
                "MW": ("i", True, 0),
                "MH": ("i", True, 0),
                "resType": ("s", False, "auto", {"auto", "lut", "dsp"}),
                "ActVal": ("i", False, 0),
                "binaryXnorMode": ("i", False, 0, {0, 1}),
                "noActivation": ("i", False, 0, {0, 1}),
                "weightDataType": ("s", True, ""),
                "accDataType": ("s", False, "INT32"),
                "mem_mode": ("s", False, "const", {"const", "decoupled", "external"}),
                "ram_style": ("s", False, "auto", {"auto", "block", "distributed", "ultra"}),
                "runtime_writeable_weights": ("i", False, 0, {0, 1}),
            }
        )
        return attrs

    # --- shapes -------------------------------------------------------------------

    def _vecs(self) -> list[int]:
        return list(self.get_nodeattr("numInputVectors"))

    def get_normal_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._vecs() + [self.get_nodeattr("MW")])

    def get_normal_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._vecs() + [self.get_nodeattr("MH")])

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        simd = self.get_nodeattr("SIMD")
        return tuple(self._vecs() + [self.get_nodeattr("MW") // simd, simd])

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        pe = self.get_nodeattr("PE")
        return tuple(self._vecs() + [self.get_nodeattr("MH") // pe, pe])

    def get_weight_datatype(self) -> BaseDataType:
        return DataType[self.get_nodeattr("weightDataType")]

    def get_acc_datatype(self) -> BaseDataType:
        return DataType[self.get_nodeattr("accDataType")]

    def get_weightstream_width(self) -> int:
        """Bits per weight word (``decoupled``/``external`` mode): PE * SIMD * wbits."""
        pe, simd = self.get_nodeattr("PE"), self.get_nodeattr("SIMD")
        return pe * simd * self.get_weight_datatype().bitwidth()

    def calc_wmem(self) -> int:
        """Depth of each PE's weight memory: MW * MH / (PE * SIMD)."""
        mw, mh = self.get_nodeattr("MW"), self.get_nodeattr("MH")
        return mw * mh // (self.get_nodeattr("PE") * self.get_nodeattr("SIMD"))

    def calc_tmem(self) -> int:
        """Depth of each PE's threshold memory: MH / PE (0 without activation)."""
        if self.get_nodeattr("noActivation"):
            return 0
        return self.get_nodeattr("MH") // self.get_nodeattr("PE")

    def folded_weights(self, w: np.ndarray) -> np.ndarray:
        """This node's weights as (PE, WMEM, SIMD); see :func:`get_weight_tensor_folded`."""
        return get_weight_tensor_folded(w, self.get_nodeattr("PE"), self.get_nodeattr("SIMD"))

    def folded_thresholds(self, thr: np.ndarray) -> np.ndarray:
        """This node's thresholds as (PE, TMEM, T); see :func:`get_threshold_tensor_folded`."""
        return get_threshold_tensor_folded(thr, self.get_nodeattr("PE"), self.get_nodeattr("MH"))

    # --- folding, cycles, resources -----------------------------------------------

    def folding_space(self) -> list[dict[str, int]]:
        mw, mh = self.get_nodeattr("MW"), self.get_nodeattr("MH")
        return [{"PE": p, "SIMD": s} for p in divisors(mh) for s in divisors(mw)]

    def verify_folding(self) -> None:
        self._check_divides("SIMD", "MW")
        self._check_divides("PE", "MH")

    def cycles(self) -> int:
        mw, mh = self.get_nodeattr("MW"), self.get_nodeattr("MH")
        fold = (mw // self.get_nodeattr("SIMD")) * (mh // self.get_nodeattr("PE"))
        return fold * self.frame_vectors()

    def min_in_fifo_depth(self) -> int:
        """SF + 2 words when NF > 1.

        The unit reads a vector's SF input words during neuron fold 0 and replays them
        from its buffer for folds 1..NF-1, accepting nothing meanwhile. For fold 0 to run
        at one word per clock, the whole next vector must be waiting in the FIFO, so the
        producer needs room for SF words (plus its own 2-word handshake slack) while the
        unit replays; with NF = 1 the input is read continuously.
        """
        mw, mh = self.get_nodeattr("MW"), self.get_nodeattr("MH")
        sf, nf = mw // self.get_nodeattr("SIMD"), mh // self.get_nodeattr("PE")
        return sf + 2 if nf > 1 else 2

    def uses_dsp(self) -> bool:
        """Whether the multipliers map to DSP blocks."""
        if self.get_nodeattr("binaryXnorMode"):
            return False
        wb, ab = self.get_weight_datatype().bitwidth(), self.get_input_datatype().bitwidth()
        if min(wb, ab) == 1:  # a 1-bit operand makes the product a select / negate
            return False
        res_type = self.get_nodeattr("resType")
        return res_type == "dsp" or (res_type == "auto" and min(wb, ab) >= DSP_AUTO_MIN_BITS)

    def resources(self) -> dict[str, int]:
        """FINN-R style estimate (Blott et al., TRETS 2018), per MVAU.

        With P=PE, Q=SIMD, W/A = weight/input bits, B = accumulator bits,
        T = thresholds per channel:

        * LUT = 300 + P * (Q * mult + adder + B + thr) + weight LUTRAM, where
          mult = W*A per lane (array multiplier), max(W, A) if one operand is
          1 bit, 1 in XNOR mode, 0 on DSPs; adder = (Q - 1) * (W + A) (Q in XNOR
          mode: the popcount tree); thr = T * B comparators + T * B * ceil(TMEM/64)
          LUTRAM for the thresholds (0 without activation).
        * Weights: one memory of depth WMEM = MW*MH/(P*Q) and width P*Q*W, priced
          by :func:`memory_resources` for ``ram_style`` (``external`` mode: none).
        * DSP = P * Q * ceil(max(W,A)/25) * ceil(min(W,A)/18) when
          :meth:`uses_dsp` (resType ``dsp``, or ``auto`` with both operands >= 4
          bits), else 0.
        """
        pe, simd = self.get_nodeattr("PE"), self.get_nodeattr("SIMD")
        wb, ab = self.get_weight_datatype().bitwidth(), self.get_input_datatype().bitwidth()
        acc = self.get_acc_datatype().bitwidth()
        xnor = bool(self.get_nodeattr("binaryXnorMode"))
        dsp = self.uses_dsp()
        if xnor:
            mult, adder = 1, simd
        else:
            mult = 0 if dsp else (max(wb, ab) if min(wb, ab) == 1 else wb * ab)
            adder = (simd - 1) * (wb + ab)
        thr = 0
        if not self.get_nodeattr("noActivation"):
            n_thr = self.get_output_datatype().get_num_possible_values() - 1
            thr = n_thr * acc * (1 + math.ceil(self.calc_tmem() / 64))
        lut = LUT_BASE + pe * (simd * mult + adder + acc + thr)
        if self.get_nodeattr("mem_mode") == "external":
            mem = {"LUT": 0, "BRAM18": 0, "URAM": 0}
        else:
            mem = memory_resources(self.calc_wmem(), pe * simd * wb, self.get_nodeattr("ram_style"))
        n_dsp = (
            pe * simd * math.ceil(max(wb, ab) / DSP_A) * math.ceil(min(wb, ab) / DSP_B)
            if dsp
            else 0
        )
        return {"LUT": lut + mem["LUT"], "BRAM18": mem["BRAM18"], "URAM": mem["URAM"], "DSP": n_dsp}

    # --- qonnx contract -----------------------------------------------------------

    def expected_input_count(self) -> int:
        return 2 if self.get_nodeattr("noActivation") else 3

    def make_shape_compatible_op(self, model):
        # MatMul with the real weight initializer: batch-agnostic (N, ..., MW) -> (N, ..., MH)
        node = self.onnx_node
        return helper.make_node("MatMul", [node.input[0], node.input[1]], [node.output[0]])

    def execute_node(self, context, graph) -> None:
        node = self.onnx_node
        x = self._input_array(context, 0, self.get_nodeattr("MW"))
        w = np.asarray(context[node.input[1]])
        xnor = bool(self.get_nodeattr("binaryXnorMode"))
        if self.get_nodeattr("noActivation"):
            y = mvau(x, w, binary_xnor=xnor)
        elif self.get_output_datatype() == DataType["BIPOLAR"]:
            # hardware emits the bit; the graph value is the bipolar number 2*bit - 1
            y = 2 * mvau(x, w, context[node.input[2]], binary_xnor=xnor) - 1
        else:
            bias = float(self.get_nodeattr("ActVal"))
            y = mvau(x, w, context[node.input[2]], binary_xnor=xnor, out_bias=bias)
        context[node.output[0]] = np.asarray(y, dtype=np.float32)


class MVAU(StreamingFCLayer_Batch):
    """Modern name of :class:`StreamingFCLayer_Batch` (same attributes and behaviour)."""


# --------------------------------------------------------------------------- lowering


def accumulator_range(w: np.ndarray, idt: BaseDataType, binary_xnor: bool) -> tuple[int, int]:
    """Exact ``[min, max]`` of ``x @ w`` over all inputs ``x`` of datatype ``idt``."""
    w = np.asarray(w, dtype=np.int64)
    if binary_xnor:
        return 0, int(w.shape[0])
    lo, hi = int(idt.min()), int(idt.max())
    pos, neg = np.clip(w, 0, None), np.clip(w, None, 0)
    col_max = hi * pos.sum(axis=0) + lo * neg.sum(axis=0)
    col_min = lo * pos.sum(axis=0) + hi * neg.sum(axis=0)
    return int(col_min.min()), int(col_max.max())


def _integer_values(arr: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(arr)) and np.array_equal(arr, np.round(arr)))


def _absorbable_threshold(model, mm_out: str):
    """The MultiThreshold that alone consumes ``mm_out`` (constant thresholds), else None."""
    if mm_out in [o.name for o in model.graph.output]:
        return None
    consumers = model.find_consumers(mm_out)
    if len(consumers) != 1 or consumers[0].op_type != "MultiThreshold":
        return None
    mt = consumers[0]
    if mt.input[0] != mm_out or model.get_initializer(mt.input[1]) is None:
        return None
    return mt


def match_mvau(model, node) -> LoweringSpec | None:
    """Recognise ``(XnorPopcountMatMul | MatMul)(x, W_const) [-> MultiThreshold]``.

    Returns None if ``node`` is not a matmul with a constant (initializer)
    second operand. Raises UnsupportedGraphError (with the node name) if it is,
    but cannot be lowered: non-integer input or weight datatypes or values, a
    non-2-D weight, or a following MultiThreshold whose scaling cannot be absorbed.
    A MultiThreshold is absorbed only if it is the sole consumer of the matmul
    output and sees channels on the last axis.
    """
    if node.op_type not in ("MatMul", "XnorPopcountMatMul"):
        return None
    w = model.get_initializer(node.input[1])
    if w is None:
        return None
    name = node.name or node.output[0]
    xnor = node.op_type == "XnorPopcountMatMul"
    idt, wdt = model.get_tensor_datatype(node.input[0]), model.get_tensor_datatype(node.input[1])
    fix = (
        "quantize to integers and annotate with model.set_tensor_datatype (streamlining does this)"
    )
    if xnor and (idt != DataType["BINARY"] or wdt != DataType["BINARY"]):
        raise UnsupportedGraphError(
            f"XnorPopcountMatMul needs BINARY input and weights, got {idt.name} x {wdt.name}",
            node=name,
            hint="run ConvertBipolarMatMulToXnorPopcount on a bipolar MatMul",
        )
    if not (idt.is_integer() and wdt.is_integer()):
        raise UnsupportedGraphError(
            f"input datatype {idt.name} and weight datatype {wdt.name} must both be integer",
            node=name,
            hint=fix,
        )
    if w.ndim != 2:
        raise UnsupportedGraphError(f"weight must be 2-D (MW, MH), got shape {w.shape}", node=name)
    if not _integer_values(w) or not all(wdt.allowed(v) for v in np.unique(w)):
        raise UnsupportedGraphError(
            f"weight values are not all representable in their annotation {wdt.name}",
            node=name,
            hint=fix,
        )
    ishape = model.get_tensor_shape(node.input[0])
    mw, mh = (int(d) for d in w.shape)
    if ishape is None or len(ishape) < 2 or ishape[-1] != mw:
        raise UnsupportedGraphError(
            f"input shape {ishape} does not end in MW={mw}", node=name, hint="run InferShapes"
        )
    lo, hi = accumulator_range(w, idt, xnor)
    attrs = {
        "MW": mw,
        "MH": mh,
        "PE": 1,
        "SIMD": 1,
        "binaryXnorMode": int(xnor),
        "inputDataType": idt.name,
        "weightDataType": wdt.name,
        "numInputVectors": [1] + [int(d) for d in ishape[1:-1]],
    }
    mt = _absorbable_threshold(model, node.output[0])
    if mt is not None and not mt_channels_last(model, mt, len(ishape)):
        mt = None  # per-channel thresholds on a non-last axis: not this unit's job
    if mt is None:
        acc = smallest_int_datatype(lo, hi)
        attrs.update(noActivation=1, accDataType=acc.name, outputDataType=acc.name, ActVal=0)
        return LoweringSpec(
            "StreamingFCLayer_Batch",
            [node.input[0], node.input[1]],
            [node.output[0]],
            attrs,
            [node],
            {node.output[0]: acc},
        )
    act = threshold_activation(model, mt, lo, hi, mh)
    acc = smallest_int_datatype(min(lo, act["thresholds"].min()), max(hi, act["thresholds"].max()))
    attrs.update(
        noActivation=0,
        accDataType=acc.name,
        outputDataType=act["odt"].name,
        ActVal=act["ActVal"],
    )
    return LoweringSpec(
        "StreamingFCLayer_Batch",
        [node.input[0], node.input[1], NewTensor(act["thresholds"].astype(np.float32), acc)],
        [mt.output[0]],
        attrs,
        [node, mt],
        {mt.output[0]: act["odt"]},
    )
