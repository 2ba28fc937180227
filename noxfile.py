"""nox sessions. Each installs the project (torch pinned to the local CPU wheel) into its venv.

    nox -s tests   default suite (what CI runs)
    nox -s slow    the heavy checks: whole zoo, both exporters, many hypothesis examples
    nox -s e2e     `finn e2e`: TFC-w1a1 end to end
    nox -s bench   flow, verification, cppsim and rtlsim timings
    nox -s rtlsim  cocotb benches and RTL simulation checks
    nox -s synth   Yosys resource counts of TFC-w1a1 beside the estimates
    nox -s pnr     TFC-w1a1 placed and routed on an ECP5-85F: Fmax per clock, bitstream
    nox -s lint    ruff
"""

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session):
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "-n", "2", *session.posargs)


@nox.session
def slow(session):
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "-m", "slow", "-n", "2", *session.posargs,
                env={"HYPOTHESIS_PROFILE": "thorough"})


@nox.session
def e2e(session):
    session.install("-e", ".")
    session.run("finn", "e2e", *session.posargs)


@nox.session
def bench(session):
    session.install("-e", ".[dev]")
    session.run("python", "bench/bench_flow.py", *session.posargs)
    session.run("python", "bench/bench_cppsim.py", *session.posargs)
    session.run("python", "bench/bench_rtlsim.py", *session.posargs)
    session.run("python", "bench/bench_system.py", *session.posargs)


@nox.session
def rtlsim(session):
    """cocotb benches of every rtllib module and the stitched RTL checks (incl. slow ones)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "-n", "2", "-m", "verilator or (slow and verilator)",
                "tests/rtl_tb", "tests/sim", "tests/builder", *session.posargs)


@nox.session
def synth(session):
    """Yosys synthesis of TFC-w1a1 (seed folding), per layer and stitched, with the fit check."""
    session.install("-e", ".[dev]")
    session.run("finn", "e2e", "--out", "build_tfc_w1a1")
    session.run("finn", "synth", "build_tfc_w1a1", "--per-layer")


@nox.session
def pnr(session):
    """Place and route of TFC-w1a1 on an ECP5-85F (yosys, nextpnr-ecp5, ecppack): Fmax, bitstream."""
    session.install("-e", ".[dev]")
    session.run("finn", "e2e", "--out", "build_tfc_w1a1")
    session.run("finn", "synth", "build_tfc_w1a1", "--pnr")


@nox.session
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", "finn", "sim", "golden", "rtl_tb", "tests", "bench", "noxfile.py")
