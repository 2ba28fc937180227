"""StreamingDataWidthConverter_Batch: re-cut a stream into words of another width.

When a producer writes ``inWidth``-bit words and its consumer reads
``outWidth``-bit words (e.g. an MVAU with PE=16 feeding one with SIMD=8), a
width converter sits between them. It changes neither the values nor their
order, only how many elements travel per word, so its numpy semantics is the
identity; the bit-level behaviour is :func:`golden.streams.repack_words`.

It has no PE/SIMD: its widths are fixed by its neighbours (``InsertDWC`` sets
them), so its folding space holds only the current configuration.
"""

from __future__ import annotations

from finn.custom_op.fpgadataflow.base import divisors
from finn.custom_op.fpgadataflow.passthrough import StreamPassThrough
from finn.util.exceptions import FoldingError

LUT_BASE = 20  # handshake and word counters


def legal_stream_widths(channels: int, elem_bits: int) -> list[int]:
    """Stream widths (bits) that cut a vector of ``channels`` elements into whole words."""
    return [d * elem_bits for d in divisors(channels)]


class StreamingDataWidthConverter_Batch(StreamPassThrough):
    """Width conversion of a channels-last stream; the tensor passes unchanged.

    Input and output: ``(N, ..., C)`` with ``C = shape[-1]``. The input arrives as
    ``C / (inWidth/ebits)`` words per vector, the output leaves as
    ``C / (outWidth/ebits)`` words, ``ebits`` being the bitwidth of ``dataType``.
    """

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                # stream word widths in bits
                "inWidth": ("i", True, 0),
                "outWidth": ("i", True, 0),
            }
        )
        return attrs

    # --- datatypes and shapes -----------------------------------------------------

    def _elems(self, width_attr: str) -> int:
        """Elements per word of the ``inWidth``/``outWidth`` stream (0 if not whole)."""
        width, ebits = self.get_nodeattr(width_attr), self.get_input_datatype().bitwidth()
        return width // ebits if width > 0 and width % ebits == 0 else 0

    def _folded(self, width_attr: str) -> tuple[int, ...]:
        shape, n = self._shape(), self._elems(width_attr)
        if len(shape) < 2 or n == 0 or shape[-1] % n:
            self.verify_folding()  # raises with the constraint that failed
        return tuple(shape[:-1] + [shape[-1] // n, n])

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self._folded("inWidth")

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self._folded("outWidth")

    def get_instream_width(self, ind: int = 0) -> int:
        return self.get_nodeattr("inWidth")

    def get_outstream_width(self, ind: int = 0) -> int:
        return self.get_nodeattr("outWidth")

    # --- folding and models -------------------------------------------------------

    def verify_folding(self) -> None:
        self._verify_shape()
        c, ebits = self._channels(), self.get_input_datatype().bitwidth()
        legal = legal_stream_widths(c, ebits)
        for attr in ("inWidth", "outWidth"):
            width = self.get_nodeattr(attr)
            if width not in legal:
                raise self._fail(
                    FoldingError,
                    f"{attr}={width} must be a multiple of the element width {ebits} "
                    f"({self.get_nodeattr('dataType')}) whose element count divides C={c}",
                    f"set {attr} to one of {legal}",
                )

    def cycles(self) -> int:
        """``max(input words, output words)`` per vector, times the vectors per frame."""
        words = max(self.get_folded_input_shape()[-2], self.get_folded_output_shape()[-2])
        return words * self.frame_vectors()

    def resources(self) -> dict[str, int]:
        """LUT = 20 + inWidth + outWidth.

        A register of one input word and one of one output word (the shift
        buffer the words are re-cut in), plus handshake and counters; no
        memories, no DSPs.
        """
        lut = LUT_BASE + self.get_nodeattr("inWidth") + self.get_nodeattr("outWidth")
        return {"LUT": lut, "BRAM18": 0, "URAM": 0, "DSP": 0}
