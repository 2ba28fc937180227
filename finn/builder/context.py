"""What a build carries between steps: config, output folder, reference model and data."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from finn.builder.config import BuildConfig


@dataclass
class BuildContext:
    cfg: BuildConfig
    output_dir: str
    torch_model: object | None = None
    # verification inputs (uint8 images) when the build verifies; steps that measure use them
    test_images: object | None = None
    warnings: list[str] = field(default_factory=list)
    # what the current step wants recorded in its report entry (reset before each step)
    step_info: dict = field(default_factory=dict)

    def path(self, *parts: str) -> str:
        return os.path.join(self.output_dir, *parts)
