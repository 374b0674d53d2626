// DHCP Unique Identifier (RFC 8415 §11): a 2-byte type followed by 1..128
// bytes of identifier. Received DUIDs are opaque; only the length is checked.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lwb4/util/result.hpp"
#include "lwb4/wire/reader.hpp"

namespace lwb4::dhcp6 {

constexpr uint16_t kDuidTypeLlt = 1;     // DUID-LLT, RFC 8415 §11.2
constexpr uint16_t kDuidTypeEn = 2;      // DUID-EN, RFC 8415 §11.3
constexpr uint16_t kDuidTypeLl = 3;      // DUID-LL, RFC 8415 §11.4
constexpr uint16_t kDuidTypeUuid = 4;    // DUID-UUID, RFC 6355 §4 (RFC 8415 §11.5)
constexpr uint16_t kHwTypeEthernet = 1;  // IANA hardware type, used by RFC 8415 §11.2/§11.4

// DUID-LLT time: seconds since 2000-01-01 00:00 UTC, modulo 2^32 (RFC 8415 §11.2).
constexpr uint64_t kDuidEpochUnixSeconds = 946684800;
constexpr uint32_t duid_time_from_unix(uint64_t unix_seconds) {
  return static_cast<uint32_t>(unix_seconds - kDuidEpochUnixSeconds);
}

class Duid {
 public:
  static constexpr size_t kMinLength = 3;    // type(2) + at least 1 byte, RFC 8415 §11.1
  static constexpr size_t kMaxLength = 130;  // type(2) + at most 128 bytes, RFC 8415 §11.1

  // Any DUID of valid length; the contents are not interpreted.
  static Result<Duid> from_bytes(wire::Bytes bytes);
  // 00 01 | hwtype(16) | time(32) | lladdr (RFC 8415 §11.2).
  static Result<Duid> make_llt(uint16_t hw_type, uint32_t time, wire::Bytes lladdr);
  // 00 02 | enterprise-number(32) | identifier (RFC 8415 §11.3).
  static Result<Duid> make_en(uint32_t enterprise, wire::Bytes identifier);
  // 00 03 | hwtype(16) | lladdr (RFC 8415 §11.4).
  static Result<Duid> make_ll(uint16_t hw_type, wire::Bytes lladdr);
  // 00 04 | uuid(128) (RFC 6355 §4).
  static Duid make_uuid(const std::array<uint8_t, 16>& uuid);

  uint16_t type() const { return static_cast<uint16_t>(bytes_[0] << 8 | bytes_[1]); }
  wire::Bytes bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  // Colon-separated hex ("00:03:00:01:02:00:5e:00:53:01") for logs.
  std::string to_string() const;

  bool operator==(const Duid&) const = default;

 private:
  explicit Duid(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}

  std::vector<uint8_t> bytes_;
};

}  // namespace lwb4::dhcp6
