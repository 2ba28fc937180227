"""`InferShapes` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.infer_shapes import InferShapes

__all__ = ["InferShapes"]
