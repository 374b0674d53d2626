#include "lwb4/pcp/mapped_address.hpp"

namespace lwb4::pcp {

namespace {
// RFC 4291 §2.5.5.2: ::ffff:0:0/96.
constexpr size_t kMappedPrefixBytes = 12;
constexpr std::array<uint8_t, kMappedPrefixBytes> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                   0, 0, 0, 0, 0xff, 0xff};
}  // namespace

Ipv6Address to_mapped(Ipv4Address v4) {
  Ipv6Address out;
  for (size_t i = 0; i < kMappedPrefixBytes; ++i)
    out.bytes[i] = kMappedPrefix[i];
  for (size_t i = 0; i < v4.bytes.size(); ++i)
    out.bytes[kMappedPrefixBytes + i] = v4.bytes[i];
  return out;
}

std::optional<Ipv4Address> mapped_ipv4(const Ipv6Address& address) {
  for (size_t i = 0; i < kMappedPrefixBytes; ++i) {
    if (address.bytes[i] != kMappedPrefix[i]) return std::nullopt;
  }
  Ipv4Address v4;
  for (size_t i = 0; i < v4.bytes.size(); ++i)
    v4.bytes[i] = address.bytes[kMappedPrefixBytes + i];
  return v4;
}

}  // namespace lwb4::pcp
