"""Graph transformations. Every pass has ``apply(model) -> (model, changed)``."""

from qonnx.transformation.base import NodeLocalTransformation, Transformation

__all__ = ["NodeLocalTransformation", "Transformation"]
