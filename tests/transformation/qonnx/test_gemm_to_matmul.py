"""Properties of ``finn.transformation.qonnx.gemm_to_matmul``.

* ``GemmToMatMul``: every Gemm (any transA/transB, alpha, beta, with or without C, C an
  initializer or a graph input of any broadcastable shape, B an initializer or not)
  becomes MatMul [+ Transpose/Mul/Add] computing the same values. Operands are small
  integers and alpha/beta powers of two, so every partial sum is exact in float32 and
  the check is bit-exact.
* ``ReshapeToFlatten``: ``Reshape(x, [N, -1])`` becomes ``Flatten(axis=1)``: identical
  values, and the graph then runs on any batch size; other reshapes are left alone.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from property_graphs import (
    apply,
    assert_same,
    batches,
    channels,
    ints,
    make_model,
    node,
    op_types,
    run,
    seeds,
)

from finn.transformation.qonnx.gemm_to_matmul import GemmToMatMul, ReshapeToFlatten

_pow2 = st.sampled_from([1.0, 1.0, 0.5, 2.0, -1.0, 0.25])


@given(seed=seeds, n=batches, k=channels, m=channels, trans_a=st.booleans(),
       trans_b=st.booleans(), alpha=_pow2, beta=_pow2,
       c_kind=st.sampled_from(["none", "row", "vector", "full", "scalar"]),
       c_input=st.booleans(), b_input=st.booleans())
def test_gemm_to_matmul(seed, n, k, m, trans_a, trans_b, alpha, beta, c_kind, c_input, b_input):
    rng = np.random.default_rng(seed)
    a_shape = (k, n) if trans_a else (n, k)
    b_val = ints(rng, (m, k) if trans_b else (k, m), -4, 4)
    c_shape = {"row": (1, m), "vector": (m,), "full": (n, m), "scalar": (1,)}.get(c_kind)
    inputs, inits, feeds = {"a": a_shape}, {}, {"a": ints(rng, a_shape, -8, 8)}
    if b_input:
        inputs["b"] = b_val.shape
        feeds["b"] = b_val
    else:
        inits["b"] = b_val
    gemm_inputs = ["a", "b"]
    if c_shape is not None:
        c_val = ints(rng, c_shape, -8, 8)
        if c_input:
            inputs["c"] = c_shape
            feeds["c"] = c_val
        else:
            inits["c"] = c_val
        gemm_inputs.append("c")
    model = make_model([node("Gemm", gemm_inputs, ["y"], alpha=alpha, beta=beta,
                             transA=int(trans_a), transB=int(trans_b))], inputs, ["y"], inits)
    after = apply(model, GemmToMatMul())
    ops = op_types(after)
    assert "Gemm" not in ops and ops.count("MatMul") == 1, ops
    assert after.get_tensor_shape("y") == [n, m]
    assert_same(run(model, feeds), run(after, feeds))


@given(seed=seeds, n=batches, c=channels, hw=st.sampled_from([(1, 1), (2, 3), (4, 4)]),
       other_batch=batches)
def test_reshape_to_flatten(seed, n, c, hw, other_batch):
    rng = np.random.default_rng(seed)
    shape = (n, c, *hw)
    model = make_model([node("Reshape", ["x", "shape"], ["y"])], {"x": shape}, ["y"],
                       {"shape": np.array([n, -1], dtype=np.int64)})
    after = apply(model, ReshapeToFlatten())
    assert op_types(after) == ["Flatten"]
    x = ints(rng, shape, -8, 8)
    assert_same(run(model, x), run(after, x))
    # batch-agnostic now: any batch size flattens the same way
    x2 = ints(rng, (other_batch, c, *hw), -8, 8)
    assert np.array_equal(run(after, x2)["y"], x2.reshape(other_batch, -1))


def test_reshape_to_flatten_leaves_other_reshapes():
    """Reshapes that do not keep the batch axis / flatten the rest stay Reshapes."""
    for target in ([2 * 3, 4], [2, 3, 4], [1, -1]):
        model = make_model([node("Reshape", ["x", "shape"], ["y"])], {"x": (2, 3, 4)}, ["y"],
                           {"shape": np.array(target, dtype=np.int64)})
        assert op_types(apply(model, ReshapeToFlatten())) == ["Reshape"], target
