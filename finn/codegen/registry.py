"""Explicit emitter registries: op type -> function; an unknown op type names the valid ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from finn.util.exceptions import UnsupportedGraphError

T = TypeVar("T")


def emit(registry: dict[str, Callable[..., T]], what: str, model, node) -> T:
    """Call ``registry[node.op_type](model, node)``; UnsupportedGraphError naming the node if absent."""
    fn = registry.get(node.op_type)
    if fn is None:
        raise UnsupportedGraphError(
            f"no {what} for op type {node.op_type}",
            node=node.name,
            hint=f"{what}s exist for: {', '.join(sorted(registry))}",
        )
    return fn(model, node)
