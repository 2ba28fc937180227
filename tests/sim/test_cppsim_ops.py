"""cppsim vs python vs golden, bit-exact, for every HW op with a C++ kernel.

Each hypothesis example builds a one-node model (random folding, datatypes, weights
and thresholds), compiles it once, and runs a random batch plus an "extremes" batch
that drives the accumulator to both ends of its range through:

* the golden function (``golden/``) called directly,
* :class:`sim.python_engine.PythonEngine` (the op's ``execute_node``),
* :class:`sim.cppsim.CppSimEngine`, node by node.

Chains of 2-3 HW nodes wrapped in a StreamingDataflowPartition additionally run as one
stitched program (with width converters where a producer's PE differs from the
consumer's SIMD) and must equal the node-by-node and python results.

Every example costs one g++ compile (~2 s), so the example counts are pinned low; the
``slow`` variants take the profile's count (``HYPOTHESIS_PROFILE=thorough``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from custom_op.fpgadataflow.hw_op_helpers import make_op, random_values, size_and_fold
from hypothesis import example, given, note, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper

from finn.custom_op.fpgadataflow.labelselect import label_datatype
from finn.custom_op.fpgadataflow.matrixvectoractivation import accumulator_range
from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.util.basic import smallest_int_datatype
from golden.labelselect import label_select
from golden.multithreshold import multithreshold
from golden.mvau import mvau
from sim.cppsim import CppSimEngine
from sim.python_engine import PythonEngine

pytestmark = pytest.mark.gxx

#: integer stream datatypes (UINT1 is BINARY)
IN_DTS = [f"INT{b}" for b in range(2, 9)] + ["BINARY"] + [f"UINT{b}" for b in range(2, 9)]
W_DTS = ["BIPOLAR", "INT2", "INT3", "INT4"]
#: activation outputs: BIPOLAR (one threshold), else UINTb (ActVal 0) / INTb (ActVal -2^(b-1))
ACT_DTS = ["BIPOLAR", "BINARY", "UINT2", "UINT3", "UINT4", "INT2", "INT3", "INT4"]


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory):
    """One binary cache for the module: repeated configurations compile once."""
    return tmp_path_factory.mktemp("cppsim_ops")


# ------------------------------------------------------------------------------ helpers


def act_params(odt_name: str | None, draw) -> tuple[int, int]:
    """(threshold count T, ActVal) for an activation output datatype (None: no activation)."""
    if odt_name is None:
        return 0, 0
    odt = DataType[odt_name]
    if odt == DataType["BIPOLAR"]:
        return 1, 0
    steps = draw(st.integers(1, 2 ** odt.bitwidth() - 1))
    return steps, int(odt.min()) if odt.signed() else 0


def model_of(nodes, shapes: dict[str, tuple[list[int], int]], inits: dict[str, np.ndarray],
             dtypes: dict[str, str]) -> ModelWrapper:
    """A model of a chain of ``nodes`` (first input -> last output) with typed tensors."""
    first, last = nodes[0].input[0], nodes[-1].output[0]
    vis = {name: helper.make_tensor_value_info(name, elem, shape) for name, (shape, elem) in shapes.items()}
    graph = helper.make_graph(
        nodes, "cppsim_ops", [vis[first]], [vis[last]],
        value_info=[vi for name, vi in vis.items() if name not in (first, last)],
    )
    model = ModelWrapper(helper.make_model(graph))
    for name, value in inits.items():
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
    for name, dt in dtypes.items():
        model.set_tensor_datatype(name, DataType[dt])
    return model


def random_thresholds(rng: np.random.Generator, acc: np.ndarray, lo: int, hi: int, channels: int,
                      steps: int) -> np.ndarray:
    """Sorted integer thresholds (channels, steps): near observed values (hitting equality),
    few distinct values (duplicates), or anywhere in ``[lo - 4, hi + 4]``."""
    flat = np.asarray(acc, dtype=np.int64).reshape(-1, channels)
    thr = np.empty((channels, steps), dtype=np.int64)
    for c in range(channels):
        kind = rng.integers(0, 3)
        if kind == 0:
            t = rng.choice(flat[:, c], steps) + rng.integers(-1, 2, steps)
        elif kind == 1:
            t = rng.choice(rng.integers(lo - 1, hi + 2, 2), steps)
        else:
            t = rng.integers(lo - 4, hi + 5, steps)
        thr[c] = np.sort(t)
    return thr


def assert_levels_agree(golden: np.ndarray, python: np.ndarray, cpp: np.ndarray,
                        index_output: bool = False) -> None:
    """golden == python == cppsim, bit-exact, with the graph's container dtype."""
    want = np.int64 if index_output else np.float32
    assert python.dtype == want and cpp.dtype == want, (python.dtype, cpp.dtype)
    assert python.shape == cpp.shape == golden.shape
    assert np.array_equal(python, golden), "python execution differs from golden"
    bad = np.argwhere(cpp != python)
    assert bad.size == 0, (
        f"cppsim differs from python at {len(bad)} positions, first {bad[:5].tolist()}: "
        f"cppsim {cpp[tuple(bad[0])]} vs python {python[tuple(bad[0])]}"
    )


def check_engines(model: ModelWrapper, work_dir, batches: list[np.ndarray], golden_fn,
                  index_output: bool = False) -> None:
    python = PythonEngine(model)
    cpp = CppSimEngine(model, work_dir=work_dir, stitched=False)
    iname, oname = model.graph.input[0].name, model.graph.output[0].name
    for x in batches:
        assert_levels_agree(golden_fn(x), python.run({iname: x})[oname], cpp.run({iname: x})[oname],
                            index_output)


# ---------------------------------------------------------------------------------- MVAU


@dataclass(frozen=True)
class MvauCase:
    xnor: bool
    mw: int
    simd: int
    mh: int
    pe: int
    idt: str
    wdt: str
    act: str | None  # output datatype with thresholds; None: noActivation
    steps: int
    act_val: int
    clip: bool  # thresholds clipped into the accumulator range (as the lowering does)
    vecs: tuple[int, ...]
    batch: int
    seed: int


@st.composite
def mvau_cases(draw, max_size: int = 64) -> MvauCase:
    xnor = draw(st.sampled_from([False, False, True]))  # integer mode has more datatypes to cover
    mw, simd = draw(size_and_fold(max_size))
    mh, pe = draw(size_and_fold(max_size))
    idt = "BINARY" if xnor else draw(st.sampled_from(IN_DTS))
    wdt = "BINARY" if xnor else draw(st.sampled_from(W_DTS))
    act = draw(st.sampled_from([None] + ACT_DTS))
    steps, act_val = act_params(act, draw)
    return MvauCase(xnor, mw, simd, mh, pe, idt, wdt, act, steps, act_val, draw(st.booleans()),
                    draw(st.sampled_from([(1,), (1, 3)])), draw(st.integers(1, 5)),
                    draw(st.integers(0, 2**32 - 1)))


def mvau_model(case: MvauCase) -> tuple[ModelWrapper, dict]:
    rng = np.random.default_rng(case.seed)
    w = random_values(rng, case.wdt, (case.mw, case.mh))
    lo, hi = accumulator_range(w, DataType[case.idt], case.xnor)
    inits, attrs_act = {"w": w}, {}
    if case.act is None:
        acc = smallest_int_datatype(lo, hi)
        attrs_act = dict(noActivation=1, accDataType=acc.name, outputDataType=acc.name)
    else:
        sample = random_values(rng, case.idt, (16, case.mw))
        thr = random_thresholds(rng, mvau(sample, w, binary_xnor=case.xnor), lo, hi, case.mh, case.steps)
        if case.clip:
            thr = np.clip(thr, lo, hi + 1)
            acc = smallest_int_datatype(min(lo, thr.min()), max(hi, thr.max()))
        else:  # thresholds may lie outside the accumulator's own (exact) range
            acc = smallest_int_datatype(lo, hi)
        inits["t"] = thr
        attrs_act = dict(noActivation=0, accDataType=acc.name, outputDataType=case.act,
                         ActVal=case.act_val)
    node, _ = make_op(
        "StreamingFCLayer_Batch", ["x", "w"] + (["t"] if "t" in inits else []), ["y"], name="fc0",
        MW=case.mw, MH=case.mh, PE=case.pe, SIMD=case.simd, binaryXnorMode=int(case.xnor),
        inputDataType=case.idt, weightDataType=case.wdt, numInputVectors=list(case.vecs), **attrs_act,
    )
    lead = list(case.vecs)
    model = model_of(
        [node], {"x": (lead + [case.mw], TensorProto.FLOAT), "y": (lead + [case.mh], TensorProto.FLOAT)},
        inits, {"x": case.idt, "w": case.wdt, "y": attrs_act["outputDataType"]},
    )
    return model, inits


def mvau_extremes(case: MvauCase, w: np.ndarray) -> np.ndarray:
    """Inputs driving some output columns to the accumulator's minimum and maximum."""
    idt = DataType[case.idt]
    rows = []
    for j in range(min(case.mh, 8)):
        col = w[:, j]
        if case.xnor:
            rows += [col, 1 - col]  # popcount MW and 0
        else:
            rows += [np.where(col > 0, idt.max(), idt.min()), np.where(col > 0, idt.min(), idt.max())]
    x = np.asarray(rows, dtype=np.float32)
    if len(case.vecs) > 1:  # whole frames of vecs[1] vectors
        reps = -(-len(x) // case.vecs[1]) * case.vecs[1]
        x = np.resize(x, (reps, case.mw)).reshape(-1, case.vecs[1], case.mw)
    return x


def check_mvau(case: MvauCase, work_dir) -> None:
    note(repr(case))
    model, inits = mvau_model(case)
    rng = np.random.default_rng(case.seed + 1)
    x = random_values(rng, case.idt, [case.batch] + list(case.vecs[1:]) + [case.mw])
    w = inits["w"]

    def golden(x):
        if case.act is None:
            return mvau(x, w, binary_xnor=case.xnor)
        if case.act == "BIPOLAR":
            return 2 * mvau(x, w, inits["t"], binary_xnor=case.xnor) - 1
        return mvau(x, w, inits["t"], binary_xnor=case.xnor, out_bias=case.act_val)

    check_engines(model, work_dir, [x, mvau_extremes(case, w)], golden)


def _mvau(xnor=False, mw=8, simd=1, mh=4, pe=1, idt="INT4", wdt="INT2", act=None, steps=0,
          act_val=0, clip=False, vecs=(1,), batch=3, seed=0) -> MvauCase:
    return MvauCase(xnor, mw, simd, mh, pe, idt, wdt, act, steps, act_val, clip, vecs, batch, seed)


@settings(max_examples=10)
@given(case=mvau_cases())
# fully parallel (PE=MH, SIMD=MW): 512-bit input words, 256-bit weight words
@example(case=_mvau(mw=64, simd=64, mh=16, pe=16, idt="INT8", wdt="INT4", act="INT4", steps=15,
                    act_val=-8))
# fully folded (PE=SIMD=1), bipolar weights on integer inputs, multi-vector frames
@example(case=_mvau(mw=7, simd=1, mh=5, pe=1, idt="UINT3", wdt="BIPOLAR", vecs=(1, 3)))
# XNOR popcount over more than one 64-bit limb, bipolar output
@example(case=_mvau(xnor=True, mw=130, simd=130, mh=4, pe=2, idt="BINARY", wdt="BINARY",
                    act="BIPOLAR", steps=1))
@example(case=_mvau(xnor=True, mw=12, simd=1, mh=6, pe=1, idt="BINARY", wdt="BINARY", act="UINT2",
                    steps=3, clip=True))
# 1-bit unsigned inputs without XNOR; thresholds beyond a narrow accumulator
@example(case=_mvau(mw=6, simd=3, mh=4, pe=2, idt="BINARY", wdt="INT3", act="UINT2", steps=2))
def test_mvau_cppsim_matches(work_dir, case):
    check_mvau(case, work_dir)


@pytest.mark.slow
@given(case=mvau_cases())
def test_mvau_cppsim_matches_thorough(work_dir, case):
    check_mvau(case, work_dir)


# ------------------------------------------------------------------------- Thresholding


@dataclass(frozen=True)
class ThrCase:
    c: int
    pe: int
    idt: str
    odt: str
    steps: int
    act_val: int
    vecs: tuple[int, ...]
    batch: int
    seed: int


@st.composite
def thr_cases(draw) -> ThrCase:
    c, pe = draw(size_and_fold(48))
    idt = draw(st.sampled_from(IN_DTS + ["BIPOLAR"]))
    odt = draw(st.sampled_from(ACT_DTS))
    steps, act_val = act_params(odt, draw)
    return ThrCase(c, pe, idt, odt, steps, act_val, draw(st.sampled_from([(1,), (1, 3)])),
                   draw(st.integers(1, 5)), draw(st.integers(0, 2**32 - 1)))


def check_thresholding(case: ThrCase, work_dir) -> None:
    note(repr(case))
    rng = np.random.default_rng(case.seed)
    idt = DataType[case.idt]
    lo, hi = int(idt.min()), int(idt.max())
    thr = random_thresholds(rng, random_values(rng, case.idt, (8, case.c)), lo, hi, case.c, case.steps)
    node, _ = make_op(
        "Thresholding_Batch", ["x", "t"], ["y"], name="thr0", NumChannels=case.c, PE=case.pe,
        numSteps=case.steps, ActVal=case.act_val, inputDataType=case.idt, outputDataType=case.odt,
        weightDataType=smallest_int_datatype(thr.min(), thr.max()).name,
        numInputVectors=list(case.vecs),
    )
    shape = list(case.vecs) + [case.c]
    model = model_of([node], {"x": (shape, TensorProto.FLOAT), "y": (shape, TensorProto.FLOAT)},
                     {"t": thr}, {"x": case.idt, "y": case.odt})
    lead = [case.batch] + list(case.vecs[1:])
    x = random_values(rng, case.idt, lead + [case.c])
    edges = np.stack([np.full(shape[1:], lo), np.full(shape[1:], hi)]).astype(np.float32)
    if idt == DataType["BIPOLAR"]:
        edges = np.stack([np.full(shape[1:], -1.0), np.full(shape[1:], 1.0)]).astype(np.float32)

    def golden(x):
        count = multithreshold(x.reshape(-1, case.c), thr).reshape(x.shape)
        return 2 * count - 1 if case.odt == "BIPOLAR" else count + case.act_val

    check_engines(model, work_dir, [x, edges], golden)


@settings(max_examples=6)
@given(case=thr_cases())
@example(case=ThrCase(c=12, pe=12, idt="INT8", odt="INT4", steps=15, act_val=-8, vecs=(1, 3), batch=2,
                      seed=1))
@example(case=ThrCase(c=5, pe=1, idt="UINT8", odt="BIPOLAR", steps=1, act_val=0, vecs=(1,), batch=4,
                      seed=2))
@example(case=ThrCase(c=6, pe=3, idt="BIPOLAR", odt="UINT2", steps=3, act_val=0, vecs=(1,), batch=3,
                      seed=7))
def test_thresholding_cppsim_matches(work_dir, case):
    check_thresholding(case, work_dir)


@pytest.mark.slow
@given(case=thr_cases())
def test_thresholding_cppsim_matches_thorough(work_dir, case):
    check_thresholding(case, work_dir)


# -------------------------------------------------------------------------- LabelSelect


@dataclass(frozen=True)
class LabelCase:
    labels: int
    pe: int
    k: int
    idt: str
    vecs: tuple[int, ...]
    batch: int
    seed: int


@st.composite
def label_cases(draw) -> LabelCase:
    labels, pe = draw(size_and_fold(40))
    return LabelCase(labels, pe, draw(st.integers(1, labels)), draw(st.sampled_from(IN_DTS)),
                     draw(st.sampled_from([(1,), (1, 3)])), draw(st.integers(1, 5)),
                     draw(st.integers(0, 2**32 - 1)))


def check_labelselect(case: LabelCase, work_dir) -> None:
    note(repr(case))
    rng = np.random.default_rng(case.seed)
    idt = DataType[case.idt]
    odt = label_datatype(case.labels)
    node, _ = make_op(
        "LabelSelect_Batch", ["x"], ["y"], name="ls0", Labels=case.labels, PE=case.pe, K=case.k,
        inputDataType=case.idt, outputDataType=odt.name, numInputVectors=list(case.vecs),
    )
    lead = list(case.vecs)
    model = model_of([node], {"x": (lead + [case.labels], TensorProto.FLOAT),
                              "y": (lead + [case.k], TensorProto.INT64)},
                     {}, {"x": case.idt, "y": odt.name})
    shape = [case.batch] + lead[1:] + [case.labels]
    # scores from two or three values (the type's extremes among them): ties everywhere
    values = np.unique(np.concatenate([rng.choice([idt.min(), idt.max()], 1),
                                       rng.integers(idt.min(), idt.max() + 1, 2)]))
    x = rng.choice(values, shape).astype(np.float32)
    same = np.full(shape, idt.max(), dtype=np.float32)  # all tied: indices 0 .. K-1
    check_engines(model, work_dir, [x, same], lambda x: label_select(x, case.k), index_output=True)


@settings(max_examples=6)
@given(case=label_cases())
@example(case=LabelCase(labels=10, pe=10, k=10, idt="INT8", vecs=(1, 3), batch=2, seed=3))
@example(case=LabelCase(labels=7, pe=1, k=1, idt="BINARY", vecs=(1,), batch=5, seed=4))
def test_labelselect_cppsim_matches(work_dir, case):
    check_labelselect(case, work_dir)


@pytest.mark.slow
@given(case=label_cases())
def test_labelselect_cppsim_matches_thorough(work_dir, case):
    check_labelselect(case, work_dir)


# ------------------------------------------------------------------- stitched partitions


@dataclass(frozen=True)
class ChainCase:
    """Thresholding(C, PE=thr_pe) -> MVAU(MW=C, SIMD, MH, PE) [-> LabelSelect(MH, PE=ls_pe, K)]."""

    c: int
    thr_pe: int
    simd: int
    mh: int
    pe: int
    ls_pe: int | None  # None: a 2-node chain
    k: int
    xnor: bool
    mid: str  # thresholding output = MVAU input datatype
    act: str | None  # MVAU output datatype (None: noActivation)
    vecs: tuple[int, ...]
    batch: int
    seed: int


@st.composite
def chain_cases(draw) -> ChainCase:
    c = draw(st.sampled_from([4, 6, 8, 12]))
    mh = draw(st.sampled_from([2, 4, 6, 8]))
    divs_c = [d for d in range(1, c + 1) if c % d == 0]
    divs_h = [d for d in range(1, mh + 1) if mh % d == 0]
    xnor = draw(st.booleans())
    mid = "BINARY" if xnor else draw(st.sampled_from(["UINT2", "INT2", "INT3"]))
    three = draw(st.booleans())
    return ChainCase(
        c, draw(st.sampled_from(divs_c)), draw(st.sampled_from(divs_c)), mh,
        draw(st.sampled_from(divs_h)), draw(st.sampled_from(divs_h)) if three else None,
        draw(st.integers(1, mh)), xnor, mid, draw(st.sampled_from([None, "UINT2", "INT3"])),
        draw(st.sampled_from([(1,), (1, 3)])), draw(st.integers(1, 5)), draw(st.integers(0, 2**32 - 1)),
    )


def check_chain(case: ChainCase, work_dir, part_dir) -> None:
    note(repr(case))
    rng = np.random.default_rng(case.seed)
    mid = DataType[case.mid]
    lead = list(case.vecs)
    # thresholding: INT4 -> mid (steps = levels - 1, ActVal the type's minimum)
    steps = mid.get_num_possible_values() - 1
    t1 = random_thresholds(rng, random_values(rng, "INT4", (8, case.c)), -8, 7, case.c, steps)
    act1 = int(mid.min())
    nodes = [make_op("Thresholding_Batch", ["x", "t1"], ["a"], name="Thresholding_Batch_0",
                     NumChannels=case.c, PE=case.thr_pe, numSteps=steps, ActVal=act1,
                     inputDataType="INT4", outputDataType=case.mid,
                     weightDataType=smallest_int_datatype(t1.min(), t1.max()).name,
                     numInputVectors=lead)[0]]
    wdt = "BINARY" if case.xnor else "INT2"
    w = random_values(rng, wdt, (case.c, case.mh))
    lo, hi = accumulator_range(w, mid, case.xnor)
    inits = {"t1": t1, "w": w}
    if case.act is None:
        odt = smallest_int_datatype(lo, hi)
        attrs = dict(noActivation=1, accDataType=odt.name, outputDataType=odt.name)
        act2 = 0
    else:
        odt = DataType[case.act]
        act2 = int(odt.min())
        sample = random_values(rng, case.mid, (8, case.c))
        inits["t2"] = random_thresholds(rng, mvau(sample, w, binary_xnor=case.xnor), lo, hi, case.mh,
                                        odt.get_num_possible_values() - 1)
        attrs = dict(noActivation=0, accDataType=smallest_int_datatype(lo - 4, hi + 4).name,
                     outputDataType=odt.name, ActVal=act2)
    nodes.append(make_op(
        "StreamingFCLayer_Batch", ["a", "w"] + (["t2"] if "t2" in inits else []), ["b"],
        name="StreamingFCLayer_Batch_0", MW=case.c, MH=case.mh, PE=case.pe, SIMD=case.simd,
        binaryXnorMode=int(case.xnor), inputDataType=case.mid, weightDataType=wdt,
        numInputVectors=lead, **attrs)[0])
    shapes = {"x": (lead + [case.c], TensorProto.FLOAT), "a": (lead + [case.c], TensorProto.FLOAT),
              "b": (lead + [case.mh], TensorProto.FLOAT)}
    dtypes = {"x": "INT4", "a": case.mid, "w": wdt, "b": odt.name}
    if case.ls_pe is not None:
        ldt = label_datatype(case.mh)
        nodes.append(make_op("LabelSelect_Batch", ["b"], ["y"], name="LabelSelect_Batch_0",
                             Labels=case.mh, PE=case.ls_pe, K=case.k, inputDataType=odt.name,
                             outputDataType=ldt.name, numInputVectors=lead)[0])
        shapes["y"] = (lead + [case.k], TensorProto.INT64)
        dtypes["y"] = ldt.name
    flat = model_of(nodes, shapes, inits, dtypes)
    parent = flat.transform(CreateDataflowPartition(str(part_dir)))
    assert [n.op_type for n in parent.graph.node] == ["StreamingDataflowPartition"]

    def golden(x):
        a = multithreshold(x.reshape(-1, case.c), t1, out_bias=act1).reshape(x.shape)
        if case.act is None:
            b = mvau(a, w, binary_xnor=case.xnor)
        else:
            b = mvau(a, w, inits["t2"], binary_xnor=case.xnor, out_bias=act2)
        return b if case.ls_pe is None else label_select(b, case.k)

    stitched = CppSimEngine(parent, work_dir=work_dir, stitched=True)
    assert [p.label for p in stitched.compile_report.programs] == ["StreamingDataflowPartition_0"]
    source = stitched.compile_report.programs[0].sources["partition.cpp"]
    widths = [(case.thr_pe, case.simd)] + ([(case.pe, case.ls_pe)] if case.ls_pe else [])
    assert source.count("finn::dwc<") == sum(p != s for p, s in widths), "width converters"
    engines = {
        "python (flat)": PythonEngine(flat),
        "python (partition)": PythonEngine(parent),
        "cppsim node by node (flat)": CppSimEngine(flat, work_dir=work_dir, stitched=False),
        "cppsim node by node (partition)": CppSimEngine(parent, work_dir=work_dir, stitched=False),
        "cppsim stitched": stitched,
    }
    oname = flat.graph.output[0].name
    x = random_values(rng, "INT4", [case.batch] + lead[1:] + [case.c])
    want = golden(x)
    for label, engine in engines.items():
        got = engine.run({"x": x})[oname]
        assert got.dtype == (np.float32 if case.ls_pe is None else np.int64), label
        assert np.array_equal(got, want), f"{label} differs from golden"


@settings(max_examples=2)
@given(case=chain_cases())
# PE 2 -> SIMD 4 and PE 4 -> PE 1: two width converters in the stitched program
@example(case=ChainCase(c=8, thr_pe=2, simd=4, mh=8, pe=4, ls_pe=1, k=3, xnor=False, mid="INT2",
                        act="UINT2", vecs=(1, 3), batch=2, seed=5))
# XNOR layer after a BINARY thresholding, 2-node chain, SIMD 1 <- PE 6
@example(case=ChainCase(c=6, thr_pe=6, simd=1, mh=4, pe=2, ls_pe=None, k=1, xnor=True, mid="BINARY",
                        act=None, vecs=(1,), batch=3, seed=6))
# XNOR accumulators (noActivation) straight into LabelSelect, PE 3 -> PE 2
@example(case=ChainCase(c=4, thr_pe=4, simd=2, mh=6, pe=3, ls_pe=2, k=6, xnor=True, mid="BINARY",
                        act=None, vecs=(1,), batch=4, seed=8))
def test_partition_stitched_matches(work_dir, tmp_path_factory, case):
    check_chain(case, work_dir, tmp_path_factory.mktemp("partition"))
