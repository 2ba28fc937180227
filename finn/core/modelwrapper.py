"""The model container: qonnx's ModelWrapper, under the name FINN users know."""

from qonnx.core.modelwrapper import ModelWrapper

__all__ = ["ModelWrapper"]
