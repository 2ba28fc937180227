"""InsertIODMA: DMA partitions at both ends of the accelerator, as the seed's ZynqBuild shows."""

from __future__ import annotations

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

from finn.transformation.fpgadataflow.insert_iodma import (
    InsertIODMA,
    has_iodma,
    iodma_node,
    memory_ports,
    split_system,
)
from finn.util.exceptions import UnsupportedGraphError
from sim import make_engine


def _children(model):
    return [getCustomOp(n).load_child() for n in model.get_nodes_by_op_type("StreamingDataflowPartition")]


def test_three_partitions_in_the_seed_order(tfc_folded_parent, tmp_path):
    model = tfc_folded_parent.transform(InsertIODMA(64, 2, out_dir=str(tmp_path)))
    sdps = model.get_nodes_by_op_type("StreamingDataflowPartition")
    assert len(sdps) == 3
    first, middle, last = _children(model)
    assert [n.op_type for n in first.graph.node] == ["IODMA"]
    assert [n.op_type for n in last.graph.node] == ["IODMA"]
    assert not has_iodma(middle)
    # the partitions follow each other in the graph (the seed, whose parent holds only
    # them, reads the layers' partition as model.graph.node[1]); ops before them stay
    kinds = [n.op_type for n in model.graph.node]
    start = kinds.index("StreamingDataflowPartition")
    assert kinds[start:] == ["StreamingDataflowPartition"] * 3 and kinds[:start] == ["Flatten"]
    assert not has_iodma(getCustomOp(model.graph.node[start + 1]).load_child())
    idma, child, odma = split_system(model)
    i, o = getCustomOp(idma), getCustomOp(odma)
    assert (i.get_nodeattr("direction"), o.get_nodeattr("direction")) == ("in", "out")
    assert i.get_nodeattr("numPorts") == 2 and o.get_nodeattr("numPorts") == 1
    # the input DMA streams the first layer's word: 49 UINT8 pixels = 392 bits, 16 words
    assert (i.stream_width(), i.frame_words(), i.frame_bytes(), i.frame_stride()) == (392, 16, 784, 784)
    # the label output: one 4-bit index padded to a byte, frames on 8-byte memory words
    assert (o.word_bytes(), o.frame_bytes(), o.frame_stride()) == (1, 1, 8)


def test_second_application_changes_nothing(tfc_folded_parent, tmp_path):
    once = tfc_folded_parent.transform(InsertIODMA(out_dir=str(tmp_path)))
    twice = once.transform(InsertIODMA(out_dir=str(tmp_path / "again")))
    assert [n.name for n in twice.graph.node] == [n.name for n in once.graph.node]


def test_function_unchanged(tfc_folded_parent, tmp_path):
    rng = np.random.default_rng(0)
    name = tfc_folded_parent.graph.input[0].name
    x = rng.integers(0, 256, size=(64, *tfc_folded_parent.get_tensor_shape(name)[1:])).astype(np.float32)
    before = make_engine(tfc_folded_parent).run({name: x})
    after_model = tfc_folded_parent.transform(InsertIODMA(out_dir=str(tmp_path)))
    after = make_engine(after_model).run({name: x})
    out = tfc_folded_parent.graph.output[0].name
    np.testing.assert_array_equal(before[out], after[out])


def test_iodma_node_needs_hw_nodes():
    from onnx import helper
    from qonnx.core.modelwrapper import ModelWrapper

    bare = ModelWrapper(helper.make_model(helper.make_graph([], "g", [], [])))
    with pytest.raises(UnsupportedGraphError, match="no HW nodes"):
        iodma_node(bare, "in")


@pytest.mark.parametrize("beats,ii,available,ddr,expected", [
    (98, 64, 4, 2.6, 2),  # TFC seed: 98 beats per frame, II 64 -> two ports keep up
    (98, 784, 4, 2.6, 1),  # a slower accelerator needs one
    (98, 10, 4, 2.6, 2),  # the DDR serves 2.6 beats per cycle: more ports bring nothing
    (98, 10, 4, 20.0, 4),  # the board has four
])
def test_memory_ports(beats, ii, available, ddr, expected):
    assert memory_ports(beats, ii, available, ddr) == expected
