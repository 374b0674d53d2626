// Softwire46 DHCPv6 options: the S46 containers 94/95/96 with their RULE,
// BR, DMR, V4V6BIND and PORTPARAMS contents (RFC 7598), S46_PRIORITY
// (RFC 8026) and S46_BIND_IPV6_PREFIX (RFC 8539).
//
// A decode failure here is never fatal to the DHCPv6 message: the client
// ignores an invalid S46 option or container (RFC 7598 §5), so the message
// decoder drops it and records the reason.
#pragma once

#include <cstdint>
#include <vector>

#include "lwb4/s46/rule.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp6 {

constexpr unsigned kMaxEaLength = 48;      // RFC 7598 §4.1
constexpr size_t kS46RuleFixedLength = 8;  // flags, ea-len, prefix4-len, ipv4, prefix6-len
constexpr uint8_t kS46RuleFlagF = 0x01;    // F flag, bit 7 of flags, RFC 7598 §4.1

// "S46_CONT_MAPE" for a container code, as used in the ignore reasons.
const char* container_name(s46::Mechanism mechanism);
// The container option code (94/95/96) of a mechanism; 0 if it has none.
uint16_t container_code(s46::Mechanism mechanism);

// S46_RULE body. IPv4 bits past prefix4-len and IPv6 bits past prefix6-len
// are ignored on receive (cleared). Only one S46_PORTPARAMS sub-option is
// accepted; any other sub-option makes the rule unsupported.
Result<s46::Rule> decode_s46_rule(wire::Bytes body);
// S46_V4V6BIND body: ipv4(32) bindprefix6-len(8) prefix(var) sub-options.
Result<s46::V4V6Bind> decode_s46_v4v6bind(wire::Bytes body);
// S46_DMR body: prefix6-len(8) prefix(var), with nothing after it.
Result<Ipv6Prefix> decode_s46_dmr(wire::Bytes body);
// S46_BR body: one IPv6 address (length 16).
Result<Ipv6Address> decode_s46_br(wire::Bytes body);

// A container body (code 94, 95 or 96), checked against the RFC 7598 §5
// table: MAP-E needs RULE >= 1 and BR >= 1; MAP-T needs RULE >= 1 and
// exactly one DMR; lw4o6 needs BR >= 1 and at most one V4V6BIND. Everything
// else (a forbidden option, PORTPARAMS directly in the container, an unknown
// option, an invalid value) fails with a reason naming the container.
Result<s46::Container> decode_s46_container(uint16_t code, wire::Bytes body);
// The same table applied to a container about to be sent.
Status check_container(const s46::Container& container);

// S46_PRIORITY body: a list of option codes, length >= 2 and even, with no
// duplicates (RFC 8026 §4: a list with duplicates is invalid).
Result<std::vector<uint16_t>> decode_s46_priority(wire::Bytes body);
// S46_BIND_IPV6_PREFIX body: bindprefix6-len(8) prefix((len + 7) / 8 bytes);
// len <= 128 and the byte count must match (RFC 8539).
Result<Ipv6Prefix> decode_s46_bind_ipv6_prefix(wire::Bytes body);

// Encoders write a whole option (code, length, body). Canonical order inside
// a container: every RULE, then every BR, then the DMR, then the V4V6BIND;
// inside a RULE or V4V6BIND the PORTPARAMS sub-option comes last. Prefixes
// are written with ceil(len / 8) bytes. Each encoder fails on a value its
// decoder would reject (so a failed encode never emits a dropped option).
Status encode_s46_rule(wire::Writer& w, const s46::Rule& rule);
Status encode_s46_v4v6bind(wire::Writer& w, const s46::V4V6Bind& bind);
Status encode_s46_dmr(wire::Writer& w, const Ipv6Prefix& dmr);
Status encode_s46_br(wire::Writer& w, const Ipv6Address& br);
Status encode_s46_container(wire::Writer& w, const s46::Container& container);
Status encode_s46_priority(wire::Writer& w, const std::vector<uint16_t>& codes);
Status encode_s46_bind_ipv6_prefix(wire::Writer& w, const Ipv6Prefix& prefix);

}  // namespace lwb4::dhcp6
