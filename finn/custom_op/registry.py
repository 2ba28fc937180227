"""`getCustomOp`: the op-class instance for a node (qonnx's registry)."""

from qonnx.custom_op.registry import getCustomOp, is_custom_op

import finn.custom_op.fpgadataflow  # noqa: F401  (registers the HW op domain)

__all__ = ["getCustomOp", "is_custom_op"]
