// Arbitrary-width integers for C simulation under plain g++.
//
// A small stand-in for the subset of the vendor `ap_int.h` API the kernels use:
//   ap_uint<W> / ap_int<W>        W >= 1 bits, stored in 64-bit limbs
//   x(hi, lo), x.range(hi, lo)    read or assign a bit range (at most 64 bits wide)
//   x[i]                          read or assign one bit
//   to_uint64(), to_int64()       value of the low 64 bits (sign-extended for ap_int)
//   ap_uint<W>("0x...", 16)       construct from a hex string (wide constants)
//   arithmetic on W <= 64         through the implicit conversion to (u)int64; the
//                                 result wraps to W bits on assignment, as in hardware
//   <<, >>, |, &, ^, ~, ==, !=    on ap_uint of any width (ap_int: none; kernels do not need them)
// Everything else of the vendor type is deliberately absent: a kernel that compiles
// here uses only this subset, which the vendor header also provides.
#ifndef FINN_AP_INT_H
#define FINN_AP_INT_H

#include <cstdint>
#include <type_traits>

namespace finn_ap {

template <int W, bool S>
class ap_base;

// A writable view of bits [lo, hi] of a value (hi - lo < 64).
template <int W, bool S>
class range_ref {
 public:
  range_ref(ap_base<W, S>* v, int hi, int lo) : v_(v), hi_(hi), lo_(lo) {}
  operator uint64_t() const { return v_->get_range(hi_, lo_); }
  range_ref& operator=(uint64_t x) {
    v_->set_range(hi_, lo_, x);
    return *this;
  }
  range_ref& operator=(const range_ref& other) { return *this = uint64_t(other); }
  uint64_t to_uint64() const { return uint64_t(*this); }

 private:
  ap_base<W, S>* v_;
  int hi_, lo_;
};

template <int W, bool S>
class bit_ref {
 public:
  bit_ref(ap_base<W, S>* v, int i) : v_(v), i_(i) {}
  operator bool() const { return v_->get_range(i_, i_) != 0; }
  bit_ref& operator=(bool b) {
    v_->set_range(i_, i_, b ? 1 : 0);
    return *this;
  }

 private:
  ap_base<W, S>* v_;
  int i_;
};

template <int W, bool S>
class ap_base {
  static_assert(W >= 1, "width must be at least 1 bit");

 public:
  static constexpr int width = W;
  static constexpr int limbs = (W + 63) / 64;

  constexpr ap_base() : l_{} {}

  // Integral construction: sign- or zero-extend the 64-bit value, then wrap to W bits.
  template <typename T, typename = typename std::enable_if<std::is_integral<T>::value>::type>
  constexpr ap_base(T x) : l_{} {
    const uint64_t fill = (std::is_signed<T>::value && x < 0) ? ~uint64_t(0) : 0;
    l_[0] = uint64_t(x);
    for (int i = 1; i < limbs; i++) l_[i] = fill;
    normalize();
  }

  // Hex string construction ("0x" prefix optional); only radix 16 is supported.
  constexpr ap_base(const char* s, int radix) : l_{} {
    if (radix != 16) return;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    int n = 0;
    while (s[n]) n++;
    for (int k = 0; k < n; k++) {  // k-th digit from the right
      const char c = s[n - 1 - k];
      const uint64_t d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 0;
      const int bit = 4 * k;
      if (bit < 64 * limbs) l_[bit / 64] |= d << (bit % 64);
    }
    normalize();
  }

  // Bits [lo, hi] as an unsigned value (hi - lo < 64).
  uint64_t get_range(int hi, int lo) const {
    const int n = hi - lo + 1;
    const int li = lo / 64, sh = lo % 64;
    uint64_t r = l_[li] >> sh;
    if (sh && li + 1 < limbs) r |= l_[li + 1] << (64 - sh);
    return n >= 64 ? r : r & ((uint64_t(1) << n) - 1);
  }

  void set_range(int hi, int lo, uint64_t x) {
    const int n = hi - lo + 1;
    const uint64_t m = n >= 64 ? ~uint64_t(0) : ((uint64_t(1) << n) - 1);
    x &= m;
    const int li = lo / 64, sh = lo % 64;
    l_[li] = (l_[li] & ~(m << sh)) | (x << sh);
    if (sh && sh + n > 64 && li + 1 < limbs) {
      l_[li + 1] = (l_[li + 1] & ~(m >> (64 - sh))) | (x >> (64 - sh));
    }
    normalize();
  }

  range_ref<W, S> range(int hi, int lo) { return range_ref<W, S>(this, hi, lo); }
  range_ref<W, S> operator()(int hi, int lo) { return range(hi, lo); }
  uint64_t range(int hi, int lo) const { return get_range(hi, lo); }
  uint64_t operator()(int hi, int lo) const { return get_range(hi, lo); }
  bit_ref<W, S> operator[](int i) { return bit_ref<W, S>(this, i); }
  bool operator[](int i) const { return get_range(i, i) != 0; }

  uint64_t to_uint64() const { return l_[0]; }
  int64_t to_int64() const { return int64_t(l_[0]); }
  int to_int() const { return int(to_int64()); }
  unsigned to_uint() const { return unsigned(l_[0]); }

  uint64_t limb(int i) const { return l_[i]; }
  void set_limb(int i, uint64_t x) {
    l_[i] = x;
    normalize();
  }

 protected:
  // Keep bits above W equal to the sign (ap_int) or zero (ap_uint) in the top limb, so
  // that the low 64 bits read back the value and limbs compare directly.
  constexpr void normalize() {
    const int top = (W - 1) % 64 + 1;  // used bits of the top limb
    if (top == 64) return;
    uint64_t& t = l_[limbs - 1];
    const uint64_t m = (uint64_t(1) << (top % 64)) - 1;  // top < 64 here
    if (S && ((t >> (top - 1)) & 1)) {
      t |= ~m;
    } else {
      t &= m;
    }
  }
  uint64_t l_[limbs];  // little-endian limbs
};

}  // namespace finn_ap

template <int W>
class ap_uint : public finn_ap::ap_base<W, false> {
  using base = finn_ap::ap_base<W, false>;

 public:
  using base::base;
  constexpr ap_uint() : base() {}
  // Bit-preserving conversion from any other ap value: copy (and wrap / zero-extend) the bits.
  template <int W2, bool S2>
  ap_uint(const finn_ap::ap_base<W2, S2>& o) : base() {
    copy_from(o);
  }
  template <int W2, bool S2>
  ap_uint(const finn_ap::range_ref<W2, S2>& r) : base(uint64_t(r)) {}

  // Integer conversion, for arithmetic and comparisons (width <= 64 only).
  template <int V = W, typename = typename std::enable_if<(V <= 64)>::type>
  operator uint64_t() const {
    return this->l_[0];
  }

  ap_uint operator<<(int n) const { return shifted(n, true); }
  ap_uint operator>>(int n) const { return shifted(n, false); }
  ap_uint operator|(const ap_uint& o) const { return combine(o, 0); }
  ap_uint operator&(const ap_uint& o) const { return combine(o, 1); }
  ap_uint operator^(const ap_uint& o) const { return combine(o, 2); }
  ap_uint operator~() const {
    ap_uint r;
    for (int i = 0; i < base::limbs; i++) r.set_limb(i, ~this->l_[i]);
    return r;
  }
  bool operator==(const ap_uint& o) const {
    for (int i = 0; i < base::limbs; i++)
      if (this->l_[i] != o.l_[i]) return false;
    return true;
  }
  bool operator!=(const ap_uint& o) const { return !(*this == o); }

 private:
  template <int W2, bool S2>
  void copy_from(const finn_ap::ap_base<W2, S2>& o) {
    const uint64_t fill = (S2 && (o.limb(o.limbs - 1) >> 63)) ? ~uint64_t(0) : 0;
    for (int i = 0; i < base::limbs; i++) this->l_[i] = i < o.limbs ? o.limb(i) : fill;
    this->normalize();
  }
  ap_uint shifted(int n, bool left) const {
    ap_uint r;
    const int lw = n / 64, bs = n % 64;
    for (int i = 0; i < base::limbs; i++) {
      uint64_t v = 0;
      if (left) {
        const int s = i - lw;
        if (s >= 0) v = this->l_[s] << bs;
        if (bs && s - 1 >= 0) v |= this->l_[s - 1] >> (64 - bs);
      } else {
        const int s = i + lw;
        if (s < base::limbs) v = this->l_[s] >> bs;
        if (bs && s + 1 < base::limbs) v |= this->l_[s + 1] << (64 - bs);
      }
      r.l_[i] = v;
    }
    r.normalize();
    return r;
  }
  ap_uint combine(const ap_uint& o, int op) const {
    ap_uint r;
    for (int i = 0; i < base::limbs; i++) {
      const uint64_t a = this->l_[i], b = o.l_[i];
      r.l_[i] = op == 0 ? (a | b) : op == 1 ? (a & b) : (a ^ b);
    }
    return r;
  }
};

template <int W>
class ap_int : public finn_ap::ap_base<W, true> {
  using base = finn_ap::ap_base<W, true>;

 public:
  using base::base;
  constexpr ap_int() : base() {}
  template <int W2, bool S2>
  ap_int(const finn_ap::ap_base<W2, S2>& o) : base() {
    const uint64_t fill = (S2 && (o.limb(o.limbs - 1) >> 63)) ? ~uint64_t(0) : 0;
    for (int i = 0; i < base::limbs; i++) this->l_[i] = i < o.limbs ? o.limb(i) : fill;
    this->normalize();
  }
  template <int W2, bool S2>
  ap_int(const finn_ap::range_ref<W2, S2>& r) : base(uint64_t(r)) {}

  template <int V = W, typename = typename std::enable_if<(V <= 64)>::type>
  operator int64_t() const {
    return int64_t(this->l_[0]);
  }
};

#endif  // FINN_AP_INT_H
