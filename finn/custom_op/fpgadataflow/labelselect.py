"""LabelSelect: the indices of the K largest of ``Labels`` scores, on a stream.

The hardware reads PE scores per clock and keeps a sorted top-K list, so a frame
takes ``Labels/PE`` clocks per vector and then emits K indices. Ties go to the
lower index (the ONNX TopK rule), which is what the sequential hardware does
when it only displaces an entry on a strictly greater score.
"""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper
from qonnx.core.datatype import BaseDataType, DataType

from finn.custom_op.fpgadataflow.base import (
    HWCustomOp,
    LoweringSpec,
    divisors,
)
from finn.util.basic import smallest_int_datatype
from finn.util.exceptions import UnsupportedGraphError
from golden.labelselect import label_select

LUT_BASE = 60  # stream handshake and label counter


def label_datatype(labels: int) -> BaseDataType:
    """Smallest unsigned type holding the indices ``0 .. labels-1``."""
    return smallest_int_datatype(0, max(labels - 1, 0))


class LabelSelect_Batch(HWCustomOp):
    """Top-K label indices over the last axis.

    Input ``(N, ..., Labels)``, output ``(N, ..., K)`` indices (int64 container,
    annotated with ``outputDataType``, the smallest UINT holding ``Labels - 1``).
    """

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                "Labels": ("i", True, 0),
                "PE": ("i", False, 1),
                "K": ("i", True, 0),
                # the output type follows from Labels; optional for that reason
                "outputDataType": ("s", False, ""),
            }
        )
        return attrs

    def get_output_datatype(self, ind: int = 0) -> BaseDataType:
        odt = self.get_nodeattr("outputDataType")
        return DataType[odt] if odt else label_datatype(self.get_nodeattr("Labels"))

    def _vecs(self) -> list[int]:
        return list(self.get_nodeattr("numInputVectors"))

    def get_normal_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._vecs() + [self.get_nodeattr("Labels")])

    def get_normal_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._vecs() + [self.get_nodeattr("K")])

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        pe = self.get_nodeattr("PE")
        return tuple(self._vecs() + [self.get_nodeattr("Labels") // pe, pe])

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        # one index per output word
        return tuple(self._vecs() + [self.get_nodeattr("K"), 1])

    def folding_space(self) -> list[dict[str, int]]:
        return [{"PE": p} for p in divisors(self.get_nodeattr("Labels"))]

    def verify_folding(self) -> None:
        self._check_divides("PE", "Labels")
        k, labels = self.get_nodeattr("K"), self.get_nodeattr("Labels")
        if not 1 <= k <= labels:
            raise self._fail(
                UnsupportedGraphError, f"K={k} must be in [1, Labels={labels}]", "set K <= Labels"
            )

    def cycles(self) -> int:
        return self.get_nodeattr("Labels") // self.get_nodeattr("PE") * self.frame_vectors()

    def resources(self) -> dict[str, int]:
        """LUT = 60 + PE * ibits + K * 2 * (ibits + obits).

        One comparator per PE lane against the current K-th best, and a K-entry
        register list of (score, index) with a compare-and-shift per entry.
        """
        pe, k = self.get_nodeattr("PE"), self.get_nodeattr("K")
        ib, ob = self.get_input_datatype().bitwidth(), self.get_output_datatype().bitwidth()
        return {"LUT": LUT_BASE + pe * ib + k * 2 * (ib + ob), "BRAM18": 0, "URAM": 0, "DSP": 0}

    def make_shape_compatible_op(self, model):
        node = self.onnx_node
        k = self.get_nodeattr("K")
        if k == 1:
            # exact shape and int64 type for any batch size, no constants needed
            return helper.make_node(
                "ArgMax", [node.input[0]], [node.output[0]], axis=-1, keepdims=1
            )
        ishape = model.get_tensor_shape(node.input[0])
        oshape = (
            list(ishape[:-1]) + [k] if ishape else [1] + list(self.get_normal_output_shape()[1:])
        )
        value = numpy_helper.from_array(np.zeros(oshape, dtype=np.int64))
        return helper.make_node("Constant", [], [node.output[0]], value=value)

    def execute_node(self, context, graph) -> None:
        node = self.onnx_node
        x = self._input_array(context, 0, self.get_nodeattr("Labels"))
        context[node.output[0]] = label_select(x, self.get_nodeattr("K")).astype(np.int64)


# --------------------------------------------------------------------------- lowering


def _topk_k(model, node) -> int | None:
    if len(node.input) > 1 and node.input[1]:
        k = model.get_initializer(node.input[1])
        return None if k is None else int(np.asarray(k).reshape(-1)[0])
    for attr in node.attribute:  # TopK-1 keeps k as an attribute
        if attr.name == "k":
            return int(attr.i)
    return None


def match_labelselect(model, node) -> LoweringSpec | None:
    """Recognise ``TopK(x_int, K_const)`` over the last axis whose values output is unused.

    Returns None if ``node`` is not a TopK with constant K and unused values.
    Raises UnsupportedGraphError (with the node name) for smallest-K (largest=0),
    a non-last axis, or a non-integer input.
    """
    if node.op_type != "TopK":
        return None
    k = _topk_k(model, node)
    values = node.output[0]
    values_used = values and (
        model.find_consumers(values) or values in [o.name for o in model.graph.output]
    )
    if k is None or values_used or len(node.output) < 2:
        return None
    name = node.name or node.output[1]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    ishape = model.get_tensor_shape(node.input[0])
    if ishape is None or len(ishape) < 2:
        raise UnsupportedGraphError(
            f"input shape {ishape} must be (N, ..., C)", node=name, hint="run InferShapes"
        )
    axis = attrs.get("axis", -1)
    if axis not in (-1, len(ishape) - 1):
        raise UnsupportedGraphError(
            f"TopK over axis {axis}; LabelSelect works on the last axis", node=name
        )
    if attrs.get("largest", 1) != 1:
        raise UnsupportedGraphError("TopK with largest=0 (smallest K) has no HW unit", node=name)
    idt = model.get_tensor_datatype(node.input[0])
    if not idt.is_integer():
        raise UnsupportedGraphError(
            f"input '{node.input[0]}' is {idt.name}; LabelSelect needs integer scores",
            node=name,
            hint="convert the last layer first (InferBinary/QuantizedStreamingFCLayer) or annotate its output",
        )
    labels = int(ishape[-1])
    if not 1 <= k <= labels:
        raise UnsupportedGraphError(f"K={k} must be in [1, {labels}]", node=name)
    odt = label_datatype(labels)
    spec_attrs = {
        "Labels": labels,
        "PE": 1,
        "K": k,
        "inputDataType": idt.name,
        "outputDataType": odt.name,
        "numInputVectors": [1] + [int(d) for d in ishape[1:-1]],
    }
    out = node.output[1]
    return LoweringSpec("LabelSelect_Batch", [node.input[0]], [out], spec_attrs, [node], {out: odt})
