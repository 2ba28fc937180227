"""Vivado project scripts of the Zynq system (pure text): package, block design, build.

Three scripts, each sourced from the project folder (every path in them is relative to
the script's own folder, so the folder can be moved or renamed):

``package_ip.tcl``
    packages ``finn_system`` (its Verilog and memory images in ``src/``) as the IP
    ``finn-open:finn:finn_system:1.0`` in ``ip/``: AXI4-Lite slaves ``s_axi_idma0`` and
    ``s_axi_odma0``, AXI4 masters ``m_axi_hp<k>``, all on ``ap_clk``; ``ap_rst_n`` active
    low; the two DMA interrupts level-high.
``block_design.tcl``
    creates the project ``proj/`` for the board's part and the block design
    ``finn_zynq``: the PS (``processing_system7`` or ``zynq_ultra_ps_e``), an AXI
    interconnect from GP0 / HPM0_FPD to the DMAs' control ports, one SmartConnect per
    memory port to HP port k, one clock (FCLK0 / pl_clk0), ``proc_sys_reset``, the two
    interrupts concatenated into the PS, the address map, and the HDL wrapper.
``build.tcl``
    sources both, synthesizes and implements to a bitstream, writes the reports to
    ``reports/`` and copies the ``.bit`` and ``.hwh`` to ``output/``.

UNTESTED with Vivado: no Vivado install exists on the machines this project is developed
and tested on. The scripts follow the documented Vivado Tcl commands (written for Vivado
2020.1 or newer: the ``.gen`` folder, ``assign_bd_address -offset -range``) and are checked
here for Tcl syntax and for what they name; treat a first run as a bring-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from finn.util.exceptions import ConfigError

IP_VENDOR, IP_LIBRARY, IP_NAME, IP_VERSION = "finn-open", "finn", "finn_system", "1.0"
IP_VLNV = f"{IP_VENDOR}:{IP_LIBRARY}:{IP_NAME}:{IP_VERSION}"
IP_INSTANCE = "finn_system_0"
BD_NAME = "finn_zynq"
PROJECT_NAME = "finn_zynq_proj"
SRC_DIR, IP_DIR, PKG_DIR, PROJ_DIR = "src", "ip", "pkg", "proj"
REPORT_DIR, OUTPUT_DIR = "reports", "output"
SYNTH_UTIL_RPT = "utilization_synth.rpt"
IMPL_UTIL_RPT = "utilization_impl.rpt"
TIMING_RPT = "timing_summary.rpt"
BIT_NAME, HWH_NAME = "finn_system.bit", "finn_system.hwh"
CTRL_RANGE = 0x10000  # 64K per DMA control port (the DMA decodes 6 bits; the rest aliases)


@dataclass(frozen=True)
class SystemInterface:
    """What a block design needs to know of ``finn_system``'s ports and sources."""

    top: str
    clock: str
    reset: str
    reset_active_low: bool
    control_ports: tuple[str, ...]  # AXI4-Lite slaves, one per DMA
    memory_ports: tuple[str, ...]  # AXI4 masters m_axi_hp<k>, port k to HP port k
    interrupts: tuple[str, ...]  # concatenated into the PS in this order
    unconnected: tuple[str, ...]  # ports the block design leaves open (dbg_*)
    mem_width: int
    addr_width: int
    ctrl_addr_bits: int
    sources: tuple[str, ...]  # file names in the system folder (Verilog, then memory images)


@dataclass(frozen=True)
class PsFamily:
    """One PS family's IP and names; ``{k}`` is the HP port, ``{g}`` its S_AXI_GP number."""

    ps: str
    ip: str
    automation_rule: str
    automation_config: str  # a Tcl list; $preset is 1 with board files, 0 without
    master: str  # the PS's AXI master to the control ports
    master_clock: str
    hp_port: str
    hp_clock: str
    hp_segments: str  # glob of the DDR segments HP port k sees
    fclk: str
    fclk_reset: str
    irq: str
    ctrl_base: int
    hp_widths: tuple[int, ...]
    properties: tuple[tuple[str, str], ...]  # fixed CONFIG.* settings
    hp_properties: tuple[tuple[str, str], ...]  # per HP port; "{w}" is the data width
    fclk_property: str


PS_FAMILIES: dict[str, PsFamily] = {
    # Zynq-7000 (UG585): GP0 master, AXI3 HP0..3 slaves, FCLK_CLK0, IRQ_F2P
    "ps7": PsFamily(
        ps="ps7", ip="processing_system7", automation_rule="xilinx.com:bd_rule:processing_system7",
        automation_config='make_external {FIXED_IO, DDR} apply_board_preset $preset Master Disable Slave Disable',
        master="M_AXI_GP0", master_clock="M_AXI_GP0_ACLK", hp_port="S_AXI_HP{k}", hp_clock="S_AXI_HP{k}_ACLK",
        hp_segments="S_AXI_HP{k}/*DDR*", fclk="FCLK_CLK0", fclk_reset="FCLK_RESET0_N", irq="IRQ_F2P",
        ctrl_base=0x43C0_0000, hp_widths=(32, 64),
        properties=(("PCW_USE_M_AXI_GP0", "1"), ("PCW_EN_CLK0_PORT", "1"), ("PCW_USE_FABRIC_INTERRUPT", "1"),
                    ("PCW_IRQ_F2P_INTR", "1")),
        hp_properties=(("PCW_USE_S_AXI_HP{k}", "1"), ("PCW_S_AXI_HP{k}_DATA_WIDTH", "{w}")),
        fclk_property="PCW_FPGA0_PERIPHERAL_FREQMHZ"),
    # Zynq UltraScale+ (UG1085): HPM0_FPD master (M_AXI_GP0), S_AXI_HP<k>_FPD = S_AXI_GP<k+2>
    "ps8": PsFamily(
        ps="ps8", ip="zynq_ultra_ps_e", automation_rule="xilinx.com:bd_rule:zynq_ultra_ps_e",
        automation_config="apply_board_preset $preset",
        master="M_AXI_HPM0_FPD", master_clock="maxihpm0_fpd_aclk", hp_port="S_AXI_HP{k}_FPD",
        hp_clock="saxihp{k}_fpd_aclk", hp_segments="SAXIGP{g}/HP{k}_DDR_*", fclk="pl_clk0",
        fclk_reset="pl_resetn0", irq="pl_ps_irq0", ctrl_base=0xA000_0000, hp_widths=(32, 64, 128),
        # HPM1_FPD and HPM0_LPD off: a board preset may enable them, and an unclocked master fails validation
        properties=(("PSU__USE__M_AXI_GP0", "1"), ("PSU__USE__M_AXI_GP1", "0"), ("PSU__USE__M_AXI_GP2", "0"),
                    ("PSU__FPGA_PL0_ENABLE", "1"), ("PSU__USE__IRQ0", "1")),
        hp_properties=(("PSU__USE__S_AXI_GP{g}", "1"), ("PSU__SAXIGP{g}__DATA_WIDTH", "{w}")),
        fclk_property="PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"),
}


def ps_family(ps: str) -> PsFamily:
    """The :class:`PsFamily` of ``ps`` ("ps7" or "ps8"); ConfigError listing them otherwise."""
    if ps not in PS_FAMILIES:
        raise ConfigError(f"no Vivado block design for PS family '{ps}'", hint=f"one of: {', '.join(PS_FAMILIES)}")
    return PS_FAMILIES[ps]


def control_offsets(iface: SystemInterface, ps: str) -> dict[str, int]:
    """Address of each control port as the PS sees it: 64K apart from the family's base."""
    base = ps_family(ps).ctrl_base
    return {port: base + i * CTRL_RANGE for i, port in enumerate(iface.control_ports)}


def _size(n: int) -> str:
    """A byte count as Vivado writes ranges: 64K, 4G, 1T."""
    for unit, shift in (("T", 40), ("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


def _mhz(f: float) -> str:
    return f"{f:.6g}"


def _header(title: str) -> list[str]:
    return [f"# {title}",
            "# Generated by finn.codegen.vivado_tcl. UNTESTED with Vivado (no install on our machines).",
            "set root [file normalize [file dirname [info script]]]", ""]


def _tcl_list(items) -> str:
    return " ".join(items)


def package_ip_tcl(iface: SystemInterface, part: str, fclk_mhz: float) -> str:
    """Script packaging ``iface.top`` (sources in ``src/``) as the IP :data:`IP_VLNV` in ``ip/``."""
    srcs = " ".join(f"[file join $root {SRC_DIR} {name}]" for name in iface.sources)
    axi = [*iface.control_ports, *iface.memory_ports]
    lines = _header(f"Package {iface.top} as the IP {IP_VLNV}")
    lines += [
        f"set part {part}",
        f"create_project -force {iface.top}_pkg [file join $root {PKG_DIR}] -part $part",
        f"add_files -norecurse [list {srcs}]",
        f"set_property top {iface.top} [current_fileset]",
        "update_compile_order -fileset sources_1",
        f"ipx::package_project -root_dir [file join $root {IP_DIR}] -vendor {IP_VENDOR} -library {IP_LIBRARY} "
        "-taxonomy /UserIP -import_files -set_current true",
        "set core [ipx::current_core]",
        f"set_property name {IP_NAME} $core",
        f"set_property version {IP_VERSION} $core",
        "set_property display_name {FINN system: input DMA, accelerator, output DMA} $core",
        "",
        "proc finn_busif {core name} {",
        "    return [ipx::get_bus_interfaces $name -of_objects $core]",
        "}",
        "proc finn_bus_param {core busif name value} {",
        "    set bif [finn_busif $core $busif]",
        "    set param [ipx::get_bus_parameters -quiet $name -of_objects $bif]",
        "    if {[llength $param] == 0} {",
        "        set param [ipx::add_bus_parameter $name $bif]",
        "    }",
        "    set_property value $value $param",
        "}",
        "",
        "# AXI interfaces are inferred from the port names (<interface>_awaddr, ...)",
        f"set axi_busifs [list {_tcl_list(axi)}]",
        "foreach busif $axi_busifs {",
        "    if {[llength [ipx::get_bus_interfaces -quiet $busif -of_objects $core]] == 0} {",
        "        ipx::infer_bus_interfaces xilinx.com:interface:aximm_rtl:1.0 $core",
        "    }",
        "    if {[llength [ipx::get_bus_interfaces -quiet $busif -of_objects $core]] == 0} {",
        "        error \"FINN: Vivado did not infer the AXI interface $busif from the ports of the top\"",
        "    }",
        "}",
        "# clock, reset and interrupts: single-port signal interfaces named after their port",
        "foreach {busif vlnv} [list \\",
        f"        {iface.clock} xilinx.com:signal:clock_rtl:1.0 \\",
        f"        {iface.reset} xilinx.com:signal:reset_rtl:1.0 \\",
        *[f"        {irq} xilinx.com:signal:interrupt_rtl:1.0 \\" for irq in iface.interrupts],
        "    ] {",
        "    if {[llength [ipx::get_bus_interfaces -quiet $busif -of_objects $core]] == 0} {",
        "        ipx::infer_bus_interface $busif $vlnv $core",
        "    }",
        "}",
        f"finn_bus_param $core {iface.reset} POLARITY {'ACTIVE_LOW' if iface.reset_active_low else 'ACTIVE_HIGH'}",
        *[f"finn_bus_param $core {irq} SENSITIVITY LEVEL_HIGH" for irq in iface.interrupts],
        f"finn_bus_param $core {iface.clock} FREQ_HZ {round(fclk_mhz * 1e6)}",
        "foreach busif $axi_busifs {",
        f"    ipx::associate_bus_interfaces -busif $busif -clock {iface.clock} $core",
        "}",
        f"ipx::associate_bus_interfaces -clock {iface.clock} -reset {iface.reset} $core",
        "",
        f"# control ports: one {_size(CTRL_RANGE)} register block each",
        f"foreach busif [list {_tcl_list(iface.control_ports)}] {{",
        "    set mm [ipx::get_memory_maps -quiet $busif -of_objects $core]",
        "    if {[llength $mm] == 0} {",
        "        set mm [ipx::add_memory_map $busif $core]",
        "    }",
        "    set_property slave_memory_map_ref $busif [finn_busif $core $busif]",
        "    set blocks [ipx::get_address_blocks -quiet -of_objects $mm]",
        "    if {[llength $blocks] == 0} {",
        "        set blocks [ipx::add_address_block reg0 $mm]",
        "    }",
        f"    set_property range {CTRL_RANGE} [lindex $blocks 0]",
        "    set_property width 32 [lindex $blocks 0]",
        "}",
        f"# memory ports: {iface.addr_width}-bit address spaces",
        f"foreach busif [list {_tcl_list(iface.memory_ports)}] {{",
        "    set space [ipx::get_address_spaces -quiet $busif -of_objects $core]",
        "    if {[llength $space] == 0} {",
        "        set space [ipx::add_address_space $busif $core]",
        "    }",
        "    set_property master_address_space_ref $busif [finn_busif $core $busif]",
        f"    set_property range {_size(1 << iface.addr_width)} $space",
        f"    set_property width {iface.addr_width} $space",
        "}",
        "",
        "ipx::create_xgui_files $core",
        "ipx::update_checksums $core",
        "ipx::check_integrity $core",
        "ipx::save_core $core",
        "close_project",
        "",
    ]
    return "\n".join(lines)


def block_design_tcl(iface: SystemInterface, part: str, ps: str, fclk_mhz: float,
                     board_part_glob: str | None = None) -> str:
    """Script creating the project and block design ``finn_zynq`` (see the module docstring).

    ``board_part_glob`` (e.g. ``*pynq-z1*``) selects the board files when they are installed;
    without them the project is made for ``part`` alone and the PS keeps its defaults
    (the PL bitstream does not depend on the PS's DDR settings: the boot loader sets them).
    """
    fam = ps_family(ps)
    if iface.mem_width not in fam.hp_widths:
        raise ConfigError(f"the {fam.ip} HP ports are {'/'.join(map(str, fam.hp_widths))} bits wide, "
                          f"the memory ports {iface.mem_width} bits",
                          hint="build the DMAs with the board's hp_width (sim.board_model)")
    ps_cell, ip = "ps", IP_INSTANCE
    n_mem = len(iface.memory_ports)
    lines = _header(f"Block design {BD_NAME}: {fam.ip}, {iface.top}, {n_mem} HP port(s), FCLK {_mhz(fclk_mhz)} MHz")
    lines += [
        f"set part {part}",
        f"create_project -force {PROJECT_NAME} [file join $root {PROJ_DIR}] -part $part",
        "set preset 0",
    ]
    if board_part_glob:
        lines += [
            f"set board_parts [get_board_parts -quiet -latest_file_version {{{board_part_glob}}}]",
            "if {[llength $board_parts] > 0} {",
            "    set_property board_part [lindex $board_parts 0] [current_project]",
            "    set preset 1",
            "} else {",
            f"    puts \"WARNING: FINN: no board files match {board_part_glob}; the PS keeps its default settings\"",
            "}",
        ]
    lines += [
        f"set_property ip_repo_paths [list [file join $root {IP_DIR}]] [current_project]",
        "update_ip_catalog -rebuild",
        "proc finn_ipdef {name} {",
        "    set defs [lsort -dictionary [get_ipdefs -all -quiet xilinx.com:ip:${name}:*]]",
        "    if {[llength $defs] == 0} {",
        "        error \"FINN: the IP $name is not in the Vivado IP catalog\"",
        "    }",
        "    return [lindex $defs end]",
        "}",
        f"create_bd_design {BD_NAME}",
        "",
        f"# the processing system: {fam.master} to the control ports, HP ports 0..{n_mem - 1} to DDR",
        f"create_bd_cell -type ip -vlnv [finn_ipdef {fam.ip}] {ps_cell}",
        f"apply_bd_automation -rule {fam.automation_rule} -config [list {fam.automation_config}] "
        f"[get_bd_cells {ps_cell}]",
    ]
    props = list(fam.properties)
    for k in range(n_mem):
        props += [(n.format(k=k, g=k + 2), v.format(w=iface.mem_width)) for n, v in fam.hp_properties]
    props.append((fam.fclk_property, _mhz(fclk_mhz)))
    lines.append("set_property -dict [list \\")
    lines += [f"    CONFIG.{n} {{{v}}} \\" for n, v in props]
    lines.append(f"] [get_bd_cells {ps_cell}]")

    ctrl = iface.control_ports
    lines += [
        "",
        f"create_bd_cell -type ip -vlnv {IP_VLNV} {ip}",
        "create_bd_cell -type ip -vlnv [finn_ipdef proc_sys_reset] sys_reset",
        "create_bd_cell -type ip -vlnv [finn_ipdef axi_interconnect] ctrl_interconnect",
        f"set_property -dict [list CONFIG.NUM_SI {{1}} CONFIG.NUM_MI {{{len(ctrl)}}}] [get_bd_cells ctrl_interconnect]",
        "create_bd_cell -type ip -vlnv [finn_ipdef xlconcat] irq_concat",
        f"set_property -dict [list CONFIG.NUM_PORTS {{{len(iface.interrupts)}}}] [get_bd_cells irq_concat]",
    ]
    for k in range(n_mem):
        lines += [f"create_bd_cell -type ip -vlnv [finn_ipdef smartconnect] mem_sc{k}",
                  f"set_property -dict [list CONFIG.NUM_SI {{1}} CONFIG.NUM_MI {{1}}] [get_bd_cells mem_sc{k}]"]

    def pins(*names: str) -> str:
        return " ".join(f"[get_bd_pins {n}]" for n in names)

    mi = [f"M{i:02d}" for i in range(len(ctrl))]
    clocked = [f"{ps_cell}/{fam.master_clock}", *[f"{ps_cell}/{fam.hp_clock.format(k=k)}" for k in range(n_mem)],
               f"{ip}/{iface.clock}", "sys_reset/slowest_sync_clk", "ctrl_interconnect/ACLK",
               "ctrl_interconnect/S00_ACLK", *[f"ctrl_interconnect/{m}_ACLK" for m in mi],
               *[f"mem_sc{k}/aclk" for k in range(n_mem)]]
    resets = ["ctrl_interconnect/S00_ARESETN", *[f"ctrl_interconnect/{m}_ARESETN" for m in mi],
              *[f"mem_sc{k}/aresetn" for k in range(n_mem)], f"{ip}/{iface.reset}"]
    lines += [
        "",
        f"# one clock: {fam.fclk} at {_mhz(fclk_mhz)} MHz for the PS ports, the fabric and the interconnects",
        f"connect_bd_net {pins(f'{ps_cell}/{fam.fclk}', *clocked)}",
        f"connect_bd_net {pins(f'{ps_cell}/{fam.fclk_reset}', 'sys_reset/ext_reset_in')}",
        f"connect_bd_net {pins('sys_reset/interconnect_aresetn', 'ctrl_interconnect/ARESETN')}",
        f"connect_bd_net {pins('sys_reset/peripheral_aresetn', *resets)}",
        "",
        "# control: the PS master through the AXI interconnect to every DMA's registers",
        f"connect_bd_intf_net [get_bd_intf_pins {ps_cell}/{fam.master}] [get_bd_intf_pins ctrl_interconnect/S00_AXI]",
    ]
    lines += [f"connect_bd_intf_net [get_bd_intf_pins ctrl_interconnect/{m}_AXI] [get_bd_intf_pins {ip}/{port}]"
              for m, port in zip(mi, ctrl, strict=True)]
    lines += ["", "# memory: DMA master k through a SmartConnect (AXI4 to the port's protocol) to HP port k"]
    for k, mem in enumerate(iface.memory_ports):
        lines += [f"connect_bd_intf_net [get_bd_intf_pins {ip}/{mem}] [get_bd_intf_pins mem_sc{k}/S00_AXI]",
                  f"connect_bd_intf_net [get_bd_intf_pins mem_sc{k}/M00_AXI] "
                  f"[get_bd_intf_pins {ps_cell}/{fam.hp_port.format(k=k)}]"]
    lines += ["", "# interrupts, in this order, into the PS"]
    lines += [f"connect_bd_net {pins(f'{ip}/{irq}', f'irq_concat/In{i}')}" for i, irq in enumerate(iface.interrupts)]
    lines.append(f"connect_bd_net {pins('irq_concat/dout', f'{ps_cell}/{fam.irq}')}")

    lines += ["", f"# address map: the DMAs' registers {_size(CTRL_RANGE)} apart; each HP master sees the whole DDR"]
    for port, offset in control_offsets(iface, ps).items():
        lines.append(f"assign_bd_address -target_address_space [get_bd_addr_spaces {ps_cell}/Data] "
                     f"-offset 0x{offset:08X} -range {_size(CTRL_RANGE)} [get_bd_addr_segs {ip}/{port}/*]")
    for k, mem in enumerate(iface.memory_ports):
        seg = f"{ps_cell}/{fam.hp_segments.format(k=k, g=k + 2)}"
        lines += [
            f"set ddr [get_bd_addr_segs -quiet {seg}]",
            "if {[llength $ddr] == 0} {",
            f"    error \"FINN: no DDR segment {seg} for {mem}\"",
            "}",
            f"assign_bd_address -target_address_space [get_bd_addr_spaces {ip}/{mem}] $ddr",
        ]
    lines += [
        "",
        "validate_bd_design",
        "save_bd_design",
        f"set wrapper [make_wrapper -files [get_files {BD_NAME}.bd] -top]",
        "add_files -norecurse $wrapper",
        f"set_property top {BD_NAME}_wrapper [current_fileset]",
        "update_compile_order -fileset sources_1",
        "",
    ]
    return "\n".join(lines)


def build_tcl(jobs: int = 4) -> str:
    """Script running the other two, then synthesis, implementation, reports, outputs."""
    lines = _header(f"Build the {BD_NAME} bitstream: package, block design, synth, impl, reports")
    lines += [
        f"set reports [file join $root {REPORT_DIR}]",
        f"set output [file join $root {OUTPUT_DIR}]",
        "file mkdir $reports $output",
        "source [file join $root package_ip.tcl]",
        "source [file join $root block_design.tcl]",
        "",
        "proc finn_check_run {run} {",
        "    if {[get_property PROGRESS [get_runs $run]] ne \"100%\"} {",
        "        error \"FINN: $run failed, see [get_property DIRECTORY [get_runs $run]]/runme.log\"",
        "    }",
        "}",
        f"launch_runs synth_1 -jobs {jobs}",
        "wait_on_run synth_1",
        "finn_check_run synth_1",
        "open_run synth_1 -name synth_1",
        f"report_utilization -file [file join $reports {SYNTH_UTIL_RPT}]",
        "close_design",
        "",
        f"launch_runs impl_1 -to_step write_bitstream -jobs {jobs}",
        "wait_on_run impl_1",
        "finn_check_run impl_1",
        "open_run impl_1",
        f"report_utilization -file [file join $reports {IMPL_UTIL_RPT}]",
        f"report_timing_summary -file [file join $reports {TIMING_RPT}]",
        "",
        "set bits [glob -nocomplain -directory [get_property DIRECTORY [get_runs impl_1]] *.bit]",
        "if {[llength $bits] != 1} {",
        "    error \"FINN: expected one bitstream in the impl_1 folder, found: $bits\"",
        "}",
        f"file copy -force [lindex $bits 0] [file join $output {BIT_NAME}]",
        "# the hardware handoff: .gen (Vivado 2020.2+) or .srcs (older)",
        f"set proj [file join $root {PROJ_DIR}]",
        f"set hwhs [glob -nocomplain $proj/*.gen/sources_1/bd/{BD_NAME}/hw_handoff/*.hwh "
        f"$proj/*.srcs/sources_1/bd/{BD_NAME}/hw_handoff/*.hwh]",
        "if {[llength $hwhs] == 0} {",
        f"    error \"FINN: no .hwh of {BD_NAME} under $proj\"",
        "}",
        f"file copy -force [lindex $hwhs 0] [file join $output {HWH_NAME}]",
        "puts \"FINN: bitstream and hardware handoff in $output\"",
        "",
    ]
    return "\n".join(lines)
