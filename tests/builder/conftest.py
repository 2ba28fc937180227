import pytest

from finn.builder.build import build_dataflow
from finn.builder.config import BuildConfig

# a quickly trained TFC-w1a1 is enough to exercise the flow; accuracy is checked in slow tests
QUICK_EPOCHS = 2


@pytest.fixture(scope="session")
def cache_dir():
    """Trained checkpoints go to the normal cache (FINN_CACHE_DIR or the user cache dir):
    keyed by network, epochs, data and recipe, they are reused across runs and workers."""
    from finn.util.test import default_cache_dir

    return default_cache_dir()


@pytest.fixture(scope="session")
def tfc_build(tmp_path_factory, cache_dir):
    """One verified TFC-w1a1 build with the seed's folding: (config, report)."""
    out = tmp_path_factory.mktemp("build") / "tfc"
    cfg = BuildConfig(model="TFC-w1a1", output_dir=str(out), epochs=QUICK_EPOCHS, seed_folding=True)
    return cfg, build_dataflow(cfg)
