"""Front-half timings for TFC-w1a1, with in-run baselines.

    python bench/bench_flow.py        (or: nox -s bench)

Prints:
* flow: trained checkpoint -> folded graph (all steps, no verification), seconds;
* verification of one checkpoint on the 1,000 test images with the batched python
  engine, against qonnx's execute_onnx image by image (the baseline) measured here.
"""

from __future__ import annotations

import tempfile
import time
import warnings

import numpy as np
from common import best


def main() -> None:
    warnings.filterwarnings("ignore")
    from finn.builder.config import BuildConfig
    from finn.builder.context import BuildContext
    from finn.builder.steps import STEP_NAMES, STEPS
    from finn.builder.verify import TestSet, verify_step
    from finn.core.onnx_exec import execute_onnx
    from finn.util.data import load_mnist
    from finn.util.test import get_test_model_trained

    torch_model = get_test_model_trained("TFC", 1, 1)
    data = load_mnist()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = BuildConfig(model="TFC-w1a1", output_dir=tmp, seed_folding=True)

        def flow():
            ctx = BuildContext(cfg=cfg, output_dir=tmp, torch_model=torch_model)
            model, per_step = None, {}
            for name, fn in STEPS[: STEP_NAMES.index("folding") + 1]:
                t0 = time.perf_counter()
                model = fn(model, ctx)
                per_step[name] = time.perf_counter() - t0
            return model, per_step

        flow_s, (folded, per_step) = best(flow, repeat=2)
        test = TestSet(images=data.test_x, labels=data.test_y)
        verify_s, (check, _) = best(lambda: verify_step("folding", folded, test, None, None))

        # baseline: qonnx execute_onnx, one image at a time (how FINN's notebooks verify)
        n_base = 100
        iname, oname = folded.graph.input[0].name, folded.graph.output[0].name
        x = data.test_x[:n_base].astype(np.float32)
        t0 = time.perf_counter()
        base = [execute_onnx(folded, {iname: xi[None]})[oname].reshape(-1)[0] for xi in x]
        base_s = (time.perf_counter() - t0) * (1000 / n_base)
        # both engines must agree before their speeds are compared
        from finn.builder.verify import run

        assert np.array_equal(np.asarray(base, dtype=np.int64), run(folded, data.test_x[:n_base]).predictions)

    print("TFC-w1a1 front half (2 cores)")
    for name, s in per_step.items():
        print(f"  step {name:20s} {s:7.3f} s")
    print(f"flow, checkpoint -> folded graph:          {flow_s:7.2f} s   (budget 30 s)")
    print(f"verify 1,000 images, batched engine:       {verify_s:7.3f} s   (budget 5 s)")
    print(f"verify 1,000 images, qonnx image by image: {base_s:7.2f} s   (extrapolated from {n_base})")
    print(f"speed-up of the batched engine:            {base_s / verify_s:7.1f} x")
    print(f"accuracy on the folded graph:              {check.accuracy:.4f}")


if __name__ == "__main__":
    main()
