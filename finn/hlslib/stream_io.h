// Driver-side packing between flat tensors and stream words (not for synthesis).
//
// A tensor (..., C) of element type E travels as C/N words of N elements; element i of
// a word sits in bits [i*BITS, (i+1)*BITS) (golden/streams.py is the specification).
#ifndef FINN_STREAM_IO_H
#define FINN_STREAM_IO_H

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "finn_types.h"

namespace finn {

// Push data (values of type E, row-major) as words of N elements. Aborts on a value
// that is not an integer in E's range (the graph handed cppsim the wrong tensor).
template <typename E, unsigned N>
void pack_to_stream(const std::vector<double>& data, hls::stream<ap_uint<N * E::BITS>>& s) {
  if (data.size() % N) {
    std::fprintf(stderr, "input of %zu elements is not whole words of %u\n", data.size(), N);
    std::exit(2);
  }
  for (size_t w = 0; w < data.size() / N; w++) {
    ap_uint<N * E::BITS> word;
    for (unsigned i = 0; i < N; i++) {
      const double v = data[w * N + i];
      const uint64_t raw = E::encode(int64_t(std::llround(v)));
      if (double(E::decode(raw)) != v) {
        std::fprintf(stderr, "input element %zu = %g is not representable in the stream's element type\n",
                     w * N + i, v);
        std::exit(2);
      }
      word.range(E::BITS * i + E::BITS - 1, E::BITS * i) = raw;
    }
    s.write(word);
  }
}

// Pop `words` words of N elements each and append their decoded values to data.
template <typename E, unsigned N>
void unpack_from_stream(hls::stream<ap_uint<N * E::BITS>>& s, size_t words, std::vector<double>& data) {
  for (size_t w = 0; w < words; w++) {
    const ap_uint<N * E::BITS> word = s.read();
    for (unsigned i = 0; i < N; i++) data.push_back(double(element<E>(word, i)));
  }
}

}  // namespace finn

#endif  // FINN_STREAM_IO_H
