"""The boards' memory path and clocks, as the system simulation models them: one table.

A system simulation is only as good as its memory model (DESIGN.md, "Board model"). Every
figure below names its source. Where a figure is an estimate rather than a datasheet
value, it says so, and the model is built so that its throughput does not hinge on it:
with ``read_outstanding * max_burst`` beats in flight per port (8 x 16 = 128) any read
latency below ~120 cycles is hidden, so the latency estimate moves the predicted
throughput by well under 1 % (``tests/sim/test_system_sim.py`` checks that sensitivity).

Sources
-------
[UG585]  Zynq-7000 SoC Technical Reference Manual (UG585 v1.15): the AXI_HP ports are 64-bit
         AXI3 slaves (bursts of at most 16 beats); registers AFI_RDCHAN_ISSUINGCAP and
         AFI_WRCHAN_ISSUINGCAP reset to 0x7, i.e. 8 read and 8 write commands in flight per
         port; AFI_WRDATAFIFO_LEVEL counts a 128 x 64-bit write data FIFO.
[UG1085] Zynq UltraScale+ Device TRM (UG1085 v2.4): the S_AXI_HP*_FPD FIFO interfaces accept
         8 read and 8 write commands, 128 x 128-bit read and write data FIFOs, 32/64/128-bit
         PL data width.
[PYNQZ1] Digilent PYNQ-Z1 reference manual: 512 MB DDR3, 16-bit bus at 525 MHz (1050 MT/s),
         i.e. 2100 MB/s peak.
[PYNQZ2] TUL PYNQ-Z2 user manual: 512 MB DDR3, 16-bit bus at 1050 MT/s (same as PYNQ-Z1).
[ZUBRD]  The board user guides (Ultra96-V2: 2 GB LPDDR4 x32 at 1066 MT/s; ZCU102 UG1182:
         4 GB DDR4 x64 at 2133 MT/s on the PS; ZCU104 UG1267: 2 GB DDR4 x64 at 2133 MT/s on the
         PS): quoted from the guides, not re-checked in this project; on these boards one HP
         port (1.6 GB/s at 100 MHz) is far below the DDR peak, so the figure never binds.
[PSCLK]  The PL clocks: Zynq-7000 FCLK0 = IO PLL / (DIVISOR0 * DIVISOR1), two 6-bit
         dividers (UG585 FPGA0_CLK_CTRL; the same fields pynq.ps reads); the PYNQ-Z1/Z2 board
         presets run the IO PLL at 1000 MHz. ZynqMP PL0_REF_CTRL divides the IOPLL (1500 MHz
         in the ZCU102/ZCU104/Ultra96 presets) by two 6-bit dividers. Fabric clocks from the
         PS are limited to 250 MHz on Zynq-7000 (DS187) and we keep ZynqMP at 333 MHz.
[EST]    Estimate, no datasheet figure: read round trip (AR accepted to first R beat) of 30
         PL cycles at 100 MHz (300 ns: DDR3-1066 CL7 plus controller arbitration plus two
         clock-domain crossings in the AFI); write response 20 cycles after the last beat.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from finn.util.basic import pynq_part_map
from finn.util.exceptions import ConfigError

# a requested PL clock must be made by the PS to within this relative error
CLOCK_TOLERANCE = 1e-3
DIVIDER_MAX = 63  # two 6-bit dividers after the PLL [PSCLK]


@dataclass(frozen=True)
class BoardModel:
    """One board: its part, PS family, HP ports, DDR and PL clock generator."""

    name: str
    part: str
    ps: str  # "ps7" (Zynq-7000) or "ps8" (Zynq UltraScale+)
    hp_ports: int  # memory ports the PL can master
    hp_width: int  # bits per HP port beat
    addr_width: int  # address bits the DMAs drive
    max_burst: int  # beats per burst the port accepts (AXI3: 16)
    read_outstanding: int  # read bursts in flight per port
    write_outstanding: int
    read_latency: int  # PL cycles, AR accepted -> first R beat [EST]
    write_latency: int  # PL cycles, last W beat -> B response [EST]
    ddr_mbps: float  # DDR peak bandwidth in MB/s, shared by all ports
    ddr_bytes: int  # DDR size
    ddr_base: int  # physical address of DDR as the HP ports see it
    pll_mhz: float  # the PLL the PL clocks are divided from
    fclk_max_mhz: float
    sources: str  # the citation keys above, per figure

    def ddr_bytes_per_cycle(self, clock_ns: float) -> float:
        """DDR peak in bytes per PL clock cycle at ``clock_ns``."""
        return self.ddr_mbps * clock_ns / 1000.0

    def port_bytes_per_cycle(self) -> int:
        return self.hp_width // 8

    def to_dict(self) -> dict:
        return asdict(self)


_Z7 = dict(ps="ps7", hp_ports=4, hp_width=64, addr_width=32, max_burst=16, read_outstanding=8,
           write_outstanding=8, read_latency=30, write_latency=20, ddr_bytes=512 << 20, ddr_base=0,
           pll_mhz=1000.0, fclk_max_mhz=250.0)
_ZU = dict(ps="ps8", hp_ports=4, hp_width=128, addr_width=40, max_burst=16, read_outstanding=8,
           write_outstanding=8, read_latency=30, write_latency=20, ddr_base=0, pll_mhz=1500.0,
           fclk_max_mhz=333.0)
_Z7_SRC = "HP ports [UG585], DDR [{ddr}], clocks [PSCLK], latencies [EST]"
_ZU_SRC = "HP ports [UG1085], DDR [ZUBRD], clocks [PSCLK], latencies [EST]"

BOARDS: dict[str, BoardModel] = {
    "Pynq-Z1": BoardModel("Pynq-Z1", pynq_part_map["Pynq-Z1"], ddr_mbps=2100.0,
                          sources=_Z7_SRC.format(ddr="PYNQZ1"), **_Z7),
    "Pynq-Z2": BoardModel("Pynq-Z2", pynq_part_map["Pynq-Z2"], ddr_mbps=2100.0,
                          sources=_Z7_SRC.format(ddr="PYNQZ2"), **_Z7),
    "Ultra96": BoardModel("Ultra96", pynq_part_map["Ultra96"], ddr_mbps=4264.0, ddr_bytes=2 << 30,
                          sources=_ZU_SRC, **_ZU),
    "ZCU102": BoardModel("ZCU102", pynq_part_map["ZCU102"], ddr_mbps=17064.0, ddr_bytes=4 << 30,
                         sources=_ZU_SRC, **_ZU),
    "ZCU104": BoardModel("ZCU104", pynq_part_map["ZCU104"], ddr_mbps=17064.0, ddr_bytes=2 << 30,
                         sources=_ZU_SRC, **_ZU),
}


def board_model(name: str) -> BoardModel:
    """The :class:`BoardModel` of ``name``; ConfigError listing the known boards otherwise."""
    if name not in BOARDS:
        raise ConfigError(f"unknown board '{name}'", hint=f"choose one of: {', '.join(BOARDS)}")
    return BOARDS[name]


def achievable_clocks_mhz(board: BoardModel) -> list[float]:
    """Every PL clock the PS can make: PLL / (d0 * d1) up to the fabric limit, ascending."""
    products = {a * b for a in range(1, DIVIDER_MAX + 1) for b in range(1, DIVIDER_MAX + 1)}
    return sorted({board.pll_mhz / p for p in products if board.pll_mhz / p <= board.fclk_max_mhz})


def check_clock(board: BoardModel, clock_ns: float) -> float:
    """The PL clock in MHz for a period of ``clock_ns``; ConfigError if the PS cannot make it.

    The PS divides its PLL by two 6-bit dividers [PSCLK]; a clock it cannot make within
    0.1 %, or one above the fabric limit, is refused with the nearest periods it can make.
    """
    if not clock_ns > 0:
        raise ConfigError(f"clock period must be positive, got {clock_ns} ns")
    want = 1000.0 / clock_ns
    clocks = achievable_clocks_mhz(board)
    if want > board.fclk_max_mhz * (1 + CLOCK_TOLERANCE):
        raise ConfigError(
            f"{board.name}: a {clock_ns} ns clock ({want:.1f} MHz) is above the {board.fclk_max_mhz:g} MHz "
            f"the PS can give the fabric",
            hint=f"use --clock-ns {1000.0 / board.fclk_max_mhz:.3g} or more")
    best = min(clocks, key=lambda f: abs(f - want))
    if abs(best - want) > CLOCK_TOLERANCE * want:
        below = max((f for f in clocks if f < want), default=None)
        above = min((f for f in clocks if f > want), default=None)
        options = ", ".join(f"{1000.0 / f:.4g} ns ({f:.4g} MHz)" for f in (above, below) if f is not None)
        raise ConfigError(
            f"{board.name}: the PS cannot make a {clock_ns} ns clock ({want:.4g} MHz): its PL clocks are "
            f"{board.pll_mhz:g} MHz divided by two 6-bit dividers",
            hint=f"the nearest it can make: {options}")
    return best
