"""Quantized datatypes (INT2, UINT8, BIPOLAR, ...): qonnx's DataType.

qonnx spells them ``DataType["UINT8"]``; the FINN tutorial writes ``DataType.UINT8``.
This ``DataType`` accepts both and returns qonnx's own objects, so values compare equal
with everything qonnx returns (``model.get_tensor_datatype(...)``).
"""

from qonnx.core.datatype import BaseDataType
from qonnx.core.datatype import DataType as _QonnxDataType


class _DataTypeNames(type):
    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if hasattr(_QonnxDataType, name):
            return getattr(_QonnxDataType, name)
        try:
            return _QonnxDataType[name]
        except KeyError:
            raise AttributeError(f"unknown DataType '{name}'") from None

    def __getitem__(cls, name: str):
        return _QonnxDataType[name]


class DataType(metaclass=_DataTypeNames):
    """``DataType.UINT8`` or ``DataType["UINT8"]``: a qonnx datatype object."""


__all__ = ["BaseDataType", "DataType"]
