// Stream FIFO of DEPTH words. In C simulation streams are unbounded, so the FIFO
// is a word-for-word copy; the depth matters for RTL and for the resource model.
#ifndef FINN_FIFO_H
#define FINN_FIFO_H

#include "finn_types.h"

namespace finn {

template <unsigned W, unsigned DEPTH>
void fifo(hls::stream<ap_uint<W>>& in, hls::stream<ap_uint<W>>& out, unsigned words) {
  static_assert(DEPTH >= 2, "a FIFO holds at least 2 words");
  for (unsigned i = 0; i < words; i++) {
#pragma HLS pipeline II = 1
    out.write(in.read());
  }
}

}  // namespace finn

#endif  // FINN_FIFO_H
