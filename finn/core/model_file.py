"""Reading a model file: one place that turns a bad file into a clear error."""

from __future__ import annotations

import os

import onnx
from qonnx.core.modelwrapper import ModelWrapper

from finn.util.exceptions import ModelLoadError, UnsupportedGraphError

STANDARD_DOMAINS = ("", "ai.onnx")


def load_onnx(path: str) -> ModelWrapper:
    """Read an ONNX file with a clear error for missing, truncated or non-ONNX files."""
    if not os.path.isfile(path):
        raise ModelLoadError(f"model file '{path}' does not exist")
    try:
        proto = onnx.load(path)
        onnx.checker.check_model(proto)
    except Exception as exc:  # onnx raises DecodeError, ValidationError, ...: all mean "bad file"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(
            f"'{path}' is not a valid ONNX model ({first})",
            hint="re-export the model (finn.util.brevitas.export_finn_onnx) and check the file is complete",
        ) from None
    if len(proto.graph.input) == 0 or len(proto.graph.output) == 0:
        raise ModelLoadError(f"'{path}' has no graph inputs or outputs")
    model = ModelWrapper(proto)
    check_known_ops(model)
    return model


def check_known_ops(model: ModelWrapper) -> None:
    """Every node must be a standard ONNX op or a custom op qonnx (or this project) defines;
    UnsupportedGraphError naming the first other node, its domain and the fix."""
    from qonnx.custom_op.registry import is_custom_op

    import finn.custom_op.fpgadataflow  # noqa: F401  (registers the HW op domain)

    for node in model.graph.node:
        if node.domain not in STANDARD_DOMAINS and not is_custom_op(node.domain, node.op_type):
            raise UnsupportedGraphError(
                f"op '{node.op_type}' of domain '{node.domain}' is unknown to qonnx and to this flow",
                node=node.name or node.op_type,
                hint="export the model with standard ONNX ops and QONNX quantizers (Quant, BipolarQuant), "
                     "e.g. finn.util.brevitas.export_finn_onnx, or replace the custom op")
