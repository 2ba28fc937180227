"""The stitched top and the harness text (pure; lint runs in tests/sim when Verilator exists)."""

from __future__ import annotations

import pytest

from finn.codegen.rtl_harness import harness_source
from finn.codegen.rtl_nodes import RtlInstance
from finn.codegen.rtl_stitch import stitched_top
from finn.util.exceptions import UnsupportedGraphError


def _fifo(name, width, words, depth=4):
    return RtlInstance(name, name, "finn_fifo", {"WIDTH": width, "DEPTH": depth}, width, width, words, words,
                       has_count=True)


def test_chain_wiring_tlast_and_debug_ports():
    top, info = stitched_top([_fifo("a", 8, 3), _fifo("b", 8, 3, depth=64)], frame_vectors=2)
    assert "u_a (" in top and "u_b (" in top
    assert ".m_axis_tdata(s1_tdata)" in top and ".s_axis_tdata(s1_tdata)" in top
    assert "output wire [2:0] dbg_valid" in top  # streams into a, into b, and the output
    assert info.out_words == 6 and info.in_words == 6  # two vectors per frame
    assert "LAST_WORD = 3'd5" in top
    assert info.fifos == [("a", 4, 3), ("b", 64, 7)]
    assert "output wire [9:0] dbg_fifo_count" in top


def test_mismatched_neighbours_are_refused():
    with pytest.raises(UnsupportedGraphError, match="InsertDWC") as err:
        stitched_top([_fifo("a", 8, 3), _fifo("b", 4, 6)])
    assert "'a'" in str(err.value) and "'b'" in str(err.value)


def test_harness_handles_wide_and_narrow_ports():
    _, info = stitched_top([_fifo("w", 392, 16)])
    src = harness_source(info)
    assert "for (int k = 0; k < 13; k++) top->s_axis_tdata[k] = src[k];" in src
    _, info = stitched_top([_fifo("n", 40, 1)])
    assert "(uint64_t)src[0] | ((uint64_t)src[1] << 32)" in harness_source(info)
