"""Build every zoo network with both exporters and print one verification line each.

    python bench/zoo_sweep.py [--out DIR] [--dynamo-only|--torchscript-only]

Each build trains (or loads the cached) network, runs every step and verifies every
checkpoint on the 1,000 test images. Exits non-zero if any build fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

from finn.builder.build import build_dataflow
from finn.builder.config import BuildConfig
from finn.util.exceptions import FinnError
from finn.util.test import zoo_names


def main() -> int:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="zoo_sweep")
    ap.add_argument("--exporters", default="torchscript,dynamo")
    args = ap.parse_args()
    failures = 0
    rows = []
    for net, w, a in zoo_names():
        for exporter in args.exporters.split(","):
            name = f"{net}-w{w}a{a}"
            cfg = BuildConfig(model=name, output_dir=f"{args.out}/{name}_{exporter}",
                              dynamo=exporter == "dynamo", target_fps=100_000)
            t0 = time.perf_counter()
            try:
                report = build_dataflow(cfg)
                steps = report["steps"]
                agree = min(s["verification"]["agreement_with_reference"] for s in steps)
                mism = sum(s["verification"]["mismatches_vs_previous"] or 0 for s in steps)
                accs = [s["verification"]["accuracy"] for s in steps]
                row = {"model": name, "exporter": exporter, "status": report["status"],
                       "torch_accuracy": report["reference"]["accuracy"], "min_step_accuracy": min(accs),
                       "min_agreement": agree, "mismatches": mism, "II": report["folding"]["II"],
                       "seconds": round(time.perf_counter() - t0, 1)}
            except FinnError as exc:
                failures += 1
                row = {"model": name, "exporter": exporter, "status": "failed", "error": str(exc)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
