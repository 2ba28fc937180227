"""rtlsim (node by node and stitched) against python and cppsim on a small mixed chain
(tests/hw_chain.py), plus the harness's stall report, waveform and chain checks."""

from __future__ import annotations

import numpy as np
import pytest
from hw_chain import chain_model

from finn.codegen.rtl_nodes import RtlInstance
from finn.transformation.fpgadataflow.folding import folding_summary
from finn.util.exceptions import UnsupportedGraphError, VerificationError
from sim.cppsim import CppSimEngine
from sim.python_engine import PythonEngine
from sim.rtlsim import RtlSimEngine, build, design_from_instances, run_design

pytestmark = [pytest.mark.verilator, pytest.mark.gxx]


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    model = chain_model(tmp_path_factory.mktemp("chain"))
    x = np.random.default_rng(1).integers(-8, 8, size=(60, 8)).astype(np.float32)
    expected = PythonEngine(model).run({"x": x})["y"]
    return model, x, expected


def test_stitched_equals_python_and_reaches_analytic_ii(chain):
    model, x, expected = chain
    engine = RtlSimEngine(model, stitched=True)
    got = engine.run({"x": x})["y"]
    assert got.dtype == np.int64 and np.array_equal(got, expected)
    stats = next(iter(engine.runnables.values())).last_stats
    assert stats.tlast_errors == 0
    assert stats.steady_state_ii() == folding_summary(model, 10.0)["II"]


@pytest.mark.parametrize("valid_prob,ready_prob,seed", [(0.5, 0.3, 3), (1.0, 0.2, 4), (0.3, 1.0, 5)])
def test_stitched_under_backpressure(chain, valid_prob, ready_prob, seed):
    model, x, expected = chain
    engine = RtlSimEngine(model, stitched=True, valid_prob=valid_prob, ready_prob=ready_prob, seed=seed)
    assert np.array_equal(engine.run({"x": x})["y"], expected)


def test_node_by_node_equals_python_and_cppsim(chain):
    model, x, expected = chain
    full_rtl = RtlSimEngine(model, stitched=False).run({"x": x}, return_full_context=True)
    assert np.array_equal(full_rtl["y"], expected)
    assert np.array_equal(CppSimEngine(model, stitched=True).run({"x": x})["y"], expected)


def test_stall_is_reported_not_hung(tmp_path):
    # a FIFO that claims 2 output words per frame but passes 1: the harness waits in vain
    lying = RtlInstance("fifo_node", "fifo_node", "finn_fifo", {"WIDTH": 8, "DEPTH": 4}, 8, 8, 1, 2,
                        has_count=True)
    design = build(design_from_instances("fifo_node", "lying_fifo", [lying]), tmp_path)
    with pytest.raises(VerificationError) as err:
        run_design(design, [1, 2, 3], max_idle=200)
    text = str(err.value)
    assert "stalled" in text and "stream into" in text and "FIFO fifo_node: 0 of 4 words" in text


def test_mismatched_chain_is_refused():
    a = RtlInstance("a", "a", "finn_fifo", {"WIDTH": 8, "DEPTH": 2}, 8, 8, 1, 1)
    b = RtlInstance("b", "b", "finn_fifo", {"WIDTH": 4, "DEPTH": 2}, 4, 4, 2, 2)
    with pytest.raises(UnsupportedGraphError, match="InsertDWC"):
        design_from_instances("ab", "ab", [a, b])


def test_waveform_on_request(tmp_path):
    inst = RtlInstance("f", "f", "finn_fifo", {"WIDTH": 8, "DEPTH": 2}, 8, 8, 1, 1, has_count=True)
    design = build(design_from_instances("f", "wave_fifo", [inst]), tmp_path)
    wave = tmp_path / "wave.vcd"
    out, _ = run_design(design, [5, 6, 7], trace=wave)
    assert out == [5, 6, 7]
    assert wave.is_file() and "$enddefinitions" in wave.read_text()


