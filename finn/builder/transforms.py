"""The front half of the flow as plain model -> model functions (no files, no config).

The build steps (``finn.builder.steps``) wrap these; tests and property suites call
them directly.
"""

from __future__ import annotations

from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount
from qonnx.transformation.fold_constants import FoldConstants
from qonnx.transformation.general import (
    GiveReadableTensorNames,
    GiveUniqueNodeNames,
    RemoveStaticGraphInputs,
    RemoveUnusedTensors,
)
from qonnx.transformation.infer_data_layouts import InferDataLayouts
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.insert_topk import InsertTopK
from qonnx.transformation.merge_onnx_models import MergeONNXModels

import finn.transformation.streamline.absorb as absorb
from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN
from finn.transformation.streamline import Streamline
from finn.transformation.streamline.reorder import MoveScalarLinearPastInvariants
from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds


def tidy_up(model: ModelWrapper) -> ModelWrapper:
    """The seed's tidy-up sequence (section 2.2)."""
    for t in (InferShapes(), FoldConstants(), GiveUniqueNodeNames(), GiveReadableTensorNames(),
              InferDataTypes(), RemoveStaticGraphInputs()):
        model = model.transform(t)
    return model


def to_finn_onnx(model: ModelWrapper) -> ModelWrapper:
    """QONNX (Quant/BipolarQuant) -> FINN-ONNX; a model without quantizers passes through."""
    return tidy_up(model.transform(ConvertQONNXtoFINN()))


def add_pre_post_processing(model: ModelWrapper, *, to_tensor: bool = True,
                            input_datatype: str = "UINT8", topk: int | None = 1) -> ModelWrapper:
    """Seed section 2.3: merge the ``ToTensor`` (x / 255) pre-processing graph, annotate the
    input as ``input_datatype`` and append a TopK(k) post-processing node."""
    if to_tensor:
        from finn.util.brevitas import export_finn_onnx
        from finn.util.pytorch import ToTensor

        shape = model.get_tensor_shape(model.graph.input[0].name)
        model = model.transform(MergeONNXModels(export_finn_onnx(ToTensor(), shape)))
    model.set_tensor_datatype(model.graph.input[0].name, DataType[input_datatype])
    if topk is not None:
        model = model.transform(InsertTopK(k=topk))
    return tidy_up(model)


def streamline(model: ModelWrapper) -> ModelWrapper:
    """Seed section 2.4: move the preprocessing scale past invariants, then ``Streamline``."""
    model = model.transform(MoveScalarLinearPastInvariants())
    model = model.transform(Streamline())
    return tidy_up(model)


def prepare_for_hw(model: ModelWrapper) -> ModelWrapper:
    """Seed section 2.4 (end): bipolar MatMul -> XNOR-popcount, absorb, round thresholds."""
    model = model.transform(ConvertBipolarMatMulToXnorPopcount())
    model = model.transform(absorb.AbsorbAddIntoMultiThreshold())
    model = model.transform(absorb.AbsorbMulIntoMultiThreshold())
    model = model.transform(absorb.AbsorbScalarMulAddIntoTopK())
    # the XNOR correction (2P - K) may leave linear ops a round of streamlining absorbs
    model = model.transform(Streamline())
    model = model.transform(RoundAndClipThresholds())
    model = model.transform(InferDataLayouts())
    model = model.transform(RemoveUnusedTensors())
    return tidy_up(model)


def tidy_up_names(model: ModelWrapper) -> ModelWrapper:
    """Unique node names and readable tensor names (keeps HW node names stable for configs)."""
    model = model.transform(GiveUniqueNodeNames())
    return model.transform(GiveReadableTensorNames())
