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


def measure_system(model, ctx) -> dict:
    from finn.builder.rtl_measure import _partition_inputs
    from sim.system import SystemEngine, bounds, pack_frames

    cfg = ctx.cfg
    t0 = time.perf_counter()
    engine = SystemEngine(model, board=cfg.board, clock_ns=cfg.clock_ns)
    build_seconds = time.perf_counter() - t0
    sd = engine.sd
    x = next(v for k, v in _partition_inputs(model, ctx).items() if k == _layers_partition(model))
    reps = -(-THROUGHPUT_FRAMES // x.shape[0])
    frames = pack_frames(sd.frame_in, sd.in_dma, np.concatenate([x] * reps)[:THROUGHPUT_FRAMES])
    t1 = time.perf_counter()
    _, run = engine.simulation().run_frames(frames)
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
    if run.fps > 1.001 * min(limits["compute_bound_fps"], limits["memory_bound_fps"]):
        raise VerificationError(
            f"simulated throughput {run.fps:,.0f} frames/s exceeds its bounds (compute "
            f"{limits['compute_bound_fps']:,.0f}, memory {limits['memory_bound_fps']:,.0f})",
            node="system", hint="the cycle model or the memory model is wrong")
    return report


def _layers_partition(model) -> str:
    from qonnx.custom_op.registry import getCustomOp

    from finn.transformation.fpgadataflow.insert_iodma import has_iodma

    for n in model.graph.node:
        if n.op_type == "StreamingDataflowPartition" and not has_iodma(getCustomOp(n).load_child()):
            return n.name
    raise VerificationError("the model has no dataflow partition of layers")
