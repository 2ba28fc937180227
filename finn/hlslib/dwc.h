// Stream data-width converter: the same bits, re-cut from IW-bit into OW-bit words.
//
// Bits keep their order (word 0's LSB first, golden/streams.py repack_words). Each
// iteration either emits an output word (when OW bits are buffered) or reads an input
// word, so a frame of FRAME_BITS bits takes FRAME_BITS/IW + FRAME_BITS/OW iterations;
// hardware overlaps both and needs max(FRAME_BITS/IW, FRAME_BITS/OW) cycles.
#ifndef FINN_DWC_H
#define FINN_DWC_H

#include "finn_types.h"

namespace finn {

template <unsigned IW, unsigned OW, unsigned FRAME_BITS>
void dwc(hls::stream<ap_uint<IW>>& in, hls::stream<ap_uint<OW>>& out, unsigned reps) {
  static_assert(FRAME_BITS % IW == 0 && FRAME_BITS % OW == 0, "a frame must be whole words on both sides");
  constexpr unsigned STEPS = FRAME_BITS / IW + FRAME_BITS / OW;
  ap_uint<IW + OW> buf;
  unsigned have = 0;
  for (unsigned i = 0; i < reps * STEPS; i++) {
#pragma HLS pipeline II = 1
    if (have >= OW) {
      out.write(ap_uint<OW>(buf));
      buf = buf >> OW;
      have -= OW;
    } else {
      buf = buf | (ap_uint<IW + OW>(in.read()) << have);
      have += IW;
    }
  }
}

}  // namespace finn

#endif  // FINN_DWC_H
