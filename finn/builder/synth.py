"""`finn synth DIR`: Yosys resource counts of a build's RTL designs beside the estimates.

Synthesizes the stitched design of every partition (and, with ``per_layer``, every
node's single-unit design from the node-by-node level), prints Yosys' LUT / FF /
BRAM18 / DSP next to the analytic estimates of the folding summary, checks the fit
on the build's part, and records it all as ``"synthesis"`` in report.json.
"""

from __future__ import annotations

import os

from finn.builder.report import REPORT_NAME, read_report, write_json_atomic
from finn.deploy.yosys_synth import fit_check, synthesize
from finn.util.exceptions import ConfigError


def _sources(folder: str) -> list[str]:
    return ["finn_top.v"] + sorted(f for f in os.listdir(folder) if f.endswith(".v") and f != "finn_top.v")


def _step(report: dict, name: str) -> dict | None:
    return next((s for s in report.get("steps", []) if s["name"] == name and s.get("ok")), None)


def synth_build(build_dir: str, per_layer: bool = False, console=None) -> dict:
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
