"""The system simulation (sim/system.py): TFC-w1a1 through its DMAs and the modeled board.

Outputs are compared bit-exactly with python execution of the folded layers; the
throughput figures are checked against the seed's board measurement (958,413 images/s,
one HP port) and the issue's goal for two striped ports; the DMAs' register map, error
responses, bad requests and the stall watchdog are exercised through the same API a
driver uses.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

from finn.util.exceptions import ConfigError, VerificationError
from sim.python_engine import PythonEngine
from sim.rtlsim import chain_nodes
from sim.system import (
    AP_CTRL,
    FRAMES,
    SystemEngine,
    SystemSimulation,
    bounds,
    build_system,
    pack_frames,
    system_design,
    unpack_frames,
)

pytestmark = [pytest.mark.verilator, pytest.mark.gxx]

SEED_FPS = 958_413  # the seed's Pynq-Z1, one 64-bit HP port at 100 MHz
STATUS, FRAMES_DONE = 0x20, 0x24


@pytest.fixture(scope="module")
def inputs(tfc_folded):
    first = getCustomOp(chain_nodes(tfc_folded)[0])
    dt = first.get_input_datatype()
    shape = tuple(first.get_normal_input_shape()[1:])
    x = np.random.default_rng(7).integers(dt.min(), dt.max() + 1, size=(300, *shape)).astype(np.float32)
    expected = PythonEngine(tfc_folded).run({tfc_folded.graph.input[0].name: x})
    return x, np.asarray(expected[tfc_folded.graph.output[0].name])


@pytest.fixture(scope="module", params=[1, 2])
def system(request, tfc_folded):
    return build_system(system_design(tfc_folded, "Pynq-Z1", ports=request.param))


def _frames(sd, x):
    return pack_frames(sd.frame_in, sd.in_dma, x)


def _labels(sd, out, n):
    return unpack_frames(sd.frame_out, sd.out_dma, out, sd.out_elems).reshape(n, -1)


def test_outputs_equal_python(system, inputs):
    x, expected = inputs
    with SystemSimulation(system) as sim:
        out, run = sim.run_frames(_frames(system, x))
        assert sim.stats()["violations"] == 0
    assert np.array_equal(_labels(system, out, len(x)), expected.reshape(len(x), -1))
    assert run.stats["read_beats"] == len(x) * system.in_dma.frame_beats()


def test_engine_runs_the_partition_in_batches(tfc_folded, inputs):
    x, expected = inputs
    engine = SystemEngine(tfc_folded, ports=2, batch=128)
    got = engine.run({tfc_folded.graph.input[0].name: x})[tfc_folded.graph.output[0].name]
    assert np.array_equal(got, expected)
    assert engine.throughput()["transfers"] == 3 and engine.throughput()["frames"] == len(x)


def _fps(sd, x, frames=10_000):
    reps = np.concatenate([x] * (-(-frames // len(x))))[:frames]
    with SystemSimulation(sd) as sim:
        _, run = sim.run_frames(_frames(sd, reps))
    return run.fps


def test_one_port_predicts_the_seed_board(tfc_folded, inputs):
    """The modeled Pynq-Z1 in the seed's configuration within +-10 % of its measurement."""
    sd = build_system(system_design(tfc_folded, "Pynq-Z1", ports=1))
    fps = _fps(sd, inputs[0])
    assert abs(fps - SEED_FPS) / SEED_FPS <= 0.10, fps
    assert fps <= bounds(sd, 10.0)["memory_bound_fps"] * 1.001


def test_two_ports_beat_the_seed_board(tfc_folded, inputs):
    sd = build_system(system_design(tfc_folded, "Pynq-Z1", ports=2))
    fps = _fps(sd, inputs[0])
    limits = bounds(sd, 10.0)
    assert fps >= 0.95 * limits["compute_bound_fps"] and fps >= 1.48e6, fps
    assert fps <= 1.001 * limits["compute_bound_fps"]


def test_memory_latency_matters(tfc_folded, inputs):
    """A far slower memory must slow the system: the model does not ignore latency."""
    sd = build_system(system_design(tfc_folded, "Pynq-Z1", ports=1))
    slow = dataclasses.replace(sd, board=dataclasses.replace(sd.board, read_latency=400))
    fast, slowed = _fps(sd, inputs[0], 2000), _fps(slow, inputs[0], 2000)
    # 8 bursts of 16 beats per 400+ cycles: at most 128/416 of a beat per cycle
    assert slowed < 0.4 * fast, (fast, slowed)


@pytest.fixture()
def tfc1(tfc_folded):
    sd = build_system(system_design(tfc_folded, "Pynq-Z1", ports=1))
    with SystemSimulation(sd) as sim:
        yield sd, sim


def test_register_map_after_reset_and_done(tfc1, inputs):
    sd, sim = tfc1
    assert sim.mmio_read("idma0", AP_CTRL) & 0b1111 == 0b0100  # idle, not started
    sim.mmio_write("idma0", FRAMES, 5)
    assert sim.mmio_read("idma0", FRAMES) == 5
    sim.run_frames(_frames(sd, inputs[0][:5]))
    assert sim.mmio_read("odma0", FRAMES_DONE) == 5 and sim.mmio_read("idma0", FRAMES_DONE) == 5
    assert sim.mmio_read("odma0", STATUS) == 0
    assert sim.mmio_read("odma0", AP_CTRL) & 0b10 == 0  # ap_done was cleared by the read that saw it


def test_error_response_ends_the_transfer_with_status(tfc1, inputs):
    sd, sim = tfc1
    frames = _frames(sd, inputs[0][:20])
    sim.inject_error(0, 1 << 40, "SLVERR")
    with pytest.raises(VerificationError, match="SLVERR"):
        sim.run_frames(frames)
    assert sim.mmio_read("idma0", STATUS) & 0b11 == 0b11


def test_decode_error_outside_ddr(tfc1):
    sd, sim = tfc1
    top = sd.board.ddr_base + sd.board.ddr_bytes
    sim.mmio_write("idma0", 0x10, top & 0xFFFFFFFF)
    sim.mmio_write("idma0", 0x14, top >> 32)
    sim.mmio_write("idma0", FRAMES, 3)
    sim.mmio_write("idma0", AP_CTRL, 1)
    sim.wait_done("idma0", max_cycles=10**6, max_idle=10**5)
    assert sim.mmio_read("idma0", STATUS) & 0b101 == 0b101  # error, DECERR


def test_zero_frames_and_unaligned_address_end_at_once(tfc1):
    sd, sim = tfc1
    sim.mmio_write("idma0", FRAMES, 0)
    sim.mmio_write("idma0", AP_CTRL, 1)
    sim.wait_done("idma0", max_cycles=1000)
    assert sim.mmio_read("idma0", STATUS) == 0
    before = sim.stats()["ports"][0]["ar_bursts"]
    sim.mmio_write("idma0", 0x10, 0x100003)
    sim.mmio_write("idma0", FRAMES, 4)
    sim.mmio_write("idma0", AP_CTRL, 1)
    sim.wait_done("idma0", max_cycles=1000)
    assert sim.mmio_read("idma0", STATUS) == 0b1001  # error, misaligned
    assert sim.stats()["ports"][0]["ar_bursts"] == before  # nothing was read


def test_bad_requests_are_refused_with_a_fix(tfc1):
    sd, sim = tfc1
    buf = sim.allocate(4096)
    with pytest.raises(ConfigError, match="at least one frame"):
        sim.start_transfer("idma0", buf, 0)
    unaligned = dataclasses.replace(buf, physical_address=buf.physical_address + 4)
    with pytest.raises(ConfigError, match="not aligned"):
        sim.start_transfer("idma0", unaligned, 1)
    with pytest.raises(ConfigError, match="need"):
        sim.start_transfer("idma0", buf, 1000)
    with pytest.raises(ConfigError, match="unknown DMA"):
        sim.mmio_read("dma7", 0)


def test_stalled_system_is_reported_not_hung(tfc1, inputs):
    """Input started, output DMA never started: the accelerator fills and stops; the
    watchdog ends the wait with the streams' state."""
    sd, sim = tfc1
    n = 300  # more than the accelerator's FIFOs hold (about 58 frames)
    frames = _frames(sd, inputs[0][:n])
    src = sim.allocate(n * sd.in_dma.frame_stride())
    sim.write(src.physical_address, np.pad(frames, ((0, 0), (0, sd.in_dma.frame_stride() - frames.shape[1]))))
    sim.start_transfer("idma0", src, n)
    with pytest.raises(VerificationError, match="stalled") as err:
        sim.wait_done("idma0", max_cycles=10**6, max_idle=5000)
    assert "odma0" in str(err.value)


@pytest.mark.parametrize("board,ports", [("ZCU104", 1), ("Ultra96", 3)])
def test_other_boards_memory_width_and_port_count(board, ports, tfc_folded, inputs):
    """128-bit HP ports (Zynq UltraScale+) and an odd port count: same outputs, no AXI
    rule broken, every frame read exactly once."""
    x, expected = inputs
    sd = build_system(system_design(tfc_folded, board, ports=ports))
    assert sd.info.mem_width == 128 and sd.info.mem_ports == ports
    with SystemSimulation(sd) as sim:
        out, run = sim.run_frames(_frames(sd, x))
        stats = sim.stats()
    assert np.array_equal(_labels(sd, out, len(x)), expected.reshape(len(x), -1))
    assert stats["violations"] == 0
    assert [p["r_beats"] for p in stats["ports"]] == [len(x) // ports * sd.in_dma.frame_beats()] * ports
