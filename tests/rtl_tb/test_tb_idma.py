"""cocotb bench of finn_idma (rtl_tb/tb_idma.py): memory frames -> stream, over memory and
stream widths, port counts, 4 KiB-straddling buffers, stalls, errors; plus mutants of the
modules the bench must reject."""

from __future__ import annotations

import pytest
from rtl_tb_helpers import bench_work_dir

from rtl_tb.axi_checks import idma_wrapper, mutant
from rtl_tb.runner import run_bench

pytestmark = pytest.mark.verilator

SOURCES = ["finn_fifo.v", "finn_axil_ctrl.v", "finn_dma_bursts.v", "finn_dma_reader.v", "finn_dma_unpack.v",
           "finn_idma.v"]


def params(mem_w, stream_w, frame_bytes, ports, max_burst=16, outstanding=8):
    return {"MEM_W": mem_w, "STREAM_W": stream_w, "FRAME_BYTES": frame_bytes, "PORTS": ports,
            "MAX_BURST": max_burst, "OUTSTANDING": outstanding}


def xfer(kind, base, frames, ready_prob=0.5, mem_prob=0.6, fault_frame=0, irq=False):
    return {"kind": kind, "base": base, "frames": frames, "ready_prob": ready_prob,
            "mem_prob": mem_prob, "fault_frame": fault_frame, "irq": irq}


def standard_transfers(mb: int, page_gap: int):
    """Transfers every parameter set runs: a buffer straddling 4 KiB (``page_gap`` bytes
    before the boundary), frames 0, misaligned, both errors, full rate, heavy stalls."""
    return [
        xfer("ok", 0x1000 - page_gap, 3, 0.5, 0.6, irq=True),
        xfer("zero", 0x2000, 0),
        xfer("misaligned", 0x3000 + mb // 2, 2),
        xfer("slverr", 0x4000 - page_gap, 3, 0.7, 0.7, fault_frame=1),
        xfer("ok", 0x10000, 2, 1.0, 1.0),
        xfer("decerr", 0x5000 + mb, 3, 0.7, 0.7, fault_frame=2),
        xfer("ok", 0x8000 - page_gap, 5, 0.3, 0.4),
    ]


def run(p: dict, transfers: list, seed: int = 1, replace: dict | None = None) -> None:
    """Build (wrapper + sources, ``replace`` maps a source to a mutated copy) and run."""
    work = bench_work_dir()
    top, wrapper = idma_wrapper(work, p["PORTS"])
    srcs = [(replace or {}).get(s, s) for s in SOURCES] + [wrapper]
    hdl = {k: v for k, v in p.items() if k != "PORTS"}
    case = {"params": p, "seed": seed, "transfers": transfers}
    run_bench("tb_idma", top, srcs, hdl, case, work, simulator="verilator", seed=seed)


CASES = {
    # TFC input: 784 bytes of 392-bit words (98 beats, 16 words a frame)
    "tfc": (params(64, 392, 784, 1), 0x48),
    # 10-byte frames (2 beats, last half padding), 2 ports, short bursts, 2 outstanding
    "b10_p2": (params(64, 8, 10, 2, max_burst=4, outstanding=2), 8),
    # 32-bit memory, 16-bit words, 22-byte frames (last beat half used), 3 ports
    "m32_p3": (params(32, 16, 22, 3, max_burst=4, outstanding=3), 12),
}


@pytest.mark.parametrize("name", list(CASES))
def test_idma_bench(name):
    p, gap = CASES[name]
    transfers = standard_transfers(p["MEM_W"] // 8, gap)
    if p["PORTS"] > 1:
        transfers.append(xfer("ok", 0xFFF0 - gap, 20, 0.6, 0.5))
    run(p, transfers)


SLOW_CASES = [
    params(64, 392, 784, 2),
    params(64, 392, 784, 1, max_burst=256, outstanding=1),
    params(64, 8, 10, 1),
    params(64, 8, 10, 3, max_burst=1, outstanding=1),
    params(32, 16, 22, 1, max_burst=2, outstanding=4),
    params(32, 16, 16, 2),
    params(128, 24, 96, 2, max_burst=8, outstanding=2),
    params(32, 8, 1, 2),
]


@pytest.mark.slow
@pytest.mark.parametrize("p", SLOW_CASES, ids=lambda p: "_".join(str(v) for v in p.values()))
def test_idma_bench_sweep(p):
    mb = p["MEM_W"] // 8
    transfers = []
    for gap in (mb, 3 * mb, 0x40, 0x100):
        transfers += standard_transfers(mb, gap)
    for frames in (1, 4, 11, 20):
        transfers.append(xfer("ok", 0x20000 - frames * mb, frames, 0.4, 0.5))
    run(p, transfers, seed=7)


# ------------------------------------------------------------------- mutants

MUTANT_PARAMS = CASES["b10_p2"][0]
MUTANT_TRANSFERS = [xfer("ok", 0x1000 - 8, 16, 0.6, 0.4)]


def run_mutant(source: str, subs: list[tuple[str, str]]) -> None:
    path = mutant(bench_work_dir(), source, subs)
    run(MUTANT_PARAMS, MUTANT_TRANSFERS, replace={source: path})


def test_idma_mutant_dropped_beat():
    # the reader's beat FIFO loses the third memory beat after reset
    with pytest.raises(AssertionError, match="words out|word|ap_done"):
        run_mutant("finn_dma_reader.v", [
            (r"(wire beat_in = m_axi_rvalid;[^\n]*\n)",
             r"\1  reg [7:0] mut_n;\n  always @(posedge clk) if (!rst_n) mut_n <= 8'd0;"
             r" else if (beat_in) mut_n <= mut_n + 8'd1;\n"),
            (r"\.s_axis_tvalid\(beat_in\)", ".s_axis_tvalid(beat_in && mut_n != 8'd2)")])


def test_idma_mutant_4k_crossing():
    # the page limit dropped: a burst runs on across the 4 KiB boundary
    with pytest.raises(AssertionError, match="4 KiB|failed"):
        run_mutant("finn_dma_bursts.v", [(
            r"(wire\s*(\[[^\]]*\])?\s*len_n\s*=\s*)\(page_beats < len_a\) \? page_beats : len_a;",
            r"\1len_a;")])


def test_idma_mutant_no_done():
    with pytest.raises(AssertionError, match="no ap_done"):
        run_mutant("finn_axil_ctrl.v", [(r"\n\s*ap_done <= 1'b1;", "")])


def test_idma_mutant_no_backpressure():
    # the word FIFOs pop (and the frame counter moves) whether or not the sink takes
    with pytest.raises(AssertionError, match="word"):
        run_mutant("finn_idma.v", [
            (r"\.m_axis_tready\(m_axis_tready && ", ".m_axis_tready("),
            (r"wire send = m_axis_tvalid && m_axis_tready;", "wire send = m_axis_tvalid;")])


def test_idma_mutant_outstanding():
    # one burst more in flight than OUTSTANDING
    with pytest.raises(AssertionError, match="OUTSTANDING"):
        run_mutant("finn_dma_reader.v", [(r"(inflight\}?\s*)<(\s*OUT\w*\))", r"\1<=\2")])
