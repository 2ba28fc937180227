"""Small hand-built ONNX graphs for the per-transform property tests.

Graphs are made with ``onnx.helper`` (nothing from the passes under test), wrapped in a
qonnx ``ModelWrapper`` with DataType annotations, and executed with ``sim.execute``.
Values come from a seeded numpy generator (hypothesis draws the seed and the shapes),
so every example is reproducible from its printed arguments.

Importable from any test file: ``tests/conftest.py`` puts this directory on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from sim import execute

QONNX_DOMAIN = "qonnx.custom_op.general"
OPSET = 17

seeds = st.integers(0, 2**32 - 1)
batches = st.integers(1, 5)
channels = st.integers(1, 12)


def qnode(op_type: str, inputs: Sequence[str], outputs: Sequence[str], **attrs) -> onnx.NodeProto:
    """A node in the qonnx custom-op domain (MultiThreshold, Quant, BipolarQuant, ...)."""
    return helper.make_node(op_type, list(inputs), list(outputs), domain=QONNX_DOMAIN, **attrs)


def node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], **attrs) -> onnx.NodeProto:
    return helper.make_node(op_type, list(inputs), list(outputs), **attrs)


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Mapping[str, Sequence[int]],
    outputs: Mapping[str, int] | Sequence[str],
    initializers: Mapping[str, np.ndarray] | None = None,
    datatypes: Mapping[str, str] | None = None,
) -> ModelWrapper:
    """A shape-inferred ModelWrapper.

    ``inputs``: name -> shape (float32). ``outputs``: names (float32) or name -> elem type.
    ``initializers``: float values become float32, integer ones (shapes) stay int64.
    ``datatypes``: tensor -> qonnx DataType name (e.g. weights "INT4", inputs "UINT8").
    """
    if not isinstance(outputs, Mapping):
        outputs = {name: TensorProto.FLOAT for name in outputs}
    g_in = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs.items()]
    g_out = [helper.make_tensor_value_info(n, elem, None) for n, elem in outputs.items()]
    inits = [numpy_helper.from_array(_const(v), n) for n, v in (initializers or {}).items()]
    graph = helper.make_graph(list(nodes), "property", g_in, g_out, inits)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid(QONNX_DOMAIN, 1)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="property-tests")
    proto.ir_version = 8
    model = ModelWrapper(proto)
    for name, dt in (datatypes or {}).items():
        model.set_tensor_datatype(name, DataType[dt])
    model = model.transform(InferShapes())
    model = model.transform(InferDataTypes())
    for name, dt in (datatypes or {}).items():  # InferDataTypes may not know graph inputs
        model.set_tensor_datatype(name, DataType[dt])
    return model


def _const(v) -> np.ndarray:
    v = np.asarray(v)
    return v if v.dtype.kind in "iu" else v.astype(np.float32)  # int64 shapes stay int64


def run(model: ModelWrapper, feeds: Mapping[str, np.ndarray] | np.ndarray) -> dict[str, np.ndarray]:
    return execute(model, feeds if isinstance(feeds, np.ndarray) else dict(feeds))


def op_types(model: ModelWrapper) -> list[str]:
    return [n.op_type for n in model.graph.node]


def copy(model: ModelWrapper) -> ModelWrapper:
    """An independent copy (transforms may edit in place)."""
    return ModelWrapper(onnx.ModelProto.FromString(model.model.SerializeToString()))


def apply(model: ModelWrapper, transformation) -> ModelWrapper:
    """``model.transform`` on a copy, so the original stays executable as the reference."""
    return copy(model).transform(transformation)


def assert_same(before: Mapping[str, np.ndarray], after: Mapping[str, np.ndarray], *,
                rtol: float = 0.0, atol: float = 0.0) -> None:
    """Outputs equal: bit-exact by default, else within ``atol + rtol * |before|``."""
    assert before.keys() == after.keys()
    for name in before:
        a, b = np.asarray(before[name]), np.asarray(after[name])
        assert a.shape == b.shape, f"{name}: shape {a.shape} -> {b.shape}"
        if rtol == 0.0 and atol == 0.0:
            assert np.array_equal(a, b), (
                f"{name}: {np.sum(a != b)} of {a.size} values changed, max "
                f"{np.max(np.abs(a.astype(np.float64) - b)):.3g}")
        else:
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=name)


# ---- random values ------------------------------------------------------------------

def ints(rng: np.random.Generator, shape, lo: int, hi: int) -> np.ndarray:
    """float32 integers in [lo, hi]."""
    return rng.integers(lo, hi + 1, size=shape).astype(np.float32)


def dyadic(rng: np.random.Generator, shape, lo: float = -4.0, hi: float = 4.0,
           frac_bits: int = 3) -> np.ndarray:
    """float32 multiples of 2**-frac_bits in [lo, hi]: exact under +, -, * by powers of
    two (and short sums), so rewrites of them must be bit-exact."""
    q = 2.0**frac_bits
    return (rng.integers(int(lo * q), int(hi * q) + 1, size=shape) / q).astype(np.float32)


def powers_of_two(rng: np.random.Generator, shape, lo: int = -3, hi: int = 3,
                  signed: bool = False) -> np.ndarray:
    v = 2.0 ** rng.integers(lo, hi + 1, size=shape)
    if signed:
        v *= rng.choice([-1.0, 1.0], size=shape)
    return v.astype(np.float32)


def sorted_thresholds(rng: np.random.Generator, rows: int, steps: int, lo: float,
                      hi: float, frac_bits: int = 1) -> np.ndarray:
    """(rows, steps) thresholds, ascending per row, on a dyadic grid (ties with integer
    inputs do occur, so ``>=`` is exercised)."""
    return np.sort(dyadic(rng, (rows, steps), lo, hi, frac_bits), axis=1)
