"""Shared pieces of the cocotb bench tests: the build cache and the simulator list."""

from __future__ import annotations

from pathlib import Path

import pytest

from finn.util.basic import cache_subdir
from rtl_tb.runner import available_simulators


def bench_work_dir() -> Path:
    """Where bench simulators are built (``cache_subdir("rtl_tb")``). Builds are keyed by
    sources and parameters, so a warm cache skips Verilator."""
    return cache_subdir("rtl_tb")


# Verilator always; Icarus as a second simulator when installed
simulators = pytest.mark.parametrize("simulator", available_simulators())
