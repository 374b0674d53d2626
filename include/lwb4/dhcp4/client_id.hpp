// The RFC 4361 node-specific client identifier carried in DHCPv4 option 61:
// type 255, IAID(32), DUID (RFC 4361 §6.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lwb4/util/result.hpp"

namespace lwb4::dhcp4 {

constexpr uint8_t kClientIdTypeRfc4361 = 255;  // RFC 4361 §6.1
constexpr size_t kDuidMinLength = 3;           // type(2) + 1 byte, RFC 8415 §11.1
constexpr size_t kDuidMaxLength = 130;         // type(2) + 128 bytes, RFC 8415 §11.1

struct ClientId {
  uint32_t iaid = 0;
  std::vector<uint8_t> duid;  // opaque, including its 2-byte type

  bool operator==(const ClientId&) const = default;
};

// The option-61 value (without code and length).
std::vector<uint8_t> encode_client_id(const ClientId& id);

// Parses an option-61 value in RFC 4361 form; rejects other types.
Result<ClientId> decode_client_id(std::span<const uint8_t> value);

}  // namespace lwb4::dhcp4
