"""Tiny ONNX model builders and runners for the golden-reference tests.

The golden functions are checked against *independent* executors: qonnx's
custom-op implementations (run through ``qonnx.core.onnx_exec.execute_onnx``)
and onnxruntime for standard ONNX ops.  Models are built by hand with
``onnx.helper`` so that nothing from the compiler under test is involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import onnx
import onnxruntime as ort
from hypothesis import HealthCheck, settings
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes

QONNX_DOMAIN = "qonnx.custom_op.general"
ONNX_OPSET = 17

#: shared hypothesis settings: deterministic (derandomize) and small, so the
#: whole ``tests/golden`` run stays well under a minute.
FAST = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_ELEM = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int64): TensorProto.INT64,
}


def qnode(op_type: str, inputs: Sequence[str], outputs: Sequence[str], **attrs) -> onnx.NodeProto:
    """Make a node in the qonnx custom-op domain."""
    return helper.make_node(op_type, list(inputs), list(outputs), domain=QONNX_DOMAIN, **attrs)


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Mapping[str, np.ndarray],
    outputs: Mapping[str, tuple[Sequence[int] | None, int]],
    initializers: Mapping[str, np.ndarray] | None = None,
) -> onnx.ModelProto:
    """Build a single-graph model.

    Parameters
    ----------
    nodes : sequence of NodeProto
        Topologically sorted.
    inputs : mapping
        Graph input name -> an example array (its shape and dtype are used).
    outputs : mapping
        Graph output name -> ``(shape or None, TensorProto elem type)``.
    initializers : mapping, optional
        Constant name -> array.
    """
    g_inputs = [
        helper.make_tensor_value_info(name, _ELEM[np.asarray(a).dtype], list(np.shape(a)))
        for name, a in inputs.items()
    ]
    g_outputs = [
        helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))
        for name, (shape, elem) in outputs.items()
    ]
    inits = [
        numpy_helper.from_array(np.asarray(v), name) for name, v in (initializers or {}).items()
    ]
    graph = helper.make_graph(list(nodes), "golden_check", g_inputs, g_outputs, inits)
    opsets = [helper.make_opsetid("", ONNX_OPSET)]
    if any(n.domain == QONNX_DOMAIN for n in nodes):
        opsets.append(helper.make_opsetid(QONNX_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="golden-tests")
    model.ir_version = 8  # accepted by every onnxruntime release we use
    return model


def run_qonnx(model: onnx.ModelProto, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Execute ``model`` node by node with qonnx (custom ops in python, others via onnxruntime)."""
    wrapped = ModelWrapper(model).transform(InferShapes())
    return execute_onnx(wrapped, dict(feeds))


def run_ort(model: onnx.ModelProto, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Execute a standard-ONNX ``model`` with onnxruntime (CPU)."""
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, dict(feeds)), strict=True))


def f32(a: np.ndarray | float) -> np.ndarray:
    """Shorthand for a float32 copy."""
    return np.asarray(a, dtype=np.float32)


def sorted_thresholds(
    rng: np.random.Generator, rows: int, steps: int, lo: int, hi: int
) -> np.ndarray:
    """Random (rows, steps) thresholds on a half-integer grid, sorted per row.

    Half-integers and integers are both exact in float32, and the integer
    ones make ``x >= t`` ties occur for integer inputs.
    """
    t = rng.integers(2 * lo, 2 * hi + 1, size=(rows, steps)) / 2.0
    return f32(np.sort(t, axis=1))
