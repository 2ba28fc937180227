"""Small torch modules used as pre/post-processing graphs."""

from __future__ import annotations

import torch

__all__ = ["ToTensor"]


class ToTensor(torch.nn.Module):
    """Scale ``uint8``-range pixels to ``[0, 1]`` floats: ``x / 255``.

    Exported in front of a network so the deployed model takes raw pixels.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x / 255.0``."""
        return x / 255.0
