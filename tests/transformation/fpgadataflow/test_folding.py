"""Folding: the seed's config, config errors, automatic folding, the summary."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hw_graphs import Layer, build_mlp, to_hw
from hypothesis import given, settings
from hypothesis import strategies as st
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from rich.table import Table

from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.transformation.fpgadataflow.folding import (
    ApplyFoldingConfig,
    SetFolding,
    folding_summary,
    format_folding_summary,
    hw_ops,
    resource_cost,
)
from finn.util.exceptions import ConfigError, FoldingError

SEED_CONFIG = {
    "Defaults": {"outFIFODepth": [64, ["StreamingFCLayer_Batch"]]},
    "Thresholding_Batch_0": {"PE": 49},
    "StreamingFCLayer_Batch_0": {"PE": 16, "SIMD": 49, "inFIFODepth": 16, "ram_style": "block"},
    "StreamingFCLayer_Batch_1": {"PE": 8, "SIMD": 8, "inFIFODepth": 64},
    "StreamingFCLayer_Batch_2": {"PE": 8, "SIMD": 8, "inFIFODepth": 64},
    "StreamingFCLayer_Batch_3": {
        "PE": 10,
        "SIMD": 8,
        "inFIFODepth": 64,
        "outFIFODepth": 10,
        "ram_style": "distributed",
    },
}


@pytest.fixture(scope="module")
def tfc_hw():
    """TFC-w1a1 shaped HW model (784-64-64-64-10, binary), before partitioning."""
    rng = np.random.default_rng(0)
    layers = [Layer(64, "BINARY", "BINARY")] * 3 + [Layer(10, "BINARY", None)]
    model = build_mlp(
        rng, "UINT8", 784, layers, input_act="BINARY", xnor=True, topk=1, reshape=True
    )
    return to_hw(model, "decoupled")


def test_seed_folding_gives_ii_64(tfc_hw, tmp_path):
    parent = tfc_hw.transform(CreateDataflowPartition(str(tmp_path)))
    child = ModelWrapper(getCustomOp(parent.graph.node[1]).get_nodeattr("model"))
    path = tmp_path / "folding.json"
    path.write_text(json.dumps(SEED_CONFIG))
    child = child.transform(ApplyFoldingConfig(str(path)))
    summary = folding_summary(child, clk_ns=10.0)
    rows = {r["name"]: r for r in summary["layers"]}
    assert [r["cycles"] for r in summary["layers"]] == [16, 64, 64, 64, 8, 10]
    assert summary["II"] == 64 and summary["fps"] == pytest.approx(1.5625e6)
    assert summary["slowest"] == "StreamingFCLayer_Batch_0"
    assert (
        rows["StreamingFCLayer_Batch_0"]["PE"] == 16
        and rows["StreamingFCLayer_Batch_0"]["SIMD"] == 49
    )
    assert rows["Thresholding_Batch_0"]["SIMD"] is None
    assert rows["StreamingFCLayer_Batch_0"]["BRAM18"] > 0
    assert rows["StreamingFCLayer_Batch_3"]["BRAM18"] == 0  # distributed
    assert summary["total"]["LUT"] == sum(r["LUT"] for r in summary["layers"])
    fc = [getCustomOp(n) for n in child.get_nodes_by_op_type("StreamingFCLayer_Batch")]
    assert [f.get_nodeattr("outFIFODepth") for f in fc] == [64, 64, 64, 10]
    assert [f.get_nodeattr("inFIFODepth") for f in fc] == [16, 64, 64, 64]
    assert isinstance(format_folding_summary(summary), Table)


def test_summary_through_partition(tfc_hw, tmp_path):
    folded = tfc_hw.transform(ApplyFoldingConfig(SEED_CONFIG))
    parent = folded.transform(CreateDataflowPartition(str(tmp_path)))
    assert folding_summary(parent)["II"] == 64
    assert folding_summary(folded)["II"] == 64


@pytest.mark.parametrize(
    "config,exc,words",
    [
        ({"NoSuchNode": {"PE": 2}}, ConfigError, ["NoSuchNode", "StreamingFCLayer_Batch_0"]),
        ({"StreamingFCLayer_Batch_0": {"PEE": 2}}, ConfigError, ["PEE", "'SIMD'"]),
        (
            {"StreamingFCLayer_Batch_0": {"PE": "two"}},
            ConfigError,
            ["StreamingFCLayer_Batch_0", "PE"],
        ),
        ({"StreamingFCLayer_Batch_0": {"ram_style": "sram"}}, ConfigError, ["ram_style"]),
        (
            {"StreamingFCLayer_Batch_0": {"PE": 7}},
            FoldingError,
            ["StreamingFCLayer_Batch_0", "PE=7", "[1, 2, 4"],
        ),
        ({"Defaults": {"SIMD": [3, ["StreamingFCLayer_Batch"]]}}, FoldingError, ["SIMD=3"]),
        ({"Defaults": {"SIMD": 3}}, ConfigError, ["Defaults"]),
        ({"Defaults": {"Foo": [3, ["LabelSelect_Batch"]]}}, ConfigError, ["Foo"]),
    ],
)
def test_config_errors(tfc_hw, config, exc, words):
    with pytest.raises(exc) as err:
        tfc_hw.transform(ApplyFoldingConfig(config))
    for word in words:
        assert word in str(err.value)


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        ApplyFoldingConfig(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{PE: 3")
    with pytest.raises(ConfigError, match="not valid JSON"):
        ApplyFoldingConfig(str(bad))


def test_defaults_all(tfc_hw):
    model = tfc_hw.transform(ApplyFoldingConfig({"Defaults": {"inFIFODepth": [32, "all"]}}))
    assert all(op.get_nodeattr("inFIFODepth") == 32 for op in hw_ops(model))


def _small_hw(seed=0):
    rng = np.random.default_rng(seed)
    layers = [Layer(12, "INT4", "UINT2"), Layer(8, "INT2", "INT2"), Layer(6, "INT2", None)]
    return to_hw(build_mlp(rng, "UINT8", 24, layers, input_act="UINT4", topk=1))


def _best_by_brute_force(op, target):
    options = []
    for fold in op.folding_space():
        cycles, cost = SetFolding.evaluate(op, fold)
        if cycles <= target:
            options.append((cost, int(np.prod(list(fold.values())))))
    return min(options)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 400))
def test_set_folding_meets_target_at_least_cost(target):
    model = _small_hw()
    folded = model.transform(SetFolding(target))
    assert folding_summary(folded)["II"] <= target
    for op in hw_ops(folded):
        op.verify_folding()
        cost = resource_cost(op.resources())
        par = int(
            np.prod([op.get_nodeattr(a) for a in ("PE", "SIMD") if a in op.get_nodeattr_types()])
        )
        assert op.cycles() <= target
        # compare with every legal folding of a copy of the node
        probe = getCustomOp(copy.deepcopy(op.onnx_node))
        assert (cost, par) <= _best_by_brute_force(probe, target)
    again = model.transform(SetFolding(target))
    assert [n.SerializeToString() for n in again.graph.node] == [
        n.SerializeToString() for n in folded.graph.node
    ]


def test_set_folding_unreachable_target_warns_and_maximises():
    model = _small_hw()
    thr = model.get_nodes_by_op_type("Thresholding_Batch")[0]
    getCustomOp(thr).set_nodeattr("numInputVectors", [1, 2, 2])  # >= 4 cycles per frame
    sf = SetFolding(2)
    with pytest.warns(UserWarning, match="cannot reach 2 cycles"):
        sf.apply(model)
    assert len(sf.warnings) == 1 and thr.name in sf.warnings[0]
    op = getCustomOp(thr)
    assert op.get_nodeattr("PE") == 24 and op.cycles() == 4


def test_set_folding_targets():
    assert SetFolding(target_fps=1e6, clk_ns=10.0).target == 100
    assert SetFolding().target == 1000
    with pytest.raises(ConfigError):
        SetFolding(10, target_fps=5.0)
    with pytest.raises(ConfigError):
        SetFolding(0)
