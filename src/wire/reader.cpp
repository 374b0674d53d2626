#include "lwb4/wire/reader.hpp"

namespace lwb4::wire {

bool Reader::take(size_t n) {
  if (!ok_ || n > remaining()) {
    ok_ = false;
    return false;
  }
  return true;
}

uint8_t Reader::u8() {
  if (!take(1)) return 0;
  return data_[pos_++];
}

uint16_t Reader::u16() {
  if (!take(2)) return 0;
  uint16_t v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

uint32_t Reader::u24() {
  if (!take(3)) return 0;
  uint32_t v = uint32_t{data_[pos_]} << 16 | uint32_t{data_[pos_ + 1]} << 8 | data_[pos_ + 2];
  pos_ += 3;
  return v;
}

uint32_t Reader::u32() {
  if (!take(4)) return 0;
  uint32_t v = uint32_t{data_[pos_]} << 24 | uint32_t{data_[pos_ + 1]} << 16 |
               uint32_t{data_[pos_ + 2]} << 8 | data_[pos_ + 3];
  pos_ += 4;
  return v;
}

Bytes Reader::bytes(size_t n) {
  if (!take(n)) return {};
  Bytes b = data_.subspan(pos_, n);
  pos_ += n;
  return b;
}

Bytes Reader::rest() {
  return bytes(remaining());
}

}  // namespace lwb4::wire
