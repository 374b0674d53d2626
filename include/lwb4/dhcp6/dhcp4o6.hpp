// DHCPv4-over-DHCPv6 (RFC 7341): DHCPV4-QUERY and DHCPV4-RESPONSE wrap one
// DHCPv4 message in OPTION_DHCPV4_MSG (87). They share the DHCPv6 layout
// (msg-type(8) flags(24) options, RFC 7341 §6.2), so these functions sit on
// top of the generic Message codec. The inner DHCPv4 bytes are not parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lwb4/dhcp6/options.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"

namespace lwb4::dhcp6 {

// U (unicast) is bit 0 of the 24-bit flags, i.e. flags byte 0 = 0x80
// (RFC 7341 §6.3); the other 23 bits are zero on send and ignored on receive.
constexpr uint32_t kDhcpv4QueryFlagUnicast = 0x800000;

struct Dhcpv4Query {
  // U=1 when the DHCPv4 message would have gone to an IPv4 unicast address
  // (RFC 7341 §6.3).
  bool unicast = false;
  std::vector<uint8_t> dhcpv4;   // the raw DHCPv4 message (BOOTP header onwards)
  std::vector<uint16_t> oro;     // e.g. 90, 137 (RFC 8539); never 88; omitted when empty
  std::vector<RawOption> other;  // further untyped options, in order

  bool operator==(const Dhcpv4Query&) const = default;
};

struct Dhcpv4Response {
  std::vector<uint8_t> dhcpv4;                // the raw DHCPv4 message, verbatim
  std::vector<Ipv6Address> s46_brs;           // top-level S46_BR 90 (RFC 8539)
  std::optional<Ipv6Prefix> s46_bind_prefix;  // S46_BIND_IPV6_PREFIX 137 (RFC 8539)
  std::vector<RawOption> other;               // untyped options, in order
  // Options left out while decoding (invalid S46 options, typed options that
  // have no place in a DHCPV4-RESPONSE); for logs, not encoded.
  std::vector<std::string> ignored;

  bool operator==(const Dhcpv4Response&) const = default;
};

// Header 14 80 00 00 (U=1) or 14 00 00 00 (U=0), then ORO (if any), 87 and
// `other`. Fails if the ORO lists 88 (RFC 7341 §7.2: the client MUST NOT
// request it in a DHCPV4-QUERY), on an empty DHCPv4 message, or on a typed
// code in `other`.
Result<std::vector<uint8_t>> encode_dhcpv4_query(const Dhcpv4Query& query);
// Type must be 20 and exactly one 87 (non-empty) present; rejects an ORO
// listing 88 and typed options other than ORO and 87.
Result<Dhcpv4Query> decode_dhcpv4_query(wire::Bytes packet);

// Header 15 00 00 00, then 87, 90s, 137 and `other` in canonical order.
Result<std::vector<uint8_t>> encode_dhcpv4_response(const Dhcpv4Response& response);
// Type must be 21 and exactly one 87 (non-empty) present (RFC 7341 §6.2;
// a response without it is discarded, RFC 7341 §9); the flags are ignored
// (RFC 7341 §6.4). Typed options that concern IPv6 alone are noted in
// `ignored` and left out.
Result<Dhcpv4Response> decode_dhcpv4_response(wire::Bytes packet);

}  // namespace lwb4::dhcp6
