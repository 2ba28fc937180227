"""Suite-wide test setup: hypothesis profiles and shared test modules on ``sys.path``.

(``slow`` tests are deselected by ``addopts = -m 'not slow'`` in pyproject; ``-m slow``
selects them.)

Hypothesis profiles (``HYPOTHESIS_PROFILE`` picks one; ``ci`` is the default):

* ``ci``: derandomized (the same examples every run, no example database dependence),
  no deadline, ``max_examples`` from ``FINN_HYPOTHESIS_EXAMPLES`` (default 25).
* ``thorough``: randomized, 10x the examples (``nox -s slow`` uses it).
* ``dev``: ``ci`` without shrinking, for a quick first failure report.

Tests that pin their own ``@settings(max_examples=...)`` keep that count; the property
suites scale theirs from the profile with :func:`property_models.examples`.
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, settings
from qonnx.core.modelwrapper import ModelWrapper

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
# shared helpers (property_models.py, property_graphs.py) import as top-level modules
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

_CI_EXAMPLES = int(os.environ.get("FINN_HYPOTHESIS_EXAMPLES", "25"))

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=_CI_EXAMPLES,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=10 * _CI_EXAMPLES,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# `ci` without shrinking: a quick first failure report while developing
settings.register_profile(
    "dev", settings.get_profile("ci"), phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- a folded TFC-w1a1 (seed folding), shared by the pass and system-simulation tests


@pytest.fixture(scope="session")
def tfc_folded_build(tmp_path_factory):
    """The output folder of a quick TFC-w1a1 build (seed folding) that stops at folding.

    It does not verify: only the folded models are needed here, not the simulation
    levels after them.
    """
    from finn.builder.build import build_dataflow
    from finn.builder.config import BuildConfig

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
