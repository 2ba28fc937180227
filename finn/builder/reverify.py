"""`finn verify DIR`: run the harness again over every checkpoint of a build folder."""

from __future__ import annotations

import glob
import os

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from finn.builder.report import read_report
from finn.builder.verify import TestSet, system_options, verify_step
from finn.util.exceptions import ConfigError


def reverify(build_dir: str, console=None) -> bool:
    """Verify each checkpoint against the reference and its predecessor; print a table."""
    from finn.util.data import load_mnist

    report = read_report(build_dir)
    if report is None:
        raise ConfigError(f"'{build_dir}' holds no report.json", hint="give the --out folder of a `finn build`")
    paths = sorted(glob.glob(os.path.join(build_dir, "checkpoints", "*.onnx")))
    if not paths:
        raise ConfigError(f"'{build_dir}' holds no checkpoints")
    data = load_mnist(report["config"].get("mnist_dir"))
    test = TestSet(images=data.test_x, labels=data.test_y)
    ref = os.path.join(build_dir, "reference", "torch_predictions.npy")
    if os.path.isfile(ref):
        test.reference_predictions = np.load(ref)
    from rich.table import Table

    table = Table(title=f"verification of {build_dir}")
    for col in ("checkpoint", "level", "accuracy", "agrees w/ torch", "mismatches", "seconds", "result"):
        table.add_column(col)
    prev_out = prev_model = prev_step = None
    all_ok = True
    for path in paths:
        model = ModelWrapper(path)
        step = os.path.basename(path)[3:-5]
        check, out = verify_step(step, model, test, prev_out, prev_model,
                                 repro_dir=os.path.join(build_dir, "verification"),
                                 prev_step=prev_step, engine_options=system_options(report["config"]))
        all_ok &= check.ok
        table.add_row(os.path.basename(path), check.level, _f(check.accuracy), _f(check.agreement_with_reference),
                      "-" if check.mismatches_vs_previous is None else str(check.mismatches_vs_previous),
                      f"{check.seconds:.2f}", "ok" if check.ok else f"FAILED {check.failure}")
        prev_out, prev_model, prev_step = out, model, step
    if console is not None:
        console.print(table)
    return all_ok


def _f(x):
    return "-" if x is None else f"{x:.4f}"
