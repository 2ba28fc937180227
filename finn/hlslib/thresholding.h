// Multi-threshold activation on a stream: PE channels per clock.
//
// out = #{t : x >= thresholds[p][nf][t]} + ACTVAL for channel nf*PE + p; a vector of
// C channels takes C/PE cycles. A bipolar output emits the count bit.
#ifndef FINN_THRESHOLDING_H
#define FINN_THRESHOLDING_H

#include "finn_types.h"

namespace finn {

template <unsigned C, unsigned PE, unsigned T, typename TI, typename TO, int ACTVAL, typename TThr>
void thresholding(hls::stream<ap_uint<PE * TI::BITS>>& in, hls::stream<ap_uint<PE * TO::BITS>>& out,
                  const TThr thresholds[PE][C / PE][T], unsigned reps) {
  static_assert(C % PE == 0, "PE must divide the channel count");
  constexpr unsigned NF = C / PE;
  unsigned nf = 0;
  for (unsigned i = 0; i < reps * NF; i++) {
#pragma HLS pipeline II = 1
    const ap_uint<PE * TI::BITS> x = in.read();
    ap_uint<PE * TO::BITS> y;
    for (unsigned p = 0; p < PE; p++) {
#pragma HLS unroll
      const int64_t v = element<TI>(x, p);
      unsigned count = 0;
      for (unsigned t = 0; t < T; t++) {
#pragma HLS unroll
        count += v >= int64_t(thresholds[p][nf][t]) ? 1 : 0;
      }
      y.range(TO::BITS * p + TO::BITS - 1, TO::BITS * p) = TO::encode(int64_t(count) + ACTVAL);
    }
    out.write(y);
    if (++nf == NF) nf = 0;
  }
}

}  // namespace finn

#endif  // FINN_THRESHOLDING_H
