"""Measurement of the system in simulation (the ``system_rtlsim`` step).

The accelerator with its DMA engines and the modeled board memory runs a batch of
:data:`THROUGHPUT_FRAMES` frames (the test images repeated, as the seed's
``throughput_test_remote(model, 10000)`` ran 10,000 frames) as one transfer, the way the
driver runs it: throughput = frames / (simulated cycles x clock period), from starting
the output DMA to the poll that sees it done. Beside it stand the two bounds the
figure must respect: the compute bound (clock / accelerator II) and the memory bound
(bytes the input ports move per cycle / bytes per frame); the simulated figure may not
exceed the smaller one.
"""

from __future__ import annotations

import time

import numpy as np

from finn.util.exceptions import VerificationError

THROUGHPUT_FRAMES = 10000
# The seed's board measurement: TFC-w1a1 on a real Pynq-Z1, one 64-bit HP port at 100 MHz
# (throughput_test_remote, 10,000 images), the reference the board model is checked against.
SEED_FPS = 958413


def measure_system(model, ctx) -> dict:
    from finn.builder.rtl_measure import _partition_inputs
    from finn.transformation.fpgadataflow.insert_iodma import layers_partition
    from sim.system import SystemEngine, bounds, pack_frames

    cfg = ctx.cfg
    t0 = time.perf_counter()
    engine = SystemEngine(model, board=cfg.board, clock_ns=cfg.clock_ns)
    build_seconds = time.perf_counter() - t0
    sd = engine.sd
    x = next(v for k, v in _partition_inputs(model, ctx).items() if k == layers_partition(model).name)
    reps = -(-THROUGHPUT_FRAMES // x.shape[0])
    frames = pack_frames(sd.frame_in, sd.in_dma, np.concatenate([x] * reps)[:THROUGHPUT_FRAMES])
    t1 = time.perf_counter()
    out, run = engine.simulation().run_frames(frames)
    wall = time.perf_counter() - t1
    limits = bounds(sd, cfg.clock_ns)
    report = {
        "design": str(sd.design.directory), "board": sd.board.name, "clock_ns": cfg.clock_ns,
        "build_seconds": round(build_seconds, 2), "cached": sd.design.cached,
        "frames": run.frames, "cycles": run.cycles, "simulated_seconds": run.seconds,
        "fps": run.fps, **limits,
        "fraction_of_compute_bound": run.fps / limits["compute_bound_fps"],
        "traffic": run.stats, "wall_seconds": round(wall, 2),
        "simulated_cycles_per_second": round(run.cycles / wall) if wall else None,
        "memory_model": {k: v for k, v in sd.board.to_dict().items() if k != "name"},
        "time_base": f"simulated time at {1e3 / cfg.clock_ns:g} MHz, not wall time",
    }
    _check_bounds(run.fps, limits)
    report["configurations"] = [_summary(limits, run)]
    if limits["hp_ports"] != 1:  # the seed's configuration (one HP port) beside the chosen one
        report["configurations"].insert(0, _single_port(engine, model, cfg, frames, out))
    report["seed_measured_fps"] = SEED_FPS
    return report


def _summary(limits: dict, run) -> dict:
    return {"hp_ports": limits["hp_ports"], "fps": run.fps, "cycles": run.cycles,
            "compute_bound_fps": limits["compute_bound_fps"], "memory_bound_fps": limits["memory_bound_fps"],
            "fraction_of_compute_bound": run.fps / limits["compute_bound_fps"]}


def _single_port(engine, model, cfg, frames, out) -> dict:
    """The same frames through the system with one memory port; its outputs must be the same."""
    from sim.system import SystemSimulation, bounds, build_system, system_design

    sd = build_system(system_design(model, cfg.board, ports=1, clock_ns=cfg.clock_ns))
    with SystemSimulation(sd, cfg.clock_ns) as sim:
        got, run = sim.run_frames(frames)
    if not np.array_equal(got, out):
        bad = int(np.flatnonzero((got != out).any(axis=1))[0])
        raise VerificationError(f"the one-port system's output differs from the "
                                f"{engine.sd.info.mem_ports}-port system's (first frame {bad})", node="system")
    limits = bounds(sd, cfg.clock_ns)
    _check_bounds(run.fps, limits)
    return _summary(limits, run)


def _check_bounds(fps: float, limits: dict) -> None:
    if fps > 1.001 * min(limits["compute_bound_fps"], limits["memory_bound_fps"]):
        raise VerificationError(
            f"simulated throughput {fps:,.0f} frames/s exceeds its bounds (compute "
            f"{limits['compute_bound_fps']:,.0f}, memory {limits['memory_bound_fps']:,.0f})",
            node="system", hint="the cycle model or the memory model is wrong")
