"""C++ simulation (cppsim) timings for TFC-w1a1 (seed folding), with the python level
measured in the same run as the baseline.

    python bench/bench_cppsim.py      (or: nox -s bench)

Prints the g++ compile time per layer (node-by-node programs, cold cache, compiled
in parallel) and of the whole partition program, then the wall time of 1,000 test
images through: the python level (batched numpy), cppsim node by node (one program
per layer, tensors through .npy files) and cppsim stitched (one process), and the
ratios. All three must agree bit-exactly before their speeds are compared.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings

import numpy as np
from common import best, folded_tfc_w1a1


def main() -> None:
    warnings.filterwarnings("ignore")
    from finn.builder.verify import model_inputs
    from sim import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        model, data, _ = folded_tfc_w1a1(tmp)
        x = {model.graph.input[0].name: model_inputs(model, data.test_x)}
        out = model.graph.output[0].name

        t0 = time.perf_counter()
        by_node = make_engine(model, "cppsim", os.path.join(tmp, "cold_nodes"))
        nodes_compile_wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        stitched = make_engine(model, "cppsim_stitched", os.path.join(tmp, "cold_partition"))
        partition_compile = time.perf_counter() - t0
        t0 = time.perf_counter()
        make_engine(model, "cppsim_stitched", os.path.join(tmp, "cold_partition"))
        cached_setup = time.perf_counter() - t0

        python = make_engine(model, "python")
        py_s, y_py = best(lambda: python.run(x)[out])
        node_s, y_node = best(lambda: by_node.run(x)[out])
        st_s, y_st = best(lambda: stitched.run(x)[out])
        if not (np.array_equal(y_py, y_node) and np.array_equal(y_py, y_st)):
            raise SystemExit("cppsim and python disagree: timings not comparable")
        acc = float(np.mean(y_st.reshape(-1) == data.test_y))

    print(f"TFC-w1a1, seed folding, cppsim ({os.cpu_count()} cores)")
    print("compile, node by node (cold cache, in parallel):")
    for p in by_node.compile_report.per_program():
        print(f"  {p['name']:28s} {p['seconds']:6.2f} s")
    print(f"  wall time, all layers:       {nodes_compile_wall:6.2f} s")
    print(f"compile, whole partition:      {partition_compile:6.2f} s")
    print(f"engine setup, cached binaries: {cached_setup:6.3f} s")
    print("1,000 test images (best of 3):")
    print(f"  python level (baseline):     {py_s:7.3f} s")
    print(f"  cppsim node by node:         {node_s:7.3f} s   {py_s / node_s:6.1f} x faster than python")
    print(f"  cppsim stitched:             {st_s:7.3f} s   {py_s / st_s:6.1f} x faster than python")
    print(f"outputs identical across the three; accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
