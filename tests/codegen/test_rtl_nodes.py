"""RTL instances and memory images from HW nodes (pure; no simulator needed)."""

from __future__ import annotations

import numpy as np
import pytest
from hw_chain import chain_model
from qonnx.custom_op.registry import getCustomOp

from finn.codegen.rtl_mem import threshold_mem_lines, weight_mem_lines
from finn.codegen.rtl_nodes import RTL_MODULES, rtl_instance
from finn.custom_op.fpgadataflow.base import HW_DOMAIN
from finn.util.exceptions import UnsupportedGraphError
from golden.streams import unpack_words


@pytest.fixture(scope="module")
def child(tmp_path_factory):
    model = chain_model(tmp_path_factory.mktemp("rtl_nodes"))
    return getCustomOp(model.get_nodes_by_op_type("StreamingDataflowPartition")[0]).load_child()


def test_every_node_matches_its_op_streams(child):
    for node in child.graph.node:
        op, inst = getCustomOp(node), rtl_instance(child, node)
        assert inst.in_width == op.get_instream_width()
        assert inst.out_width == op.get_outstream_width()
        assert inst.in_words == op.get_folded_input_shape()[-2]
        assert inst.out_words == op.get_folded_output_shape()[-2]


def test_mvau_parameters_and_weight_image(child):
    node = child.get_node_from_name("StreamingFCLayer_Batch_0")
    op, inst = getCustomOp(node), rtl_instance(child, node)
    p = inst.params
    assert (p["MW"], p["MH"], p["PE"], p["SIMD"], p["XNOR"]) == (8, 6, 3, 4, 0)
    assert (p["IKIND"], p["WKIND"], p["WBITS"], p["NTHR"]) == (0, 1, 3, 3)
    lines = inst.mem_files[p["WEIGHT_FILE"]].split()
    assert len(lines) == op.calc_wmem()
    folded = op.folded_weights(child.get_initializer(node.input[1]))
    # line a holds PE x SIMD weights, PE 0 in the low bits
    for a, line in enumerate(lines):
        values = unpack_words([int(line, 16)], 3 * 4, 3, "signed").reshape(3, 4)
        assert np.array_equal(values, folded[:, a, :])
    thr = inst.mem_files[p["THRESH_FILE"]].split()
    assert len(thr) == 6 // 3


def test_bipolar_weights_and_no_activation(child):
    inst = rtl_instance(child, child.get_node_from_name("StreamingFCLayer_Batch_1"))
    assert inst.params["WKIND"] == 2 and inst.params["NTHR"] == 0 and inst.params["THRESH_FILE"] == ""
    assert list(inst.mem_files) == [inst.params["WEIGHT_FILE"]]


def test_memory_lines_are_whole_hex_words():
    w = np.array([[[1, -1], [-1, 1]]])
    from qonnx.core.datatype import DataType

    assert weight_mem_lines(w, DataType["BIPOLAR"]) == ["1", "2"]
    assert threshold_mem_lines(np.array([[[-1, 2]], [[0, 5]]]), 4) == ["502f"]


def test_unknown_op_names_node_and_known_modules(child):
    from onnx import helper

    node = helper.make_node("StreamingMaxPool_Batch", ["a"], ["b"], name="pool0", domain=HW_DOMAIN)
    with pytest.raises(UnsupportedGraphError) as err:
        rtl_instance(child, node)
    assert "pool0" in str(err.value)
    for op_type in RTL_MODULES:
        assert op_type in str(err.value)
