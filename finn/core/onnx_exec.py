"""`execute_onnx`: node-by-node execution of a (FINN-)ONNX model.

Standard ONNX ops run on onnxruntime, custom ops (qonnx's and ours, domain
``finn.custom_op.fpgadataflow``) through their ``execute_node``. Importing
this module registers our HW ops with qonnx's registry.

``exec_mode`` picks the level HW nodes run at (see :mod:`sim`): ``"python"``
(qonnx's executor, as in the seed), ``"cppsim"`` (each HW node as a compiled
C++ program) or ``"cppsim_stitched"`` (each dataflow partition as one program).
The mode is an argument, not a node attribute: the graph holds the design only.
"""

from __future__ import annotations

from qonnx.core.onnx_exec import execute_node, execute_onnx_and_make_model
from qonnx.core.onnx_exec import execute_onnx as _qonnx_execute_onnx

import finn.custom_op.fpgadataflow  # noqa: F401  (registers the HW op domain)
from finn.util.exceptions import ConfigError


def execute_onnx(model, input_dict: dict, return_full_exec_context: bool = False, start_node=None,
                 end_node=None, exec_mode: str = "python", work_dir=None) -> dict:
    """Execute ``model`` on ``input_dict``; returns the graph outputs (or every tensor).

    ``start_node``/``end_node`` (a sub-range of the graph) are supported in python mode.
    ``work_dir`` is where cppsim keeps its sources and binaries (default: the user cache).
    """
    if exec_mode == "python":
        return _qonnx_execute_onnx(model, input_dict, return_full_exec_context, start_node, end_node)
    from sim import EXEC_MODES, make_engine

    if exec_mode not in EXEC_MODES:
        raise ConfigError(f"unknown exec_mode '{exec_mode}'", hint=f"modes are: {', '.join(EXEC_MODES)}")
    if start_node is not None or end_node is not None:
        raise ConfigError(f"start_node/end_node are supported in python mode only, not '{exec_mode}'")
    return make_engine(model, exec_mode, work_dir).run(input_dict, return_full_exec_context)


__all__ = ["execute_node", "execute_onnx", "execute_onnx_and_make_model"]
