"""Simulation engines behind one interface: execute a model on a batch of inputs.

=====================  =====================================================
mode                   HW nodes run as
=====================  =====================================================
``python``             their numpy semantics (``golden/``), batched
``cppsim``             one g++-compiled C++ program per HW node
``cppsim_stitched``    one program per dataflow partition (all frames, one
                       process); other HW nodes as in ``cppsim``
``rtlsim``             one Verilator-compiled design per HW node
``rtlsim_stitched``    one stitched design per dataflow partition (FIFOs and
                       width converters inserted), all frames streamed through
``rtlsim_system``      the accelerator with its DMA engines and a model of the
                       board's memory path (``sim.system``), frames in DDR
=====================  =====================================================

Every engine has ``run(inputs, return_full_context=False) -> outputs`` and runs
non-HW ONNX nodes on onnxruntime the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from finn.util.exceptions import ConfigError
from sim.python_engine import PythonEngine

EXEC_MODES = ("python", "cppsim", "cppsim_stitched", "rtlsim", "rtlsim_stitched", "rtlsim_system")


def make_engine(model: ModelWrapper, mode: str = "python", work_dir: str | Path | None = None, **options):
    """An engine for ``model`` in ``mode`` (compiles what the mode needs up front).

    ``options`` go to the RTL engines: ``valid_prob``, ``ready_prob``, ``seed`` (rtlsim);
    ``board``, ``clock_ns``, ``ports``, ``batch`` (rtlsim_system).
    """
    if mode == "python":
        return PythonEngine(model)
    if mode in ("cppsim", "cppsim_stitched"):
        from sim.cppsim import CppSimEngine

        return CppSimEngine(model, work_dir=work_dir, stitched=mode == "cppsim_stitched")
    if mode in ("rtlsim", "rtlsim_stitched"):
        from sim.rtlsim import RtlSimEngine

        return RtlSimEngine(model, work_dir=work_dir, stitched=mode == "rtlsim_stitched", **options)
    if mode == "rtlsim_system":
        from sim.system import SystemEngine

        return SystemEngine(model, work_dir=work_dir, **options)
    raise ConfigError(f"unknown execution mode '{mode}'", hint=f"modes are: {', '.join(EXEC_MODES)}")


def execute(model: ModelWrapper, inputs: dict[str, np.ndarray] | np.ndarray, mode: str = "python",
            return_full_context: bool = False, work_dir: str | Path | None = None) -> dict[str, np.ndarray]:
    """One-shot execution; ``inputs`` may be an array for a single-input model."""
    if isinstance(inputs, np.ndarray):
        inputs = {model.graph.input[0].name: inputs}
    return make_engine(model, mode, work_dir).run(inputs, return_full_context)


__all__ = ["EXEC_MODES", "PythonEngine", "execute", "make_engine"]
