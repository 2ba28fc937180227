"""Quantized datatypes (INT2, UINT8, BIPOLAR, ...): qonnx's DataType."""

from qonnx.core.datatype import BaseDataType, DataType

__all__ = ["BaseDataType", "DataType"]
