"""`StreamPassThrough`: the base of HW ops that move a tensor without changing it.

Width converters and FIFOs change how words travel (their width, their timing), never
the values or their order: their numpy semantics is the identity and their output
datatype is their input's. They have no PE/SIMD of their own (their neighbours fix
their widths), so their folding space holds only the current configuration.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.core.datatype import BaseDataType, DataType

from finn.custom_op.fpgadataflow.base import HWCustomOp
from finn.util.exceptions import FoldingError, UnsupportedGraphError


class StreamPassThrough(HWCustomOp):
    """A channels-last tensor ``(N, ..., C)``, ``C = shape[-1]``, of ``dataType`` passes unchanged."""

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                # normal shape of one frame, batch placeholder first, e.g. [1, 64]
                "shape": ("ints", True, []),
                "dataType": ("s", True, ""),
            }
        )
        return attrs

    # --- datatypes and shapes -----------------------------------------------------

    def get_input_datatype(self, ind: int = 0) -> BaseDataType:
        return DataType[self.get_nodeattr("dataType")]

    def get_output_datatype(self, ind: int = 0) -> BaseDataType:
        return DataType[self.get_nodeattr("dataType")]

    def _shape(self) -> list[int]:
        return list(self.get_nodeattr("shape"))

    def _channels(self) -> int:
        return self._shape()[-1]

    def frame_vectors(self) -> int:
        return int(np.prod(self._shape()[:-1]))

    def get_normal_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._shape())

    def get_normal_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return tuple(self._shape())

    def _verify_shape(self) -> None:
        shape = self._shape()
        if len(shape) < 2 or min(shape) < 1:
            raise self._fail(
                FoldingError,
                f"shape={shape} must be (1, ..., C) with positive dims",
                "set shape to the producer's normal output shape",
            )

    def folding_space(self) -> list[dict[str, int]]:
        """Only the current configuration: widths and depths belong to the neighbours."""
        return [{}]

    # --- qonnx CustomOp contract -------------------------------------------------

    def infer_node_datatype(self, model) -> None:
        """Annotate the output like the input.

        The input annotation may be ``dataType`` or a narrower integer type inside it
        (the values pass unchanged, so downstream may keep the narrower type);
        anything else raises UnsupportedGraphError naming the node.
        """
        node = self.onnx_node
        idt, own = model.get_tensor_datatype(node.input[0]), self.get_input_datatype()
        if idt != own and not (idt.is_integer() and own.min() <= idt.min() and idt.max() <= own.max()):
            raise self._fail(
                UnsupportedGraphError,
                f"input '{node.input[0]}' is annotated {idt.name}, which does not fit dataType "
                f"{own.name}",
                "re-run InsertDWC / InsertFIFO after changing upstream datatypes",
            )
        model.set_tensor_datatype(node.output[0], idt)

    def make_shape_compatible_op(self, model):
        node = self.onnx_node
        return helper.make_node("Identity", [node.input[0]], [node.output[0]])

    def execute_node(self, context, graph) -> None:
        x = self._input_array(context, 0, self._channels())
        # values, order and container dtype (float32 for HW tensors) are unchanged
        context[self.onnx_node.output[0]] = x.copy()
