"""Memory images of the RTL units: text for ``$readmemh``, one hex word per line.

Word layouts (element 0 in the least significant bits, as on the streams):

* weights of an MVAU: line ``a`` (address ``nf * SF + sf``) holds PE x SIMD weights;
  bits ``[(p*SIMD + s)*WBITS +: WBITS]`` are lane ``s`` of PE ``p``, i.e. entry
  ``[p, a, s]`` of :func:`finn.custom_op.fpgadataflow.base.get_weight_tensor_folded`.
* thresholds: line ``nf`` holds PE x T thresholds, bits ``[(p*T + t)*TBITS +: TBITS]``
  are threshold ``t`` of channel ``nf*PE + p``, two's complement.
"""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import BaseDataType

from finn.codegen.cpp_values import element_kind, signed_bits
from golden.streams import pack_words


def _hex_lines(words: list[int], width: int) -> list[str]:
    digits = max(1, (width + 3) // 4)
    return [f"{w:0{digits}x}" for w in words]


def weight_mem_lines(w_folded: np.ndarray, dt: BaseDataType) -> list[str]:
    """``$readmemh`` lines of a (PE, WMEM, SIMD) weight memory of datatype ``dt``."""
    pe, wmem, simd = w_folded.shape
    rows = np.asarray(w_folded).transpose(1, 0, 2).reshape(wmem, pe * simd)
    return _hex_lines(pack_words(rows, dt.bitwidth(), element_kind(dt)), pe * simd * dt.bitwidth())


def threshold_bits(thr_folded: np.ndarray) -> int:
    """Width of the signed threshold elements (at least 2 bits)."""
    return signed_bits(int(np.min(thr_folded)), int(np.max(thr_folded)))


def threshold_mem_lines(thr_folded: np.ndarray, tbits: int) -> list[str]:
    """``$readmemh`` lines of a (PE, TMEM, T) threshold memory with ``tbits``-bit elements."""
    pe, tmem, t = thr_folded.shape
    rows = np.asarray(thr_folded).transpose(1, 0, 2).reshape(tmem, pe * t)
    return _hex_lines(pack_words(rows, tbits, "signed"), pe * t * tbits)


def mem_file_text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
