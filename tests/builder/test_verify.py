"""The harness must catch a changed network and say where."""

import os

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from finn.builder.verify import TestSet, run, verify_step
from finn.util.data import load_mnist


def _checkpoint(cfg, name):
    return ModelWrapper(os.path.join(cfg.output_dir, "checkpoints", name))


def _test_set(n=300):
    data = load_mnist()
    return TestSet(images=data.test_x[:n], labels=data.test_y[:n])


def test_identical_model_passes(tfc_build):
    cfg, _ = tfc_build
    test = _test_set()
    model = _checkpoint(cfg, "05_prepare_for_hw.onnx")
    prev = run(model, test.images)
    check, _ = verify_step("same", model, test, prev, model)
    assert check.ok and check.mismatches_vs_previous == 0


def test_broken_threshold_is_located(tfc_build, tmp_path):
    cfg, _ = tfc_build
    test = _test_set()
    good = _checkpoint(cfg, "04_streamline.onnx")
    bad = _checkpoint(cfg, "05_prepare_for_hw.onnx")
    mts = bad.get_nodes_by_op_type("MultiThreshold")
    target = mts[2]  # the activation after the second hidden layer
    thr = bad.get_initializer(target.input[1])
    bad.set_initializer(target.input[1], thr + 3.0)  # a wrong threshold compare, in effect
    prev = run(good, test.images)
    check, _ = verify_step("sabotaged", bad, test, prev, good, repro_dir=str(tmp_path))
    assert not check.ok
    assert check.mismatches_vs_previous > 0
    fail = check.failure
    assert fail["node"] == target.name
    assert fail["expected_level"] != fail["got_level"]
    repro = np.load(fail["reproducer"])
    assert repro.shape[1:] == test.images.shape[1:]
    # the reproducer really reproduces: the first saved image disagrees
    assert run(good, repro[:1]).predictions[0] != run(bad, repro[:1]).predictions[0] or \
        np.any(run(good, repro).values != run(bad, repro).values)


def test_float_step_tolerance_catches_scale_error(tfc_build):
    cfg, _ = tfc_build
    test = _test_set(100)
    good = _checkpoint(cfg, "01_export.onnx")
    bad = _checkpoint(cfg, "02_tidy.onnx")
    last_mul = [n for n in bad.graph.node if n.op_type == "Mul"][-1]
    k = next(i for i in last_mul.input if bad.get_initializer(i) is not None)
    bad.set_initializer(k, bad.get_initializer(k) * 1.001)  # 0.1 % off: beyond float rounding
    prev = run(good, test.images)
    check, _ = verify_step("scaled", bad, test, prev, good)
    assert not check.ok
    assert check.max_diff_vs_previous > 0
    assert "logits" in check.comparison


def test_disagreement_with_reference_is_reported(tfc_build):
    cfg, _ = tfc_build
    test = _test_set(200)
    model = _checkpoint(cfg, "08_folding.onnx")
    out = run(model, test.images)
    test.reference_predictions = (out.predictions + 1) % 10  # a reference that always disagrees
    check, _ = verify_step("ref", model, test, None, None)
    assert not check.ok and check.agreement_with_reference == 0.0
