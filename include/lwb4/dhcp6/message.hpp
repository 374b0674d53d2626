// DHCPv6 client/server messages (RFC 8415 §8): msg-type(8) transaction-id(24)
// options, with typed fields for the options lwb4 uses and the S46 options of
// RFC 7598, RFC 8026 and RFC 8539. The DHCP 4o6 messages (RFC 7341 §6.2)
// share the layout; for them the 24-bit field holds flags (see dhcp4o6.hpp).
//
// Decoding policy:
// * A broken top-level TLV (truncated header, length past the end) rejects
//   the message. So does a typed RFC 8415 / RFC 3646 / RFC 7341 option with
//   a bad length or value, and a second copy of one of them (RFC 8415 §21:
//   an option appears once unless stated otherwise; IA_PD may repeat).
// * S46 options never reject the message. An S46 option outside a container
//   (89, 91, 92, 93 at top level), a container that breaks the RFC 7598 §5
//   table or holds an invalid value, an invalid S46_BR / S46_PRIORITY /
//   S46_BIND_IPV6_PREFIX and a second S46_PRIORITY / S46_BIND_IPV6_PREFIX
//   (singletons; the first is kept) are left out, and a reason is appended
//   to `ignored`.
// * Unknown options are kept raw in `other`, in order.
//
// Canonical encoding order: ascending option code (1, 2, 6, 8, 13, 23, 24,
// 25, 32, 82, 83, 87, 88, 90, then the containers 94/95/96 in the order of
// `containers`, 111, 137), then `other` in order. `ignored` is not encoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lwb4/dhcp6/duid.hpp"
#include "lwb4/dhcp6/ia_pd.hpp"
#include "lwb4/dhcp6/options.hpp"
#include "lwb4/s46/rule.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"

namespace lwb4::dhcp6 {

// Message types, RFC 8415 §7.3 and RFC 7341 §6.1.
enum class MessageType : uint8_t {
  kSolicit = 1,
  kAdvertise = 2,
  kRequest = 3,
  kConfirm = 4,
  kRenew = 5,
  kRebind = 6,
  kReply = 7,
  kRelease = 8,
  kDecline = 9,
  kReconfigure = 10,
  kInformationRequest = 11,
  kRelayForw = 12,  // relay layout (RFC 8415 §9); not decoded by this codec
  kRelayRepl = 13,  // relay layout (RFC 8415 §9); not decoded by this codec
  kDhcpv4Query = 20,
  kDhcpv4Response = 21,
};

// "REPLY", "DHCPV4-RESPONSE", ... or "unknown".
const char* message_type_name(MessageType type);

constexpr uint32_t kMaxTransactionId = 0xffffff;  // 24 bits, RFC 8415 §8
constexpr size_t kHeaderLength = 4;               // msg-type + transaction-id, RFC 8415 §8

// SOL_MAX_RT / INF_MAX_RT values outside 60..86400 s are ignored by the
// client (RFC 8415 §21.24, §21.25); the codec keeps them raw.
constexpr uint32_t kMaxRtMinimum = 60;
constexpr uint32_t kMaxRtMaximum = 86400;
constexpr bool max_rt_acceptable(uint32_t seconds) {
  return seconds >= kMaxRtMinimum && seconds <= kMaxRtMaximum;
}

struct Message {
  MessageType type = MessageType::kSolicit;
  // Transaction id (24 bits); the flags for DHCPV4-QUERY/-RESPONSE.
  uint32_t transaction_id = 0;

  std::optional<Duid> client_id;                            // 1
  std::optional<Duid> server_id;                            // 2
  std::optional<std::vector<uint16_t>> oro;                 // 6 (may be empty)
  std::optional<uint16_t> elapsed_time;                     // 8, 1/100 s
  std::optional<StatusCode> status;                         // 13
  std::optional<std::vector<Ipv6Address>> dns_servers;      // 23
  std::optional<std::vector<std::string>> domain_list;      // 24
  std::vector<IaPd> ia_pds;                                 // 25, may repeat
  std::optional<uint32_t> information_refresh_time;         // 32, seconds
  std::optional<uint32_t> sol_max_rt;                       // 82, raw seconds
  std::optional<uint32_t> inf_max_rt;                       // 83, raw seconds
  std::optional<std::vector<uint8_t>> dhcpv4_msg;           // 87, raw DHCPv4 message
  std::optional<std::vector<Ipv6Address>> dhcp4o6_servers;  // 88, order and duplicates kept
  std::vector<Ipv6Address> s46_brs;                         // 90 at top level (RFC 8539)
  std::vector<s46::Container> containers;                   // 94/95/96, valid ones, in order
  std::optional<std::vector<uint16_t>> s46_priority;        // 111
  std::optional<Ipv6Prefix> s46_bind_prefix;                // 137
  std::vector<RawOption> other;                             // unknown options, in order

  // Why options were left out while decoding (RFC 7598 §5 "silently
  // ignore"); for logs. Not part of the wire form.
  std::vector<std::string> ignored;

  bool operator==(const Message&) const = default;
};

// True for the option codes that have a typed field (or are dropped) in
// Message; such codes are not allowed in Message::other.
bool is_typed_option(uint16_t code);

// Decodes a DHCPv6 client/server or DHCP 4o6 message. Relay messages and
// unknown message types are rejected (RFC 8415 §16: the client discards them).
Result<Message> decode_message(wire::Bytes packet);

// Encodes in canonical order. Fails on values the decoder would reject:
// transaction id > 24 bits, relay type, invalid container, S46_PRIORITY with
// duplicates, non-canonical prefixes, bad domain names, a typed code in
// `other`, an option body over 65535 bytes.
Result<std::vector<uint8_t>> encode_message(const Message& message);

}  // namespace lwb4::dhcp6
