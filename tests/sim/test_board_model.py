"""The board table: every figure cited, clocks the PS can and cannot make."""

from __future__ import annotations

import re

import pytest

import sim.board_model as bm
from finn.util.basic import pynq_part_map
from finn.util.exceptions import ConfigError


def test_every_pynq_board_has_a_model_with_cited_sources():
    assert set(bm.BOARDS) == set(pynq_part_map)
    cited = set(re.findall(r"^\[(\w+)\]", bm.__doc__, flags=re.M))
    for board in bm.BOARDS.values():
        assert board.part == pynq_part_map[board.name]
        keys = set(re.findall(r"\[(\w+)\]", board.sources))
        assert keys and keys <= cited, (board.name, keys - cited)


def test_seed_board_figures():
    z1 = bm.board_model("Pynq-Z1")
    # one 64-bit HP port at 100 MHz carries 800 MB/s; the DDR3 x16 at 1050 MT/s peaks at 2100 MB/s
    assert z1.port_bytes_per_cycle() * 100e6 == 800e6
    assert z1.ddr_bytes_per_cycle(10.0) == pytest.approx(21.0)
    assert (z1.max_burst, z1.read_outstanding, z1.hp_ports) == (16, 8, 4)


@pytest.mark.parametrize("ns,mhz", [(10, 100.0), (5, 200.0), (4, 250.0), (7, 1000 / 7), (20, 50.0)])
def test_clocks_the_ps_makes(ns, mhz):
    assert bm.check_clock(bm.board_model("Pynq-Z1"), ns) == pytest.approx(mhz)


def test_clock_the_ps_cannot_make_names_the_nearest():
    with pytest.raises(ConfigError, match=r"cannot make a 7.5 ns clock.*\n.*7 ns.*8 ns"):
        bm.check_clock(bm.board_model("Pynq-Z1"), 7.5)


def test_clock_above_the_fabric_limit():
    with pytest.raises(ConfigError, match="above the 250 MHz"):
        bm.check_clock(bm.board_model("Pynq-Z2"), 3.0)


def test_zynqmp_clock_from_its_1500_mhz_pll():
    assert bm.check_clock(bm.board_model("ZCU104"), 1000 / 150) == pytest.approx(150.0)


def test_unknown_board():
    with pytest.raises(ConfigError, match="unknown board 'Pynq-Z9'.*\n.*Pynq-Z1"):
        bm.board_model("Pynq-Z9")
