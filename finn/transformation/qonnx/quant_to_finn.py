"""Quant / BipolarQuant nodes to FINN form.

* Weight quantizers (all inputs constant) feeding a MatMul become an integer
  initializer annotated with its DataType; a non-unit scale moves behind the
  MatMul as a per-output-channel Mul (it must not vary along the reduction axis).
* Activation quantizers become a MultiThreshold that outputs the integer level
  (count + qmin), followed by a Mul by the scale when it is not 1.

Level ``j`` of ``ROUND`` quantization is reached when ``x / s >= j - 1/2``, so the
thresholds are ``(j - 1/2) * s``. The one disagreement with ``round`` (half to
even) is an input exactly on a half level; DESIGN.md records this.
"""

from __future__ import annotations

import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from finn.transformation.graph_utils import add_tensor, insert_after
from finn.util.exceptions import UnsupportedGraphError
from golden.quant import bipolar_quant, datatype_range, quant_int

QUANT_OPS = ("Quant", "BipolarQuant")


def _quant_params(model, node):
    """(scale, bitwidth, signed, narrow, rounding) of a Quant node (zero point must be 0)."""
    scale = model.get_initializer(node.input[1])
    if scale is None:
        raise UnsupportedGraphError(
            "quantizer scale is not a constant", node=node.name,
            hint="export with a fixed (non-runtime) scale; training-time scale must be frozen",
        )
    if node.op_type == "BipolarQuant":
        return scale, 1, True, False, "ROUND"
    zeropt = model.get_initializer(node.input[2])
    bitwidth = model.get_initializer(node.input[3])
    if zeropt is None or bitwidth is None:
        raise UnsupportedGraphError("zero point / bit width is not constant", node=node.name)
    if np.any(zeropt != 0):
        raise UnsupportedGraphError(
            "non-zero zero point is not supported", node=node.name,
            hint="use a symmetric quantizer (zero_point_impl=ZeroZeroPoint)",
        )
    attr = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    rounding = attr.get("rounding_mode", b"ROUND")
    rounding = rounding.decode() if isinstance(rounding, bytes) else rounding
    bits = float(np.asarray(bitwidth).reshape(-1)[0])
    if bits != int(bits):
        raise UnsupportedGraphError(f"bit width {bits} is not an integer", node=node.name)
    signed = bool(attr.get("signed", 1))
    if bits == 1 and signed:
        # the integer range of INT1 is [-1, 0], but qonnx executes a 1-bit signed Quant as
        # bipolar {-1, +1}: the graph means two different functions, so refuse it
        raise UnsupportedGraphError(
            "1-bit signed Quant is ambiguous (INT1 range [-1, 0] vs qonnx's bipolar execution)",
            node=node.name, hint="use BipolarQuant for {-1, +1} or an unsigned 1-bit Quant",
        )
    return scale, int(bits), signed, bool(attr.get("narrow", 0)), rounding


def _quant_datatype(bits: int, signed: bool, bipolar: bool):
    if bipolar:
        return DataType["BIPOLAR"]
    if bits == 1 and not signed:
        return DataType["BINARY"]
    return DataType[f"{'INT' if signed else 'UINT'}{bits}"]


class FoldQuantWeights(Transformation):
    """Constant quantizers: integer weights for MatMul (+ scale Mul after it), else fold."""

    def apply(self, model):
        for node in list(model.graph.node):
            if node.op_type not in QUANT_OPS:
                continue
            values = [model.get_initializer(t) for t in node.input]
            if any(v is None for v in values):
                continue
            scale, bits, signed, narrow, rounding = _quant_params(model, node)
            bipolar = node.op_type == "BipolarQuant"
            w = values[0]
            if bipolar:
                levels = bipolar_quant(w, 1.0)
            else:
                levels = quant_int(w, scale, 0.0, bits, signed, narrow, rounding)
            out = node.output[0]
            consumers = model.find_consumers(out)
            matmuls = [c for c in consumers if c.op_type == "MatMul" and c.input[1] == out]
            model.graph.node.remove(node)
            if len(consumers) == 1 and len(matmuls) == 1 and levels.ndim == 2:
                self._to_integer_weights(model, node, matmuls[0], levels, scale, bits, signed, bipolar)
            else:
                model.set_initializer(out, (levels * scale).astype(np.float32))
        model = model.transform(InferShapes())
        return model, False

    @staticmethod
    def _to_integer_weights(model, qnode, matmul, levels, scale, bits, signed, bipolar):
        scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), levels.shape)
        if not np.all(scale == scale[0:1, :]):
            raise UnsupportedGraphError(
                "weight scale varies along the reduction (input) axis", node=qnode.name,
                hint="use per-tensor or per-output-channel weight scaling",
            )
        model.set_initializer(qnode.output[0], levels.astype(np.float32))
        model.set_tensor_datatype(qnode.output[0], _quant_datatype(bits, signed, bipolar))
        col_scale = scale[0:1, :]
        if np.all(col_scale == 1.0):
            return
        mm_out = matmul.output[0]
        raw = add_tensor(model)
        matmul.output[0] = raw
        k = add_tensor(model, value=col_scale if not np.all(col_scale == col_scale.flat[0])
                       else col_scale.reshape(-1)[:1])
        insert_after(model, matmul, helper.make_node("Mul", [raw, k], [mm_out]))


def _graph_outputs(model) -> set[str]:
    return {o.name for o in model.graph.output}


class ConvertQuantActToMultiThreshold(Transformation):
    """Dynamic quantizers -> MultiThreshold (integer levels) [-> Mul(scale)].

    A Relu feeding the quantizer is dropped when every threshold is positive (an unsigned
    quantizer: ``MT(relu(x), T) == MT(x, T)`` for ``T > 0``), as brevitas' QuantReLU
    exports ``Relu -> Quant``.
    """

    def apply(self, model):
        for node in list(model.graph.node):
            if node.op_type not in QUANT_OPS or model.get_initializer(node.input[0]) is not None:
                continue
            scale, bits, signed, narrow, rounding = _quant_params(model, node)
            bipolar = node.op_type == "BipolarQuant"
            x = node.input[0]
            shape = model.get_tensor_shape(x)
            if shape is None or len(shape) < 2:
                raise UnsupportedGraphError(
                    f"activation quantizer input has shape {shape}; need (N, C, ...)", node=node.name
                )
            channels = shape[1]
            s = np.asarray(scale, dtype=np.float64)
            if np.any(s <= 0):
                raise UnsupportedGraphError("non-positive quantizer scale", node=node.name)
            producer = model.find_producer(x)
            if bipolar and producer is not None and producer.op_type == "Relu":
                # sign(relu(x)) is constant +1: this is how brevitas exports an *unsigned*
                # 1-bit quantizer (any 1-bit quantizer becomes BipolarQuant), whose {0, 1}
                # levels the export has lost, so the graph no longer matches the model
                raise UnsupportedGraphError(
                    "BipolarQuant of a Relu output is constant +1 (an unsigned 1-bit "
                    "quantizer exported as bipolar)", node=node.name,
                    hint="use bit_width >= 2 for unsigned (ReLU) activations, or a signed "
                         "1-bit (bipolar) quantizer without the ReLU",
                )
            s_chan = self._channel_scale(s, shape, node.name)
            if bipolar:
                thresholds = np.zeros((channels, 1))
                out_scale, out_bias, dt = 2.0, -1.0, DataType["BIPOLAR"]
            else:
                qmin, qmax = datatype_range(bits, signed, narrow)
                levels = np.arange(qmin + 1, qmax + 1, dtype=np.float64)
                if rounding == "ROUND":
                    steps = levels - 0.5
                elif rounding == "FLOOR":
                    steps = levels
                else:
                    raise UnsupportedGraphError(
                        f"rounding mode {rounding} has no threshold form", node=node.name,
                        hint="use ROUND or FLOOR rounding for activations",
                    )
                thresholds = s_chan[:, None] * steps[None, :]
                out_scale, out_bias, dt = 1.0, float(qmin), _quant_datatype(bits, signed, False)
            if (producer is not None and producer.op_type == "Relu" and np.all(thresholds > 0)
                    and len(model.find_consumers(x)) == 1 and x not in _graph_outputs(model)):
                # relu(x) >= t  <=>  x >= t  for every t > 0: the Relu is redundant
                x = producer.input[0]
                model.graph.node.remove(producer)
            out = node.output[0]
            needs_mul = not np.all(s == 1.0)
            mt_out = add_tensor(model) if needs_mul else out
            thr = add_tensor(model, value=thresholds.astype(np.float32))
            mt = helper.make_node(
                "MultiThreshold", [x, thr], [mt_out], domain="qonnx.custom_op.general",
                out_dtype=dt.name, out_scale=out_scale, out_bias=out_bias,
            )
            index = list(model.graph.node).index(node)
            model.graph.node.remove(node)
            model.graph.node.insert(index, mt)
            model.set_tensor_datatype(mt_out, dt)
            if needs_mul:
                k = add_tensor(model, value=self._broadcastable(s_chan, len(shape)))
                model.graph.node.insert(index + 1, helper.make_node("Mul", [mt_out, k], [out]))
        model = model.transform(InferShapes())
        model = model.transform(InferDataTypes())
        return model, False

    @staticmethod
    def _channel_scale(s, shape, name):
        """The scale as one value per channel (axis 1); it may not vary along other axes."""
        if s.size == 1:
            return np.full(shape[1], float(s.reshape(-1)[0]))
        padded = s.reshape((1,) * (len(shape) - s.ndim) + s.shape)
        ok = padded.ndim == len(shape) and padded.shape[1] == shape[1]
        ok = ok and all(d == 1 for i, d in enumerate(padded.shape) if i != 1)
        if not ok:
            raise UnsupportedGraphError(
                f"activation scale of shape {s.shape} is not per-tensor or per-channel", node=name
            )
        return padded.reshape(-1)

    @staticmethod
    def _broadcastable(s_chan, rank):
        if np.all(s_chan == s_chan[0]):
            return np.asarray([s_chan[0]])
        return s_chan.reshape([1, -1] + [1] * (rank - 2))
