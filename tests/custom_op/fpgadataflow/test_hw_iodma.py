"""IODMA: the memory layout of a frame, its cost in beats, identity semantics, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from qonnx.custom_op.registry import getCustomOp

from finn.custom_op.fpgadataflow.base import HW_DOMAIN
from finn.util.exceptions import FoldingError


def _dma(channels=784, per_word=49, dt="UINT8", width=64, ports=1, direction="in", burst=16):
    node = helper.make_node("IODMA", ["x"], ["y"], name="dma", domain=HW_DOMAIN, direction=direction,
                            shape=[1, channels], elemsPerWord=per_word, dataType=dt, inputDataType=dt,
                            outputDataType=dt, intfWidth=width, numPorts=ports, maxBurst=burst)
    return getCustomOp(node)


def test_tfc_input_layout():
    op = _dma()
    assert (op.stream_width(), op.word_bytes(), op.frame_words()) == (392, 49, 16)
    assert (op.frame_bytes(), op.frame_stride(), op.frame_beats()) == (784, 784, 98)
    assert op.cycles() == 98
    assert _dma(ports=2).cycles() == 49


@pytest.mark.parametrize("channels,per_word,dt,width,word_bytes,frame_bytes,stride", [
    (10, 1, "UINT4", 64, 1, 10, 16),  # 4-bit words pad to a byte; frames start on 8-byte words
    (64, 8, "BIPOLAR", 64, 1, 8, 8),
    (64, 16, "INT2", 128, 4, 16, 16),
    (30, 3, "INT7", 32, 3, 30, 32),  # 21-bit words take 3 bytes
])
def test_padding_rules(channels, per_word, dt, width, word_bytes, frame_bytes, stride):
    op = _dma(channels, per_word, dt, width)
    assert (op.word_bytes(), op.frame_bytes(), op.frame_stride()) == (word_bytes, frame_bytes, stride)
    assert op.frame_stride() % (width // 8) == 0 and op.frame_stride() - op.frame_bytes() < width // 8


def test_identity():
    op = _dma(10, 5, "INT4")
    x = np.random.default_rng(0).integers(-8, 8, (7, 10)).astype(np.float32)
    ctx = {"x": x}
    op.execute_node(ctx, None)
    np.testing.assert_array_equal(ctx["y"], x)


@pytest.mark.parametrize("kw,match", [
    ({"per_word": 5}, "elemsPerWord=5 must be >= 1 and divide C=784"),
    ({"width": 48}, "intfWidth=48 is not a memory port width"),
    ({"ports": 5}, "numPorts=5 must be 1..4"),
    ({"ports": 2, "direction": "out"}, "1 for an output DMA"),
    ({"burst": 17}, "maxBurst=17 must be a power of two"),
])
def test_bad_attributes_name_the_node(kw, match):
    with pytest.raises(FoldingError, match=match) as err:
        _dma(**kw).verify_folding()
    assert "node 'dma'" in str(err.value) and "how to fix" in str(err.value)


def test_resources_grow_with_ports():
    one, two = _dma().resources(), _dma(ports=2).resources()
    assert two["LUT"] > one["LUT"] > 0
