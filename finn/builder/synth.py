"""`finn synth DIR`: Yosys resource counts of a build's RTL designs beside the estimates.

Synthesizes the stitched design of every partition (and, with ``per_layer``, every
node's single-unit design from the node-by-node level), prints Yosys' LUT / FF /
BRAM18 / DSP next to the analytic estimates of the folding summary, checks the fit
on the build's part, and records it all as ``"synthesis"`` in report.json.

With ``pnr`` (``finn synth DIR --pnr``) the stitched accelerator of every partition, and
the whole system (``finn_system``: accelerator and DMAs) when the build has one, are also
placed and routed on an ECP5-85F with the open tools (:mod:`finn.deploy.ecp5_pnr`) at the
build's clock: the achieved Fmax per clock, the utilization, the critical path and the
bitstream are printed and recorded as ``"pnr"`` in report.json (work folders in
``DIR/pnr/``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from finn.builder.report import REPORT_NAME, read_report, write_json_atomic
from finn.deploy.yosys_synth import fit_check, synthesize
from finn.util.exceptions import ConfigError, FinnError

PNR_DIR = "pnr"
SYSTEM_TOP = "finn_system"


def _sources(folder: str) -> list[str]:
    return ["finn_top.v"] + sorted(f for f in os.listdir(folder) if f.endswith(".v") and f != "finn_top.v")


def _step(report: dict, name: str) -> dict | None:
    return next((s for s in report.get("steps", []) if s["name"] == name and s.get("ok")), None)


def synth_build(build_dir: str, per_layer: bool = False, console=None, pnr: bool = False) -> dict:
    """Yosys (xc7) counts of the build's designs into report.json; with ``pnr`` then
    :func:`pnr_build` (its tools are checked first, so a missing one fails at once)."""
    if pnr:
        check_pnr_tools()
    report = read_report(build_dir)
    if report is None:
        raise ConfigError(f"'{build_dir}' holds no report.json", hint="give the --out folder of a `finn build`")
    stitched = _step(report, "stitched_ip_rtlsim")
    if stitched is None:
        raise ConfigError(f"'{build_dir}' has no successful stitched_ip_rtlsim step",
                          hint="run the build through the RTL steps first")
    part = report["config"].get("fpga_part", "xc7z020clg400-1")
    result: dict = {"tool": "yosys synth_xilinx -family xc7 -noiopad", "part": part, "partitions": {}, "layers": {}}
    for name, entry in stitched["rtlsim"]["partitions"].items():
        if console is not None:
            console.print(f"[bold]yosys[/]: stitched design of {name} ...")
        syn = synthesize(entry["design"], _sources(entry["design"]))
        syn["fit"] = fit_check(syn["resources"], part)
        result["partitions"][name] = syn
    if per_layer:
        nodes = _step(report, "node_by_node_rtlsim")
        for d in (nodes or {}).get("build", []):
            if console is not None:
                console.print(f"[bold]yosys[/]: {d['name']} ...")
            result["layers"][d["name"]] = synthesize(d["directory"], _sources(d["directory"]))
    report["synthesis"] = result
    write_json_atomic(os.path.join(build_dir, REPORT_NAME), report)
    if console is not None:
        _print(console, report)
    if pnr:
        result["pnr"] = pnr_build(build_dir, console)
    return result


def _print(console, report: dict) -> None:
    from rich.table import Table

    syn, folding = report["synthesis"], report.get("folding", {})
    est = {row["name"]: row for row in folding.get("layers", [])}
    table = Table(title=f"Yosys (xc7) vs analytic estimate, part {syn['part']}")
    for col in ("unit", "LUT", "LUT est.", "FF", "BRAM18", "BRAM18 est.", "DSP", "DSP est."):
        table.add_column(col, justify="left" if col == "unit" else "right")
    for name, s in syn["layers"].items():
        r, e = s["resources"], est.get(name, {})
        table.add_row(name, str(r["LUT"]), str(e.get("LUT", "-")), str(r["FF"]), str(r["BRAM18"]),
                      str(e.get("BRAM18", "-")), str(r["DSP"]), str(e.get("DSP", "-")))
    total = folding.get("total", {})
    for name, s in syn["partitions"].items():
        r = s["resources"]
        table.add_row(f"{name} (stitched)", str(r["LUT"]), str(total.get("LUT", "-")), str(r["FF"]),
                      str(r["BRAM18"]), str(total.get("BRAM18", "-")), str(r["DSP"]), str(total.get("DSP", "-")))
    console.print(table)
    for name, s in syn["partitions"].items():
        fit = s["fit"]
        if fit.get("fits") is None:
            console.print(f"{name}: {fit.get('note')}")
        else:
            util = ", ".join(f"{k} {v:.1%}" for k, v in fit["utilization"].items())
            console.print(f"{name}: {'fits' if fit['fits'] else 'does NOT fit'} {fit['part']} ({util})")


# ------------------------------------------------------------------ place and route
def check_pnr_tools() -> None:
    """ToolNotFoundError (with the fix) unless Yosys, nextpnr-ecp5 and ecppack exist."""
    from finn.deploy.ecp5_pnr import find_ecppack, find_nextpnr_ecp5
    from sim.tools import find_yosys

    find_yosys()
    find_nextpnr_ecp5()
    find_ecppack()


def system_folder(build_dir: str, report: dict) -> Path | None:
    """The build's whole-system design folder (with ``finn_system.v``), None if it has none.

    The ``zynq_build`` step records it as ``system_design``; a build whose report predates
    that is looked up at ``<build>/zynq_build/system``.
    """
    recorded = [s["zynq_build"].get("system_design") for s in report.get("steps", [])
                if isinstance(s.get("zynq_build"), dict)]
    for folder in [*filter(None, recorded), os.path.join(build_dir, "zynq_build", "system")]:
        if (Path(folder) / f"{SYSTEM_TOP}.v").is_file():
            return Path(folder)
    return None


def pnr_targets(build_dir: str, report: dict) -> tuple[list[tuple[str, str, str]], list[str]]:
    """``(name, design folder, top)`` of every design to place and route, and notes on the
    ones skipped."""
    stitched = _step(report, "stitched_ip_rtlsim")
    if stitched is None:
        raise ConfigError(f"'{build_dir}' has no successful stitched_ip_rtlsim step",
                          hint="run the build through the RTL steps first")
    targets = []
    for name, entry in stitched["rtlsim"]["partitions"].items():
        if not (Path(entry["design"]) / "finn_top.v").is_file():
            raise ConfigError(f"the stitched design of {name} is gone: {entry['design']}",
                              hint="the RTL simulation cache was cleared; rerun the build with "
                              "--start stitched_ip_rtlsim")
        targets.append((name, entry["design"], "finn_top"))
    notes = []
    system = system_folder(build_dir, report)
    if system is None:
        notes.append("system: skipped, the build has no finn_system design (zynq_build step)")
    else:
        targets.append(("system", str(system), SYSTEM_TOP))
    return targets, notes


def pnr_build(build_dir: str, console=None) -> dict:
    """Place and route the build's designs on the ECP5-85F at the build's clock.

    Writes ``"pnr"`` into report.json after each design (atomically; a failed design is
    recorded with its error, which is then raised). Returns that entry.

    Raises
    ------
    ToolNotFoundError
        Yosys, nextpnr-ecp5 or ecppack missing (checked before any work).
    ConfigError
        The build has no stitched design.
    CompileError
        A tool failed or a design does not fit (the message names the log).
    """
    from finn.deploy.ecp5_pnr import DEVICE, place_and_route

    check_pnr_tools()
    report = read_report(build_dir)
    if report is None:
        raise ConfigError(f"'{build_dir}' holds no report.json", hint="give the --out folder of a `finn build`")
    targets, notes = pnr_targets(build_dir, report)
    clock_ns = float(report["config"].get("clock_ns") or 10.0)
    freq = round(1e3 / clock_ns, 3)
    out = os.path.join(build_dir, PNR_DIR)
    entry: dict = {"device": dict(DEVICE), "freq_target_mhz": freq, "designs": {}, "notes": notes}

    def say(line: str) -> None:
        if console is not None:
            console.print(f"[bold]pnr[/]: {line}")

    for note in notes:
        say(note)
    for name, folder, top in targets:
        t0 = time.perf_counter()
        say(f"{name} ({top}) on {DEVICE['name']} at {freq:g} MHz: minutes (+1 min per tool "
            "on its first run)")

        def step(line: str, t0: float = t0) -> None:
            say(f"[{time.perf_counter() - t0:4.0f} s] {line}")

        try:
            res = place_and_route(folder, out, top=top, name=name, freq_mhz=freq, progress=step)
        except FinnError as exc:
            entry["designs"][name] = {"ok": False, "design_dir": folder, "error": str(exc)}
            _write_pnr(build_dir, entry)
            raise
        entry["designs"][name] = {"ok": True, "design_dir": folder, **res.to_dict()}
        _write_pnr(build_dir, entry)
        if console is not None:
            _print_pnr(console, name, entry["designs"][name])
    return entry


def _write_pnr(build_dir: str, entry: dict) -> None:
    report = read_report(build_dir) or {}  # re-read: keep what others wrote meanwhile
    report["pnr"] = entry
    write_json_atomic(os.path.join(build_dir, REPORT_NAME), report)


def _print_pnr(console, name: str, d: dict) -> None:
    from rich.table import Table

    table = Table()
    for col in ("design", "device", "clock", "Fmax MHz", "target MHz", "met"):
        table.add_column(col, justify="right" if "MHz" in col or col == "met" else "left")
    for clk, f in d["fmax"].items():
        table.add_row(f"{name} ({d['top']})", d["device"]["name"], clk, f"{f['achieved_mhz']:.2f}",
                      f"{f['target_mhz']:g}", "yes" if f["met"] else "[red]NO[/]")
    console.print(table)
    util, res = d["utilization"], d["resources"]

    def used(key: str) -> str:
        u = util.get(key, {"used": res.get(key, 0), "available": 0})
        pct = f" ({u['used'] / u['available']:.1%})" if u["available"] else ""
        return f"{key} {u['used']:,}/{u['available']:,}{pct}"

    console.print(f"  Yosys LUT4 {res['LUT4']:,}, CCU2C {res['CCU2C']:,}; placed {used('TRELLIS_COMB')}, "
                  f"{used('TRELLIS_FF')}")
    console.print(f"  {used('DP16KD')}, {used('MULT18X18D')}, {used('TRELLIS_RAMW')}; "
                  f"{d['wrapper_ff']} FF are the wrapper's")
    for p in d["critical_paths"]:
        if "<async>" in (p["clock_from"], p["clock_to"]):
            continue
        lv = p["levels"]
        where = p["source_unit"] if p["source_unit"] == p["sink_unit"] else \
            f"{p['source_unit'] or 'top/wrapper'} -> {p['sink_unit'] or 'top/wrapper'}"
        console.print(f"  critical path {p['clock_from']} -> {p['clock_to']}: {p['delay_ns']:.2f} ns in {where}")
        console.print(f"    {p['logic_levels']} logic levels ({lv['lut']} LUT4, {lv['mux']} PFUMX/L6MUX21, "
                      f"{lv['carry']} carry steps); logic {p['logic_ns']:.2f} ns (clock to out "
                      f"{p['clock_to_out_ns']:.2f}) + routing {p['routing_ns']:.2f} ns")
        console.print(f"    from {p['source']}\n    to   {p['sink']}")
        if p["sources"]:
            console.print(f"    RTL: {', '.join(p['sources'])}")
    console.print(f"  bitstream: {d['bitstream']} ({d['bitstream_bytes']:,} bytes)")
