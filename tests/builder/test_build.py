import json
import os

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.builder.build import build_dataflow
from finn.builder.config import BuildConfig
from finn.builder.steps import STEP_NAMES
from finn.util.exceptions import ConfigError


def test_every_step_runs_and_verifies(tfc_build):
    cfg, report = tfc_build
    assert report["status"] == "complete"
    assert [s["name"] for s in report["steps"]] == STEP_NAMES
    for step in report["steps"]:
        v = step["verification"]
        assert step["ok"] and v["ok"], step
        assert v["images"] == 1000
        assert v["agreement_with_reference"] == 1.0
        assert step["seconds"] >= 0
    # integer-domain steps compare labels exactly, with zero mismatches
    for step in report["steps"][3:]:
        assert step["verification"]["comparison"] == "labels, exact"
        assert step["verification"]["mismatches_vs_previous"] == 0


def test_report_json_on_disk_matches(tfc_build):
    cfg, report = tfc_build
    with open(os.path.join(cfg.output_dir, "report.json")) as f:
        on_disk = json.load(f)
    assert on_disk["status"] == "complete"
    assert set(on_disk["tools"]) >= {"python", "numpy", "onnx", "qonnx", "brevitas", "torch"}
    assert on_disk["reference"]["images"] == 1000


def test_seed_folding_gives_ii_64(tfc_build):
    _, report = tfc_build
    fold = report["folding"]
    assert fold["II"] == 64
    assert fold["fps"] == pytest.approx(1.5625e6)
    fcs = [r for r in fold["layers"] if r["op_type"] == "StreamingFCLayer_Batch"]
    assert [(r["PE"], r["SIMD"]) for r in fcs] == [(16, 49), (8, 8), (8, 8), (10, 8)]


def test_simulation_levels_are_verified(tfc_build):
    _, report = tfc_build
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["folded_hls_cppsim"]["verification"]["level"] == "cppsim_stitched"
    assert steps["node_by_node_rtlsim"]["verification"]["level"] == "rtlsim"
    assert steps["stitched_ip_rtlsim"]["verification"]["level"] == "rtlsim_stitched"
    assert len(steps["node_by_node_rtlsim"]["build"]) == 6  # one design per HW node


def test_stitched_rtl_reaches_the_analytic_ii(tfc_build):
    _, report = tfc_build
    (part,) = report["steps"][STEP_NAMES.index("stitched_ip_rtlsim")]["rtlsim"]["partitions"].values()
    assert part["frames"] == 1000
    assert part["measured_ii_cycles"] == part["analytic_ii_cycles"] == 64
    assert list(part["ii_range_cycles"]) == [64, 64]
    assert part["expected_fps"] == pytest.approx(1.5625e6)
    assert 0 < part["latency_cycles"]["first"] < 1000
    assert part["backpressure"]["ready_prob"] < 1.0


def test_final_graph_is_one_partition_of_hw_layers(tfc_build):
    cfg, _ = tfc_build
    model = ModelWrapper(os.path.join(cfg.output_dir, "checkpoints", "08_folding.onnx"))
    sdps = model.get_nodes_by_op_type("StreamingDataflowPartition")
    assert len(sdps) == 1
    child = getCustomOp(sdps[0]).load_child()
    assert [n.op_type for n in child.graph.node] == (
        ["Thresholding_Batch"] + ["StreamingFCLayer_Batch"] * 4 + ["LabelSelect_Batch"])


def test_start_stop_and_resume(tfc_build, tmp_path):
    cfg, _ = tfc_build
    out = tmp_path / "partial"
    part = BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=cfg.epochs, stop_step="streamline")
    report = build_dataflow(part)
    assert [s["name"] for s in report["steps"]] == STEP_NAMES[:4]
    assert not (out / "checkpoints" / "05_prepare_for_hw.onnx").exists()
    resumed = build_dataflow(BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=cfg.epochs,
                                         resume=True, seed_folding=True))
    assert [s["name"] for s in resumed["steps"]] == STEP_NAMES
    assert resumed["status"] == "complete" and resumed["folding"]["II"] == 64
    # --start needs the previous checkpoint; outputs match the uninterrupted build
    a = np.load(out / "reference" / "torch_predictions.npy")
    b = np.load(os.path.join(cfg.output_dir, "reference", "torch_predictions.npy"))
    assert np.array_equal(a, b)


def test_start_without_checkpoint_is_refused(tmp_path, cache_dir):
    cfg = BuildConfig(model="TFC-w1a1", output_dir=str(tmp_path / "empty"), epochs=2, start_step="folding")
    with pytest.raises(ConfigError, match="checkpoint"):
        build_dataflow(cfg)


def test_target_fps_folding(tfc_build, tmp_path):
    cfg, _ = tfc_build
    out = tmp_path / "fps"
    report = build_dataflow(BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=cfg.epochs,
                                        target_fps=200_000, clock_ns=10.0, stop_step="folding"))
    fold = report["folding"]
    assert fold["II"] <= 500  # 1e9 / (10 ns * 200k FPS) cycles
    assert fold["fps"] >= 200_000
