"""report.json: one machine-readable record of a build, rewritten atomically after each step."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from importlib import metadata

REPORT_NAME = "report.json"
_TOOLS = ("finn-open", "numpy", "onnx", "onnxruntime", "qonnx", "brevitas", "torch")


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in _TOOLS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def write_json_atomic(path: str, data: dict) -> None:
    """Write ``data`` to ``path`` so a reader never sees a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp_", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, default=_jsonable)
    os.replace(tmp, path)


def read_report(output_dir: str) -> dict | None:
    path = os.path.join(output_dir, REPORT_NAME)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
