"""Lower FINN-ONNX layers to HW ops (the seed calls them HLS layers).

Each pass finds its pattern with the op module's pure ``match_*`` function, then
rewrites the graph: the matched nodes are replaced by one HW node at the
position of the first of them, named ``<op_type>_<i>``. A node that cannot be
lowered stays as it is; the reason is kept in the pass's ``skipped`` list and
issued as a warning, and :func:`finn.transformation.fpgadataflow.check.check_all_hw`
reports it.

Expected patterns (after streamlining, batch first, channels last):

* ``XnorPopcountMatMul(x: BINARY, W: BINARY init (MW, MH)) [-> MultiThreshold]``
* ``MatMul(x: INTk/UINTk/BIPOLAR, W: integer init (MW, MH)) [-> MultiThreshold]``
* ``MultiThreshold(x: integer, T init (C, T) or (1, T))`` (standalone)
* ``TopK(x: integer, K init) over the last axis, values output unused``

A MultiThreshold is absorbed into the MVAU when it is the only consumer of the
matmul output and has ``out_scale == 1`` and an integer ``out_bias`` (or is a
BIPOLAR output with ``out_scale=2, out_bias=-1``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import RemoveUnusedTensors

from finn.custom_op.fpgadataflow.base import HW_DOMAIN, LoweringSpec, NewTensor
from finn.custom_op.fpgadataflow.labelselect import match_labelselect
from finn.custom_op.fpgadataflow.matrixvectoractivation import match_mvau
from finn.custom_op.fpgadataflow.thresholding import match_thresholding
from finn.transformation import Transformation
from finn.util.exceptions import ConfigError, UnsupportedGraphError

MEM_MODES = ("const", "decoupled", "external")


def unique_node_name(model: ModelWrapper, prefix: str) -> str:
    """``<prefix>_<i>`` with the smallest ``i`` no node uses yet."""
    used = {n.name for n in model.graph.node}
    i = 0
    while f"{prefix}_{i}" in used:
        i += 1
    return f"{prefix}_{i}"


def apply_lowering(model: ModelWrapper, spec: LoweringSpec, extra_attrs: dict | None = None) -> str:
    """Replace ``spec.replaced`` by the HW node ``spec`` describes; return its name."""
    name = unique_node_name(model, spec.op_type)
    inputs = []
    for i, inp in enumerate(spec.inputs):
        if isinstance(inp, NewTensor):
            tname = f"{name}_param{i}"
            model.set_initializer(tname, inp.value)
            model.set_tensor_datatype(tname, inp.datatype)
            inp = tname
        inputs.append(inp)
    attrs = dict(spec.attrs, **(extra_attrs or {}))
    node = helper.make_node(
        spec.op_type, inputs, spec.outputs, name=name, domain=HW_DOMAIN, **attrs
    )
    graph_nodes = list(model.graph.node)
    index = min(graph_nodes.index(n) for n in spec.replaced)
    for old in spec.replaced:
        model.graph.node.remove(old)
    model.graph.node.insert(index, node)
    for tensor, dt in spec.datatypes.items():
        model.set_tensor_datatype(tensor, dt)
    if HW_DOMAIN not in model.get_opset_imports():
        model.set_opset_import(HW_DOMAIN, 1)
    return name


class LowerToHW(Transformation):
    """Lower every node of ``op_types`` that ``matcher`` accepts (base of the Infer* passes)."""

    op_types: tuple[str, ...] = ()
    matcher: Callable = staticmethod(lambda model, node: None)

    def __init__(self) -> None:
        super().__init__()
        self.skipped: list[tuple[str, str]] = []
        self.extra_attrs: dict = {}

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        self.skipped = []
        specs, claimed = [], set()
        for node in model.graph.node:
            if node.op_type not in self.op_types:
                continue
            try:
                spec = self.matcher(model, node)
            except UnsupportedGraphError as exc:
                self.skipped.append((node.name, str(exc)))
                warnings.warn(f"{type(self).__name__} left a node unconverted: {exc}", stacklevel=2)
                continue
            # nodes are identified by their first output (SSA: unique)
            if spec is None or any(n.output[0] in claimed for n in spec.replaced):
                continue
            claimed.update(n.output[0] for n in spec.replaced)
            specs.append(spec)
        # rewrite only after matching: no edits while walking graph.node
        for spec in specs:
            apply_lowering(model, spec, self.extra_attrs)
        if specs:
            model = model.transform(RemoveUnusedTensors(), make_deepcopy=False, cleanup=False)
        return model, bool(specs)


def _check_mem_mode(mem_mode: str) -> str:
    if mem_mode not in MEM_MODES:
        raise ConfigError(f"mem_mode={mem_mode!r} is not one of {list(MEM_MODES)}")
    return mem_mode


class InferBinaryStreamingFCLayer(LowerToHW):
    """``XnorPopcountMatMul [-> MultiThreshold]`` -> ``StreamingFCLayer_Batch`` (binaryXnorMode=1)."""

    op_types = ("XnorPopcountMatMul",)
    matcher = staticmethod(match_mvau)

    def __init__(self, mem_mode: str = "const") -> None:
        super().__init__()
        self.extra_attrs = {"mem_mode": _check_mem_mode(mem_mode)}


class InferQuantizedStreamingFCLayer(LowerToHW):
    """Integer ``MatMul [-> MultiThreshold]`` -> ``StreamingFCLayer_Batch``."""

    op_types = ("MatMul",)
    matcher = staticmethod(match_mvau)

    def __init__(self, mem_mode: str = "const") -> None:
        super().__init__()
        self.extra_attrs = {"mem_mode": _check_mem_mode(mem_mode)}


class InferThresholdingLayer(LowerToHW):
    """Standalone ``MultiThreshold`` on integer input -> ``Thresholding_Batch``."""

    op_types = ("MultiThreshold",)
    matcher = staticmethod(match_thresholding)


class InferLabelSelectLayer(LowerToHW):
    """``TopK`` (values unused, last axis, integer scores) -> ``LabelSelect_Batch``."""

    op_types = ("TopK",)
    matcher = staticmethod(match_labelselect)


# op_type -> (matcher, the pass that lowers it); used by check_all_hw for diagnoses
LOWERINGS: dict[str, tuple[Callable, str]] = {
    "XnorPopcountMatMul": (match_mvau, "InferBinaryStreamingFCLayer"),
    "MatMul": (match_mvau, "InferQuantizedStreamingFCLayer"),
    "MultiThreshold": (match_thresholding, "InferThresholdingLayer"),
    "TopK": (match_labelselect, "InferLabelSelectLayer"),
}
