"""cocotb bench of finn_odma (rtl_tb/tb_odma.py): stream -> memory frames, over memory and
stream widths, 4 KiB-straddling buffers, stalls, write errors; plus mutants of the modules
the bench must reject."""

from __future__ import annotations

import pytest
from rtl_tb_helpers import bench_work_dir

from rtl_tb.axi_checks import mutant, odma_wrapper
from rtl_tb.runner import run_bench

pytestmark = pytest.mark.verilator

SOURCES = ["finn_fifo.v", "finn_axil_ctrl.v", "finn_dma_bursts.v", "finn_dma_pack.v", "finn_odma.v"]


def params(mem_w, stream_w, frame_bytes, max_burst=16, outstanding=8, fifo_depth=32):
    return {"MEM_W": mem_w, "STREAM_W": stream_w, "FRAME_BYTES": frame_bytes,
            "MAX_BURST": max_burst, "OUTSTANDING": outstanding, "FIFO_DEPTH": fifo_depth}


def xfer(kind, base, frames, valid_prob=0.5, mem_prob=0.6, fault_frame=0, irq=False,
         b_prob=None):
    t = {"kind": kind, "base": base, "frames": frames, "valid_prob": valid_prob,
         "mem_prob": mem_prob, "fault_frame": fault_frame, "irq": irq}
    if b_prob is not None:
        t["b_prob"] = b_prob  # write responses slower than the rest: bursts pile up
    return t


def standard_transfers(mb: int, page_gap: int):
    """A buffer straddling 4 KiB (``page_gap`` bytes before it), frames 0, misaligned, both
    errors, full rate, heavy stalls, a slow memory (the beat FIFO fills, the stream must
    wait), slow write responses (OUTSTANDING reached), many frames."""
    return [
        xfer("ok", 0x1000 - page_gap, 3, 0.5, 0.6, irq=True),
        xfer("zero", 0x2000, 0),
        xfer("misaligned", 0x3000 + mb // 2, 2),
        xfer("slverr", 0x4000 - page_gap, 3, 0.7, 0.7, fault_frame=1),
        xfer("ok", 0x10000, 2, 1.0, 1.0),
        xfer("decerr", 0x5000 + mb, 3, 0.7, 0.7, fault_frame=2),
        xfer("ok", 0x8000 - page_gap, 5, 0.3, 0.4),
        xfer("ok", 0x9000 - page_gap, 8, 1.0, 0.12),
        xfer("ok", 0xA000 - page_gap, 8, 1.0, 0.9, b_prob=0.05),
        xfer("ok", 0xFFF0 - page_gap, 20, 0.6, 0.5),
    ]


def run(p: dict, transfers: list, seed: int = 1, replace: dict | None = None) -> None:
    work = bench_work_dir()
    top, wrapper = odma_wrapper(work)
    srcs = [(replace or {}).get(s, s) for s in SOURCES] + [wrapper]
    case = {"params": p, "seed": seed, "transfers": transfers}
    run_bench("tb_odma", top, srcs, p, case, work, simulator="verilator", seed=seed)


CASES = {
    # TFC-sized frames: 784 bytes of 392-bit words, 98 beats, 16-beat bursts
    "tfc": (params(64, 392, 784), 0x48),
    # 10-byte frames (last beat: 2 of 8 bytes written), short bursts, 2 outstanding
    "b10": (params(64, 8, 10, max_burst=4, outstanding=2), 8),
    # 32-bit memory, 16-bit words, 22-byte frames
    "m32": (params(32, 16, 22, max_burst=4, outstanding=3), 12),
}


@pytest.mark.parametrize("name", list(CASES))
def test_odma_bench(name):
    p, gap = CASES[name]
    run(p, standard_transfers(p["MEM_W"] // 8, gap))


SLOW_CASES = [
    params(64, 8, 1),                      # one label byte a frame
    params(64, 392, 784, max_burst=32, outstanding=1),
    params(64, 8, 10, max_burst=1, outstanding=1, fifo_depth=2),
    params(32, 16, 22, max_burst=2, outstanding=4, fifo_depth=4),
    params(32, 16, 16),
    params(128, 24, 96, max_burst=8, outstanding=2),
]


@pytest.mark.slow
@pytest.mark.parametrize("p", SLOW_CASES, ids=lambda p: "_".join(str(v) for v in p.values()))
def test_odma_bench_sweep(p):
    mb = p["MEM_W"] // 8
    transfers = []
    for gap in (mb, 3 * mb, 0x40, 0x100):
        transfers += standard_transfers(mb, gap)
    for frames in (1, 4, 11, 20):
        transfers.append(xfer("ok", 0x20000 - frames * mb, frames, 0.4, 0.5))
    run(p, transfers, seed=7)


# ------------------------------------------------------------------- mutants

MUTANT_PARAMS = CASES["b10"][0]
MUTANT_TRANSFERS = [xfer("ok", 0x1000 - 8, 16, 0.6, 0.4),
                    xfer("ok", 0x2000 - 8, 40, 1.0, 0.12),
                    xfer("ok", 0x3000 - 8, 12, 1.0, 0.9, b_prob=0.05)]


def run_mutant(source: str, subs: list[tuple]) -> None:
    path = mutant(bench_work_dir(), source, subs)
    run(MUTANT_PARAMS, MUTANT_TRANSFERS, replace={source: path})


def test_odma_mutant_dropped_word():
    # the packer takes the third stream word after reset without storing it
    with pytest.raises(AssertionError, match="memory|words|ap_done"):
        run_mutant("finn_dma_pack.v", [(
            r"wire take = s_valid && s_ready;",
            "reg [7:0] mut_n;\n  always @(posedge clk) if (!rst_n) mut_n <= 8'd0;"
            " else if (s_valid && s_ready) mut_n <= mut_n + 8'd1;\n"
            "  wire take = s_valid && s_ready && mut_n != 8'd2;")])


def test_odma_mutant_4k_crossing():
    with pytest.raises(AssertionError, match="4 KiB|failed"):
        run_mutant("finn_dma_bursts.v", [(
            r"(wire\s*(\[[^\]]*\])?\s*len_n\s*=\s*)\(page_beats < len_a\) \? page_beats : len_a;",
            r"\1len_a;")])


def test_odma_mutant_no_done():
    with pytest.raises(AssertionError, match="no ap_done"):
        run_mutant("finn_axil_ctrl.v", [(r"\n\s*ap_done <= 1'b1;", "")])


def test_odma_mutant_wstrb_all_ones():
    with pytest.raises(AssertionError, match="WSTRB|padding"):
        run_mutant("finn_odma.v", [(r"assign m_axi_wstrb = [^;]*;", "assign m_axi_wstrb = {MB{1'b1}};")])


def test_odma_mutant_no_backpressure():
    # words are accepted while the packer is full and lost
    with pytest.raises(AssertionError, match="memory|words|ap_done"):
        run_mutant("finn_odma.v", [(
            r"assign s_axis_tready = want && pack_ready;", "assign s_axis_tready = want;")])


def test_odma_mutant_outstanding():
    with pytest.raises(AssertionError, match="OUTSTANDING"):
        run_mutant("finn_odma.v", [(r"(inflight\}?\s*)<(\s*OUT\w*\))", r"\1<=\2")])


def test_odma_mutant_early_wlast():
    # WLAST one beat early on bursts of two or more beats
    with pytest.raises(AssertionError, match="WLAST|failed"):
        run_mutant("finn_odma.v", [(
            r"assign m_axi_wlast = \(w_beat == w_len\);",
            "assign m_axi_wlast = (w_beat == w_len) || (w_beat + 8'd1 == w_len);")])
