"""`finn e2e` (the main job) and the whole zoo through the flow."""

import json

import pytest

from finn.builder.build import build_dataflow
from finn.builder.cli import main
from finn.builder.config import BuildConfig
from finn.util.test import zoo_names


def test_finn_e2e_default(tmp_path, cache_dir):
    out = tmp_path / "e2e"
    assert main(["e2e", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "complete"
    assert report["folding"]["II"] == 64
    for step in report["steps"]:
        v = step["verification"]
        assert v["accuracy"] >= 0.90, step["name"]
        assert v["agreement_with_reference"] == 1.0, step["name"]
        assert v["ok"]


@pytest.mark.slow
@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
@pytest.mark.parametrize("net", [f"{n}-w{w}a{a}" for n, w, a in zoo_names()])
def test_zoo_network_through_the_flow(net, exporter, tmp_path, cache_dir):
    cfg = BuildConfig(model=net, output_dir=str(tmp_path / "b"), dynamo=exporter == "dynamo",
                      target_fps=100_000)
    report = build_dataflow(cfg)
    assert report["status"] == "complete"
    for step in report["steps"]:
        v = step["verification"]
        assert v["agreement_with_reference"] == 1.0, step["name"]
        assert v["mismatches_vs_previous"] in (None, 0), step["name"]
