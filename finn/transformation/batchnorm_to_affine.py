"""`BatchNormToAffine` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine

__all__ = ["BatchNormToAffine"]
