"""The verification harness: execute each checkpoint of the flow on the test images and
compare it with the reference model and with the previous checkpoint.

Comparison rules (DESIGN.md, levels of verification):

* label outputs (after TopK / LabelSelect) are integers: they must agree **exactly**;
* logit outputs (before TopK) are float32 graphs whose scale ops were re-associated:
  they must agree within ``|a - b| <= FLOAT_ATOL + FLOAT_RTOL * |b|`` and have an
  identical top-1; the bound covers float32 rounding of a few reordered multiply/adds.

On a disagreement the harness names the first node whose quantized activations differ
(the integer activation levels are the invariant every transform of the flow keeps),
the first differing element, and writes the inputs that reproduce it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from sim import make_engine

FLOAT_ATOL = 1e-4
FLOAT_RTOL = 1e-4

LABEL_OPS = ("TopK", "LabelSelect_Batch")

# the level each checkpoint is executed at (default: python); see sim.EXEC_MODES
STEP_MODES = {"folded_hls_cppsim": "cppsim_stitched", "node_by_node_rtlsim": "rtlsim",
              "stitched_ip_rtlsim": "rtlsim_stitched", "system_rtlsim": "rtlsim_system"}
# the engine that localises a failure of that level node by node (a system failure whose
# layers all agree node by node lies in the DMAs or the memory layout)
LOCATE_MODES = {"cppsim_stitched": "cppsim", "rtlsim_stitched": "rtlsim", "rtlsim_system": "rtlsim"}


# levels whose engine takes the build's options (board, clock)
OPTION_MODES = ("rtlsim_system",)


def system_options(config: dict) -> dict:
    """Engine options of the system level from a build config (``BuildConfig.to_dict()``)."""
    return {"board": config.get("board", "Pynq-Z1"), "clock_ns": config.get("clock_ns", 10.0)}


def mode_for_step(step: str) -> str:
    return STEP_MODES.get(step, "python")


@dataclass
class TestSet:
    """Verification inputs: uint8 images (N, 1, 28, 28) (or any shape), labels, reference."""

    images: np.ndarray
    labels: np.ndarray | None = None
    reference_predictions: np.ndarray | None = None
    reference_logits: np.ndarray | None = None


@dataclass
class StepOutputs:
    kind: str  # "label" or "logits"
    values: np.ndarray
    predictions: np.ndarray


@dataclass
class StepCheck:
    """One checkpoint's verification record (goes into report.json)."""

    step: str
    output_kind: str
    images: int
    seconds: float
    level: str = "python"
    accuracy: float | None = None
    agreement_with_reference: float | None = None
    mismatches_vs_previous: int | None = None
    max_diff_vs_previous: float | None = None
    comparison: str = ""
    ok: bool = True
    failure: dict | None = field(default=None)

    def to_dict(self) -> dict:
        return asdict(self)


def input_kind(model: ModelWrapper) -> str:
    """``uint8`` when the graph input is annotated UINT8 (pre-processing merged), else ``unit``
    (pixels already scaled to [0, 1])."""
    dt = model.get_tensor_datatype(model.graph.input[0].name)
    return "uint8" if dt.name == "UINT8" else "unit"


def _last_real_node(model: ModelWrapper, tensor: str | None = None):
    """The node computing ``tensor`` (the graph output), looking into dataflow partitions and
    through DMA engines (they move a tensor, they do not compute it)."""
    node = model.find_producer(tensor or model.graph.output[0].name)
    if node is not None and node.op_type == "StreamingDataflowPartition":
        child = getCustomOp(node).load_child()
        if all(n.op_type == "IODMA" for n in child.graph.node):
            return _last_real_node(model, node.input[0])
        return _last_real_node(child)
    return node


def output_kind(model: ModelWrapper) -> str:
    node = _last_real_node(model)
    return "label" if node is not None and node.op_type in LABEL_OPS else "logits"


def model_inputs(model: ModelWrapper, images: np.ndarray) -> np.ndarray:
    x = images.astype(np.float32)
    if input_kind(model) == "unit":
        x = x / 255.0
    shape = model.get_tensor_shape(model.graph.input[0].name)
    if shape is not None and int(np.prod(shape[1:])) == int(np.prod(x.shape[1:])):
        x = x.reshape([x.shape[0]] + list(shape[1:]))
    return x


def run(model: ModelWrapper, images: np.ndarray, mode: str = "python", options: dict | None = None
        ) -> StepOutputs:
    """Execute ``model`` batched on ``images`` (uint8 pixels) at level ``mode``; ``options``
    go to the engine (:func:`sim.make_engine`)."""
    out = make_engine(model, mode, **(options or {})).run({model.graph.input[0].name: model_inputs(model, images)})
    values = np.asarray(out[model.graph.output[0].name])
    kind = output_kind(model)
    values = values.reshape(values.shape[0], -1)
    preds = values[:, 0].astype(np.int64) if kind == "label" else values.argmax(axis=-1)
    return StepOutputs(kind, values, preds)


def compare(cur: StepOutputs, prev: StepOutputs | None, check: StepCheck) -> np.ndarray:
    """Fill the comparison fields of ``check``; return the indices of disagreeing images."""
    if prev is None:
        check.comparison = "first checkpoint"
        return np.zeros(0, dtype=np.int64)
    if cur.kind == "label" or prev.kind == "label":
        if cur.kind == prev.kind:
            check.comparison = "labels, exact"
            bad = np.flatnonzero(np.any(cur.values != prev.values, axis=1))
            check.max_diff_vs_previous = float(np.max(np.abs(cur.values - prev.values))) if cur.values.size else 0.0
        else:
            check.comparison = "top-1 vs labels, exact"
            bad = np.flatnonzero(cur.predictions != prev.predictions)
    else:
        check.comparison = f"logits, |a-b| <= {FLOAT_ATOL} + {FLOAT_RTOL}*|b|, top-1 exact"
        diff = np.abs(cur.values - prev.values)
        check.max_diff_vs_previous = float(diff.max()) if diff.size else 0.0
        off = np.any(diff > FLOAT_ATOL + FLOAT_RTOL * np.abs(prev.values), axis=1)
        bad = np.flatnonzero(off | (cur.predictions != prev.predictions))
    check.mismatches_vs_previous = int(bad.size)
    return bad


# --- localisation -----------------------------------------------------------------------

def _levels(model: ModelWrapper, node, value: np.ndarray) -> np.ndarray | None:
    """The integer activation level a node outputs, or None if it is no quantizer."""
    if node.op_type == "MultiThreshold":
        inst = getCustomOp(node)
        return (value - inst.get_nodeattr("out_bias")) / inst.get_nodeattr("out_scale")
    if node.op_type in ("Thresholding_Batch", "StreamingFCLayer_Batch", "MVAU"):
        inst = getCustomOp(node)
        if node.op_type != "Thresholding_Batch" and inst.get_nodeattr("noActivation"):
            return None
        return value - inst.get_nodeattr("ActVal")
    if node.op_type in LABEL_OPS:
        return value
    return None


def _anchors(model: ModelWrapper, x: np.ndarray, mode: str = "python") -> list[tuple[str, np.ndarray]]:
    """(node name, activation levels) for every quantizer, in graph order, SDPs expanded.

    ``mode`` must run node by node (``python`` or ``cppsim``) so every tensor exists.
    """
    ctx = make_engine(model, mode).run({model.graph.input[0].name: x}, return_full_context=True)
    found = []
    for node in model.graph.node:
        if node.op_type == "StreamingDataflowPartition":
            child = getCustomOp(node).load_child()
            found += _anchors(child, ctx[node.input[0]], mode)
            continue
        out = node.output[1] if node.op_type == "TopK" else node.output[0]
        lv = _levels(model, node, np.asarray(ctx[out]))
        if lv is not None:
            found.append((node.name, lv.reshape(lv.shape[0], -1)))
    return found


def first_divergence(prev: ModelWrapper, cur: ModelWrapper, images: np.ndarray,
                     prev_mode: str = "python", cur_mode: str = "python") -> dict:
    """Locate where ``cur`` departs from ``prev`` on ``images`` (which disagree at the output).

    Each model is executed node by node at its level (``prev_mode``, ``cur_mode``).
    """
    a = _anchors(prev, model_inputs(prev, images), LOCATE_MODES.get(prev_mode, prev_mode))
    b = _anchors(cur, model_inputs(cur, images), LOCATE_MODES.get(cur_mode, cur_mode))
    for k, ((_, la), (name_b, lb)) in enumerate(zip(a, b, strict=False)):
        if la.shape != lb.shape:
            return {"node": name_b, "quantizer_index": k, "reason": f"shape {lb.shape} != {la.shape}"}
        diff = np.argwhere(la != lb)
        if diff.size:
            img, elem = (int(v) for v in diff[0])
            return {"node": name_b, "quantizer_index": k, "image": img, "element": elem,
                    "expected_level": float(la[img, elem]), "got_level": float(lb[img, elem])}
    if len(a) != len(b):
        return {"node": None, "reason": f"{len(b)} quantizers now, {len(a)} before; outputs differ"}
    if cur_mode == "rtlsim_system":
        return {"node": None, "reason": "every layer agrees node by node: the difference lies in the DMA "
                "engines or the frames' layout in memory (rerun sim.system with a waveform)"}
    return {"node": None, "reason": "all quantized activations agree; the difference is after "
            "the last quantizer (float output ops)"}


def write_reproducer(directory: str, step: str, images: np.ndarray, info: dict) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{step}_repro_input.npy")
    np.save(path, images)
    with open(os.path.join(directory, f"{step}_failure.json"), "w") as f:
        json.dump(info, f, indent=2)
    return path


def verify_step(step: str, model: ModelWrapper, data: TestSet, prev: StepOutputs | None,
                prev_model: ModelWrapper | None, repro_dir: str | None = None,
                prev_step: str | None = None, engine_options: dict | None = None
                ) -> tuple[StepCheck, StepOutputs]:
    """Execute one checkpoint and check it; ``check.ok`` is False on any disagreement.

    The checkpoint runs at the level :data:`STEP_MODES` gives its step (python by
    default; compiled simulations come from the shared caches of ``sim``); ``prev_step`` names the
    predecessor so a failure is localised at both levels. ``engine_options`` go to the
    level's engine where it takes them (the system level's board, clock and batch).
    """
    import time

    t0 = time.perf_counter()
    mode = mode_for_step(step)
    cur = run(model, data.images, mode, engine_options if mode in OPTION_MODES else None)
    check = StepCheck(step=step, output_kind=cur.kind, images=int(data.images.shape[0]), seconds=0.0,
                      level=mode)
    if data.labels is not None:
        check.accuracy = float(np.mean(cur.predictions == data.labels))
    if data.reference_predictions is not None:
        check.agreement_with_reference = float(np.mean(cur.predictions == data.reference_predictions))
    bad = compare(cur, prev, check)
    ref_ok = check.agreement_with_reference in (None, 1.0)
    if bad.size or not ref_ok:
        check.ok = False
        if not bad.size:  # disagrees with the torch reference only
            bad = np.flatnonzero(cur.predictions != data.reference_predictions)
            check.failure = {"reason": "predictions differ from the reference model",
                             "first_image": int(bad[0])}
        else:
            info = {"first_image": int(bad[0]), "images_differing": int(bad.size)}
            if prev_model is not None:
                where = first_divergence(prev_model, model, data.images[bad[:8]],
                                         mode_for_step(prev_step or ""), mode)
                if "image" in where:
                    where["image"] = int(bad[where["image"]])
                info.update(where)
            check.failure = info
        if repro_dir is not None:
            check.failure["reproducer"] = write_reproducer(
                repro_dir, step, data.images[bad[:16]], check.failure)
    check.seconds = time.perf_counter() - t0
    return check, cur
