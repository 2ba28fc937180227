"""golden.quant vs qonnx's Quant / BipolarQuant ops and brevitas quantizers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto
from onnx_helpers import FAST, f32, make_model, qnode, run_qonnx
from qonnx.core.datatype import DataType
from qonnx.custom_op.general.intquant import max_int, min_int

from golden.quant import bipolar_quant, datatype_range, quant, quant_int

# golden name -> the name qonnx 1.0 understands.  qonnx has no "ROUND_TO_ZERO"
# (brevitas' name); its truncating mode is called "DOWN".
QONNX_MODE = {"ROUND": "ROUND", "CEIL": "CEIL", "FLOOR": "FLOOR", "ROUND_TO_ZERO": "DOWN"}


def qonnx_quant(x, scale, zeropt, bitwidth, signed, narrow, mode):
    node = qnode(
        "Quant",
        ["x", "s", "z", "b"],
        ["y"],
        signed=int(signed),
        narrow=int(narrow),
        rounding_mode=mode,
    )
    inits = {"s": f32(scale), "z": f32(zeropt), "b": f32(bitwidth)}
    model = make_model([node], {"x": x}, {"y": (x.shape, TensorProto.FLOAT)}, inits)
    return run_qonnx(model, {"x": x})["y"]


def qonnx_bipolar_quant(x, scale):
    node = qnode("BipolarQuant", ["x", "s"], ["y"])
    model = make_model([node], {"x": x}, {"y": (x.shape, TensorProto.FLOAT)}, {"s": f32(scale)})
    return run_qonnx(model, {"x": x})["y"]


@st.composite
def quant_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c, k = draw(st.integers(1, 4)), draw(st.integers(1, 16))
    bitwidth = draw(st.integers(2, 8))
    signed, narrow = draw(st.booleans()), draw(st.booleans())
    per_channel = draw(st.booleans())
    scale = f32(rng.uniform(0.01, 2.0, size=(c, 1) if per_channel else ()))
    lo, hi = datatype_range(bitwidth, signed, narrow)
    zeropt = f32(draw(st.sampled_from([0, 1, -2])))
    # half of the entries sit on exact .5 ties of x/scale (power-of-two scale
    # makes them exact); the rest are arbitrary, reaching beyond the clip range
    scale = f32(2.0 ** rng.integers(-4, 2)) if draw(st.booleans()) else scale
    ties = (rng.integers(2 * (lo - 3), 2 * (hi + 3), size=(c, k)) + 0.5) * scale - zeropt * scale
    wide = rng.uniform(lo - 3, hi + 3, size=(c, k)) * scale
    x = f32(np.where(rng.random((c, k)) < 0.5, ties, wide))
    mode = draw(st.sampled_from(sorted(QONNX_MODE)))
    return x, scale, zeropt, bitwidth, signed, narrow, mode


@FAST
@given(quant_case())
def test_vs_qonnx_quant(case):
    x, scale, zeropt, bitwidth, signed, narrow, mode = case
    ref = qonnx_quant(x, scale, zeropt, bitwidth, signed, narrow, QONNX_MODE[mode])
    got = quant(x, scale, zeropt, bitwidth, signed, narrow, mode)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ref)
    q = quant_int(x, scale, zeropt, bitwidth, signed, narrow, mode)
    lo, hi = datatype_range(bitwidth, signed, narrow)
    assert q.min() >= lo and q.max() <= hi


def test_round_is_half_to_even():
    x = f32([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    expected = [-2, -2, 0, 0, 2, 2]
    np.testing.assert_array_equal(quant_int(x, 1.0, 0.0, 8, True, False), expected)
    np.testing.assert_array_equal(qonnx_quant(x, 1.0, 0.0, 8, True, False, "ROUND"), expected)


def test_qonnx_rejects_round_to_zero_name():
    """Surprise pinned: qonnx 1.0 does not know brevitas' "ROUND_TO_ZERO" (it is "DOWN")."""
    x = f32([[1.7, -1.7]])
    np.testing.assert_array_equal(quant(x, 1.0, 0.0, 4, True, False, "ROUND_TO_ZERO"), [[1, -1]])
    with pytest.raises(ValueError):
        qonnx_quant(x, 1.0, 0.0, 4, True, False, "ROUND_TO_ZERO")


def test_qonnx_one_bit_signed_is_bipolar():
    """Surprise pinned: qonnx turns a 1-bit *signed* Quant into bipolar {-1, +1}.

    The Quant formula (and golden) gives the 1-bit signed range [-1, 0]; qonnx
    special-cases it to BipolarQuant semantics.  Golden keeps the formula and
    leaves {-1, +1} to ``bipolar_quant``.
    """
    x = f32([[-0.7, -0.2, 0.0, 0.4, 3.0]])
    ref = qonnx_quant(x, 1.0, 0.0, 1, True, False, "ROUND")
    np.testing.assert_array_equal(ref, bipolar_quant(x, 1.0))
    np.testing.assert_array_equal(quant(x, 1.0, 0.0, 1, True, False), [[-1, 0, 0, 0, 0]])
    # unsigned 1-bit agrees with qonnx
    np.testing.assert_array_equal(
        quant(x, 1.0, 0.0, 1, False, False), qonnx_quant(x, 1.0, 0.0, 1, False, False, "ROUND")
    )


@pytest.mark.parametrize("bitwidth", [1, 2, 3, 4, 8, 16])
@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("narrow", [True, False])
def test_datatype_range_vs_qonnx(bitwidth, signed, narrow):
    expected = (min_int(signed, narrow, bitwidth), max_int(signed, narrow, bitwidth))
    assert datatype_range(bitwidth, signed, narrow) == expected
    if not narrow and bitwidth > 1:
        dt = DataType[("INT" if signed else "UINT") + str(bitwidth)]
        assert datatype_range(bitwidth, signed, narrow) == (dt.min(), dt.max())


@FAST
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_bipolar_vs_qonnx(seed, per_channel):
    rng = np.random.default_rng(seed)
    x = f32(rng.normal(size=(3, 6)))
    x[0, :3] = [0.0, -0.0, -1e-30]  # zero of both signs maps to +1; tiny negative to -1
    scale = f32(rng.uniform(0.1, 2.0, size=(3, 1) if per_channel else ()))
    np.testing.assert_array_equal(bipolar_quant(x, scale), qonnx_bipolar_quant(x, scale))


def test_invalid_arguments():
    with pytest.raises(ValueError):
        quant(f32([1.0]), 0.0, 0.0, 4, True, False)
    with pytest.raises(ValueError):
        quant(f32([1.0]), 1.0, 0.0, 4, True, False, "STOCHASTIC")
    with pytest.raises(ValueError):
        datatype_range(0, True, False)
    with pytest.raises(ValueError):
        quant(f32([1.0]), 1.0, 0.0, 2.5, True, False)


# ---------------------------------------------------------------- brevitas


@pytest.fixture(autouse=True)
def _quiet_brevitas():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@FAST
@given(
    st.integers(0, 2**31 - 1),
    st.integers(2, 8),
    st.booleans(),
    st.sampled_from(["ROUND", "ROUND_TO_ZERO", "CEIL", "FLOOR"]),
)
def test_vs_brevitas_weight(seed, bitwidth, per_channel, mode):
    import brevitas.nn as qnn
    from brevitas.quant import Int8WeightPerChannelFloat, Int8WeightPerTensorFloat

    torch.manual_seed(seed)
    layer = qnn.QuantLinear(
        12,
        5,
        bias=False,
        weight_quant=Int8WeightPerChannelFloat if per_channel else Int8WeightPerTensorFloat,
        weight_bit_width=bitwidth,
        weight_float_to_int_impl_type=mode,
    )
    with torch.no_grad():
        qw = layer.quant_weight()
        w = layer.weight.numpy()
        scale = qw.scale.numpy()
        zp = qw.zero_point.numpy()
        narrow = bool(layer.weight_quant.is_narrow_range)
        expect_value, expect_int = qw.value.numpy(), qw.int().numpy()
    assert int(qw.bit_width) == bitwidth
    got = quant(w, scale, zp, bitwidth, True, narrow, mode)
    np.testing.assert_array_equal(quant_int(w, scale, zp, bitwidth, True, narrow, mode), expect_int)
    np.testing.assert_array_equal(got, expect_value)


@FAST
@given(st.integers(0, 2**31 - 1), st.integers(2, 8), st.booleans())
def test_vs_brevitas_activation(seed, bitwidth, signed):
    import brevitas.nn as qnn
    from brevitas.quant import Int8ActPerTensorFloat, Uint8ActPerTensorFloat

    torch.manual_seed(seed)
    layer = qnn.QuantIdentity(
        act_quant=Int8ActPerTensorFloat if signed else Uint8ActPerTensorFloat,
        bit_width=bitwidth,
        return_quant_tensor=True,
    )
    x = torch.randn(4, 9) * 3
    with torch.no_grad():
        out = layer(x)
    narrow = bool(layer.act_quant.is_narrow_range)
    scale, zp = out.scale.numpy(), out.zero_point.numpy()
    got = quant(x.numpy(), scale, zp, bitwidth, signed, narrow)
    np.testing.assert_array_equal(
        quant_int(x.numpy(), scale, zp, bitwidth, signed, narrow), out.int().numpy()
    )
    np.testing.assert_array_equal(got, out.value.numpy())


def test_vs_brevitas_bipolar():
    import brevitas.nn as qnn
    from brevitas.quant import SignedBinaryActPerTensorConst

    layer = qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst, return_quant_tensor=True)
    x = torch.tensor([[-1.0, -0.0, 0.0, 0.3, -1e-9, 5.0]])
    with torch.no_grad():
        out = layer(x)
    got = bipolar_quant(x.numpy(), out.scale.numpy())
    np.testing.assert_array_equal(got, out.value.numpy())
    np.testing.assert_array_equal(got, [[-1, 1, 1, 1, -1, 1]])
