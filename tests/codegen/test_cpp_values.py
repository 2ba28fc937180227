"""finn.codegen.cpp_values: C++ spellings of element types, packed words and constant arrays."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qonnx.core.datatype import DataType

from finn.codegen.cpp_values import (
    c_identifier,
    element_codec,
    element_kind,
    hex_words,
    int_literals,
    nested_initializer,
    signed_bits,
    word_literals,
)
from golden.streams import pack_words

STREAM_DTS = ["BIPOLAR", "BINARY"] + [f"INT{b}" for b in (2, 3, 4, 7, 8, 16)] + [
    f"UINT{b}" for b in (2, 3, 5, 8, 32)
]


def random_values(rng: np.random.Generator, dt_name: str, shape) -> np.ndarray:
    dt = DataType[dt_name]
    if dt == DataType["BIPOLAR"]:
        return rng.choice([-1, 1], size=shape)
    return rng.integers(int(dt.min()), int(dt.max()), size=shape, endpoint=True)


@pytest.mark.parametrize(
    "name,kind,codec",
    [
        ("BIPOLAR", "bipolar", "finn::Bipolar"),
        ("BINARY", "unsigned", "finn::UInt<1>"),
        ("UINT8", "unsigned", "finn::UInt<8>"),
        ("INT2", "signed", "finn::Int<2>"),
        ("INT32", "signed", "finn::Int<32>"),
    ],
)
def test_element_kind_and_codec(name, kind, codec):
    assert element_kind(DataType[name]) == kind
    assert element_codec(DataType[name]) == codec


@pytest.mark.parametrize("name", ["FLOAT32", "FIXED<8,4>"])
def test_non_integer_datatypes_are_refused(name):
    with pytest.raises(ValueError, match="not an integer datatype"):
        element_codec(DataType[name])


@settings(max_examples=200)
@given(st.integers(-(2**40), 2**40), st.integers(0, 2**40))
def test_signed_bits_is_the_narrowest_fit(lo, span):
    hi = lo + span
    bits = signed_bits(lo, hi)
    assert bits >= 2
    assert -(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1
    narrower = bits - 1
    assert bits == 2 or not (-(1 << (narrower - 1)) <= lo and hi <= (1 << (narrower - 1)) - 1)


@pytest.mark.parametrize(
    "name,ident",
    [("StreamingFCLayer_Batch_0", "StreamingFCLayer_Batch_0"), ("fc/0.w", "fc_0_w"),
     ("0abc", "n_0abc"), ("a-b c", "a_b_c")],
)
def test_c_identifier(name, ident):
    assert c_identifier(name) == ident
    assert re.fullmatch(r"[A-Za-z_]\w*", c_identifier(name))


@settings(max_examples=100)
@given(st.sampled_from(STREAM_DTS), st.integers(1, 40), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_hex_words_match_pack_words(dt_name, n, rows, seed):
    dt = DataType[dt_name]
    values = random_values(np.random.default_rng(seed), dt_name, (rows, n))
    words = hex_words(values, dt)
    assert len(words) == rows and all(w.startswith("0x") for w in words)
    assert [int(w, 16) for w in words] == pack_words(values, dt.bitwidth(), element_kind(dt))


@settings(max_examples=100)
@given(st.sampled_from(STREAM_DTS), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_word_literals_narrow_and_wide(dt_name, n, seed):
    dt = DataType[dt_name]
    values = random_values(np.random.default_rng(seed), dt_name, (3, 2, n))
    lits = word_literals(values, dt)
    packed = pack_words(values, dt.bitwidth(), element_kind(dt))
    width = n * dt.bitwidth()
    assert len(lits) == len(packed) == 6
    for lit, word in zip(lits, packed, strict=True):
        if width <= 64:  # a plain integer literal
            m = re.fullmatch(r"0x([0-9a-f]+)ULL", lit)
        else:  # too wide for any C++ integer type: the hex-string constructor
            m = re.fullmatch(rf'ap_uint<{width}>\("0x([0-9a-f]+)", 16\)', lit)
        assert m, lit
        assert int(m.group(1), 16) == word


@pytest.mark.parametrize("n,wide", [(16, False), (17, True)])
def test_word_literal_switches_at_64_bits(n, wide):
    """16 INT4 elements fill exactly 64 bits (an integer literal); 17 need 68 bits."""
    values = np.full((1, n), -1)
    (lit,) = word_literals(values, DataType["INT4"])
    assert lit.startswith("ap_uint<68>(") == wide
    assert lit == ('ap_uint<68>("0xfffffffffffffffff", 16)' if wide else "0xffffffffffffffffULL")


def parse_initializer(text: str):
    """The nested list a brace initializer of plain identifiers spells."""
    return ast.literal_eval(re.sub(r"\w+", lambda m: repr(m.group(0)), text.replace("{", "[").replace("}", "]")))


@settings(max_examples=100)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.integers(1, 30))
def test_nested_initializer_has_the_array_shape(shape, item_len):
    shape = tuple(shape)
    count = int(np.prod(shape))
    items = [f"v{i}_" + "x" * item_len for i in range(count)]  # long items force line breaks
    text = nested_initializer(items, shape)
    parsed = parse_initializer(text)
    assert np.array(parsed, dtype=object).shape == shape
    assert np.array(parsed, dtype=object).reshape(-1).tolist() == items
    # long rows are wrapped: a line holds about 100 characters of items
    assert max(len(line) for line in text.splitlines()) <= 100 + len(items[-1]) + 2 * len(shape) + 2


def test_nested_initializer_keeps_wide_literals_whole():
    values = random_values(np.random.default_rng(0), "INT7", (2, 3, 20))  # 140-bit words
    items = word_literals(values, DataType["INT7"])
    text = nested_initializer(items, (2, 3))
    assert re.sub(r"[{}\s]", "", text) == ",".join(i.replace(" ", "") for i in items)
    assert text.count("{") == 1 + 2


def test_int_literals():
    assert int_literals(np.array([[3.0, -2.0], [0.0, 7.0]])) == ["3LL", "-2LL", "0LL", "7LL"]
    assert int_literals(np.array([2**40, -(2**40)])) == [f"{2**40}LL", f"-{2**40}LL"]
    with pytest.raises(ValueError, match="integers"):
        int_literals(np.array([0.5]))
