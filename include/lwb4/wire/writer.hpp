// Big-endian writer appending to a byte vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lwb4::wire {

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

  size_t size() const { return out_.size(); }

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u24(uint32_t v);
  void u32(uint32_t v);
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }

  // Overwrites already-written bytes at pos (used to back-fill lengths).
  void patch_u8(size_t pos, uint8_t v) { out_[pos] = v; }
  void patch_u16(size_t pos, uint16_t v);

 private:
  std::vector<uint8_t>& out_;
};

}  // namespace lwb4::wire
