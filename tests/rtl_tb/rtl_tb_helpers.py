"""Shared pieces of the cocotb bench tests: the build cache and the simulator list."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rtl_tb.runner import available_simulators


def bench_work_dir() -> Path:
    """Where bench simulators are built: ``$FINN_CACHE_DIR/rtl_tb`` or the user cache.

    Builds are keyed by sources and parameters, so a warm cache skips Verilator.
    """
    env = os.environ.get("FINN_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "rtl_tb"
    import platformdirs

    return Path(platformdirs.user_cache_dir("finn-open")) / "rtl_tb"


# Verilator always; Icarus as a second simulator when installed
simulators = pytest.mark.parametrize("simulator", available_simulators())
