"""Properties of ``finn.transformation.streamline.collapse_repeated``: two (or more)
consecutive Mul (Add) by constants merge into one. Bit-exact on powers of two (dyadic
values for Add); a float variant states its tolerance."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from property_graphs import (
    apply,
    assert_same,
    batches,
    channels,
    dyadic,
    make_model,
    node,
    op_types,
    powers_of_two,
    run,
    seeds,
)

from finn.transformation.streamline.collapse_repeated import (
    CollapseRepeatedAdd,
    CollapseRepeatedMul,
)

_TRANSFORMS = {"Mul": CollapseRepeatedMul, "Add": CollapseRepeatedAdd}


def _chain(op, consts, n, c):
    nodes, inits, prev = [], {}, "x"
    for i, v in enumerate(consts):
        out = "y" if i == len(consts) - 1 else f"t{i}"
        nodes.append(node(op, [prev, f"c{i}"] if i % 2 == 0 else [f"c{i}", prev], [out]))
        inits[f"c{i}"] = v
        prev = out
    return make_model(nodes, {"x": (n, c)}, ["y"], inits)


@given(seed=seeds, n=batches, c=channels, op=st.sampled_from(["Mul", "Add"]),
       scalars=st.lists(st.booleans(), min_size=2, max_size=4))
def test_collapse_repeated_exact(seed, n, c, op, scalars):
    """A chain of 2-4 Mul (Add) nodes, constants scalar or per-channel, either operand
    order, becomes one node computing the same values."""
    rng = np.random.default_rng(seed)
    make = (lambda s: powers_of_two(rng, s, -2, 2, signed=True)) if op == "Mul" else \
        (lambda s: dyadic(rng, s, -4, 4, 2))
    consts = [make((1,) if sc else (1, c)) for sc in scalars]
    model = _chain(op, consts, n, c)
    after = apply(model, _TRANSFORMS[op]())
    assert op_types(after) == [op]
    x = dyadic(rng, (n, c), -8, 8, 2)
    assert_same(run(model, x), run(after, x))


@given(seed=seeds, n=batches, c=channels)
def test_collapse_repeated_mul_float(seed, n, c):
    """Real-valued scales: ``(x a) b`` and ``x (a b)`` each round twice, so they agree within
    3 ulp of the result."""
    rng = np.random.default_rng(seed)
    a, b = (rng.normal(size=(1, c)).astype(np.float32) for _ in range(2))
    model = _chain("Mul", [a, b], n, c)
    after = apply(model, CollapseRepeatedMul())
    assert op_types(after) == ["Mul"]
    x = rng.normal(size=(n, c)).astype(np.float32)
    y0, y1 = run(model, x)["y"], run(after, x)["y"]
    assert np.all(np.abs(y0 - y1) <= 3 * np.finfo(np.float32).eps * np.abs(y0))


def test_collapse_repeated_leaves_shared_intermediate():
    """The first node's output is also a graph output: merging would lose it."""
    model = make_model([node("Mul", ["x", "a"], ["m"]), node("Mul", ["m", "b"], ["y"])],
                       {"x": (1, 2)}, ["y", "m"], {"a": np.array([2.0]), "b": np.array([4.0])})
    assert op_types(apply(model, CollapseRepeatedMul())) == ["Mul", "Mul"]
