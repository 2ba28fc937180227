// A FIFO stream for C simulation under plain g++: the subset of the vendor
// `hls_stream.h` API the kernels use (read, write, empty, size, >>, <<).
//
// Unbounded, like the vendor stream in C simulation: a producer may run to the end
// of its frames before the consumer starts, which is how a sequential C program
// runs a dataflow pipeline. Reading an empty stream is a deadlock in hardware; here
// it aborts with the stream's name.
#ifndef FINN_HLS_STREAM_H
#define FINN_HLS_STREAM_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <typename T>
class stream {
 public:
  stream() : name_("stream") {}
  explicit stream(const char* name) : name_(name) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "read from empty stream '%s' (a deadlock in hardware)\n", name_.c_str());
      std::exit(3);
    }
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  void write(const T& v) { q_.push_back(v); }
  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return q_.size(); }
  void operator>>(T& v) { v = read(); }
  void operator<<(const T& v) { write(v); }

 private:
  std::string name_;
  std::deque<T> q_;
};

}  // namespace hls

#endif  // FINN_HLS_STREAM_H
