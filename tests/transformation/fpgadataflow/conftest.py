"""Fixtures of the fpgadataflow pass tests."""

from __future__ import annotations

import pytest
from qonnx.core.modelwrapper import ModelWrapper

from finn.builder.build import build_dataflow
from finn.builder.config import BuildConfig


@pytest.fixture(scope="session")
def tfc_folded(tmp_path_factory) -> ModelWrapper:
    """The folded dataflow partition of a quick TFC-w1a1 build (seed folding).

    The build stops at the folding step and does not verify: only the folded child
    model is needed here, not the simulation levels after it.
    """
    out = tmp_path_factory.mktemp("build") / "tfc"
    cfg = BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=2, seed_folding=True, verify=False,
                      stop_step="folding")
    report = build_dataflow(cfg)
    assert report["status"] == "complete"
    return ModelWrapper(str(out / "dataflow_partition_folded" / "dataflow_model.onnx"))
