"""Tidy-up passes (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.general import (
    ConvertDivToMul,
    ConvertSubToAdd,
    GiveReadableTensorNames,
    GiveUniqueNodeNames,
    GiveUniqueParameterTensors,
    RemoveStaticGraphInputs,
    RemoveUnusedTensors,
    SortGraph,
)

__all__ = [
    "ConvertDivToMul",
    "ConvertSubToAdd",
    "GiveReadableTensorNames",
    "GiveUniqueNodeNames",
    "GiveUniqueParameterTensors",
    "RemoveStaticGraphInputs",
    "RemoveUnusedTensors",
    "SortGraph",
]
