"""`execute_onnx`: node-by-node execution of a (FINN-)ONNX model.

Standard ONNX ops run on onnxruntime, custom ops (qonnx's and ours, domain
``finn.custom_op.fpgadataflow``) through their ``execute_node``. Importing
this module registers our HW ops with qonnx's registry.
"""

from qonnx.core.onnx_exec import execute_node, execute_onnx, execute_onnx_and_make_model

import finn.custom_op.fpgadataflow  # noqa: F401  (registers the HW op domain)

__all__ = ["execute_node", "execute_onnx", "execute_onnx_and_make_model"]
