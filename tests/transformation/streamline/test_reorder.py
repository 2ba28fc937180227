"""Properties of the reorder passes (``finn.transformation.streamline.reorder``).

Each test builds a small random graph holding the pattern, applies the pass, and checks
(1) it rewrote: the pattern is gone / the ops moved (so the test can fail), and
(2) execution before == after on random inputs. Values are dyadic (multiples of 2^-3),
integers and powers of two, on which every rewrite here is exact in float32, so equality
is bit-exact; a float variant uses random reals with a stated tolerance.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from onnx import helper
from property_graphs import (
    apply,
    assert_same,
    batches,
    channels,
    dyadic,
    ints,
    make_model,
    node,
    op_types,
    powers_of_two,
    qnode,
    run,
    seeds,
    sorted_thresholds,
)
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from finn.transformation.streamline.reorder import (
    ConvertBipolarActToBinary,
    MoveAddPastMatMul,
    MoveAddPastMul,
    MoveScalarLinearPastInvariants,
    MoveScalarMulPastMatMul,
)


def _order(inputs: list[str], swap: bool) -> list[str]:
    """Binary op operands in either order (constant first or second)."""
    return inputs[::-1] if swap else inputs


# ---- MoveScalarLinearPastInvariants ---------------------------------------------------

_invariants = st.sampled_from(["Flatten", "Reshape", "Transpose", "Squeeze"])


@given(seed=seeds, n=batches, invariant=_invariants,
       linear=st.lists(st.sampled_from(["Mul", "Add"]), min_size=1, max_size=2), swap=st.booleans())
def test_move_scalar_linear_past_invariants(seed, n, invariant, linear, swap):
    """``lin(x) -> shape op`` becomes ``shape op -> lin``: elementwise by a scalar commutes
    with moving elements around, bit for bit."""
    rng = np.random.default_rng(seed)
    shape = (n, int(rng.integers(1, 4)), 1, int(rng.integers(1, 5)))
    nodes, inits, prev = [], {}, "x"
    for i, op in enumerate(linear):
        inits[f"c{i}"] = dyadic(rng, (1,)) if op == "Add" else powers_of_two(rng, (1,), signed=True)
        nodes.append(node(op, _order([prev, f"c{i}"], swap), [f"l{i}"]))
        prev = f"l{i}"
    if invariant == "Flatten":
        nodes.append(node("Flatten", [prev], ["y"], axis=1))
    elif invariant == "Reshape":
        inits["shape"] = np.array([n, -1], dtype=np.int64)
        nodes.append(node("Reshape", [prev, "shape"], ["y"]))
    elif invariant == "Transpose":
        nodes.append(node("Transpose", [prev], ["y"], perm=[0, 3, 1, 2]))
    else:
        inits["axes"] = np.array([2], dtype=np.int64)
        nodes.append(node("Squeeze", [prev, "axes"], ["y"]))
    model = make_model(nodes, {"x": shape}, ["y"], inits)
    after = apply(model, MoveScalarLinearPastInvariants())
    assert op_types(after) == [invariant, *linear], op_types(after)
    x = dyadic(rng, shape)
    assert_same(run(model, x), run(after, x))


def test_move_scalar_linear_keeps_per_channel_constants():
    """A per-channel Mul does not commute with Transpose: it must stay in front."""
    model = make_model([node("Mul", ["x", "c"], ["m"]), node("Transpose", ["m"], ["y"], perm=[1, 0])],
                       {"x": (2, 3)}, ["y"], {"c": np.array([[1.0, 2.0, 3.0]])})
    assert op_types(apply(model, MoveScalarLinearPastInvariants())) == ["Mul", "Transpose"]


# ---- MoveAddPastMul ---------------------------------------------------------------------

@given(seed=seeds, n=batches, c=channels, scalar_a=st.booleans(), scalar_m=st.booleans(),
       swap_a=st.booleans(), swap_m=st.booleans())
def test_move_add_past_mul_exact(seed, n, c, scalar_a, scalar_m, swap_a, swap_m):
    """``(x + a) * m -> x * m + a * m`` (either operand order), bit-exact on dyadic x, a and
    signed powers of two m."""
    rng = np.random.default_rng(seed)
    a = dyadic(rng, (1,) if scalar_a else (1, c))
    m = powers_of_two(rng, (1,) if scalar_m else (1, c), signed=True)
    model = make_model([node("Add", _order(["x", "a"], swap_a), ["s"]),
                        node("Mul", _order(["s", "m"], swap_m), ["y"])],
                       {"x": (n, c)}, ["y"], {"a": a, "m": m})
    after = apply(model, MoveAddPastMul())
    assert op_types(after) == ["Mul", "Add"]
    x = dyadic(rng, (n, c))
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=channels)
def test_move_add_past_mul_float(seed, n, c):
    """Real-valued constants: equal up to float32 rounding of the two products and sum,
    i.e. within 4 ulp of ``|x m| + |a m|`` (cancellation can make ``(x + a) m`` tiny)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(1, c)).astype(np.float32)
    m = rng.normal(size=(1, c)).astype(np.float32)
    model = make_model([node("Add", ["x", "a"], ["s"]), node("Mul", ["s", "m"], ["y"])],
                       {"x": (n, c)}, ["y"], {"a": a, "m": m})
    after = apply(model, MoveAddPastMul())
    assert op_types(after) == ["Mul", "Add"]
    x = rng.normal(size=(n, c)).astype(np.float32)
    y0, y1 = run(model, x)["y"], run(after, x)["y"]
    bound = 4 * np.finfo(np.float32).eps * (np.abs(x * m) + np.abs(a * m))
    assert np.all(np.abs(y0 - y1) <= bound)


# ---- MoveScalarMulPastMatMul ------------------------------------------------------------

@given(seed=seeds, n=batches, k=channels, m=channels, swap=st.booleans())
def test_move_scalar_mul_past_matmul(seed, n, k, m, swap):
    """``(x * s) @ W -> (x @ W) * s`` for a scalar s; bit-exact on integers and a power of
    two (all partial sums are exact small integers times s)."""
    rng = np.random.default_rng(seed)
    s = powers_of_two(rng, (1,), signed=True)
    w = ints(rng, (k, m), -7, 7)
    model = make_model([node("Mul", _order(["x", "s"], swap), ["xs"]),
                        node("MatMul", ["xs", "w"], ["y"])],
                       {"x": (n, k)}, ["y"], {"s": s, "w": w}, {"w": "INT4"})
    after = apply(model, MoveScalarMulPastMatMul())
    assert op_types(after) == ["MatMul", "Mul"]
    assert after.get_tensor_datatype(after.graph.node[0].input[1]) == DataType["INT4"]
    x = ints(rng, (n, k), -8, 8)
    assert_same(run(model, x), run(after, x))


def test_move_scalar_mul_past_matmul_refuses_vectors():
    """A per-input-channel Mul does not commute with the MatMul."""
    model = make_model([node("Mul", ["x", "s"], ["xs"]), node("MatMul", ["xs", "w"], ["y"])],
                       {"x": (1, 2)}, ["y"], {"s": np.array([[1.0, 2.0]]), "w": np.eye(2)})
    assert op_types(apply(model, MoveScalarMulPastMatMul())) == ["Mul", "MatMul"]


# ---- MoveAddPastMatMul ------------------------------------------------------------------

@given(seed=seeds, n=batches, k=channels, m=channels, scalar=st.booleans(), swap=st.booleans())
def test_move_add_past_matmul(seed, n, k, m, scalar, swap):
    """``(x + a) @ W -> x @ W + a @ W`` (``a`` scalar or per input channel); bit-exact on
    integers."""
    rng = np.random.default_rng(seed)
    a = ints(rng, (1,) if scalar else (1, k), -5, 5)
    w = ints(rng, (k, m), -3, 3)
    model = make_model([node("Add", _order(["x", "a"], swap), ["xa"]),
                        node("MatMul", ["xa", "w"], ["y"])],
                       {"x": (n, k)}, ["y"], {"a": a, "w": w}, {"w": "INT3"})
    after = apply(model, MoveAddPastMatMul())
    assert op_types(after) == ["MatMul", "Add"]
    x = ints(rng, (n, k), -8, 8)
    assert_same(run(model, x), run(after, x))


# ---- ConvertBipolarActToBinary ----------------------------------------------------------

def _bipolar_mlp(rng, n, c, m, *, weights: str, tail: bool):
    """x -> MT(bipolar) -> MatMul(W) [-> Mul(positive) -> MT(UINT2)] -> y."""
    w = (rng.choice([-1.0, 1.0], size=(c, m)) if weights == "BIPOLAR" else ints(rng, (c, m), -4, 3))
    inits = {"t0": sorted_thresholds(rng, c, 1, -2, 2), "w": w}
    nodes = [qnode("MultiThreshold", ["x", "t0"], ["b"], out_dtype="BIPOLAR", out_scale=2.0,
                   out_bias=-1.0),
             node("MatMul", ["b", "w"], ["acc" if tail else "y"])]
    if tail:
        inits["s"] = powers_of_two(rng, (1, m), -2, 2)
        inits["t1"] = sorted_thresholds(rng, m, 3, -8, 8)
        nodes += [node("Mul", ["acc", "s"], ["acc_s"]),
                  qnode("MultiThreshold", ["acc_s", "t1"], ["y"], out_dtype="UINT2")]
    dts = {"w": weights, "b": "BIPOLAR"}
    return make_model(nodes, {"x": (n, c)}, ["y"], inits, dts), dyadic(rng, (n, c), -3, 3)


@given(seed=seeds, n=batches, c=channels, m=channels)
def test_convert_bipolar_act_to_binary(seed, n, c, m):
    """A BIPOLAR MultiThreshold feeding an integer-weight MatMul that leads to another
    MultiThreshold becomes BINARY followed by ``* 2 - 1``: same values, bit-exact."""
    rng = np.random.default_rng(seed)
    model, x = _bipolar_mlp(rng, n, c, m, weights="INT3", tail=True)
    after = apply(model, ConvertBipolarActToBinary())
    first = getCustomOp(after.graph.node[0])
    assert first.get_nodeattr("out_dtype") == "BINARY" and first.get_nodeattr("out_scale") == 1.0
    assert op_types(after)[:4] == ["MultiThreshold", "Mul", "Add", "MatMul"], op_types(after)
    assert after.get_tensor_datatype(after.graph.node[0].output[0]) == DataType["BINARY"]
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=channels, m=channels,
       case=st.sampled_from(["bipolar weights", "last layer"]))
def test_convert_bipolar_act_to_binary_leaves_alone(seed, n, c, m, case):
    """Bipolar x bipolar stays for the XNOR conversion; a MatMul with no MultiThreshold
    after it (the last layer) keeps its BIPOLAR input: its -colsum(W) correction could
    not be absorbed anywhere."""
    rng = np.random.default_rng(seed)
    model, _ = _bipolar_mlp(rng, n, c, m, weights="BIPOLAR" if case == "bipolar weights" else "INT3",
                            tail=case == "bipolar weights")
    after = apply(model, ConvertBipolarActToBinary())
    assert helper.printable_graph(after.graph) == helper.printable_graph(model.graph)
