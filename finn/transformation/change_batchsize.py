"""`ChangeBatchSize` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.change_batchsize import ChangeBatchSize

__all__ = ["ChangeBatchSize"]
