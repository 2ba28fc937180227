"""The Vivado project of a Zynq system: written here, run when Vivado exists.

:func:`write_project` writes, for one board, a project folder holding the system's
sources and three scripts (:mod:`finn.codegen.vivado_tcl`)::

    <project>/src/            finn_system.v, the accelerator, the DMAs, memory images
    <project>/package_ip.tcl  finn_system as the IP finn-open:finn:finn_system:1.0
    <project>/block_design.tcl  the PS, interconnects, clock, reset, interrupts, address map
    <project>/build.tcl       both, then synthesis, implementation, reports, .bit/.hwh

:func:`run_project` runs ``vivado -mode batch -source build.tcl`` there and parses the
reports (:mod:`finn.deploy.vivado_reports`).

UNTESTED with Vivado: no Vivado install exists on the machines this project is
developed and tested on. The tests check the scripts' Tcl syntax, what they name, and
:func:`run_project` against a stand-in ``vivado`` that writes the files ``build.tcl``
would; a first run with a real Vivado is a bring-up.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from finn.codegen import vivado_tcl as vt
from finn.codegen.rtl_system import CTRL_ADDR_BITS, SYSTEM_TOP, system_ports
from finn.codegen.vivado_tcl import SystemInterface
from finn.deploy.vivado_reports import parse_timing_summary, parse_utilization
from finn.util.exceptions import CompileError, ConfigError, ToolNotFoundError

VIVADO_ENV = "FINN_VIVADO"
CLOCK, RESET = "ap_clk", "ap_rst_n"
INTERRUPTS = ("idma0_interrupt", "odma0_interrupt")
# board files, when installed, give the PS its board preset (optional: see block_design_tcl)
BOARD_PART_GLOBS = {"Pynq-Z1": "*pynq-z1*", "Pynq-Z2": "*pynq-z2*", "Ultra96": "*ultra96v2*",
                    "ZCU102": "*zcu102*", "ZCU104": "*zcu104*"}
DEFAULT_TIMEOUT = 6 * 3600  # seconds; a ZCU102 build of a large design takes hours
ERROR_LINES = 12  # how many of the log's last error lines a CompileError quotes

__all__ = ["SystemInterface", "ProjectFiles", "system_interface", "write_project", "find_vivado",
           "run_project"]


@dataclass(frozen=True)
class ProjectFiles:
    """A written Vivado project: its folder, scripts and where the build puts its results."""

    project_dir: Path
    tcl_files: list[Path]  # package_ip.tcl, block_design.tcl, build.tcl
    build_tcl: Path
    sources: list[Path]
    platform: str
    period_ns: float
    fclk_mhz: float

    @property
    def bit(self) -> Path:
        return self.project_dir / vt.OUTPUT_DIR / vt.BIT_NAME

    @property
    def hwh(self) -> Path:
        return self.project_dir / vt.OUTPUT_DIR / vt.HWH_NAME

    @property
    def synth_report(self) -> Path:
        return self.project_dir / vt.REPORT_DIR / vt.SYNTH_UTIL_RPT

    @property
    def impl_report(self) -> Path:
        return self.project_dir / vt.REPORT_DIR / vt.IMPL_UTIL_RPT

    @property
    def timing_report(self) -> Path:
        return self.project_dir / vt.REPORT_DIR / vt.TIMING_RPT

    @property
    def log(self) -> Path:
        return self.project_dir / "vivado.log"


def system_interface(info, sources: list[str]) -> SystemInterface:
    """The ports a block design connects, from a :class:`finn.codegen.rtl_system.SystemInfo`.

    ``sources`` are file names in the system folder (Verilog; memory images may be listed
    too, and :func:`write_project` adds any others it finds there). Raises ConfigError
    when ``finn_system``'s ports lack an interface the block design needs.
    """
    ports = {name: (direction, width) for name, direction, width in system_ports(info)}
    control, memory = tuple(info.control_ports), tuple(info.memory_ports)
    needed = [CLOCK, RESET, *INTERRUPTS, *(f"{c}_awaddr" for c in control), *(f"{m}_araddr" for m in memory)]
    missing = [p for p in needed if p not in ports]
    if missing:
        raise ConfigError(f"{SYSTEM_TOP} has no port(s) {', '.join(missing)}",
                          hint="regenerate the system with finn.codegen.rtl_system.system_top")
    if not memory:
        raise ConfigError(f"{SYSTEM_TOP} has no memory port", hint="build the system with at least one HP port")
    if f"{SYSTEM_TOP}.v" not in sources:
        raise ConfigError(f"the sources do not include {SYSTEM_TOP}.v: {sources}",
                          hint="pass the system design's sources (sim.system.system_design(...).design.sources)")
    interfaced = (CLOCK, RESET, *INTERRUPTS)
    prefixes = tuple(f"{p}_" for p in (*control, *memory))
    unconnected = tuple(n for n in ports if n not in interfaced and not n.startswith(prefixes))
    verilog = [s for s in sources if not s.endswith(".mem")]
    mems = sorted(s for s in sources if s.endswith(".mem"))
    return SystemInterface(top=SYSTEM_TOP, clock=CLOCK, reset=RESET, reset_active_low=True,
                           control_ports=control, memory_ports=memory, interrupts=INTERRUPTS,
                           unconnected=unconnected, mem_width=info.mem_width, addr_width=info.addr_width,
                           ctrl_addr_bits=CTRL_ADDR_BITS, sources=tuple(verilog + mems))


def write_project(project_dir: str | Path, system_dir: str | Path, iface: SystemInterface, platform: str,
                  period_ns: float, jobs: int | None = None) -> ProjectFiles:
    """Write the project of :data:`iface` for ``platform`` at ``period_ns`` into ``project_dir``.

    The folder is written under a temporary name beside ``project_dir`` and renamed into
    place whole, replacing an earlier one; on any failure nothing is left behind and an
    earlier project stays as it was. Every ``*.mem`` in ``system_dir`` is copied with the
    listed sources (the Verilog reads them by relative name).
    """
    from sim.board_model import board_model, check_clock

    board = board_model(platform)
    fclk = check_clock(board, period_ns)
    if len(iface.memory_ports) > board.hp_ports:
        raise ConfigError(f"{platform} has {board.hp_ports} HP ports; the system has {len(iface.memory_ports)}",
                          hint=f"build the system with 1 to {board.hp_ports} memory ports")
    system_dir, project_dir = Path(system_dir), Path(project_dir).absolute()
    names = list(iface.sources)
    names += sorted(p.name for p in system_dir.glob("*.mem") if p.name not in names)
    absent = [n for n in names if not (system_dir / n).is_file()]
    if absent:
        raise ConfigError(f"{system_dir} lacks {', '.join(absent)}",
                          hint="write the system design first (finn.deploy.zynq_build.write_system)")
    iface = dataclasses.replace(iface, sources=tuple(names))
    scripts = {
        "package_ip.tcl": vt.package_ip_tcl(iface, board.part, fclk),
        "block_design.tcl": vt.block_design_tcl(iface, board.part, board.ps, fclk, BOARD_PART_GLOBS.get(platform)),
        "build.tcl": vt.build_tcl(jobs or min(8, os.cpu_count() or 1)),
    }
    project_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=project_dir.parent, prefix=f".{project_dir.name}_"))
    try:
        (tmp / vt.SRC_DIR).mkdir()
        for name in names:
            shutil.copyfile(system_dir / name, tmp / vt.SRC_DIR / name)
        for name, text in scripts.items():
            (tmp / name).write_text(text)
        if project_dir.exists():
            shutil.rmtree(project_dir)
        os.replace(tmp, project_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tcl = [project_dir / name for name in scripts]
    return ProjectFiles(project_dir, tcl, project_dir / "build.tcl",
                        [project_dir / vt.SRC_DIR / n for n in names], platform, period_ns, fclk)


def find_vivado() -> list[str]:
    """Command prefix of Vivado: ``$FINN_VIVADO`` (a path or command line), else ``vivado`` on PATH."""
    env = os.environ.get(VIVADO_ENV)
    if env:
        cmd = shlex.split(env)
        path = shutil.which(cmd[0]) if cmd else None
        if path is None:
            raise ToolNotFoundError(f"${VIVADO_ENV}={env} is not an executable",
                                    hint=f"point ${VIVADO_ENV} at the vivado launcher, or unset it")
        return [path, *cmd[1:]]
    path = shutil.which("vivado")
    if path:
        return [path]
    raise ToolNotFoundError(
        f"Vivado not found (looked at ${VIVADO_ENV} and for vivado on PATH); it builds the bitfile",
        hint=f"install Vivado (2020.1 or newer) and `source <install>/settings64.sh`, or set ${VIVADO_ENV}; "
             "without it ZynqBuild writes the project and synthesizes the system with Yosys")


def _log_errors(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    errors = [ln for ln in lines if ln.startswith(("ERROR", "CRITICAL WARNING"))]
    return "\n".join((errors or lines)[-ERROR_LINES:])


def run_project(files: ProjectFiles, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Run ``build.tcl`` with Vivado; the .bit and .hwh paths and the parsed reports.

    UNTESTED with a real Vivado (none on our machines; the tests use a stand-in).
    Returns ``bit``, ``hwh``, ``vivado_synth_rpt`` (post-synthesis utilization),
    ``vivado_timing_rpt``, ``vivado_impl_rpt``, ``utilization`` (post-route, see
    :func:`~finn.deploy.vivado_reports.parse_utilization`), ``timing`` (wns, tns, whs,
    ths, met, fmax_mhz) and ``vivado_log``. Raises CompileError naming the log and its
    last error lines when Vivado fails, times out or leaves an output missing.
    """
    cmd = [*find_vivado(), "-mode", "batch", "-nojournal", "-nolog", "-source", files.build_tcl.name]
    log = files.log
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=files.project_dir, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # Vivado's runs are children of its session
            proc.wait()
            raise CompileError(f"Vivado did not finish within {timeout:g} s (log {log})",
                               hint="raise the timeout, or lower the clock / the design size") from None
    if code != 0:
        raise CompileError(f"Vivado failed (exit {code}), log {log}:\n{_log_errors(log)}",
                           hint=f"read {log} and the run logs under {files.project_dir / vt.PROJ_DIR}")
    outputs = [files.bit, files.hwh, files.synth_report, files.impl_report, files.timing_report]
    lacking = [str(p) for p in outputs if not p.is_file()]
    if lacking:
        raise CompileError(f"Vivado exited 0 but did not write {', '.join(lacking)} (log {log}):\n"
                           f"{_log_errors(log)}", hint=f"read {log}")
    return {
        "bit": str(files.bit),
        "hwh": str(files.hwh),
        "vivado_synth_rpt": str(files.synth_report),
        "vivado_impl_rpt": str(files.impl_report),
        "vivado_timing_rpt": str(files.timing_report),
        "vivado_log": str(log),
        "utilization": parse_utilization(files.impl_report.read_text(), source=str(files.impl_report)),
        "timing": parse_timing_summary(files.timing_report.read_text(), files.period_ns,
                                       source=str(files.timing_report)),
    }
