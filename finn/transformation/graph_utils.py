"""Small graph-editing helpers shared by the passes (no pass logic here)."""

from __future__ import annotations

import numpy as np
from onnx import NodeProto, TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper


def const_input(model: ModelWrapper, node: NodeProto) -> tuple[int, np.ndarray] | None:
    """Return ``(index, value)`` of the single constant input of a binary op, else None."""
    if len(node.input) != 2:
        return None
    values = [model.get_initializer(t) for t in node.input]
    consts = [i for i, v in enumerate(values) if v is not None]
    if len(consts) != 1:
        return None
    return consts[0], values[consts[0]]


def single_consumer(model: ModelWrapper, tensor: str) -> NodeProto | None:
    """The one node reading ``tensor``, or None if zero or several do or it is a graph output."""
    if tensor in [o.name for o in model.graph.output]:
        return None
    consumers = model.find_consumers(tensor)
    return consumers[0] if len(consumers) == 1 else None


def add_tensor(model: ModelWrapper, shape=None, value: np.ndarray | None = None, dtype=None) -> str:
    """Make a fresh float tensor name: an initializer when ``value`` is given, a value_info
    when ``shape`` is given, else a bare name left to shape inference."""
    name = model.make_new_valueinfo_name()
    if value is not None:
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
    elif shape is not None:
        vi = helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
        model.graph.value_info.append(vi)
    if dtype is not None:
        model.set_tensor_datatype(name, dtype)
    return name


def insert_after(model: ModelWrapper, anchor: NodeProto, new: NodeProto) -> None:
    """Insert ``new`` right after ``anchor`` in the node list (keeps topological order)."""
    index = list(model.graph.node).index(anchor)
    model.graph.node.insert(index + 1, new)


def drop_value_info(model: ModelWrapper, tensor: str) -> None:
    """Forget a tensor's recorded shape (before a rewrite changes it)."""
    for vi in list(model.graph.value_info):
        if vi.name == tensor:
            model.graph.value_info.remove(vi)


def is_scalar(value: np.ndarray) -> bool:
    return np.asarray(value).size == 1
