// Matrix-vector-activation unit: out = act(x @ W) on streams, folded PE x SIMD.
//
// One loop iteration is one clock: every PE consumes SIMD input elements and SIMD
// weights. A vector of MW inputs arrives as SF = MW/SIMD words; MH outputs leave as
// NF = MH/PE words of PE elements. The input vector is buffered on the first neuron
// fold and re-read from the buffer for the others, so a vector takes SF * NF cycles.
//
// Weight memory (finn.custom_op.fpgadataflow.base.get_weight_tensor_folded): word
// nf * SF + sf of PE p holds, in lane s, the weight of input sf*SIMD + s for output
// nf*PE + p. Threshold memory: thresholds[p][nf][t] is threshold t of output nf*PE + p.
//
// Activation: T == 0 emits the accumulator; otherwise each output is
// #{t : acc >= thresholds[p][nf][t]} + ACTVAL (a bipolar output emits the count bit).
// XNOR mode: inputs and weights are bits and a lane adds 1 when they are equal.
#ifndef FINN_MVAU_H
#define FINN_MVAU_H

#include "finn_types.h"

namespace finn {

// Number of equal bits among the SIMD lanes of two SIMD-bit words.
template <unsigned SIMD, typename WordX, typename WordW>
inline unsigned xnor_popcount(const WordX& x, const WordW& w) {
  unsigned n = 0;
  for (unsigned lo = 0; lo < SIMD; lo += 64) {
#pragma HLS unroll
    const unsigned hi = (lo + 64 < SIMD ? lo + 64 : SIMD) - 1;
    const uint64_t eq = ~(uint64_t(x.range(hi, lo)) ^ uint64_t(w.range(hi, lo)));
    const unsigned bits = hi - lo + 1;
    n += __builtin_popcountll(bits == 64 ? eq : eq & ((uint64_t(1) << bits) - 1));
  }
  return n;
}

template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned T, typename TI,
          typename TW, typename TO, bool XNOR, int ACTVAL, typename TAcc, typename TThr>
void mvau(hls::stream<ap_uint<SIMD * TI::BITS>>& in, hls::stream<ap_uint<PE * TO::BITS>>& out,
          const ap_uint<SIMD * TW::BITS> weights[PE][(MW / SIMD) * (MH / PE)],
          const TThr thresholds[PE][MH / PE][T > 0 ? T : 1], unsigned reps) {
  static_assert(MW % SIMD == 0, "SIMD must divide MW");
  static_assert(MH % PE == 0, "PE must divide MH");
  static_assert(!XNOR || (TI::BITS == 1 && TW::BITS == 1), "XNOR mode needs 1-bit inputs and weights");
  constexpr unsigned SF = MW / SIMD, NF = MH / PE;
  ap_uint<SIMD * TI::BITS> inbuf[SF];
  TAcc acc[PE];
#pragma HLS array_partition variable = acc complete
  unsigned sf = 0, nf = 0;
  for (unsigned i = 0; i < reps * SF * NF; i++) {
#pragma HLS pipeline II = 1
    ap_uint<SIMD * TI::BITS> x;
    if (nf == 0) {
      x = in.read();
      inbuf[sf] = x;
    } else {
      x = inbuf[sf];
    }
    for (unsigned p = 0; p < PE; p++) {
#pragma HLS unroll
      const ap_uint<SIMD * TW::BITS>& w = weights[p][nf * SF + sf];
      int64_t sum = (sf == 0) ? 0 : int64_t(acc[p]);
      if (XNOR) {
        sum += xnor_popcount<SIMD>(x, w);
      } else {
        for (unsigned s = 0; s < SIMD; s++) {
#pragma HLS unroll
          sum += element<TI>(x, s) * element<TW>(w, s);
        }
      }
      acc[p] = sum;
    }
    if (++sf == SF) {
      ap_uint<PE * TO::BITS> y;
      for (unsigned p = 0; p < PE; p++) {
#pragma HLS unroll
        int64_t v = int64_t(acc[p]);
        if (T > 0) {
          unsigned count = 0;
          for (unsigned t = 0; t < T; t++) {
#pragma HLS unroll
            count += v >= int64_t(thresholds[p][nf][t]) ? 1 : 0;
          }
          v = int64_t(count) + ACTVAL;
        }
        y.range(TO::BITS * p + TO::BITS - 1, TO::BITS * p) = TO::encode(v);
      }
      out.write(y);
      sf = 0;
      if (++nf == NF) nf = 0;
    }
  }
}

}  // namespace finn

#endif  // FINN_MVAU_H
