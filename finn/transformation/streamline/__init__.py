"""`Streamline`: move and collapse the floating-point scale/bias ops and absorb them into
MultiThresholds, leaving an integer graph (MatMul/XnorPopcount + MultiThreshold + TopK).

The whole flow is the list returned by :func:`streamline_passes`, repeated until a
full round changes nothing.
"""

from __future__ import annotations

from qonnx.transformation.base import Transformation
from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine
from qonnx.transformation.general import (
    ConvertDivToMul,
    ConvertSubToAdd,
    GiveReadableTensorNames,
    GiveUniqueNodeNames,
)
from qonnx.transformation.infer_datatypes import InferDataTypes

from finn.transformation.streamline.absorb import (
    AbsorbAddIntoMultiThreshold,
    AbsorbMulIntoMultiThreshold,
    AbsorbScalarMulAddIntoTopK,
    AbsorbSignIntoMatMulWeights,
)
from finn.transformation.streamline.collapse_repeated import (
    CollapseRepeatedAdd,
    CollapseRepeatedMul,
)
from finn.transformation.streamline.reorder import (
    ConvertBipolarActToBinary,
    MoveAddPastMatMul,
    MoveAddPastMul,
    MoveScalarLinearPastInvariants,
    MoveScalarMulPastMatMul,
)
from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds


def streamline_passes() -> list[Transformation]:
    """One round of streamlining, in order."""
    return [
        ConvertSubToAdd(),
        ConvertDivToMul(),
        BatchNormToAffine(),
        MoveScalarLinearPastInvariants(),
        ConvertBipolarActToBinary(),
        MoveAddPastMul(),
        MoveScalarMulPastMatMul(),
        MoveAddPastMatMul(),
        CollapseRepeatedMul(),
        CollapseRepeatedAdd(),
        AbsorbSignIntoMatMulWeights(),
        AbsorbAddIntoMultiThreshold(),
        AbsorbMulIntoMultiThreshold(),
        AbsorbScalarMulAddIntoTopK(),
        RoundAndClipThresholds(),
    ]


class Streamline(Transformation):
    """Apply :func:`streamline_passes` until a whole round leaves the graph unchanged."""

    max_rounds = 50

    def apply(self, model):
        for _ in range(self.max_rounds):
            before = model.model.SerializeToString()
            for p in streamline_passes():
                model = model.transform(p)
                model = model.transform(GiveUniqueNodeNames())
                model = model.transform(GiveReadableTensorNames())
                model = model.transform(InferDataTypes())
            if model.model.SerializeToString() == before:
                break
        return model, False
