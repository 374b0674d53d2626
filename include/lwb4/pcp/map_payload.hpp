// The MAP opcode payload (RFC 6887 §11.1), 36 bytes, the same layout in
// requests and responses:
//   mapping nonce(96) | protocol(8) | reserved(24) | internal port(16) |
//   suggested/assigned external port(16) | suggested/assigned external IP(128)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::pcp {

constexpr size_t kMapPayloadLength = 36;  // RFC 6887 §11.1
constexpr size_t kNonceLength = 12;       // Mapping Nonce, 96 bits, RFC 6887 §11.1
constexpr uint8_t kProtocolAll = 0;       // RFC 6887 §11.1: all protocols
constexpr uint8_t kProtocolTcp = 6;       // IANA protocol number
constexpr uint8_t kProtocolUdp = 17;      // IANA protocol number

using Nonce = std::array<uint8_t, kNonceLength>;

struct MapPayload {
  Nonce nonce{};
  uint8_t protocol = 0;
  // 0 = all ports (RFC 6887 §11.1). Not forced to 0 for protocol 0: RFC 7753
  // §5.2 itself sends protocol 0 with internal port 1.
  uint16_t internal_port = 0;
  // Suggested in a request (0 = no preference), assigned in a response.
  uint16_t external_port = 0;
  // Suggested in a request (all-zeros of the family = no preference),
  // assigned in a response. IPv4 as ::ffff:a.b.c.d (to_mapped()).
  Ipv6Address external_address;

  bool operator==(const MapPayload&) const = default;
};

// Reads 36 bytes; on a short span the reader fails (check r.ok()).
// The 24 reserved bits are ignored (RFC 6887 §11.1).
MapPayload read_map_payload(wire::Reader& r);
// Writes 36 bytes with the reserved bits zero.
void write_map_payload(wire::Writer& w, const MapPayload& payload);

}  // namespace lwb4::pcp
