"""The build runner: run the named steps in order, checkpoint and verify each one.

Output folder layout::

    report.json                  status, config, per-step records, folding, tool versions
    checkpoints/NN_<step>.onnx   the model after each step
    dataflow_partition*/         child models of StreamingDataflowPartition nodes
    reference/                   the reference model's predictions on the test images
    verification/                reproducers of failed checks

``report.json`` says ``"status": "complete"`` only when every requested step ran and
verified; a failed build says ``"failed"`` with the error, and keeps its checkpoints so
``--resume`` continues from the last good one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import datetime, timezone

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from finn.builder.config import BuildConfig, parse_zoo_name
from finn.builder.context import BuildContext
from finn.builder.report import REPORT_NAME, read_report, tool_versions, write_json_atomic
from finn.builder.steps import STEP_NAMES, STEPS
from finn.builder.verify import StepOutputs, TestSet, system_options, verify_step
from finn.util.exceptions import ConfigError, FinnError, VerificationError

_OWNED = ("checkpoints", "dataflow_partition", "dataflow_partition_folded", "reference",
          "verification", "hls_ip", "iodma", "zynq_build", REPORT_NAME)


def checkpoint_path(output_dir: str, index: int, name: str) -> str:
    return os.path.join(output_dir, "checkpoints", f"{index + 1:02d}_{name}.onnx")


def save_model_atomic(model: ModelWrapper, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp_", suffix=".onnx")
    os.close(fd)
    model.save(tmp)
    os.replace(tmp, path)


def _step_range(cfg: BuildConfig, previous: dict | None) -> tuple[int, int]:
    def index_of(name: str, what: str) -> int:
        if name not in STEP_NAMES:
            raise ConfigError(f"unknown {what} step '{name}'", hint=f"steps are: {', '.join(STEP_NAMES)}")
        return STEP_NAMES.index(name)

    stop = index_of(cfg.stop_step, "stop") if cfg.stop_step else len(STEPS) - 1
    if cfg.start_step:
        start = index_of(cfg.start_step, "start")
    elif cfg.resume and previous is not None:
        done = [s["name"] for s in previous.get("steps", []) if s.get("ok", False)]
        start = max((STEP_NAMES.index(n) for n in done), default=-1) + 1
    else:
        start = 0
    if start > stop:
        if cfg.resume:
            start = stop + 1  # nothing left to do
        else:
            raise ConfigError(f"start step '{STEP_NAMES[start]}' comes after stop step '{STEP_NAMES[stop]}'")
    return start, stop


class Build:
    """One build; ``run()`` returns the report dict. Progress goes to ``console`` (rich)."""

    def __init__(self, cfg: BuildConfig, console=None):
        self.cfg = cfg
        self.console = console
        self.out = os.path.abspath(cfg.output_dir)
        self.ctx = BuildContext(cfg=cfg, output_dir=self.out)
        self.report: dict = {}

    # -- helpers ------------------------------------------------------------------------
    def log(self, msg: str) -> None:
        if self.console is not None:
            self.console.print(msg)

    def _prepare_output_dir(self, fresh: bool) -> None:
        os.makedirs(self.out, exist_ok=True)
        if fresh:
            for name in _OWNED:
                p = os.path.join(self.out, name)
                if os.path.isdir(p):
                    shutil.rmtree(p)
                elif os.path.exists(p):
                    os.remove(p)

    def _write_report(self) -> None:
        write_json_atomic(os.path.join(self.out, REPORT_NAME), self.report)

    def _load_reference(self) -> TestSet | None:
        """Test images, labels and (zoo models) the torch model and its predictions."""
        from finn.util.data import load_mnist

        zoo = parse_zoo_name(self.cfg.model)
        if zoo is not None:
            from finn.util.test import get_test_model_trained

            self.log(f"[bold]reference[/]: {zoo[0]}-w{zoo[1]}a{zoo[2]} (trained on MNIST digits, cached)")
            self.ctx.torch_model = get_test_model_trained(
                *zoo, epochs=self.cfg.epochs, mnist_dir=self.cfg.mnist_dir,
                progress=self.console is not None)
        if not self.cfg.verify:
            return None
        if zoo is None:
            random_set = self._random_inputs_if_not_mnist()
            if random_set is not None:
                return random_set
        data = load_mnist(self.cfg.mnist_dir)
        test = TestSet(images=data.test_x, labels=data.test_y)
        if self.ctx.torch_model is not None:
            import torch

            with torch.no_grad():
                logits = self.ctx.torch_model(torch.from_numpy(data.test_x.astype(np.float32) / 255.0))
            test.reference_logits = logits.numpy()
            test.reference_predictions = test.reference_logits.argmax(axis=-1)
            os.makedirs(os.path.join(self.out, "reference"), exist_ok=True)
            np.save(os.path.join(self.out, "reference", "torch_predictions.npy"), test.reference_predictions)
            self.report["reference"] = {
                "model": self.cfg.model, "source": data.source,
                "accuracy": float(np.mean(test.reference_predictions == data.test_y)),
                "images": int(data.test_x.shape[0]),
            }
        return test

    def _random_inputs_if_not_mnist(self) -> TestSet | None:
        """A model whose input is not 28x28 is verified on seeded random uint8 inputs."""
        from finn.core.model_file import load_onnx

        model = load_onnx(self.cfg.model)
        shape = model.get_tensor_shape(model.graph.input[0].name)
        if shape is not None and int(np.prod(shape[1:])) == 784:
            return None
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, size=[256] + list(shape[1:]), dtype=np.uint8)
        self.report["reference"] = {"model": self.cfg.model, "source": "random uint8, seed 0",
                                    "images": 256}
        return TestSet(images=images)

    # -- the run ------------------------------------------------------------------------
    def run(self) -> dict:
        cfg = self.cfg
        cfg.validate()
        previous = read_report(self.out) if os.path.isdir(self.out) else None
        start, stop = _step_range(cfg, previous)
        fresh = start == 0
        if not fresh:
            missing = checkpoint_path(self.out, start - 1, STEP_NAMES[start - 1])
            if not os.path.isfile(missing):
                raise ConfigError(f"cannot start at '{STEP_NAMES[start]}': checkpoint '{missing}' is missing",
                                  hint="run the earlier steps first (drop --start/--resume)")
        self._prepare_output_dir(fresh)
        kept = [] if fresh or previous is None else [
            s for s in previous.get("steps", []) if STEP_NAMES.index(s["name"]) < start]
        self.report = {
            "status": "running", "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "config": cfg.to_dict(), "steps": kept, "tools": tool_versions(),
        }
        self._write_report()
        try:
            self._run_steps(start, stop)
        except FinnError as exc:
            self.report["status"] = "failed"
            self.report["error"] = str(exc)
            self._write_report()
            raise
        except BaseException as exc:
            self.report["status"] = "failed"
            self.report["error"] = f"{type(exc).__name__}: {exc}"
            self._write_report()
            raise
        self.report["status"] = "complete"
        self.report["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        zynq = next((s.get("zynq_build") for s in self.report["steps"] if s["name"] == "zynq_build"), None)
        if zynq is not None and not zynq.get("bitfile"):
            self.report["next"] = zynq["bitfile_status"]
        self._write_report()
        return self.report

    def _run_steps(self, start: int, stop: int) -> None:
        test = self._load_reference()
        self.ctx.test_images = None if test is None else test.images
        model = None
        prev_out: StepOutputs | None = None
        prev_model = None
        if start > 0:
            model = ModelWrapper(checkpoint_path(self.out, start - 1, STEP_NAMES[start - 1]))
            if test is not None:
                _, prev_out = verify_step(STEP_NAMES[start - 1], model, test, None, None,
                                          engine_options=system_options(self.cfg.to_dict()))
                prev_model = model
        for index in range(start, stop + 1):
            name, fn = STEPS[index]
            t0 = time.perf_counter()
            self.log(f"[bold cyan]step {index + 1}/{len(STEPS)}[/] {name} ...")
            self.ctx.step_info = {}
            model = fn(model, self.ctx)
            seconds = time.perf_counter() - t0
            if "note" in self.ctx.step_info:
                self.log(f"    [yellow]note[/]: {self.ctx.step_info['note']}")
            path = checkpoint_path(self.out, index, name)
            save_model_atomic(model, path)
            record = {"name": name, "seconds": round(seconds, 3), "checkpoint": os.path.relpath(path, self.out),
                      "ok": True, **self.ctx.step_info}
            if test is not None:
                check, out = verify_step(name, model, test, prev_out, prev_model,
                                         repro_dir=os.path.join(self.out, "verification"),
                                         prev_step=STEP_NAMES[index - 1] if index else None,
                                         engine_options=system_options(self.cfg.to_dict()))
                record["verification"] = check.to_dict()
                record["ok"] = check.ok
                self._log_check(check)
                prev_out, prev_model = out, model
            if name == "folding":
                from finn.transformation.fpgadataflow.folding import folding_summary

                self.report["folding"] = folding_summary(model, self.cfg.clock_ns)
                if self.ctx.warnings:
                    self.report["folding"]["warnings"] = list(self.ctx.warnings)
            self.report["steps"].append(record)
            self._write_report()
            if not record["ok"]:
                fail = record["verification"]["failure"]
                raise VerificationError(
                    f"step '{name}' changed the network's function: {describe_failure(fail)}",
                    hint=f"inputs that reproduce it: {fail.get('reproducer', '(not written)')}; "
                         f"the checkpoint is {path}")

    def _log_check(self, c) -> None:
        acc = "-" if c.accuracy is None else f"{c.accuracy:.4f}"
        agree = "-" if c.agreement_with_reference is None else f"{c.agreement_with_reference:.4f}"
        mism = "-" if c.mismatches_vs_previous is None else str(c.mismatches_vs_previous)
        mark = "[green]ok[/]" if c.ok else "[red]FAILED[/]"
        self.log(f"    {mark} accuracy {acc}  agreement {agree}  mismatches {mism}  ({c.seconds:.2f} s)")


def describe_failure(fail: dict) -> str:
    if fail.get("node"):
        return (f"first differing node '{fail['node']}' (image {fail.get('image')}, element "
                f"{fail.get('element')}: level {fail.get('got_level')} instead of {fail.get('expected_level')})")
    return fail.get("reason", "outputs differ") + f" (first image {fail.get('first_image')})"


def build_dataflow(cfg: BuildConfig, console=None) -> dict:
    """Run a build; returns the report (also written to ``<output_dir>/report.json``)."""
    return Build(cfg, console).run()
