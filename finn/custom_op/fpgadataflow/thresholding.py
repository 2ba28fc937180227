"""Thresholding unit: ``#{thresholds reached} + ActVal`` per channel, on a stream.

Used standalone for the input quantizer (a MultiThreshold on integer inputs)
and, through :func:`threshold_activation`, as the activation inside the MVAU.
PE channels are compared per clock, so a frame of C channels per vector takes
``C/PE`` clocks per vector.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.core.datatype import BaseDataType, DataType
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import (
    HWCustomOp,
    LoweringSpec,
    NewTensor,
    channels_last_layout,
    divisors,
    get_threshold_tensor_folded,
    memory_resources,
)
from finn.util.basic import smallest_int_datatype
from finn.util.exceptions import UnsupportedGraphError
from golden.multithreshold import multithreshold

LUT_BASE = 50  # stream handshake and channel counter


class Thresholding_Batch(HWCustomOp):
    """Multi-threshold activation on a channels-last stream.

    Inputs: ``[x (N, ..., NumChannels), thresholds (NumChannels, numSteps)]``.
    Output: same shape as ``x``.
    """

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                "PE": ("i", False, 1),
                "NumChannels": ("i", True, 0),
                "numSteps": ("i", True, 1),
                "ActVal": ("i", False, 0),
                # datatype the thresholds are stored in
                "weightDataType": ("s", True, ""),
                "mem_mode": ("s", False, "const", {"const", "decoupled"}),
                "ram_style": ("s", False, "distributed", {"auto", "block", "distributed", "ultra"}),
            }
        )
        return attrs

    def _vecs(self) -> list[int]:
        return list(self.get_nodeattr("numInputVectors"))

    def get_normal_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._vecs() + [self.get_nodeattr("NumChannels")])

    def get_normal_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self.get_normal_input_shape()

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        pe = self.get_nodeattr("PE")
        return tuple(self._vecs() + [self.get_nodeattr("NumChannels") // pe, pe])

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self.get_folded_input_shape()

    def get_weight_datatype(self) -> BaseDataType:
        return DataType[self.get_nodeattr("weightDataType")]

    def calc_tmem(self) -> int:
        """Depth of each PE's threshold memory: NumChannels / PE."""
        return self.get_nodeattr("NumChannels") // self.get_nodeattr("PE")

    def folded_thresholds(self, thr: np.ndarray) -> np.ndarray:
        """This node's thresholds as (PE, TMEM, T); see :func:`get_threshold_tensor_folded`."""
        return get_threshold_tensor_folded(
            thr, self.get_nodeattr("PE"), self.get_nodeattr("NumChannels")
        )

    def folding_space(self) -> list[dict[str, int]]:
        return [{"PE": p} for p in divisors(self.get_nodeattr("NumChannels"))]

    def verify_folding(self) -> None:
        self._check_divides("PE", "NumChannels")

    def cycles(self) -> int:
        return self.calc_tmem() * self.frame_vectors()

    def resources(self) -> dict[str, int]:
        """LUT = 50 + PE * (T * ibits + obits) + threshold memory.

        Each PE has T comparators of the input width and an output adder for
        ActVal; the thresholds form one memory of depth NumChannels/PE and width
        PE * T * tbits, priced by :func:`memory_resources` for ``ram_style``.
        """
        pe, steps = self.get_nodeattr("PE"), self.get_nodeattr("numSteps")
        ib, ob = self.get_input_datatype().bitwidth(), self.get_output_datatype().bitwidth()
        mem = memory_resources(
            self.calc_tmem(),
            pe * steps * self.get_weight_datatype().bitwidth(),
            self.get_nodeattr("ram_style"),
        )
        lut = LUT_BASE + pe * (steps * ib + ob) + mem["LUT"]
        return {"LUT": lut, "BRAM18": mem["BRAM18"], "URAM": mem["URAM"], "DSP": 0}

    def expected_input_count(self) -> int:
        return 2

    def make_shape_compatible_op(self, model):
        node = self.onnx_node
        return helper.make_node("Relu", [node.input[0]], [node.output[0]])

    def execute_node(self, context, graph) -> None:
        node = self.onnx_node
        c = self.get_nodeattr("NumChannels")
        x = self._input_array(context, 0, c)
        thr = np.asarray(context[node.input[1]])
        if self.get_output_datatype() == DataType["BIPOLAR"]:
            # hardware emits the bit; the graph value is the bipolar number 2*bit - 1
            y = 2 * multithreshold(x.reshape(-1, c), thr) - 1
        else:
            y = multithreshold(x.reshape(-1, c), thr, out_bias=float(self.get_nodeattr("ActVal")))
        context[node.output[0]] = np.asarray(y, dtype=np.float32).reshape(x.shape)


# --------------------------------------------------------------------------- lowering


def mt_channels_last(model, mt, rank: int) -> bool:
    """Whether MultiThreshold ``mt`` thresholds the last axis (or shares one row)."""
    if model.get_initializer(mt.input[1]).shape[0] == 1:
        return True
    return channels_last_layout(rank, getCustomOp(mt).get_nodeattr("data_layout"))


def threshold_activation(model, mt, lo: int, hi: int, channels: int) -> dict:
    """Parameters of a MultiThreshold applied to integers in ``[lo, hi]``.

    Returns ``{"thresholds", "odt", "ActVal"}`` with thresholds broadcast to
    (channels, T), rounded up to integers, sorted per row and clipped to
    ``[lo, hi + 1]``; none of this changes the result on integer inputs in range
    (``x >= t`` iff ``x >= ceil(t)``; a count does not depend on order).
    Raises UnsupportedGraphError if the output scaling cannot be absorbed.
    """
    inst = getCustomOp(mt)
    scale, bias = float(inst.get_nodeattr("out_scale")), float(inst.get_nodeattr("out_bias"))
    odt = DataType[inst.get_nodeattr("out_dtype")]
    thr = np.asarray(model.get_initializer(mt.input[1]), dtype=np.float64)
    name = mt.name or mt.output[0]
    if thr.ndim != 2 or thr.shape[0] not in (1, channels):
        raise UnsupportedGraphError(
            f"thresholds have shape {thr.shape}, expected ({channels}, T) or (1, T)", node=name
        )
    bipolar = odt == DataType["BIPOLAR"] and scale == 2.0 and bias == -1.0
    if not bipolar and scale != 1.0:
        raise UnsupportedGraphError(
            f"out_scale={scale} cannot be absorbed into a HW threshold unit (needs out_scale == 1, "
            "or BIPOLAR output with out_scale=2, out_bias=-1)",
            node=name,
            hint="streamline so the scale moves past the activation (Streamline / absorb passes)",
        )
    if not bipolar and (bias != round(bias) or not odt.is_integer()):
        raise UnsupportedGraphError(
            f"out_bias={bias} with out_dtype {odt.name}: needs an integer bias and integer out_dtype",
            node=name,
            hint="streamline so the bias moves past the activation",
        )
    if not np.all(np.isfinite(thr)):
        raise UnsupportedGraphError("thresholds contain inf/NaN", node=name)
    thr = np.broadcast_to(thr, (channels, thr.shape[1]))
    thr = np.clip(np.sort(np.ceil(thr), axis=1), lo, hi + 1).astype(np.int64)
    return {"thresholds": thr, "odt": odt, "ActVal": 0 if bipolar else int(bias)}


def match_thresholding(model, node) -> LoweringSpec | None:
    """Recognise a standalone ``MultiThreshold(x_int, thresholds_const)``.

    Returns None if ``node`` is not a MultiThreshold with constant thresholds.
    Raises UnsupportedGraphError (with the node name) if the input is not
    integer, has unknown shape, thresholds a non-last axis per channel, or its
    output scaling cannot be absorbed (see :func:`threshold_activation`).
    """
    if node.op_type != "MultiThreshold" or model.get_initializer(node.input[1]) is None:
        return None
    name = node.name or node.output[0]
    idt = model.get_tensor_datatype(node.input[0])
    if not idt.is_integer():
        raise UnsupportedGraphError(
            f"input '{node.input[0]}' is {idt.name}; the HW threshold unit needs integer inputs",
            node=name,
            hint="annotate the global input (e.g. UINT8) and streamline so that scales are "
            "absorbed into the thresholds",
        )
    ishape = model.get_tensor_shape(node.input[0])
    if ishape is None or len(ishape) < 2:
        raise UnsupportedGraphError(
            f"input shape {ishape} has no channel axis", node=name, hint="run InferShapes"
        )
    if not mt_channels_last(model, node, len(ishape)):
        raise UnsupportedGraphError(
            f"per-channel thresholds on a non-last axis (input shape {ishape}); HW streams are channels-last",
            node=name,
            hint="convert the layout to NHWC (data_layout='NHWC' with transposes moved out)",
        )
    channels = int(ishape[-1])
    act = threshold_activation(model, node, int(idt.min()), int(idt.max()), channels)
    thr = act["thresholds"]
    tdt = smallest_int_datatype(thr.min(), thr.max())
    attrs = {
        "NumChannels": channels,
        "PE": 1,
        "numSteps": int(thr.shape[1]),
        "ActVal": act["ActVal"],
        "inputDataType": idt.name,
        "weightDataType": tdt.name,
        "outputDataType": act["odt"].name,
        "numInputVectors": [1] + [int(d) for d in ishape[1:-1]],
    }
    return LoweringSpec(
        "Thresholding_Batch",
        [node.input[0], NewTensor(thr.astype(np.float32), tdt)],
        [node.output[0]],
        attrs,
        [node],
        {node.output[0]: act["odt"]},
    )
