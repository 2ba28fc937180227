"""Measurement of the stitched accelerator in RTL simulation (the ``stitched_ip_rtlsim`` step).

Runs every dataflow partition's stitched design on the partition's inputs for the test
images twice: with no stalls, to measure per-frame latency and the steady-state
initiation interval (II), and under random valid gaps and back-pressure, whose outputs
must be identical. The measured II must equal the analytic II (the slowest layer's
cycles), the contract of the cycle model (DESIGN.md). A failure names the first
differing frame and leaves its inputs and a waveform in ``<out>/verification``.
"""

from __future__ import annotations

import os

import numpy as np

from finn.util.exceptions import VerificationError

# the stressed run: the source offers a word with this probability, the sink accepts with that one
STRESS = {"valid_prob": 0.7, "ready_prob": 0.5, "seed": 7}
RANDOM_FRAMES = 256  # inputs of a build that does not verify: seeded random frames


def _partition_inputs(model, ctx) -> dict[str, np.ndarray]:
    """The input tensor of every partition node, for the test images (or random frames)."""
    from finn.builder.verify import model_inputs
    from sim.python_engine import PythonEngine

    images = ctx.test_images
    if images is None:
        shape = model.get_tensor_shape(model.graph.input[0].name)
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, size=[RANDOM_FRAMES] + list(shape[1:]), dtype=np.uint8)
    full = PythonEngine(model).run({model.graph.input[0].name: model_inputs(model, images)},
                                   return_full_context=True)
    return {n.name: full[n.input[0]] for n in model.graph.node if n.op_type == "StreamingDataflowPartition"}


def measure_stitched(model, ctx) -> dict:
    from finn.transformation.fpgadataflow.folding import folding_summary
    from sim.rtlsim import RtlSimEngine

    engine = RtlSimEngine(model, stitched=True)
    inputs = _partition_inputs(model, ctx)
    analytic = folding_summary(model, ctx.cfg.clock_ns)
    report: dict = {"build": engine.build_report.per_design(), "partitions": {}}
    for name, runnable in engine.runnables.items():
        x = inputs[name]
        ideal = runnable.run(x)
        stats = runnable.last_stats
        stressed = runnable.run(x, **STRESS)
        stress_stats = runnable.last_stats
        measured_ii = stats.steady_state_ii()
        entry = {
            "design": str(runnable.design.directory),
            "frames": stats.frames,
            "measured_ii_cycles": measured_ii,
            "ii_range_cycles": stats.ii_range(),
            "analytic_ii_cycles": analytic["II"],
            "latency_cycles": stats.to_dict()["latency_cycles"],
            "expected_fps": None if not measured_ii else 1e9 / (ctx.cfg.clock_ns * measured_ii),
            "clock_ns": ctx.cfg.clock_ns,
            "simulated_cycles_per_second": stats.to_dict()["cycles_per_second"],
            "backpressure": {**STRESS, "cycles": stress_stats.cycles},
        }
        report["partitions"][name] = entry
        bad = np.flatnonzero(np.any(ideal.reshape(len(ideal), -1) != stressed.reshape(len(stressed), -1), axis=1))
        if bad.size:
            raise VerificationError(
                f"under back-pressure ({STRESS}) the stitched design's output differs on "
                f"{bad.size} frames, first frame {int(bad[0])}",
                node=name, hint=_leave_evidence(ctx, runnable, x, bad))
        if measured_ii is not None and measured_ii != analytic["II"]:
            raise VerificationError(
                f"measured II {measured_ii} cycles != analytic II {analytic['II']} cycles "
                f"(slowest layer {analytic['slowest']})", node=name,
                hint=f"the design is in {runnable.design.directory}; compare per-layer cycles()")
    return report


def _leave_evidence(ctx, runnable, x: np.ndarray, bad: np.ndarray) -> str:
    """Write the failing frames and a waveform of them under back-pressure; describe where."""
    from sim.rtlsim import run_design

    folder = ctx.path("verification")
    os.makedirs(folder, exist_ok=True)
    frames = x[bad[:4]]
    np.save(os.path.join(folder, "stitched_ip_rtlsim_repro_input.npy"), frames)
    wave = os.path.join(folder, "stitched_ip_rtlsim_wave.vcd")
    try:
        run_design(runnable.design, runnable.fin.pack(frames), trace=wave, **STRESS)
    except VerificationError:
        pass  # the waveform is written up to the stall
    return f"partition inputs of those frames: {folder}/stitched_ip_rtlsim_repro_input.npy; waveform: {wave}"
