"""`InferDataLayouts` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.infer_data_layouts import InferDataLayouts

__all__ = ["InferDataLayouts"]
