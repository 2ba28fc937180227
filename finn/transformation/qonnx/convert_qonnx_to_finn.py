"""`ConvertQONNXtoFINN`: the named sequence that turns a QONNX export into FINN-ONNX."""

from __future__ import annotations

from qonnx.transformation.base import Transformation
from qonnx.transformation.fold_constants import FoldConstants
from qonnx.transformation.general import (
    GiveReadableTensorNames,
    GiveUniqueNodeNames,
    GiveUniqueParameterTensors,
    RemoveStaticGraphInputs,
    RemoveUnusedTensors,
    SortGraph,
)
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.quant_constant_folding import FoldTransposeIntoQuantInit

from finn.transformation.qonnx.gemm_to_matmul import GemmToMatMul, ReshapeToFlatten
from finn.transformation.qonnx.quant_to_finn import (
    ConvertQuantActToMultiThreshold,
    FoldQuantWeights,
)


def qonnx_to_finn_passes() -> list[Transformation]:
    """The conversion as one explicit list of passes."""
    return [
        InferShapes(),
        GiveUniqueParameterTensors(),
        FoldConstants(exclude_op_types=["Quant", "BipolarQuant"]),
        GemmToMatMul(),
        FoldTransposeIntoQuantInit(),
        FoldConstants(exclude_op_types=["Quant", "BipolarQuant"]),
        FoldQuantWeights(),
        ConvertQuantActToMultiThreshold(),
        FoldConstants(),
        ReshapeToFlatten(),
        RemoveUnusedTensors(),
        RemoveStaticGraphInputs(),
        SortGraph(),
        GiveUniqueNodeNames(),
        GiveReadableTensorNames(),
        InferShapes(),
        InferDataTypes(),
    ]


class ConvertQONNXtoFINN(Transformation):
    """Quant/BipolarQuant -> integer weights with DataTypes and MultiThreshold activations."""

    def apply(self, model):
        for quant in model.get_nodes_by_op_type("Quant") + model.get_nodes_by_op_type("BipolarQuant"):
            quant.domain = "qonnx.custom_op.general"
        for p in qonnx_to_finn_passes():
            model = model.transform(p)
        return model, False
