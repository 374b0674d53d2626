#include "lwb4/dhcp6/duid.hpp"

#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp6 {

Result<Duid> Duid::from_bytes(wire::Bytes bytes) {
  if (bytes.size() < kMinLength || bytes.size() > kMaxLength) {
    return make_error("DUID length %zu, expected %zu..%zu", bytes.size(), kMinLength, kMaxLength);
  }
  return Duid(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

Result<Duid> Duid::make_llt(uint16_t hw_type, uint32_t time, wire::Bytes lladdr) {
  if (lladdr.empty()) return make_error("DUID-LLT: empty link-layer address");
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u16(kDuidTypeLlt);
  w.u16(hw_type);
  w.u32(time);
  w.bytes(lladdr);
  return from_bytes(out);
}

Result<Duid> Duid::make_en(uint32_t enterprise, wire::Bytes identifier) {
  if (identifier.empty()) return make_error("DUID-EN: empty identifier");
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u16(kDuidTypeEn);
  w.u32(enterprise);
  w.bytes(identifier);
  return from_bytes(out);
}

Result<Duid> Duid::make_ll(uint16_t hw_type, wire::Bytes lladdr) {
  if (lladdr.empty()) return make_error("DUID-LL: empty link-layer address");
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u16(kDuidTypeLl);
  w.u16(hw_type);
  w.bytes(lladdr);
  return from_bytes(out);
}

Duid Duid::make_uuid(const std::array<uint8_t, 16>& uuid) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u16(kDuidTypeUuid);
  w.bytes(uuid);
  return Duid(std::move(out));
}

std::string Duid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes_.size() * 3);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (i != 0) s.push_back(':');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0xf]);
  }
  return s;
}

}  // namespace lwb4::dhcp6
