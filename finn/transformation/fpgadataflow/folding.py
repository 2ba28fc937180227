"""Folding: choose PE/SIMD per HW node, by hand (a config) or for a target throughput.

* :class:`ApplyFoldingConfig` applies FINN's ``ApplyConfig`` JSON format.
* :class:`SetFolding` picks, per node, the cheapest folding that meets a
  cycles-per-frame target.
* :func:`folding_summary` / :func:`format_folding_summary` report cycles,
  resources, the initiation interval (II = max cycles over layers) and FPS.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from typing import Any

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import HWCustomOp, is_hw_node
from finn.transformation import Transformation
from finn.util.basic import part_resources
from finn.util.exceptions import ConfigError, FoldingError

DEFAULT_TARGET_CYCLES = 1000
# resources are weighed by their share of this part when comparing foldings
COST_PART = "xc7z020clg400-1"


def hw_ops(model: ModelWrapper) -> list[HWCustomOp]:
    """The HW op instances of ``model``, in graph order."""
    return [getCustomOp(n) for n in model.graph.node if is_hw_node(n)]


def resource_cost(res: dict[str, int], part: str = COST_PART) -> float:
    """Scalar cost: the sum of each resource's fraction of ``part`` (URAM counts as 8 BRAM18)."""
    cap = part_resources[part]
    bram = res.get("BRAM18", 0) + 8 * res.get("URAM", 0)
    return res.get("LUT", 0) / cap["LUT"] + bram / cap["BRAM18"] + res.get("DSP", 0) / cap["DSP"]


# --------------------------------------------------------------------------- ApplyFoldingConfig


def _load_config(config: dict | str | os.PathLike) -> dict:
    if isinstance(config, dict):
        return config
    try:
        with open(config) as f:
            data = json.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read folding config '{config}': {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"folding config '{config}' is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"folding config '{config}' must hold a JSON object")
    return data


def _set_attr(op, attr: str, value: Any) -> None:
    types = op.get_nodeattr_types()
    if attr not in types:
        raise ConfigError(
            f"{op.onnx_node.op_type} has no attribute '{attr}'",
            node=op.onnx_node.name,
            hint=f"valid attributes: {sorted(types)}",
        )
    if types[attr][0] == "f" and isinstance(value, int):
        value = float(value)
    try:
        op.set_nodeattr(attr, value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot set {attr}={value!r}: {exc}", node=op.onnx_node.name) from exc


class ApplyFoldingConfig(Transformation):
    """Set HW node attributes from a FINN ``ApplyConfig``-style dict or JSON file.

    Format::

        {"Defaults": {"ram_style": ["block", ["StreamingFCLayer_Batch"]],
                      "inFIFODepth": [16, "all"]},
         "StreamingFCLayer_Batch_0": {"PE": 16, "SIMD": 49, "ram_style": "block"},
         ...}

    Defaults apply first, to every HW node of the listed op types (or ``"all"``)
    that has the attribute; then per-node entries. Unknown node names or
    attributes raise ConfigError listing the valid ones. Afterwards every HW
    node's folding is validated (FoldingError).
    """

    def __init__(self, config: dict | str | os.PathLike) -> None:
        super().__init__()
        self.config = _load_config(config)

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        ops = {op.onnx_node.name: op for op in hw_ops(model)}
        defaults = self.config.get("Defaults", {})
        if not isinstance(defaults, dict):
            raise ConfigError("'Defaults' must map attribute -> [value, op_types]")
        for attr, entry in defaults.items():
            if not (isinstance(entry, list | tuple) and len(entry) == 2):
                raise ConfigError(
                    f"Defaults['{attr}'] must be [value, [op_types] or \"all\"], got {entry!r}"
                )
            value, op_types = entry
            for op in ops.values():
                if op_types != "all" and op.onnx_node.op_type not in op_types:
                    continue
                if op_types == "all" and attr not in op.get_nodeattr_types():
                    continue
                _set_attr(op, attr, value)
        for node_name, attrs in self.config.items():
            if node_name == "Defaults":
                continue
            if node_name not in ops:
                raise ConfigError(
                    f"folding config names node '{node_name}', which is not a HW node of this model",
                    hint=f"valid node names: {sorted(ops)}",
                )
            if not isinstance(attrs, dict):
                raise ConfigError(f"entry for '{node_name}' must map attribute -> value")
            for attr, value in attrs.items():
                _set_attr(ops[node_name], attr, value)
        for op in ops.values():
            op.verify_folding()
        return model, False


# --------------------------------------------------------------------------- SetFolding


class SetFolding(Transformation):
    """Choose PE/SIMD for every HW node to meet a throughput target at least cost.

    For each node, among all legal foldings (divisor pairs) with
    ``cycles() <= target`` pick the one with the smallest :func:`resource_cost`;
    ties go to the smaller PE*SIMD, then the smaller PE. If no folding meets
    the target, take the fastest one (cheapest among equals) and record a
    warning in ``self.warnings`` (also issued via ``warnings.warn``). The
    resulting II is the max over nodes, <= the target when every node meets it.

    Parameters
    ----------
    target_cycles_per_frame : int, optional
        Cycle budget per frame for every node (default 1000).
    target_fps : float, optional
        Alternative target: frames per second at ``clk_ns``; gives
        ``floor(1e9 / (clk_ns * target_fps))`` cycles.
    clk_ns : float
        Clock period for ``target_fps``.
    """

    def __init__(
        self,
        target_cycles_per_frame: int | None = None,
        *,
        target_fps: float | None = None,
        clk_ns: float = 10.0,
    ) -> None:
        super().__init__()
        if target_cycles_per_frame is not None and target_fps is not None:
            raise ConfigError("give target_cycles_per_frame or target_fps, not both")
        if target_fps is not None:
            if target_fps <= 0 or clk_ns <= 0:
                raise ConfigError(f"target_fps={target_fps} and clk_ns={clk_ns} must be > 0")
            target_cycles_per_frame = max(1, math.floor(1e9 / (clk_ns * target_fps)))
        if target_cycles_per_frame is None:
            target_cycles_per_frame = DEFAULT_TARGET_CYCLES
        if target_cycles_per_frame < 1:
            raise ConfigError(f"target_cycles_per_frame={target_cycles_per_frame} must be >= 1")
        self.target = int(target_cycles_per_frame)
        self.warnings: list[str] = []

    @staticmethod
    def evaluate(op: HWCustomOp, fold: dict[str, int]) -> tuple[int, float]:
        """(cycles, cost) of ``op`` with folding ``fold`` (leaves ``fold`` set)."""
        for attr, value in fold.items():
            op.set_nodeattr(attr, value)
        return op.cycles(), resource_cost(op.resources())

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        self.warnings = []
        for op in hw_ops(model):
            scored = []
            for fold in op.folding_space():
                cycles, cost = self.evaluate(op, fold)
                par = math.prod(fold.values())
                scored.append((cycles, cost, par, fold.get("PE", 1), fold))
            meeting = [s for s in scored if s[0] <= self.target]
            if meeting:
                best = min(meeting, key=lambda s: (s[1], s[2], s[3]))
            else:
                best = min(scored, key=lambda s: (s[0], s[1], s[2], s[3]))
                msg = (
                    f"node '{op.onnx_node.name}': cannot reach {self.target} cycles/frame; "
                    f"fastest folding {best[4]} takes {best[0]}"
                )
                self.warnings.append(msg)
                warnings.warn(msg, stacklevel=2)
            self.evaluate(op, best[4])
        return model, False


# --------------------------------------------------------------------------- summary


def folding_summary(model: ModelWrapper, clk_ns: float = 10.0) -> dict[str, Any]:
    """Per-layer folding, cycles and resources, the slowest layer, II and FPS.

    HW nodes inside ``StreamingDataflowPartition`` children are included.

    Returns
    -------
    dict
        ``{"layers": [{"name", "op_type", "PE", "SIMD", "cycles", "LUT", "BRAM18",
        "URAM", "DSP"}...], "slowest": name, "II": cycles, "fps": float,
        "clk_ns": float, "total": {"LUT", "BRAM18", "URAM", "DSP"}}``.
        SIMD is None for ops without it.
    """
    ops = []
    for node in model.graph.node:
        if node.op_type == "StreamingDataflowPartition":
            ops.extend(hw_ops(getCustomOp(node).load_child()))
        elif is_hw_node(node):
            ops.append(getCustomOp(node))
    layers = []
    total = {"LUT": 0, "BRAM18": 0, "URAM": 0, "DSP": 0}
    for op in ops:
        types = op.get_nodeattr_types()
        res = op.resources()
        row = {
            "name": op.onnx_node.name,
            "op_type": op.onnx_node.op_type,
            "PE": op.get_nodeattr("PE") if "PE" in types else None,
            "SIMD": op.get_nodeattr("SIMD") if "SIMD" in types else None,
            "cycles": op.cycles(),
        }
        for key in total:
            row[key] = res.get(key, 0)
            total[key] += res.get(key, 0)
        layers.append(row)
    if not layers:
        raise FoldingError(
            "the model has no HW nodes to summarise", hint="run the to_hls.Infer* passes"
        )
    slowest = max(layers, key=lambda r: r["cycles"])
    ii = slowest["cycles"]
    return {
        "layers": layers,
        "slowest": slowest["name"],
        "II": ii,
        "fps": 1e9 / (clk_ns * ii),
        "clk_ns": clk_ns,
        "total": total,
    }


def format_folding_summary(summary: dict[str, Any]):
    """A ``rich.table.Table`` of :func:`folding_summary` (print it with rich)."""
    from rich.table import Table

    table = Table(
        title=f"Folding: II = {summary['II']} cycles, {summary['fps']:,.0f} FPS at {summary['clk_ns']} ns",
        caption=f"slowest layer: {summary['slowest']}",
    )
    for col in ("layer", "op type", "PE", "SIMD", "cycles", "LUT", "BRAM18", "DSP"):
        table.add_column(col, justify="left" if col in ("layer", "op type") else "right")
    for r in summary["layers"]:
        mark = "[bold]" if r["name"] == summary["slowest"] else ""
        table.add_row(
            f"{mark}{r['name']}",
            r["op_type"],
            "-" if r["PE"] is None else str(r["PE"]),
            "-" if r["SIMD"] is None else str(r["SIMD"]),
            str(r["cycles"]),
            str(r["LUT"]),
            str(r["BRAM18"]),
            str(r["DSP"]),
        )
    t = summary["total"]
    table.add_row("total", "", "", "", "", str(t["LUT"]), str(t["BRAM18"]), str(t["DSP"]))
    return table
