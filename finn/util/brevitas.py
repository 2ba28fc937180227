"""`export_finn_onnx`: Brevitas (or plain torch) module -> FINN-ONNX file.

Brevitas dropped its own FINN exporter; we export QONNX and convert.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings

import torch
from qonnx.core.modelwrapper import ModelWrapper

from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN


def export_qonnx_model(
    module: torch.nn.Module, input_shape, *, dynamo: bool = False, input_t=None
) -> ModelWrapper:
    """Export ``module`` to QONNX and return it wrapped (nothing is left on disk)."""
    from brevitas.export import export_qonnx

    was_training = module.training
    module.eval()
    if input_t is None:
        input_t = torch.zeros(tuple(input_shape), dtype=torch.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "qonnx.onnx")
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            export_qonnx(module, input_t=input_t, export_path=path, dynamo=dynamo)
        model = ModelWrapper(path)
    module.train(was_training)
    return model


def export_finn_onnx(
    module: torch.nn.Module, input_shape, path: str | os.PathLike | None = None, *, dynamo: bool = False
) -> ModelWrapper:
    """Export ``module`` (Brevitas or plain torch) to FINN-ONNX.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is exported in eval mode.
    input_shape : tuple
        Input shape including the batch dimension, e.g. ``(1, 1, 28, 28)``.
    path : path, optional
        Where to save the FINN-ONNX model.
    dynamo : bool
        Use torch's dynamo exporter (slower; gives Gemm) instead of the TorchScript one.

    Returns
    -------
    ModelWrapper
        The converted model (also saved to ``path`` when given).
    """
    model = export_qonnx_model(module, input_shape, dynamo=dynamo)
    model = model.transform(ConvertQONNXtoFINN())
    if path is not None:
        model.save(os.fspath(path))
    return model
