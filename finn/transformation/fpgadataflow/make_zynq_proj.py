"""`ZynqBuild`: stitched IP -> Vivado block design -> bitfile for a Zynq PYNQ board.

This step needs Vivado. Until the RTL level lands it stops with a clear message.
"""

from __future__ import annotations

import shutil

from qonnx.transformation.base import Transformation

from finn.util.basic import pynq_part_map
from finn.util.exceptions import ConfigError, ToolNotFoundError


class ZynqBuild(Transformation):
    """Build a PYNQ bitfile for ``platform`` at ``period_ns``."""

    def __init__(self, platform: str, period_ns: float, enable_debug: bool = False):
        super().__init__()
        if platform not in pynq_part_map:
            raise ConfigError(f"unknown platform '{platform}'", hint=f"choose one of {list(pynq_part_map)}")
        self.platform = platform
        self.period_ns = period_ns

    def apply(self, model):
        if shutil.which("vivado") is None:
            raise ToolNotFoundError(
                "ZynqBuild needs Vivado (vivado on PATH) to synthesize the bitfile",
                hint="install Vivado and source its settings64.sh; the open simulation levels "
                "(python, cppsim, rtlsim) need no vendor tools",
            )
        raise ToolNotFoundError(
            "ZynqBuild's Vivado flow is not implemented yet (it needs the stitched RTL level)",
            hint="use `finn build` for the verified folded graph",
        )
