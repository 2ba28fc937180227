"""The `finn` CLI: good runs and every kind of bad input give one clear message, exit 2."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from finn.builder.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def _float_model(path, op="Sin"):
    w = helper.make_tensor("w", TensorProto.FLOAT, [784, 10], np.random.rand(784, 10).ravel().tolist())
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"), helper.make_node(op, ["h"], ["y"], name="bad_op")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 784])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def test_steps_lists_names(capsys):
    code, out = _run(capsys, "steps")
    assert code == 0 and "streamline" in out and "folding" in out


def test_missing_file(capsys, tmp_path):
    out_dir = tmp_path / "out"
    code, out = _run(capsys, "build", str(tmp_path / "nope.onnx"), "--out", str(out_dir))
    assert code == 2
    assert "does not exist" in out
    assert not out_dir.exists()  # nothing written for input that cannot work


def test_truncated_onnx(capsys, tmp_path):
    good = tmp_path / "good.onnx"
    _float_model(str(good))
    data = good.read_bytes()
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(data[: len(data) // 2])
    out_dir = tmp_path / "out"
    code, out = _run(capsys, "build", str(bad), "--out", str(out_dir))
    assert code == 2
    assert "not a valid ONNX model" in out and "truncated.onnx" in out
    assert not out_dir.exists()


def test_not_onnx(capsys, tmp_path):
    bad = tmp_path / "notes.onnx"
    bad.write_text("this is not a protobuf")
    code, out = _run(capsys, "build", str(bad), "--out", str(tmp_path / "o"))
    assert code == 2 and "not a valid ONNX model" in out


def test_unknown_zoo_name(capsys, tmp_path):
    code, out = _run(capsys, "build", "TFC-w3a3", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "TFC-w1a1" in out  # lists the valid names


def test_unknown_board(capsys, tmp_path):
    code, out = _run(capsys, "build", "TFC-w1a1", "--board", "Arty", "--out", str(tmp_path / "o"))
    assert code == 2 and "Pynq-Z1" in out


def test_unsupported_op_names_the_node(capsys, tmp_path, cache_dir):
    path = tmp_path / "sin.onnx"
    _float_model(str(path))
    out_dir = tmp_path / "out"
    code, out = _run(capsys, "build", str(path), "--out", str(out_dir))
    assert code == 2
    assert "Traceback" not in out
    report = json.loads((out_dir / "report.json").read_text())
    assert report["status"] == "failed"
    assert "Sin" in report["error"] or "MatMul" in report["error"]


def _copy_build(tfc_build, tmp_path):
    cfg, _ = tfc_build
    dst = tmp_path / "b"
    shutil.copytree(cfg.output_dir, dst)
    return dst


def test_impossible_folding(capsys, tmp_path, tfc_build):
    dst = _copy_build(tfc_build, tmp_path)
    cfg_file = tmp_path / "fold.json"
    cfg_file.write_text(json.dumps({"StreamingFCLayer_Batch_1": {"PE": 7, "SIMD": 8}}))
    code, out = _run(capsys, "build", "TFC-w1a1", "--out", str(dst), "--epochs", str(tfc_build[0].epochs),
                     "--start", "folding", "--folding", str(cfg_file))
    assert code == 2
    assert "StreamingFCLayer_Batch_1" in out and "PE" in out
    assert json.loads((dst / "report.json").read_text())["status"] == "failed"


def test_folding_config_unknown_node(capsys, tmp_path, tfc_build):
    dst = _copy_build(tfc_build, tmp_path)
    cfg_file = tmp_path / "fold.json"
    cfg_file.write_text(json.dumps({"NoSuchLayer": {"PE": 2}}))
    code, out = _run(capsys, "build", "TFC-w1a1", "--out", str(dst), "--epochs", str(tfc_build[0].epochs),
                     "--start", "folding", "--folding", str(cfg_file))
    assert code == 2 and "NoSuchLayer" in out and "StreamingFCLayer_Batch_0" in out


def test_verify_command(capsys, tfc_build):
    cfg, _ = tfc_build
    code, out = _run(capsys, "verify", cfg.output_dir)
    assert code == 0
    assert "08_folding.onnx" in out


def test_cli_process_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "finn.builder.cli", "build", str(tmp_path / "x.onnx"),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "does not exist" in proc.stdout + proc.stderr
    assert not os.path.exists(tmp_path / "o")


def test_op_from_an_unknown_custom_domain(capsys, tmp_path):
    """An op qonnx does not know, from a custom domain: one message naming node and domain."""
    path = tmp_path / "custom.onnx"
    node = helper.make_node("MyFancyOp", ["x"], ["y"], name="fancy", domain="com.example.ops")
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 784])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                                  helper.make_opsetid("com.example.ops", 1)]), path)
    code, out = _run(capsys, "build", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and "Traceback" not in out
    assert "com.example.ops" in out and "fancy" in out


def test_out_naming_an_existing_file(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    code, out = _run(capsys, "build", "TFC-w1a1", "--out", str(target))
    assert code == 2 and "Traceback" not in out and "file" in out
    assert target.read_text() == "not a folder"


def test_clock_the_board_cannot_make(capsys, tmp_path):
    code, out = _run(capsys, "build", "TFC-w1a1", "--board", "Pynq-Z1", "--clock-ns", "3.1",
                     "--out", str(tmp_path / "o"))
    assert code == 2 and "Traceback" not in out and "ns" in out


def test_too_many_hp_ports(capsys, tmp_path):
    code, out = _run(capsys, "build", "TFC-w1a1", "--hp-ports", "9", "--out", str(tmp_path / "o"))
    assert code == 2 and "Traceback" not in out and "HP port" in out
