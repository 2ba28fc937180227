"""`MergeONNXModels` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.merge_onnx_models import MergeONNXModels

__all__ = ["MergeONNXModels"]
