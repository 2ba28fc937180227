"""Fixtures of the fpgadataflow pass tests."""

from __future__ import annotations

import pytest
from qonnx.core.modelwrapper import ModelWrapper

from finn.builder.build import build_dataflow
from finn.builder.config import BuildConfig


@pytest.fixture(scope="session")
def tfc_folded_build(tmp_path_factory):
    """The output folder of a quick TFC-w1a1 build (seed folding) that stops at folding.

    It does not verify: only the folded models are needed here, not the simulation
    levels after them.
    """
    out = tmp_path_factory.mktemp("build") / "tfc"
    cfg = BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=2, seed_folding=True, verify=False,
                      stop_step="folding")
    report = build_dataflow(cfg)
    assert report["status"] == "complete"
    return out


@pytest.fixture(scope="session")
def tfc_folded(tfc_folded_build) -> ModelWrapper:
    """The folded dataflow partition (the child model) of that build."""
    return ModelWrapper(str(tfc_folded_build / "dataflow_partition_folded" / "dataflow_model.onnx"))


@pytest.fixture()
def tfc_folded_parent(tfc_folded_build) -> ModelWrapper:
    """The folded parent model (one dataflow partition), fresh for each test."""
    return ModelWrapper(str(tfc_folded_build / "checkpoints" / "08_folding.onnx"))
