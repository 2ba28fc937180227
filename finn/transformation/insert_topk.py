"""`InsertTopK` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.insert_topk import InsertTopK

__all__ = ["InsertTopK"]
