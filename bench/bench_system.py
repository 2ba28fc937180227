"""System simulation speed and throughput for TFC-w1a1 (seed folding), beside the stitched
simulation of the same accelerator measured in the same run.

    python bench/bench_system.py      (or: nox -s bench)

Prints, for the seed's system (one 64-bit HP port, as FINN's ZynqBuild wires it) and for
ours (the input striped over two HP ports), on the modeled Pynq-Z1 at 100 MHz:

* the time to build the system simulation from the folded graph (cold cache; budget 120 s),
* 10,000 frames in one transfer: simulated throughput against the compute and memory
  bounds, and against the seed's measured 958,413 frames/s,
* the simulation's speed (simulated cycles per wall second) beside the compiled stitched
  harness streaming the same 10,000 frames (the ratio is the cost of the DMAs and the
  memory model),
* that the labels equal the python level's on every frame.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from common import folded_tfc_w1a1

FRAMES = 10000
SEED_MEASURED_FPS = 958413  # the seed's Pynq-Z1 run, batch 10,000 at 100 MHz


def main() -> None:
    warnings.filterwarnings("ignore")
    from finn.builder.verify import model_inputs
    from sim.python_engine import PythonEngine
    from sim.rtlsim import RtlSimEngine, run_design
    from sim.system import (
        SystemSimulation,
        bounds,
        build_system,
        pack_frames,
        system_design,
        unpack_frames,
    )

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        model, data, cfg = folded_tfc_w1a1(tmp_s)
        full = PythonEngine(model).run({model.graph.input[0].name: model_inputs(model, data.test_x)},
                                       return_full_context=True)
        sdp = model.get_nodes_by_op_type("StreamingDataflowPartition")[0]
        reps = -(-FRAMES // data.test_x.shape[0])
        x = np.concatenate([full[sdp.input[0]]] * reps)[:FRAMES]
        y_py = np.concatenate([full[sdp.output[0]]] * reps)[:FRAMES]

        runnable = RtlSimEngine(model, work_dir=tmp / "rtlsim").runnables[sdp.name]
        _, st = run_design(runnable.design, runnable.fin.pack(x))
        stitched_rate = st.cycles / st.sim_seconds
        rows = []
        for ports in (1, 2):
            t0 = time.perf_counter()
            sd = build_system(system_design(model, cfg.board, ports, cfg.clock_ns), tmp / "rtlsim")
            build_s = time.perf_counter() - t0
            with SystemSimulation(sd, cfg.clock_ns) as sim:
                frames = pack_frames(sd.frame_in, sd.in_dma, x)
                t0 = time.perf_counter()
                out, run = sim.run_frames(frames)
                wall = time.perf_counter() - t0
            y = unpack_frames(sd.frame_out, sd.out_dma, out, sd.out_elems).reshape(y_py.shape)
            if not np.array_equal(y, y_py):
                raise SystemExit(f"{ports} port(s): system labels differ from the python level")
            rows.append((ports, build_s, run, wall, bounds(sd, cfg.clock_ns)))

    print(f"TFC-w1a1 system on the modeled Pynq-Z1 at {1e3 / cfg.clock_ns:.0f} MHz, seed folding "
          f"({os.cpu_count()} cores); {FRAMES:,} frames in one transfer")
    print(f"stitched accelerator alone (compiled harness): {st.cycles:,} cycles, "
          f"{stitched_rate / 1e6:.2f} M cycles/s")
    for ports, build_s, run, wall, b in rows:
        label = "seed's system, 1 HP port" if ports == 1 else f"ours, input striped over {ports} HP ports"
        rate = run.cycles / wall
        print(f"{label}:")
        print(f"  build from the folded graph: {build_s:6.1f} s (budget 120 s)")
        print(f"  {run.fps:12,.0f} frames/s simulated = {run.fps / b['compute_bound_fps']:.1%} of the compute "
              f"bound {b['compute_bound_fps']:,.0f}; memory bound {b['memory_bound_fps']:,.0f}; "
              f"{run.fps / SEED_MEASURED_FPS - 1:+.1%} against the seed's measured {SEED_MEASURED_FPS:,}")
        print(f"  {run.cycles:,} cycles in {wall:.2f} s wall = {rate / 1e6:.2f} M cycles/s "
              f"({stitched_rate / rate:.1f} x slower per cycle than the stitched harness)")
    print("labels identical to the python level on every frame")


if __name__ == "__main__":
    main()
