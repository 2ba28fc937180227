"""C++ spellings of element types, packed words and constant arrays."""

from __future__ import annotations

import re

import numpy as np
from qonnx.core.datatype import BaseDataType, DataType

from golden.streams import pack_words


def element_kind(dt: BaseDataType) -> str:
    """``bipolar``, ``signed`` or ``unsigned``: how ``dt``'s values map to bits."""
    if dt == DataType["BIPOLAR"]:
        return "bipolar"
    if not dt.is_integer():
        raise ValueError(f"{dt.name} is not an integer datatype; HW streams carry integers")
    return "signed" if dt.signed() else "unsigned"


def element_codec(dt: BaseDataType) -> str:
    """The ``finn_types.h`` codec of ``dt``: ``finn::Bipolar``, ``finn::Int<B>`` or ``finn::UInt<B>``."""
    kind = element_kind(dt)
    if kind == "bipolar":
        return "finn::Bipolar"
    return f"finn::{'Int' if kind == 'signed' else 'UInt'}<{dt.bitwidth()}>"


def signed_bits(lo: int, hi: int) -> int:
    """Bits of the narrowest two's complement type holding ``[lo, hi]`` (at least 2)."""
    bits = 2
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits


def c_identifier(name: str) -> str:
    """A C identifier from a node name (non-word characters become ``_``)."""
    ident = re.sub(r"\W", "_", name)
    return ident if ident and not ident[0].isdigit() else f"n_{ident}"


def hex_words(values: np.ndarray, dt: BaseDataType) -> list[str]:
    """Pack the last axis of ``values`` into words of ``dt`` elements, as ``0x`` hex."""
    words = pack_words(values, dt.bitwidth(), element_kind(dt))
    return [hex(w) for w in words]


def word_literals(values: np.ndarray, dt: BaseDataType) -> list[str]:
    """C++ initializers of ``ap_uint<n * bits>`` words packed from the last axis of ``values``.

    Words of up to 64 bits are integer literals (``0x..ULL``); wider words use the
    hex-string constructor. Both are constant expressions in ``finn_ap_int.h``.
    """
    width = values.shape[-1] * dt.bitwidth()
    words = hex_words(values, dt)
    if width <= 64:
        return [f"{w}ULL" for w in words]
    return [f'ap_uint<{width}>("{w}", 16)' for w in words]


def nested_initializer(items: list[str], shape: tuple[int, ...]) -> str:
    """Brace-nested initializer of a C array of ``shape`` from row-major ``items``."""
    if len(shape) == 1:
        lines, line = [], []
        for it in items:
            line.append(it)
            if sum(len(x) + 2 for x in line) > 100:
                lines.append(", ".join(line))
                line = []
        if line:
            lines.append(", ".join(line))
        return "{" + ",\n ".join(lines) + "}"
    step = len(items) // shape[0]
    parts = [nested_initializer(items[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
    return "{" + ",\n".join(parts) + "}"


def int_literals(values: np.ndarray) -> list[str]:
    """Integer literals of an integer-valued array, row-major (``LL`` suffix)."""
    v = np.asarray(values)
    if not np.array_equal(v, np.round(v)):
        raise ValueError("constant memories must hold integers")
    return [f"{int(x)}LL" for x in v.reshape(-1).tolist()]
