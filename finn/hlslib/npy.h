// Minimal .npy reader and writer for the C simulation drivers (not for synthesis).
//
// Reads little-endian, C-order arrays of float32/float64/int64/int32/uint8/int8 into
// doubles; writes float32 or int64. Format: NumPy's "NEP 1" (.npy version 1.0/2.0).
#ifndef FINN_NPY_H
#define FINN_NPY_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace npy {

struct Array {
  std::vector<size_t> shape;
  std::vector<double> data;
};

[[noreturn]] inline void fail(const std::string& path, const std::string& why) {
  std::fprintf(stderr, "npy: %s: %s\n", path.c_str(), why.c_str());
  std::exit(2);
}

inline Array load(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path, "cannot open");
  char magic[8];
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path, "not a .npy file");
  uint32_t hlen = 0;
  if (magic[6] == 1) {
    uint8_t b[2];
    if (std::fread(b, 1, 2, f) != 2) fail(path, "truncated header");
    hlen = b[0] | (b[1] << 8);
  } else {
    uint8_t b[4];
    if (std::fread(b, 1, 4, f) != 4) fail(path, "truncated header");
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  std::string h(hlen, ' ');
  if (std::fread(&h[0], 1, hlen, f) != hlen) fail(path, "truncated header");
  if (h.find("'fortran_order': False") == std::string::npos) fail(path, "only C-order arrays are supported");
  const size_t d = h.find("'descr': '");
  if (d == std::string::npos) fail(path, "no descr in header");
  const std::string descr = h.substr(d + 10, h.find('\'', d + 10) - (d + 10));
  Array a;
  const size_t s0 = h.find('(', h.find("'shape'")), s1 = h.find(')', s0);
  std::string dims = h.substr(s0 + 1, s1 - s0 - 1);
  size_t pos = 0, count = 1;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) pos++;
    if (pos >= dims.size()) break;
    const size_t n = std::strtoull(dims.c_str() + pos, nullptr, 10);
    a.shape.push_back(n);
    count *= n;
    while (pos < dims.size() && dims[pos] != ',') pos++;
  }
  a.data.resize(count);
  auto read_as = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> buf(count);
    if (std::fread(buf.data(), sizeof(T), count, f) != count) fail(path, "truncated data");
    for (size_t i = 0; i < count; i++) a.data[i] = double(buf[i]);
  };
  if (descr == "<f4") read_as(float());
  else if (descr == "<f8") read_as(double());
  else if (descr == "<i8") read_as(int64_t());
  else if (descr == "<i4") read_as(int32_t());
  else if (descr == "|u1" || descr == "<u1") read_as(uint8_t());
  else if (descr == "|i1" || descr == "<i1") read_as(int8_t());
  else fail(path, "unsupported dtype " + descr);
  std::fclose(f);
  return a;
}

// Write `data` with `shape` as float32 ("<f4") or int64 ("<i8").
inline void save(const std::string& path, const std::vector<size_t>& shape, const std::vector<double>& data,
                 bool as_int64) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); i++) dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  std::string h = std::string("{'descr': '") + (as_int64 ? "<i8" : "<f4") +
                  "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t total = 10 + h.size() + 1;
  h += std::string((64 - total % 64) % 64, ' ') + "\n";
  const std::string tmp = path + ".part";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) fail(path, "cannot write");
  const uint8_t head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(h.size() & 0xff), uint8_t(h.size() >> 8)};
  std::fwrite(head, 1, 10, f);
  std::fwrite(h.data(), 1, h.size(), f);
  if (as_int64) {
    std::vector<int64_t> buf(data.begin(), data.end());
    std::fwrite(buf.data(), sizeof(int64_t), buf.size(), f);
  } else {
    std::vector<float> buf(data.begin(), data.end());
    std::fwrite(buf.data(), sizeof(float), buf.size(), f);
  }
  if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, "write failed");
}

}  // namespace npy

#endif  // FINN_NPY_H
