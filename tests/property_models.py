"""Random small quantized Brevitas MLPs for the flow property suites, and the helpers that
compare them level by level with their exported / streamlined graphs.

A drawn :class:`MLPSpec` fixes everything about a model (shapes, quantizers, BatchNorm
statistics, weights via ``seed``); :func:`build_mlp` turns it into an eval-mode torch
module. Shrinking works on the spec, so a failure reports a small, readable model.

What the generator covers: 1-3 hidden layers of width 4-32; 2D ``(N, C)`` inputs (8-64
features) or ``(N, 1, H, W)`` images flattened in the model; float or uint8 inputs (the
model then sees ``x / 255``), optionally ``2 x - 1`` in front (bnn_pynq FC); an input
QuantIdentity (1-4 bits, signed or unsigned); weights of 1 bit (bipolar,
``CommonWeightQuant``) or 2-4 bits (``CommonWeightQuant`` with a constant scale,
``Int8WeightPerTensorFloat`` / ``Int8WeightPerChannelFloat`` with a ``bit_width``
override; narrow or full range); optional bias; BatchNorm1d (usually) with random
statistics calibrated on a batch, gammas of both signs and some exactly zero;
activations of 1-4 bits, signed (QuantIdentity / QuantHardTanh) or unsigned (QuantReLU);
a scalar ``y * c + d`` after the last layer (``c`` may be negative).

What it leaves out, on purpose: a bias or per-class weight scale on the *last* layer (a
per-class Add / Mul in front of TopK has nowhere to go in an integer datapath), and
unsigned 1-bit activations (brevitas exports every 1-bit quantizer as BipolarQuant, so
the {0, 1} levels are lost; the conversion refuses ``Relu -> BipolarQuant``).

Importable from any test file: ``tests/conftest.py`` puts this directory on ``sys.path``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from brevitas.nn import QuantHardTanh, QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant.scaled_int import (
    Int8WeightPerChannelFloat,
    Int8WeightPerTensorFloat,
    Uint8ActPerTensorFloatMaxInit,
)
from brevitas_examples.bnn_pynq.models.common import CommonActQuant, CommonWeightQuant
from hypothesis import settings
from hypothesis import strategies as st
from qonnx.custom_op.registry import getCustomOp


def examples(fraction: float, minimum: int = 1) -> int:
    """``fraction`` of the active profile's ``max_examples`` (for the heavier suites)."""
    return max(minimum, int(round(settings().max_examples * fraction)))


class UnsignedActQuant(CommonActQuant):
    """bnn_pynq-style constant-scale quantizer, unsigned: levels ``0 .. 2^b - 1``."""

    signed = False
    narrow_range = False
    min_val = 0.0


# ---------------------------------------------------------------------------------------
# the spec
# ---------------------------------------------------------------------------------------

#: hidden activation kinds: QuantIdentity(CommonActQuant) and QuantHardTanh are signed
#: (1-bit: bipolar), QuantReLU unsigned
ACT_KINDS = ("identity", "hardtanh", "relu")
#: weight quantizer kinds; "channel" only on hidden layers (a per-class scale on the
#: last layer would leave a per-channel Mul in front of TopK, which the integer
#: datapath cannot absorb)
WEIGHT_KINDS = ("common", "tensor", "channel")


@dataclass(frozen=True)
class LayerSpec:
    out_features: int
    weight_bits: int
    weight_kind: str  # see WEIGHT_KINDS; 1-bit weights are always "common" (bipolar)
    weight_scale: float  # CommonWeightQuant's constant scale
    bias: bool
    batchnorm: bool
    act: str  # see ACT_KINDS
    act_bits: int
    act_max: float
    narrow: bool  # signed activations: narrow range
    weight_narrow: bool = True  # weights in [-(2^(b-1) - 1), 2^(b-1) - 1] (else from -2^(b-1))


@dataclass(frozen=True)
class MLPSpec:
    in_shape: tuple[int, ...]  # without batch: (C,) or (1, H, W)
    uint8: bool  # inputs are uint8 images (model sees x / 255) rather than floats
    input_affine: bool  # bnn_pynq FC's ``2 x - 1`` in front of the input quantizer
    in_bits: int
    in_signed: bool
    in_max: float
    hidden: tuple[LayerSpec, ...]
    classes: int
    last_weight_bits: int
    last_weight_kind: str
    last_weight_scale: float
    out_scale: float  # y = logits * out_scale + out_bias ("last-layer scaling")
    out_bias: float
    seed: int
    # per hidden layer: fraction of BatchNorm channels with gamma == 0
    zero_gamma: tuple[float, ...] = field(default=())
    last_weight_narrow: bool = True

    @property
    def in_features(self) -> int:
        return int(np.prod(self.in_shape))

    def describe(self) -> str:
        parts = [f"in={self.in_shape}{' u8' if self.uint8 else ''}"
                 f"{' 2x-1' if self.input_affine else ''} q{self.in_bits}"
                 f"{'s' if self.in_signed else 'u'}"]
        for h in self.hidden:
            parts.append(f"W{h.weight_bits}{h.weight_kind[0]}{'' if h.weight_narrow else 'w'}"
                         f"{'+b' if h.bias else ''}"
                         f"{'-bn' if h.batchnorm else ''}-{h.act}{h.act_bits}:{h.out_features}")
        parts.append(f"W{self.last_weight_bits}{self.last_weight_kind[0]}"
                     f"{'' if self.last_weight_narrow else 'w'}:{self.classes}"
                     f"*{self.out_scale:+.3g}+{self.out_bias:.3g}")
        return " ".join(parts)


_scales = st.sampled_from([0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])


@st.composite
def layer_specs(draw, *, max_width: int = 32, unsigned_1bit: bool = False) -> LayerSpec:
    """A hidden layer: QuantLinear [+ BatchNorm1d] + activation quantizer."""
    bits = draw(st.integers(1, 4))
    kind = "common" if bits == 1 else draw(st.sampled_from(WEIGHT_KINDS))
    act = draw(st.sampled_from(ACT_KINDS))
    act_bits = draw(st.integers(1, 4))
    if act == "hardtanh" and act_bits == 1:
        act = "identity"  # 1-bit signed = bipolar, which is CommonActQuant's BINARY type
    if act == "relu" and act_bits == 1 and not unsigned_1bit:
        # brevitas exports every 1-bit quantizer as BipolarQuant, losing the {0, 1} levels
        # of an unsigned one; the conversion rejects that (test_unsigned_1bit_activation_rejected)
        act_bits = 2
    return LayerSpec(
        out_features=draw(st.integers(4, max_width)),
        weight_bits=bits,
        weight_kind=kind,
        weight_scale=draw(_scales),
        bias=draw(st.booleans()),
        batchnorm=draw(st.booleans() | st.just(True)),
        act=act,
        act_bits=act_bits,
        act_max=draw(_scales),
        narrow=draw(st.booleans()),
        weight_narrow=draw(st.booleans()),
    )


@st.composite
def mlp_specs(draw, *, max_hidden: int = 3, max_width: int = 32) -> MLPSpec:
    """Random small quantized MLP specs (1..max_hidden hidden layers)."""
    image = draw(st.booleans())
    if image:
        hw = draw(st.sampled_from([(3, 3), (4, 4), (4, 6), (6, 6), (8, 8)]))
        in_shape = (1, *hw)
    else:
        in_shape = (draw(st.integers(8, 64)),)
    uint8 = draw(st.booleans())
    hidden = tuple(draw(layer_specs(max_width=max_width))
                   for _ in range(draw(st.integers(1, max_hidden))))
    in_bits = draw(st.integers(1, 4))
    # bipolar quantization of x / 255 >= 0 is constant: such a model sees 2 x - 1 (bnn_pynq)
    input_affine = (uint8 and in_bits == 1) or draw(st.booleans())
    # a 1-bit CommonActQuant is bipolar whatever its `signed` says
    in_signed = in_bits == 1 or draw(st.booleans())
    last_bits = draw(st.integers(1, 4))
    return MLPSpec(
        in_shape=in_shape,
        uint8=uint8,
        input_affine=input_affine,
        in_bits=in_bits,
        in_signed=in_signed,
        in_max=draw(_scales),
        hidden=hidden,
        classes=draw(st.integers(2, 10)),
        last_weight_bits=last_bits,
        last_weight_kind="common" if last_bits == 1 else draw(st.sampled_from(WEIGHT_KINDS[:2])),
        last_weight_scale=draw(_scales),
        out_scale=draw(st.sampled_from([1.0, 0.5, 2.0, 0.37, 3.1, -1.0, -0.8])),
        out_bias=draw(st.sampled_from([0.0, 0.25, -1.3])),
        seed=draw(st.integers(0, 2**16)),
        zero_gamma=tuple(draw(st.sampled_from([0.0, 0.0, 0.0, 0.25])) for _ in hidden),
        last_weight_narrow=draw(st.booleans()),
    )


# ---------------------------------------------------------------------------------------
# the torch model
# ---------------------------------------------------------------------------------------

def _weight_quant_kwargs(bits: int, kind: str, scale: float, narrow: bool) -> dict:
    if bits == 1:
        return {"weight_quant": CommonWeightQuant, "weight_bit_width": 1,
                "weight_scaling_const": scale}
    if kind == "common":
        return {"weight_quant": CommonWeightQuant, "weight_bit_width": bits,
                "weight_scaling_const": scale, "weight_narrow_range": narrow}
    quant = Int8WeightPerTensorFloat if kind == "tensor" else Int8WeightPerChannelFloat
    return {"weight_quant": quant, "weight_bit_width": bits, "weight_narrow_range": narrow}


def _act(kind: str, bits: int, max_val: float, narrow: bool, signed: bool = True) -> torch.nn.Module:
    if kind == "relu":
        return QuantReLU(act_quant=Uint8ActPerTensorFloatMaxInit, bit_width=bits, max_val=max_val)
    if kind == "hardtanh":
        return QuantHardTanh(bit_width=bits, min_val=-max_val, max_val=max_val, narrow_range=narrow)
    if not signed:
        return QuantIdentity(act_quant=UnsignedActQuant, bit_width=bits, max_val=max_val)
    # bnn_pynq style: CommonActQuant (constant scale, narrow; 1 bit is bipolar)
    return QuantIdentity(act_quant=CommonActQuant, bit_width=bits, min_val=-max_val,
                         max_val=max_val, narrow_range=narrow or bits == 1)


class ScaleShift(torch.nn.Module):
    """``x * scale + shift`` by scalar constants (the random last-layer scaling)."""

    def __init__(self, scale: float, shift: float):
        super().__init__()
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.register_buffer("shift", torch.tensor([shift], dtype=torch.float32))

    def forward(self, x):
        return x * self.scale + self.shift


class RandomMLP(torch.nn.Module):
    """Flatten -> [2x-1] -> QuantIdentity -> (QuantLinear -> [BN] -> QuantAct)* -> QuantLinear
    -> ScaleShift."""

    def __init__(self, spec: MLPSpec):
        super().__init__()
        self.spec = spec
        self.input_affine = spec.input_affine
        self.features = torch.nn.ModuleList()
        self.features.append(_act("identity", spec.in_bits, spec.in_max, False, spec.in_signed))
        width = spec.in_features
        for h in spec.hidden:
            self.features.append(QuantLinear(width, h.out_features, bias=h.bias,
                                             **_weight_quant_kwargs(h.weight_bits, h.weight_kind,
                                                                    h.weight_scale,
                                                                    h.weight_narrow)))
            if h.batchnorm:
                self.features.append(torch.nn.BatchNorm1d(h.out_features))
            self.features.append(_act(h.act, h.act_bits, h.act_max, h.narrow))
            width = h.out_features
        self.features.append(QuantLinear(width, spec.classes, bias=False,
                                         **_weight_quant_kwargs(spec.last_weight_bits,
                                                                spec.last_weight_kind,
                                                                spec.last_weight_scale,
                                                                spec.last_weight_narrow)))
        self.features.append(ScaleShift(spec.out_scale, spec.out_bias))

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        if self.input_affine:
            x = 2.0 * x - torch.tensor([1.0])
        for mod in self.features:
            x = mod(x)
        return x

    def quant_acts(self) -> list[torch.nn.Module]:
        """The activation quantizers in execution order (one MultiThreshold each)."""
        return [m for m in self.features if isinstance(m, QuantIdentity | QuantReLU | QuantHardTanh)]


def sample_inputs(spec: MLPSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """A batch the model is meant for: uint8-valued images (as float32) or float features."""
    shape = (n, *spec.in_shape)
    if spec.uint8:
        return rng.integers(0, 256, shape).astype(np.float32)
    return (rng.standard_normal(shape) * spec.in_max).astype(np.float32)


def model_input(spec: MLPSpec, x: np.ndarray) -> np.ndarray:
    """What the torch model (and the export without ToTensor) sees for raw inputs ``x``."""
    return (x / np.float32(255.0)).astype(np.float32) if spec.uint8 else x


def build_mlp(spec: MLPSpec) -> RandomMLP:
    """The eval-mode model of ``spec``: random weights, and BatchNorm statistics calibrated on
    a random batch and then perturbed, so activations spread over their levels instead of
    all saturating. Some gammas are negative, some (``zero_gamma``) exactly zero."""
    gen = torch.Generator().manual_seed(spec.seed)
    rng = np.random.default_rng(spec.seed)
    with torch.no_grad():
        model = RandomMLP(spec)
        for mod in model.features:
            if isinstance(mod, QuantLinear):
                mod.weight.uniform_(-1.0, 1.0, generator=gen)
                if mod.bias is not None:
                    mod.bias.uniform_(-1.0, 1.0, generator=gen)
        model.eval()
        calib = torch.from_numpy(model_input(spec, sample_inputs(spec, 256, rng)))
        x = calib.reshape(calib.shape[0], -1)
        if spec.input_affine:
            x = 2.0 * x - 1.0
        hidden = iter(spec.hidden)
        zero_gamma = iter(spec.zero_gamma or (0.0,) * len(spec.hidden))
        layer = None
        for mod in model.features:
            if isinstance(mod, QuantLinear):
                layer = next(hidden, None)
            if isinstance(mod, torch.nn.BatchNorm1d):
                _randomize_bn(mod, x, layer, next(zero_gamma), gen)
            x = mod(x)
    return model


def _randomize_bn(bn, x, layer: LayerSpec, zero_frac: float, gen) -> None:
    c = bn.num_features
    u = lambda lo, hi: torch.empty(c).uniform_(lo, hi, generator=gen)  # noqa: E731
    # a (near-)constant channel gets a floor on its std: dividing by ~0 would amplify
    # float rounding noise into level flips between two correct implementations
    mean = x.mean(0)
    std = torch.maximum(x.std(0), 0.05 * x.abs().mean(0) + 1e-2)
    bn.running_mean.copy_(mean + u(-0.5, 0.5) * std)
    bn.running_var.copy_((std * u(0.5, 2.0)) ** 2)
    # gamma spreads one standard deviation over ~1..3 activation levels' worth of range
    gamma = u(0.3, 1.5) * layer.act_max * torch.where(u(0, 1) < 0.3, -1.0, 1.0)
    gamma = torch.where(u(0, 1) < zero_frac, torch.zeros(c), gamma)
    bn.weight.copy_(gamma)
    bn.bias.copy_(u(-0.5, 0.5) * layer.act_max)


# ---------------------------------------------------------------------------------------
# observing a torch model: quantizer inputs, levels, near-ties
# ---------------------------------------------------------------------------------------

@dataclass
class TorchTrace:
    logits: np.ndarray  # (N, classes)
    counts: list[np.ndarray]  # per activation quantizer: thresholds passed (level - qmin)
    pre: list[np.ndarray]  # per activation quantizer: its float input
    scales: list[float]
    tie_dist: list[np.ndarray]  # per quantizer: distance to the nearest rounding boundary / s


def _qrange(proxy) -> tuple[int, int]:
    bits = int(proxy.bit_width())
    if proxy.is_signed:
        return -(2 ** (bits - 1)) + int(proxy.is_narrow_range), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def trace_torch(model: RandomMLP, x: np.ndarray) -> TorchTrace:
    """Run ``model`` on ``x``; record every activation quantizer's input, level count and the
    distance of its input to the nearest rounding boundary (in units of its scale)."""
    acts = model.quant_acts()
    captured: list[tuple[np.ndarray, np.ndarray]] = []
    hooks = [m.register_forward_hook(
        lambda mod, inp, out: captured.append((inp[0].detach().numpy().copy(),
                                               out.detach().numpy().copy())))
        for m in acts]
    try:
        with torch.no_grad():
            logits = model(torch.from_numpy(x)).numpy()
    finally:
        for h in hooks:
            h.remove()
    counts, pre, scales, dists = [], [], [], []
    for mod, (inp, out) in zip(acts, captured, strict=True):
        proxy = mod.act_quant
        s = float(proxy.scale().detach().reshape(-1)[0])
        v = inp.reshape(inp.shape[0], -1) / s
        o = out.reshape(out.shape[0], -1) / s
        if int(proxy.bit_width()) == 1 and proxy.is_signed:  # bipolar: sign, step at 0
            counts.append((o > 0).astype(np.int64))
            dists.append(np.abs(v))
        else:
            qmin, qmax = _qrange(proxy)
            counts.append(np.rint(o).astype(np.int64) - qmin)
            dists.append(np.abs(v[..., None] - (np.arange(qmin, qmax) + 0.5)).min(-1))
        pre.append(inp.reshape(inp.shape[0], -1))
        scales.append(s)
    return TorchTrace(logits, counts, pre, scales, dists)


def tie_excused(tie_dist: list[np.ndarray], new: list[np.ndarray], old: list[np.ndarray],
                margin: float) -> tuple[np.ndarray, str | None]:
    """Compare two implementations' level counts (per quantizer, graph order), allowing the
    documented float near-tie disagreement.

    A sample may differ only if, at the *first* quantizer where its levels differ, every
    differing element lies within ``margin`` (units of scale) of a rounding boundary: two
    correct float computations (``round(x / s)`` half-to-even vs ``x >= (j - 1/2) s``,
    BatchNorm fused or not, other summation order) can round such a value either way, and
    everything downstream of it may then differ. Such samples are *excused*.

    Returns ``(compared, problem)``: the mask of samples not excused (their levels are all
    equal), and a description of the first unexcused difference, or None.
    """
    n = new[0].shape[0] if new else 0
    excused = np.zeros(n, dtype=bool)
    for k, (a, b, d) in enumerate(zip(new, old, tie_dist, strict=True)):
        diff = (a != b) & ~excused[:, None]
        rows = np.flatnonzero(diff.any(-1))
        for r in rows:
            cols = np.flatnonzero(diff[r])
            if np.all(d[r, cols] < margin):
                excused[r] = True
            else:
                c = cols[np.argmax(d[r, cols])]
                return ~excused, (f"quantizer #{k}, sample {r}, channel {c}: level count "
                                  f"{a[r, c]} vs {b[r, c]}, {d[r, c]:.3g} steps from a tie")
    return ~excused, None


# ---------------------------------------------------------------------------------------
# observing an ONNX graph
# ---------------------------------------------------------------------------------------

def multithreshold_nodes(model) -> list:
    return [n for n in model.graph.node if n.op_type == "MultiThreshold"]


def multithreshold_counts(model, context: dict) -> list[np.ndarray]:
    """Per MultiThreshold (graph order): the number of thresholds passed, as int64.

    ``out = count * out_scale + out_bias``; the count is what every rewrite must preserve
    (a bipolar node that became BINARY keeps its count)."""
    result = []
    for node in multithreshold_nodes(model):
        inst = getCustomOp(node)
        scale = float(inst.get_nodeattr("out_scale") or 1.0)
        bias = float(inst.get_nodeattr("out_bias"))
        out = context[node.output[0]]
        count = np.rint((out.astype(np.float64) - bias) / scale).astype(np.int64)
        result.append(count.reshape(count.shape[0], -1))
    return result


def multithreshold_inputs(model, context: dict) -> list[np.ndarray]:
    return [context[n.input[0]].reshape(context[n.input[0]].shape[0], -1)
            for n in multithreshold_nodes(model)]


def multithreshold_tie_distances(model, context: dict, scales: list[float]) -> list[np.ndarray]:
    """Per MultiThreshold: distance of each input to the nearest threshold of its channel, in
    units of ``scales[k]`` (the quantizer's scale; a float graph's thresholds are its
    rounding boundaries)."""
    result = []
    for node, s in zip(multithreshold_nodes(model), scales, strict=True):
        v = context[node.input[0]]
        v = v.reshape(v.shape[0], -1).astype(np.float64)
        thr = np.asarray(model.get_initializer(node.input[1]), dtype=np.float64)
        thr = np.broadcast_to(thr, (v.shape[1], thr.shape[-1]))
        result.append(np.abs(v[..., None] - thr[None]).min(-1) / s)
    return result


def top1_margin(logits: np.ndarray) -> np.ndarray:
    """Gap between the largest and second largest logit of each row."""
    part = np.sort(logits, axis=-1)
    return part[:, -1] - part[:, -2]
