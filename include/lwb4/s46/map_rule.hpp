// MAP rule arithmetic: from a Basic Mapping Rule and the End-user IPv6 prefix
// to the CE's IPv4 address (or prefix), port set and MAP IPv6 address
// (RFC 7597 §5.2 and §6), plus BMR selection and the FMR list.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lwb4/portset/port_set.hpp"
#include "lwb4/s46/rule.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::s46 {

constexpr unsigned kMaxEaLen = 48;        // RFC 7598 §4.1: ea-len 0..48
constexpr unsigned kMaxPsidLen = 16;      // RFC 7597 §5.1: the PSID lives in a 16-bit port
constexpr unsigned kLwDefaultOffset = 0;  // RFC 7596 §5.1: a SHOULD be 0 (one contiguous range)
// draft-ietf-softwire-map-03 default offset; OpenWrt mapcalc applies it with LEGACY=1.
constexpr unsigned kLegacyDefaultOffset = 4;

// Where the IPv4 address and the PSID sit in the interface identifier.
enum class IidLayout : uint8_t {
  kRfc7597,  // RFC 7597 §6: 16 bits 0 | IPv4(32) | PSID(16)
  // Legacy layout of draft-ietf-softwire-map-03, still used by Japanese ISPs
  // and OpenWrt's "legacymap": 8 bits 0 | IPv4(32) | PSID(16) | 8 bits 0.
  kLegacy,
};

struct MapOptions {
  Mechanism mechanism = Mechanism::kMapE;  // picks the default offset
  IidLayout layout = IidLayout::kRfc7597;
};

// The offset used when the rule carries no S46_PORTPARAMS.
unsigned default_offset(const MapOptions& options);

enum class AddressKind : uint8_t {
  kPrefix,  // o + r < 32: an IPv4 prefix of length r + o, no port set
  kFull,    // a whole IPv4 address, every port
  kShared,  // one IPv4 address, the ports of one PSID
};

// Where the PSID of a shared address came from.
enum class PsidSource : uint8_t {
  kNone,        // not shared
  kEaBits,      // the low EA bits of the End-user prefix (RFC 7597 §5.2)
  kPortParams,  // the PSID carried by S46_PORTPARAMS (RFC 7598 §4.5)
};

struct MapResult {
  AddressKind kind = AddressKind::kFull;
  // The CE's IPv4 address (length 32) or, for kPrefix, its IPv4 prefix.
  Ipv4Prefix ipv4;
  std::optional<PortSet> ports;  // only for kShared
  uint16_t psid = 0;             // right-aligned; 0 unless kShared
  PsidSource psid_source = PsidSource::kNone;
  uint64_t ea_bits = 0;  // bits [n, n + o) of the End-user prefix
  uint8_t ea_len = 0;    // o
  // The MAP IPv6 address (RFC 7597 §6) and its low 64 bits. With an
  // End-user prefix longer than /64 the prefix overwrites the top of the IID,
  // and interface_id shows the result.
  Ipv6Address ce_address;
  std::array<uint8_t, 8> interface_id{};
};

// Derives the CE parameters from a BMR and the End-user prefix.
//
// PSID length: an explicit PSID-len > 0 from the rule's S46_PORTPARAMS wins
// over q = o - (32 - r), which RFC 7597 §5.2 derives from the EA bits; the RFC
// does not say which wins, and OpenWrt's mapcalc makes the same choice. With
// an explicit PSID-len k != q the PSID is the last k EA bits.
// PSID value: a non-zero PSID in S46_PORTPARAMS is explicit and MUST be used
// (RFC 7598 §4.5); otherwise the EA bits supply it, and when the EA bits carry
// no PSID (o + r <= 32) the PORTPARAMS PSID (possibly 0) is used.
// Offset: from S46_PORTPARAMS, else default_offset(options).
// For an IPv4 prefix (o + r < 32) any PORTPARAMS PSID is discarded (RFC 7598
// §4.5) and there is no port set.
Result<MapResult> derive(const Rule& bmr, const Ipv6Prefix& end_user_prefix,
                         const MapOptions& options = {});

// An lw4o6 binding seen as a MAP rule: the whole IPv4 address comes from the
// rule (r = 32, o = 0) and the PSID from its S46_PORTPARAMS (RFC 7596 §5.1).
Rule bind_as_rule(const V4V6Bind& bind);

// RFC 7597 §5.2: the BMR is the rule whose IPv6 prefix is the longest match
// for the End-user prefix. Among equal prefixes the first rule wins.
Result<size_t> select_bmr(std::span<const Rule> rules, const Ipv6Prefix& end_user_prefix);

// A route the CE installs for a Forwarding Mapping Rule (RFC 7597 §5.3):
// destinations in ipv4_prefix are reached through the rule's mapping.
struct FmrRoute {
  Ipv4Prefix ipv4_prefix;
  size_t rule_index = 0;
  bool operator==(const FmrRoute&) const = default;
};

// The rules with the F flag set (RFC 7598 §4.1), in order.
std::vector<FmrRoute> fmr_routes(std::span<const Rule> rules);

}  // namespace lwb4::s46
