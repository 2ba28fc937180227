"""Check that conversion left no software node inside the dataflow region."""

from __future__ import annotations

from qonnx.core.modelwrapper import ModelWrapper

from finn.custom_op.fpgadataflow.base import is_hw_node
from finn.transformation.fpgadataflow.convert_to_hls_layers import LOWERINGS
from finn.util.exceptions import UnsupportedGraphError

SHAPE_ONLY_OPS = ("Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze")


def _is_dataflow(node) -> bool:
    return is_hw_node(node) or node.op_type == "StreamingDataflowPartition"


def diagnose(model: ModelWrapper, node) -> str:
    """Why ``node`` is not a HW node: the lowering's error, or which pass would convert it."""
    if node.op_type not in LOWERINGS:
        return "no HW op implements this op type"
    matcher, pass_name = LOWERINGS[node.op_type]
    try:
        spec = matcher(model, node)
    except UnsupportedGraphError as exc:
        return str(exc).replace("\n  how to fix: ", "; fix: ").replace("\n", " ")
    if spec is None:
        return (
            f"does not match the pattern {pass_name} lowers (e.g. non-constant weights/thresholds)"
        )
    return f"convertible: run to_hls.{pass_name}()"


def check_all_hw(model: ModelWrapper) -> None:
    """Raise UnsupportedGraphError unless the nodes from the first to the last HW node are all HW.

    Non-HW nodes before the first or after the last HW node (e.g. the input
    Reshape) are fine: they stay in the parent graph on the host.
    """
    nodes = list(model.graph.node)
    hw = [i for i, n in enumerate(nodes) if _is_dataflow(n)]
    if not hw:
        lines = [
            f"{n.op_type} '{n.name}': {diagnose(model, n)}"
            for n in nodes
            if n.op_type not in SHAPE_ONLY_OPS
        ]
        raise UnsupportedGraphError(
            "no node of the graph could be converted to a HW op:\n    " + "\n    ".join(lines),
            hint="the flow needs a quantized network (integer weights and MultiThreshold "
            "activations after streamlining); run the to_hls.Infer* passes on such a graph",
        )
    bad = [n for n in nodes[hw[0] : hw[-1] + 1] if not _is_dataflow(n)]
    if bad:
        lines = [f"{n.op_type} '{n.name}': {diagnose(model, n)}" for n in bad]
        raise UnsupportedGraphError(
            f"{len(bad)} non-HW node(s) between the first and last HW node:\n    "
            + "\n    ".join(lines),
            hint="streamline further so these ops are absorbed or moved past the dataflow region, "
            "or lower them with the passes named above",
        )
