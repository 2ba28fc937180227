import os

import pytest

from finn.builder.build import build_dataflow
from finn.builder.config import BuildConfig

# a quickly trained TFC-w1a1 is enough to exercise the flow; accuracy is checked in slow tests
QUICK_EPOCHS = 2


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("finn_cache")
    old = os.environ.get("FINN_CACHE_DIR")
    os.environ["FINN_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("FINN_CACHE_DIR", None)
    else:
        os.environ["FINN_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def tfc_build(tmp_path_factory, cache_dir):
    """One verified TFC-w1a1 build with the seed's folding: (config, report)."""
    out = tmp_path_factory.mktemp("build") / "tfc"
    cfg = BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=QUICK_EPOCHS, seed_folding=True)
    return cfg, build_dataflow(cfg)
