"""nox sessions. Each installs the project (torch pinned to the local CPU wheel) into its venv.

    nox -s tests   default suite (what CI runs)
    nox -s slow    the heavy checks: whole zoo, both exporters, many hypothesis examples
    nox -s e2e     `finn e2e`: TFC-w1a1 end to end
    nox -s bench   flow, verification and cppsim timings
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


@nox.session
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", "finn", "sim", "golden", "tests", "bench", "noxfile.py")
