"""Helpers for HW op tests: build one node, run its python execution, draw datatypes."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from onnx import helper
from qonnx.core.datatype import DataType

from finn.custom_op.fpgadataflow.base import HW_DOMAIN, divisors
from finn.custom_op.registry import getCustomOp

INT_DTS = [f"INT{b}" for b in range(2, 9)] + [f"UINT{b}" for b in range(2, 9)]
ALL_DTS = INT_DTS + ["BIPOLAR", "BINARY"]


def make_op(op_type: str, inputs: list[str], outputs: list[str], name: str = "node0", **attrs):
    node = helper.make_node(op_type, inputs, outputs, name=name, domain=HW_DOMAIN, **attrs)
    return node, getCustomOp(node)


def run(op, context: dict) -> dict:
    op.execute_node(context, None)
    return context


def random_values(rng: np.random.Generator, dt_name: str, shape) -> np.ndarray:
    dt = DataType[dt_name]
    if dt == DataType["BIPOLAR"]:
        return rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


@st.composite
def size_and_fold(draw, max_size: int = 24):
    """(size, fold) with fold a divisor of size, biased towards the extremes 1 and size."""
    size = draw(st.integers(1, max_size))
    fold = draw(st.one_of(st.just(1), st.just(size), st.sampled_from(divisors(size))))
    return size, fold


def vectors(draw) -> list[int]:
    """numInputVectors: a plain FC frame [1] or a small spatial frame [1, H]."""
    return draw(st.sampled_from([[1], [1, 3], [1, 2, 2]]))
