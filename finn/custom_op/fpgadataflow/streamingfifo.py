"""StreamingFIFO: a first-in first-out buffer of ``depth`` stream words.

FIFOs decouple neighbouring blocks whose production and consumption rates
differ within a frame (an MVAU emits a burst of outputs after reading a whole
vector, say), so that neither stalls the other. A FIFO changes neither the
values nor the word width, so its numpy semantics is the identity.

It has no PE/SIMD: ``InsertFIFO`` takes the word width from its neighbours and
the depth from their ``inFIFODepth``/``outFIFODepth``, so its folding space
holds only the current configuration.
"""

from __future__ import annotations

import numpy as np

from finn.custom_op.fpgadataflow.base import divisors, memory_resources
from finn.custom_op.fpgadataflow.passthrough import StreamPassThrough
from finn.util.exceptions import FoldingError

LUT_CONTROL = 30  # read/write pointers, full/empty flags, handshake
MIN_DEPTH = 2


class StreamingFIFO(StreamPassThrough):
    """A FIFO on a channels-last stream; the tensor passes unchanged.

    Input and output: ``(N, ..., C)`` with ``C = shape[-1]``, streamed as
    ``C / elemsPerWord`` words of ``elemsPerWord`` elements of ``dataType``.
    """

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                "depth": ("i", True, 0),
                "elemsPerWord": ("i", True, 0),
                "ram_style": ("s", False, "auto", {"auto", "block", "distributed", "ultra"}),
            }
        )
        return attrs

    # --- datatypes and shapes -----------------------------------------------------

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        shape, n = self._shape(), self.get_nodeattr("elemsPerWord")
        if len(shape) < 2 or n < 1 or shape[-1] % n:
            self.verify_folding()  # raises with the constraint that failed
        return tuple(shape[:-1] + [shape[-1] // n, n])

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self.get_folded_input_shape()

    def stream_width(self) -> int:
        """Bits per word: ``elemsPerWord * bitwidth(dataType)`` (input and output)."""
        return self.get_instream_width()

    # --- folding and models -------------------------------------------------------

    def verify_folding(self) -> None:
        self._verify_shape()
        c, n = self._channels(), self.get_nodeattr("elemsPerWord")
        if n < 1 or c % n:
            raise self._fail(
                FoldingError,
                f"elemsPerWord={n} must be >= 1 and divide C={c}",
                f"set elemsPerWord to one of {divisors(c)} (the producer's PE)",
            )
        depth = self.get_nodeattr("depth")
        if depth < MIN_DEPTH:
            raise self._fail(
                FoldingError,
                f"depth={depth} must be >= {MIN_DEPTH}",
                f"set depth to {MIN_DEPTH} or more (the neighbours' in/outFIFODepth)",
            )

    def cycles(self) -> int:
        """Words per frame: one word per clock in and out."""
        return int(np.prod(self.get_folded_output_shape()[:-1]))

    def resources(self) -> dict[str, int]:
        """A ``depth`` x width memory plus 30 LUTs of control.

        The memory is priced by :func:`memory_resources` for ``ram_style``
        (``auto``: LUTRAM up to depth 128, else block RAM).
        """
        mem = memory_resources(
            self.get_nodeattr("depth"), self.stream_width(), self.get_nodeattr("ram_style")
        )
        return {
            "LUT": LUT_CONTROL + mem["LUT"],
            "BRAM18": mem["BRAM18"],
            "URAM": mem["URAM"],
            "DSP": 0,
        }
