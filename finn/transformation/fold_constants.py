"""`FoldConstants` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.fold_constants import FoldConstants

__all__ = ["FoldConstants"]
