"""IODMA: a DMA engine between memory and the accelerator's first (or last) stream.

``direction="in"`` reads frames from memory and streams them into the accelerator
(``finn_idma``); ``direction="out"`` takes the accelerator's output stream and writes it
to memory (``finn_odma``). A DMA moves bits, not values, so its numpy semantics is the
identity on the tensor; what it adds is the memory layout of a frame and its cost in
memory beats.

Memory layout (the contract the PYNQ driver packs and unpacks by)
-----------------------------------------------------------------
A stream word of ``elemsPerWord`` elements is padded to whole bytes (``word_bytes``),
words follow each other little-endian (``golden.streams``), a frame is
``frame_words * word_bytes`` bytes, and frames start on a memory-word boundary:
frame ``f`` is at ``base + f * frame_stride()`` with ``frame_stride`` the frame size
rounded up to ``intfWidth / 8`` bytes.

Throughput
----------
Each of the ``numPorts`` memory ports moves one ``intfWidth``-bit beat per clock;
frames are striped over the ports (frame ``f`` on port ``f % numPorts``), so
:meth:`cycles` is ``ceil(beats per frame / numPorts)``.
"""

from __future__ import annotations

import math

from finn.custom_op.fpgadataflow.base import divisors, memory_resources
from finn.custom_op.fpgadataflow.passthrough import StreamPassThrough
from finn.util.exceptions import FoldingError

MEM_WIDTHS = (32, 64, 128)
LUT_CONTROL = 350  # AXI-Lite registers, address generator, burst and frame counters (estimate)


class IODMA(StreamPassThrough):
    """A DMA on a channels-last stream ``(N, ..., C)``; the tensor passes unchanged."""

    def get_nodeattr_types(self) -> dict[str, tuple]:
        attrs = super().get_nodeattr_types()
        attrs.update(
            {
                "direction": ("s", True, "in", {"in", "out"}),
                # elements per stream word (the neighbouring layer's SIMD or PE)
                "elemsPerWord": ("i", True, 0),
                # memory data width in bits, and memory ports the frames are striped over
                "intfWidth": ("i", False, 64),
                "numPorts": ("i", False, 1),
                "maxBurst": ("i", False, 16),
                "outstanding": ("i", False, 8),
            }
        )
        return attrs

    # --- shapes and layout --------------------------------------------------------

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        shape, n = self._shape(), self.get_nodeattr("elemsPerWord")
        if len(shape) < 2 or n < 1 or shape[-1] % n:
            self.verify_folding()
        return tuple(shape[:-1] + [shape[-1] // n, n])

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self.get_folded_input_shape()

    def stream_width(self) -> int:
        """Bits of one accelerator-side stream word."""
        return self.get_instream_width()

    def word_bytes(self) -> int:
        """Bytes one stream word takes in memory (padded to whole bytes)."""
        return math.ceil(self.stream_width() / 8)

    def frame_words(self) -> int:
        return int(math.prod(self.get_folded_input_shape()[1:-1]))

    def frame_bytes(self) -> int:
        return self.frame_words() * self.word_bytes()

    def mem_bytes(self) -> int:
        return self.get_nodeattr("intfWidth") // 8

    def frame_stride(self) -> int:
        """Bytes from one frame's start to the next (frames start on a memory word)."""
        mb = self.mem_bytes()
        return math.ceil(self.frame_bytes() / mb) * mb

    def frame_beats(self) -> int:
        return self.frame_stride() // self.mem_bytes()

    # --- folding and models -------------------------------------------------------

    def verify_folding(self) -> None:
        self._verify_shape()
        c, n = self._channels(), self.get_nodeattr("elemsPerWord")
        if n < 1 or c % n:
            raise self._fail(FoldingError, f"elemsPerWord={n} must be >= 1 and divide C={c}",
                             f"set elemsPerWord to one of {divisors(c)} (the neighbour's SIMD or PE)")
        width = self.get_nodeattr("intfWidth")
        if width not in MEM_WIDTHS:
            raise self._fail(FoldingError, f"intfWidth={width} is not a memory port width",
                             f"use one of {MEM_WIDTHS}")
        ports = self.get_nodeattr("numPorts")
        if not 1 <= ports <= 4 or (self.get_nodeattr("direction") == "out" and ports != 1):
            raise self._fail(FoldingError, f"numPorts={ports} must be 1..4 (and 1 for an output DMA)",
                             "stripe input DMAs over at most the board's four HP ports")
        burst = self.get_nodeattr("maxBurst")
        if burst not in (1, 2, 4, 8, 16, 32, 64, 128, 256):
            raise self._fail(FoldingError, f"maxBurst={burst} must be a power of two up to 256",
                             "use 16 for AXI3 targets (Zynq-7000 HP ports)")

    def cycles(self) -> int:
        """Clocks per frame at one beat per clock per port."""
        return math.ceil(self.frame_beats() / self.get_nodeattr("numPorts"))

    def resources(self) -> dict[str, int]:
        """Control, per port a beat FIFO of ``outstanding * maxBurst`` beats, and a
        word buffer of a frame per port when striped (estimates, checked by Yosys)."""
        ports, width = self.get_nodeattr("numPorts"), self.get_nodeattr("intfWidth")
        beats = self.get_nodeattr("outstanding") * self.get_nodeattr("maxBurst")
        lut, bram = LUT_CONTROL, 0
        for depth, bits in [(beats, width)] + ([(self.frame_words() + 2, 8 * self.word_bytes())]
                                                if ports > 1 else []):
            mem = memory_resources(depth, bits, "auto")
            lut += mem["LUT"]
            bram += mem["BRAM18"]
        gearbox = width + 8 * self.word_bytes()
        return {"LUT": ports * (lut + gearbox), "BRAM18": ports * bram, "URAM": 0, "DSP": 0}
