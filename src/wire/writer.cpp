#include "lwb4/wire/writer.hpp"

namespace lwb4::wire {

void Writer::u16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void Writer::u24(uint32_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 16));
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void Writer::u32(uint32_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 24));
  out_.push_back(static_cast<uint8_t>(v >> 16));
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void Writer::patch_u16(size_t pos, uint16_t v) {
  out_[pos] = static_cast<uint8_t>(v >> 8);
  out_[pos + 1] = static_cast<uint8_t>(v);
}

}  // namespace lwb4::wire
