// Types every kernel includes: ap_uint/ap_int, hls::stream, and element codecs.
//
// Under plain g++ the shims of this folder provide ap_int and hls::stream; define
// FINN_VENDOR_HLS (and put the vendor include folder first) to build the same
// kernels against the vendor headers. The vendor path is written to that API but is
// untested here (no vendor install on the development machines).
#ifndef FINN_TYPES_H
#define FINN_TYPES_H

#include <cstdint>

#ifdef FINN_VENDOR_HLS
#include <ap_int.h>
#include <hls_stream.h>
#else
#include "finn_ap_int.h"
#include "finn_hls_stream.h"
#endif

namespace finn {

// Element codecs: how a stream element's bits map to its integer value
// (golden/streams.py is the specification). Each has BITS, decode(raw) and encode(v).
template <unsigned B>
struct UInt {
  static constexpr unsigned BITS = B;
  static inline int64_t decode(uint64_t raw) { return int64_t(raw); }
  static inline uint64_t encode(int64_t v) { return mask(uint64_t(v)); }
  static inline uint64_t mask(uint64_t x) { return B >= 64 ? x : x & ((uint64_t(1) << B) - 1); }
};

template <unsigned B>
struct Int {
  static constexpr unsigned BITS = B;
  static inline int64_t decode(uint64_t raw) {
    if (B >= 64) return int64_t(raw);
    const uint64_t sign = uint64_t(1) << (B - 1);
    return int64_t((raw ^ sign)) - int64_t(sign);  // sign-extend B bits
  }
  static inline uint64_t encode(int64_t v) { return UInt<B>::mask(uint64_t(v)); }
};

// -1 / +1 as the bit 0 / 1
struct Bipolar {
  static constexpr unsigned BITS = 1;
  static inline int64_t decode(uint64_t raw) { return raw ? 1 : -1; }
  static inline uint64_t encode(int64_t v) { return v > 0 ? 1 : 0; }
};

// Element i of a stream word of elements of type E.
template <typename E, typename Word>
inline int64_t element(const Word& w, unsigned i) {
  return E::decode(uint64_t(w.range(E::BITS * i + E::BITS - 1, E::BITS * i)));
}

// Raw bits of element i (no decoding).
template <unsigned B, typename Word>
inline uint64_t element_bits(const Word& w, unsigned i) {
  return uint64_t(w.range(B * i + B - 1, B * i));
}

}  // namespace finn

#endif  // FINN_TYPES_H
