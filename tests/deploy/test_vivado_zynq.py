"""The Vivado project of a Zynq system: what it names, that its Tcl parses, and the run around it.

No Vivado here: every script is checked with ``tclsh`` twice, once split into top-level
commands (each must be complete, the file must not end inside one) and once evaluated
with every Vivado command stubbed, which records the calls with their arguments
substituted (so a misspelt variable or a broken ``list`` fails). :func:`run_project` runs
against a stand-in ``vivado`` that writes what ``build.tcl`` would.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from test_vivado_reports import TIMING_MET, UTIL_Z7_2019, UTIL_Z7_2022

from finn.codegen import vivado_tcl as vt
from finn.codegen.rtl_stitch import TopInfo
from finn.codegen.rtl_system import DmaParams, SystemInfo, system_top
from finn.deploy import vivado_zynq as vz
from finn.util.exceptions import CompileError, ConfigError, ToolNotFoundError

TCLSH = shutil.which("tclsh")
needs_tclsh = pytest.mark.skipif(TCLSH is None, reason="tclsh not installed (apt-get install tcl)")

# reads a file one line at a time, closes a command whenever the text so far is complete
SPLIT_TCL = r"""
set f [open [lindex $argv 0]]
set chunk ""
set start 0
set n 0
while {[gets $f line] >= 0} {
    incr n
    if {$chunk eq ""} {set start $n}
    append chunk $line "\n"
    if {[info complete $chunk]} {
        set text [string trim $chunk]
        if {$text ne "" && [string index $text 0] ne "#"} {
            puts [lindex [regexp -inline {\S+} $text] 0]
        }
        set chunk ""
    }
}
close $f
if {[string trim $chunk] ne ""} {
    puts stderr "incomplete command from line $start to the end of the file"
    exit 1
}
"""

# every command tclsh does not know is a Vivado command: record it; a get_* query returns
# its last argument (the object's name), so the calls that use it can be read back
STUB_TCL = r"""
proc unknown {args} {
    puts "CALL"
    foreach word $args {puts "ARG [string map [list \n { }] $word]"}
    if {[string match "get_*" [lindex $args 0]]} {return [lindex $args end]}
    return obj
}
source [lindex $argv 0]
"""


def fake_info(ports: int, mem_width: int = 64, addr_width: int = 32) -> SystemInfo:
    accel = TopInfo(in_width=8, out_width=8, in_words=16, out_words=4, streams=["mvau0", "output"],
                    fifos=[("fifo0", 4, 3)])
    idma = DmaParams("finn_idma", mem_width, 8, 16, ports, 16, 8, addr_width, 128)
    odma = DmaParams("finn_odma", mem_width, 8, 4, 1, 16, 8, addr_width, 32)
    return SystemInfo(accel, idma, odma, ports, mem_width, addr_width)


SOURCES = ["finn_system.v", "finn_top.v", "finn_idma.v", "finn_odma.v"]


def make_system_dir(folder: Path, info: SystemInfo) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "finn_system.v").write_text(system_top(info))
    for name in SOURCES[1:]:
        (folder / name).write_text(f"module {name[:-2]}; endmodule\n")
    (folder / "mvau0_weights.mem").write_text("0f\n1e\n")
    (folder / "harness.cpp").write_text("// not a hardware source\n")
    return folder


def write(tmp_path: Path, platform: str, ports: int, period_ns: float = 10.0, **widths) -> vz.ProjectFiles:
    info = fake_info(ports, **widths)
    system = make_system_dir(tmp_path / "system", info)
    iface = vz.system_interface(info, SOURCES)
    return vz.write_project(tmp_path / "vivado", system, iface, platform, period_ns)


def split_commands(path: Path) -> list[str]:
    res = subprocess.run([TCLSH, "/dev/stdin", str(path)], input=SPLIT_TCL, capture_output=True, text=True,
                         check=False, timeout=30)
    assert res.returncode == 0, f"{path.name}: {res.stderr}"
    return res.stdout.split()


def stub_calls(path: Path) -> list[list[str]]:
    res = subprocess.run([TCLSH, "/dev/stdin", str(path)], input=STUB_TCL, capture_output=True, text=True,
                         check=False, timeout=30)
    assert res.returncode == 0, f"{path.name} failed with stubbed Vivado commands: {res.stderr}"
    calls: list[list[str]] = []
    for line in res.stdout.splitlines():
        if line == "CALL":
            calls.append([])
        elif line.startswith("ARG ") and calls:
            calls[-1].append(line[4:])
    return calls


def calls_of(calls: list[list[str]], command: str) -> list[list[str]]:
    return [c[1:] for c in calls if c and c[0] == command]


def ps_config(calls: list[list[str]]) -> dict[str, str]:
    """The CONFIG.* settings of the PS cell (set_property -dict <list> [get_bd_cells ps])."""
    config: dict[str, str] = {}
    for args in calls_of(calls, "set_property"):
        if args[0] == "-dict" and "CONFIG.NUM_SI" not in args[1] and "CONFIG.NUM_PORTS" not in args[1]:
            words = args[1].split()
            config.update(zip(words[::2], words[1::2], strict=True))
    return config


CASES = [  # platform, ports, widths, PS IP, control offsets, a clock the PS makes (ns, MHz as written)
    ("Pynq-Z1", 1, {}, "processing_system7", (0x43C0_0000, 0x43C1_0000), (5.0, "200")),
    ("Pynq-Z1", 2, {}, "processing_system7", (0x43C0_0000, 0x43C1_0000), (5.0, "200")),
    ("ZCU104", 1, {"mem_width": 128, "addr_width": 40}, "zynq_ultra_ps_e", (0xA000_0000, 0xA001_0000),
     (16 / 3, "187.5")),  # 1500 MHz / 8
]


@needs_tclsh
@pytest.mark.parametrize("platform,ports,widths,ps_ip,offsets,clock", CASES)
def test_every_script_parses_and_evaluates(tmp_path, platform, ports, widths, ps_ip, offsets, clock):
    files = write(tmp_path, platform, ports, **widths)
    assert [p.name for p in files.tcl_files] == ["package_ip.tcl", "block_design.tcl", "build.tcl"]
    for path in files.tcl_files:
        text = path.read_text()
        assert "None" not in text and "{{" not in text, path.name  # no Python formatting leftovers
        assert split_commands(path), path.name
    build = split_commands(files.build_tcl)
    assert {"source", "launch_runs", "wait_on_run", "report_utilization", "report_timing_summary"} <= set(build)
    for name in ("package_ip.tcl", "block_design.tcl"):
        stub_calls(files.project_dir / name)  # asserts it runs to the end


@needs_tclsh
@pytest.mark.parametrize("platform,ports,widths,ps_ip,offsets,clock", CASES)
def test_block_design_names_ports_offsets_ps_and_clock(tmp_path, platform, ports, widths, ps_ip, offsets, clock):
    period_ns, mhz = clock
    files = write(tmp_path, platform, ports, period_ns=period_ns, **widths)
    text = (files.project_dir / "block_design.tcl").read_text()
    assert f"[finn_ipdef {ps_ip}] ps" in text
    other = {"processing_system7", "zynq_ultra_ps_e"} - {ps_ip}
    assert not any(o in text for o in other)
    for port in ("s_axi_idma0", "s_axi_odma0", *(f"m_axi_hp{k}" for k in range(ports))):
        assert f"finn_system_0/{port}" in text
    assert f"m_axi_hp{ports}" not in text
    assert all(f"-offset 0x{o:08X} -range 64K" in text for o in offsets)
    assert f"FREQMHZ {{{mhz}}}" in text  # FCLK in MHz
    for name in ("axi_interconnect", "smartconnect", "proc_sys_reset", "xlconcat", "validate_bd_design",
                 "make_wrapper", vt.IP_VLNV):
        assert name in text

    calls = stub_calls(files.project_dir / "block_design.tcl")
    cells = {a[-1]: a[a.index("-vlnv") + 1] for a in calls_of(calls, "create_bd_cell")}
    assert cells["ps"] == f"xilinx.com:ip:{ps_ip}:*" and cells["finn_system_0"] == vt.IP_VLNV
    assert [cells[f"mem_sc{k}"] for k in range(ports)] == ["xilinx.com:ip:smartconnect:*"] * ports
    assert cells["ctrl_interconnect"] == "xilinx.com:ip:axi_interconnect:*"
    # the address map: control ports at the family's offsets, 64K each; memory port k sees
    # the DDR segments of HP port k
    assigned = calls_of(calls, "assign_bd_address")
    ctrl = {a[-1]: (int(a[a.index("-offset") + 1], 16), a[a.index("-range") + 1], a[1])
            for a in assigned if "-offset" in a}
    assert ctrl == {"finn_system_0/s_axi_idma0/*": (offsets[0], "64K", "ps/Data"),
                    "finn_system_0/s_axi_odma0/*": (offsets[1], "64K", "ps/Data")}
    ddr = {a[1]: a[-1] for a in assigned if "-offset" not in a}
    pattern = "ps/S_AXI_HP{k}/*DDR*" if ps_ip == "processing_system7" else "ps/SAXIGP{g}/HP{k}_DDR_*"
    assert ddr == {f"finn_system_0/m_axi_hp{k}": pattern.format(k=k, g=k + 2) for k in range(ports)}

    intf = {frozenset(a) for a in calls_of(calls, "connect_bd_intf_net")}
    nets = [set(a) for a in calls_of(calls, "connect_bd_net")]
    config = ps_config(calls)
    if ps_ip == "processing_system7":
        master, hp, fclk, irq = "ps/M_AXI_GP0", "ps/S_AXI_HP{k}", "ps/FCLK_CLK0", "ps/IRQ_F2P"
        ps_clocks = ["ps/M_AXI_GP0_ACLK", *(f"ps/S_AXI_HP{k}_ACLK" for k in range(ports))]
        assert config["CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ"] == mhz
        assert config["CONFIG.PCW_USE_M_AXI_GP0"] == "1" and config["CONFIG.PCW_IRQ_F2P_INTR"] == "1"
        for k in range(4):
            assert config.get(f"CONFIG.PCW_USE_S_AXI_HP{k}") == ("1" if k < ports else None)
            assert config.get(f"CONFIG.PCW_S_AXI_HP{k}_DATA_WIDTH") == ("64" if k < ports else None)
    else:
        master, hp, fclk, irq = "ps/M_AXI_HPM0_FPD", "ps/S_AXI_HP{k}_FPD", "ps/pl_clk0", "ps/pl_ps_irq0"
        ps_clocks = ["ps/maxihpm0_fpd_aclk", "ps/saxihp0_fpd_aclk"]
        assert config["CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"] == mhz
        assert config["CONFIG.PSU__USE__S_AXI_GP2"] == "1" and config["CONFIG.PSU__SAXIGP2__DATA_WIDTH"] == "128"
        assert config["CONFIG.PSU__USE__M_AXI_GP0"] == "1" and config["CONFIG.PSU__USE__IRQ0"] == "1"
        assert "CONFIG.PSU__USE__S_AXI_GP3" not in config
    assert frozenset({master, "ctrl_interconnect/S00_AXI"}) in intf
    assert frozenset({"ctrl_interconnect/M00_AXI", "finn_system_0/s_axi_idma0"}) in intf
    assert frozenset({"ctrl_interconnect/M01_AXI", "finn_system_0/s_axi_odma0"}) in intf
    for k in range(ports):
        assert frozenset({f"finn_system_0/m_axi_hp{k}", f"mem_sc{k}/S00_AXI"}) in intf
        assert frozenset({f"mem_sc{k}/M00_AXI", hp.format(k=k)}) in intf
    assert len(intf) == 3 + 2 * ports
    # one net carries FCLK to the IP, every PS port clock and every interconnect
    clock_net = next(n for n in nets if fclk in n)
    assert {"finn_system_0/ap_clk", "sys_reset/slowest_sync_clk", "ctrl_interconnect/ACLK", *ps_clocks,
            *(f"mem_sc{k}/aclk" for k in range(ports))} <= clock_net
    reset_net = next(n for n in nets if "sys_reset/peripheral_aresetn" in n)
    assert "finn_system_0/ap_rst_n" in reset_net
    assert {"finn_system_0/idma0_interrupt", "irq_concat/In0"} in nets
    assert {"finn_system_0/odma0_interrupt", "irq_concat/In1"} in nets
    assert {"irq_concat/dout", irq} in nets
    assert not any(p.startswith("finn_system_0/dbg_") for n in nets for p in n)
    assert calls_of(calls, "validate_bd_design") and calls_of(calls, "make_wrapper")


@needs_tclsh
def test_package_ip_declares_interfaces_clock_reset_and_vlnv(tmp_path):
    files = write(tmp_path, "Pynq-Z1", 2)
    calls = stub_calls(files.project_dir / "package_ip.tcl")
    pkg = calls_of(calls, "ipx::package_project")[0]
    assert pkg[pkg.index("-vendor") + 1] == "finn-open" and pkg[pkg.index("-library") + 1] == "finn"
    props = {(a[0], a[1]) for a in calls_of(calls, "set_property")}
    assert {("name", "finn_system"), ("version", "1.0"), ("value", "ACTIVE_LOW"), ("value", "LEVEL_HIGH"),
            ("value", "100000000")} <= props
    assoc = calls_of(calls, "ipx::associate_bus_interfaces")
    busifs = {a[1] for a in assoc if a[0] == "-busif"}
    assert busifs == {"s_axi_idma0", "s_axi_odma0", "m_axi_hp0", "m_axi_hp1"}
    assert all(a[2:4] == ["-clock", "ap_clk"] for a in assoc if a[0] == "-busif")
    assert ["-clock", "ap_clk", "-reset", "ap_rst_n", "obj"] in assoc
    srcs = calls_of(calls, "add_files")[0][-1].split()
    assert [Path(s).name for s in srcs] == [*SOURCES, "mvau0_weights.mem"]
    assert all(Path(s).parent == files.project_dir / "src" for s in srcs)
    assert (files.project_dir / "src" / "mvau0_weights.mem").read_text() == "0f\n1e\n"
    assert not (files.project_dir / "src" / "harness.cpp").exists()


def test_system_interface_from_the_system_ports():
    iface = vz.system_interface(fake_info(3), SOURCES + ["w.mem"])
    assert iface.control_ports == ("s_axi_idma0", "s_axi_odma0")
    assert iface.memory_ports == ("m_axi_hp0", "m_axi_hp1", "m_axi_hp2")
    assert (iface.clock, iface.reset, iface.reset_active_low) == ("ap_clk", "ap_rst_n", True)
    assert iface.interrupts == ("idma0_interrupt", "odma0_interrupt")
    assert iface.unconnected == ("dbg_valid", "dbg_ready", "dbg_fifo_count")
    assert iface.sources == (*SOURCES, "w.mem")
    with pytest.raises(ConfigError, match="finn_system.v"):
        vz.system_interface(fake_info(1), ["finn_top.v"])


def test_project_refuses_what_the_board_cannot_do(tmp_path):
    with pytest.raises(ConfigError, match="4 HP ports"):
        write(tmp_path, "Pynq-Z1", 5)
    with pytest.raises(ConfigError, match="cannot make a 7.5 ns clock"):
        write(tmp_path, "Pynq-Z1", 1, period_ns=7.5)
    with pytest.raises(ConfigError, match="128 bits"):
        write(tmp_path, "Pynq-Z1", 1, mem_width=128)
    assert not (tmp_path / "vivado").exists()


def test_project_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    first = write(tmp_path, "Pynq-Z1", 1)
    before = {p: p.read_bytes() for p in first.project_dir.rglob("*") if p.is_file()}
    calls = {"n": 0}
    real_copy = shutil.copyfile

    def failing_copy(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real_copy(src, dst)

    monkeypatch.setattr(vz.shutil, "copyfile", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        write(tmp_path, "Pynq-Z1", 2)
    after = {p: p.read_bytes() for p in first.project_dir.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system", "vivado"]  # no temp folder left


def _fake_vivado(folder: Path, body: str) -> Path:
    script = folder / "fake_vivado.sh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _good_vivado(folder: Path) -> Path:
    samples = folder / "samples"
    samples.mkdir()
    (samples / "synth.rpt").write_text(UTIL_Z7_2019)
    (samples / "impl.rpt").write_text(UTIL_Z7_2022)
    (samples / "timing.rpt").write_text(TIMING_MET)
    return _fake_vivado(folder, f"""\
# stand-in for vivado: checks its call, then leaves what build.tcl leaves
case " $* " in *" -mode batch "*" -source build.tcl "*) ;; *) echo "ERROR: bad arguments: $*"; exit 2;; esac
for f in build.tcl package_ip.tcl block_design.tcl src/finn_system.v; do
    [ -f "$f" ] || {{ echo "ERROR: $f missing in $(pwd)"; exit 2; }}
done
echo "****** Vivado v2022.2 (64-bit)"
mkdir -p {vt.OUTPUT_DIR} {vt.REPORT_DIR}
printf 'bitstream' > {vt.OUTPUT_DIR}/{vt.BIT_NAME}
printf '<hwh/>' > {vt.OUTPUT_DIR}/{vt.HWH_NAME}
cp {samples}/synth.rpt {vt.REPORT_DIR}/{vt.SYNTH_UTIL_RPT}
cp {samples}/impl.rpt {vt.REPORT_DIR}/{vt.IMPL_UTIL_RPT}
cp {samples}/timing.rpt {vt.REPORT_DIR}/{vt.TIMING_RPT}
""")


def test_run_project_returns_outputs_and_parsed_reports(tmp_path, monkeypatch):
    files = write(tmp_path, "Pynq-Z1", 1)
    monkeypatch.setenv("FINN_VIVADO", str(_good_vivado(tmp_path)))
    built = vz.run_project(files, timeout=30)
    assert Path(built["bit"]).read_text() == "bitstream" and Path(built["hwh"]).read_text() == "<hwh/>"
    assert Path(built["bit"]).parent == files.project_dir / "output"
    assert Path(built["vivado_synth_rpt"]).name == vt.SYNTH_UTIL_RPT
    assert Path(built["vivado_timing_rpt"]).name == vt.TIMING_RPT
    assert built["utilization"]["LUT"] == 10534 and built["utilization"]["available"]["DSP"] == 220
    t = built["timing"]
    assert (t["wns"], t["tns"], t["whs"], t["met"]) == (1.234, 0.0, 0.021, True)
    assert t["fmax_mhz"] == pytest.approx(1000 / (10 - 1.234), abs=1e-3)
    assert "Vivado v2022.2" in Path(built["vivado_log"]).read_text()


def test_run_project_failure_names_the_log_and_its_errors(tmp_path, monkeypatch):
    files = write(tmp_path, "Pynq-Z1", 1)
    monkeypatch.setenv("FINN_VIVADO", str(_fake_vivado(tmp_path, """\
echo "INFO: [Synth 8-6157] synthesizing module 'finn_system'"
echo "ERROR: [Synth 8-439] module 'finn_idma' not found"
echo "ERROR: [Common 17-69] Command failed: Synthesis failed"
exit 1
""")))
    with pytest.raises(CompileError, match="exit 1") as exc:
        vz.run_project(files, timeout=30)
    msg = str(exc.value)
    assert str(files.log) in msg and "module 'finn_idma' not found" in msg and "17-69" in msg
    assert "INFO" not in msg


def test_run_project_missing_output_and_timeout(tmp_path, monkeypatch):
    files = write(tmp_path, "Pynq-Z1", 1)
    monkeypatch.setenv("FINN_VIVADO", str(_fake_vivado(tmp_path, "echo done\n")))
    with pytest.raises(CompileError, match=f"did not write .*{vt.BIT_NAME}"):
        vz.run_project(files, timeout=30)
    monkeypatch.setenv("FINN_VIVADO", str(_fake_vivado(tmp_path, "sleep 30\n")))
    with pytest.raises(CompileError, match="did not finish within 0.5 s"):
        vz.run_project(files, timeout=0.5)


def test_find_vivado_override_path_and_missing(tmp_path, monkeypatch):
    script = _fake_vivado(tmp_path, "exit 0\n")
    monkeypatch.setenv("FINN_VIVADO", f"{script} -notrace")
    assert vz.find_vivado() == [str(script), "-notrace"]
    monkeypatch.setenv("FINN_VIVADO", str(tmp_path / "no_such_vivado"))
    with pytest.raises(ToolNotFoundError, match="FINN_VIVADO"):
        vz.find_vivado()
    monkeypatch.delenv("FINN_VIVADO")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolNotFoundError, match="Vivado not found") as exc:
        vz.find_vivado()
    assert "settings64.sh" in str(exc.value)
    files = write(tmp_path, "Pynq-Z1", 1)
    with pytest.raises(ToolNotFoundError):
        vz.run_project(files)
