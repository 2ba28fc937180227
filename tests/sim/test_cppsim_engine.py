"""CppSimEngine: binary cache, and typed errors for compile, tool and runtime failures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from custom_op.fpgadataflow.hw_op_helpers import make_op
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper

import sim.cppsim as cppsim
from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.util.exceptions import CompileError, ToolNotFoundError, VerificationError
from sim.cppsim import CppSimEngine, Program, build
from sim.python_engine import PythonEngine

pytestmark = pytest.mark.gxx


def two_node_model(w_scale: int = 1) -> ModelWrapper:
    """Thresholding(INT4 -> UINT2, PE 2) -> MVAU(8 x 4, SIMD 4, PE 2, UINT2 -> INT7)."""
    rng = np.random.default_rng(7)
    thr = np.sort(rng.integers(-8, 8, (8, 3)), axis=1).astype(np.float32)
    w = (w_scale * rng.integers(-2, 2, (8, 4))).astype(np.float32)
    n0, _ = make_op("Thresholding_Batch", ["x", "t"], ["a"], name="Thresholding_Batch_0",
                    NumChannels=8, PE=2, numSteps=3, inputDataType="INT4", outputDataType="UINT2",
                    weightDataType="INT4")
    n1, _ = make_op("StreamingFCLayer_Batch", ["a", "w"], ["y"], name="StreamingFCLayer_Batch_0",
                    MW=8, MH=4, PE=2, SIMD=4, noActivation=1, inputDataType="UINT2",
                    weightDataType="INT3", accDataType="INT8", outputDataType="INT8")
    graph = helper.make_graph(
        [n0, n1], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        value_info=[helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 8])],
    )
    model = ModelWrapper(helper.make_model(graph))
    model.set_initializer("t", thr)
    model.set_initializer("w", w)
    for name, dt in (("x", "INT4"), ("a", "UINT2"), ("w", "INT3"), ("y", "INT8")):
        model.set_tensor_datatype(name, DataType[dt])
    return model


def sample(batch: int = 3) -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(1).integers(-8, 8, (batch, 8)).astype(np.float32)}


def test_second_engine_compiles_nothing(tmp_path):
    model = two_node_model()
    first = CppSimEngine(model, work_dir=tmp_path)
    progs = first.compile_report.programs
    assert [p.label for p in progs] == ["Thresholding_Batch_0", "StreamingFCLayer_Batch_0"]
    assert not any(p.cached for p in progs) and all(p.compile_seconds > 0 for p in progs)
    assert all(p.binary.is_file() and p.directory.parent == tmp_path for p in progs)
    second = CppSimEngine(model, work_dir=tmp_path)
    again = second.compile_report.programs
    assert all(p.cached for p in again) and [p.directory for p in again] == [p.directory for p in progs]
    assert all(r["cached"] for r in second.compile_report.per_program())
    want = PythonEngine(model).run(sample())["y"]
    np.testing.assert_array_equal(second.run(sample())["y"], want)
    # the partition's child nodes have the same sources: node-by-node reuses the binaries,
    # the stitched program is new once and cached after that
    parent = model.transform(CreateDataflowPartition(str(tmp_path / "parts")))
    assert all(p.cached for p in CppSimEngine(parent, tmp_path, stitched=False).compile_report.programs)
    stitched = CppSimEngine(parent, tmp_path, stitched=True).compile_report.programs
    assert [p.cached for p in stitched] == [False]
    assert [p.cached for p in CppSimEngine(parent, tmp_path).compile_report.programs] == [True]
    # different weights: a different program, compiled again
    changed = CppSimEngine(two_node_model(w_scale=-1), work_dir=tmp_path).compile_report.programs
    assert [p.cached for p in changed] == [True, False]


def test_broken_program_raises_compile_error_and_keeps_sources(tmp_path):
    prog = Program("MyNode_3", "my_node_3", {"main.cpp": "int main() { return undeclared; }\n"},
                   ["main.cpp"])
    with pytest.raises(CompileError) as err:
        build(prog, tmp_path)
    msg = str(err.value)
    kept = tmp_path / "my_node_3_FAILED"
    assert "node 'MyNode_3'" in msg and "undeclared" in msg and str(kept) in msg
    assert (kept / "main.cpp").is_file()
    # nothing half-built is left to be mistaken for a cached binary
    assert [p.name for p in tmp_path.iterdir()] == ["my_node_3_FAILED"]


def test_engine_compile_error_names_node(tmp_path, monkeypatch):
    real = cppsim.kernel_spec

    def broken(model, node):
        spec = real(model, node)
        if node.name != "StreamingFCLayer_Batch_0":
            return spec
        return dataclasses.replace(spec, call=spec.call.replace("{reps}", "{reps}, no_such_argument"))

    monkeypatch.setattr(cppsim, "kernel_spec", broken)
    with pytest.raises(CompileError) as err:
        CppSimEngine(two_node_model(), work_dir=tmp_path)
    msg = str(err.value)
    assert "node 'StreamingFCLayer_Batch_0'" in msg and "no_such_argument" in msg
    kept = next(tmp_path.glob("*_FAILED"))
    assert str(kept) in msg and "no_such_argument" in (kept / "top.cpp").read_text()


def test_missing_compiler(tmp_path, monkeypatch):
    monkeypatch.setenv("FINN_CXX", "no-such-compiler-finn")
    with pytest.raises(ToolNotFoundError) as err:
        CppSimEngine(two_node_model(), work_dir=tmp_path)
    msg = str(err.value)
    assert "no-such-compiler-finn" in msg and "FINN_CXX" in msg and "g++" in msg


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> CppSimEngine:
    """A built engine for the runtime-error tests (compiled once per module)."""
    return CppSimEngine(two_node_model(), work_dir=tmp_path_factory.mktemp("cppsim_engine"))


def test_unrepresentable_input_is_a_verification_error(engine):
    x = sample()["x"]
    x[1, 2] = 9  # not an INT4 value
    with pytest.raises(VerificationError) as err:
        engine.run({"x": x})
    msg = str(err.value)
    assert "node 'Thresholding_Batch_0'" in msg and "not representable" in msg
    x[1, 2] = 0.5  # not an integer
    with pytest.raises(VerificationError, match="Thresholding_Batch_0"):
        engine.run({"x": x})


def test_wrong_vector_length_is_a_verification_error(engine):
    prog = engine.compile_report.programs[1]
    with pytest.raises(VerificationError) as err:
        cppsim.run_program(prog, np.zeros((2, 5), np.float32))
    assert "StreamingFCLayer_Batch_0" in str(err.value) and "last axis must be 8" in str(err.value)
