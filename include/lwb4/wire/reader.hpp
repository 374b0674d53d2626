// Bounds-checked big-endian reader over a byte span.
//
// Reads past the end never touch memory outside the span: they return zero
// (or an empty span), and the reader is marked failed. Callers read a whole
// structure and check ok() once, instead of checking every field.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace lwb4::wire {

using Bytes = std::span<const uint8_t>;

class Reader {
 public:
  explicit Reader(Bytes data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }

  // True when n more bytes are available (does not change state).
  bool has(size_t n) const { return ok_ && n <= remaining(); }

  uint8_t u8();
  uint16_t u16();
  uint32_t u24();
  uint32_t u32();
  // n bytes as a sub-span; empty and failed if fewer remain.
  Bytes bytes(size_t n);
  // Everything that is left.
  Bytes rest();
  void skip(size_t n) { (void)bytes(n); }

  template <size_t N>
  std::array<uint8_t, N> array() {
    std::array<uint8_t, N> out{};
    Bytes b = bytes(N);
    for (size_t i = 0; i < b.size(); ++i)
      out[i] = b[i];
    return out;
  }

 private:
  bool take(size_t n);

  Bytes data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace lwb4::wire
