"""Shared by the bench scripts: best-of-n wall time, the folded TFC-w1a1 graph."""

from __future__ import annotations

import time


def best(fn, repeat: int = 3):
    """(fastest wall time in seconds over ``repeat`` calls, the last result)."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def folded_tfc_w1a1(out_dir: str):
    """TFC-w1a1 (cached trained model) through the flow to the folded graph, seed folding.

    Returns ``(folded model, MNIST split, build config)``; the flow's files go to ``out_dir``.
    """
    from finn.builder.config import BuildConfig
    from finn.builder.context import BuildContext
    from finn.builder.steps import STEP_NAMES, STEPS
    from finn.util.data import load_mnist
    from finn.util.test import get_test_model_trained

    cfg = BuildConfig(model="TFC-w1a1", output_dir=out_dir, seed_folding=True)
    ctx = BuildContext(cfg=cfg, output_dir=out_dir, torch_model=get_test_model_trained("TFC", 1, 1))
    model = None
    for _, fn in STEPS[: STEP_NAMES.index("folding") + 1]:
        model = fn(model, ctx)
    return model, load_mnist(), cfg
