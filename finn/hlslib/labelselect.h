// Label select: the indices of the K largest of L scores, PE scores per clock.
//
// A sorted list of the K best (value, index) pairs is kept; a score displaces only
// strictly smaller entries, so equal scores keep the lower index first (the ONNX
// TopK rule). After L/PE input cycles the K indices leave, best first, one per word.
#ifndef FINN_LABELSELECT_H
#define FINN_LABELSELECT_H

#include "finn_types.h"

namespace finn {

template <unsigned L, unsigned PE, unsigned K, typename TI, typename TO>
void label_select(hls::stream<ap_uint<PE * TI::BITS>>& in, hls::stream<ap_uint<TO::BITS>>& out,
                  unsigned reps) {
  static_assert(L % PE == 0, "PE must divide the label count");
  static_assert(K >= 1 && K <= L, "K must be in [1, L]");
  constexpr unsigned NF = L / PE;
  for (unsigned r = 0; r < reps; r++) {
    int64_t best_val[K];
    unsigned best_idx[K];
#pragma HLS array_partition variable = best_val complete
#pragma HLS array_partition variable = best_idx complete
    unsigned filled = 0;
    for (unsigned nf = 0; nf < NF; nf++) {
#pragma HLS pipeline II = 1
      const ap_uint<PE * TI::BITS> x = in.read();
      for (unsigned p = 0; p < PE; p++) {
        const int64_t v = element<TI>(x, p);
        const unsigned idx = nf * PE + p;
        // insertion position: after every entry >= v
        unsigned pos = 0;
        while (pos < filled && best_val[pos] >= v) pos++;
        if (pos >= K) continue;
        const unsigned last = filled < K ? filled : K - 1;
        for (unsigned j = last; j > pos; j--) {
          best_val[j] = best_val[j - 1];
          best_idx[j] = best_idx[j - 1];
        }
        best_val[pos] = v;
        best_idx[pos] = idx;
        if (filled < K) filled++;
      }
    }
    for (unsigned k = 0; k < K; k++) {
#pragma HLS pipeline II = 1
      out.write(ap_uint<TO::BITS>(TO::encode(best_idx[k])));
    }
  }
}

}  // namespace finn

#endif  // FINN_LABELSELECT_H
