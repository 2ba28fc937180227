"""`InferDataTypes` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.infer_datatypes import InferDataTypes

__all__ = ["InferDataTypes"]
