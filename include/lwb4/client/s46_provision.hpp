// From S46 provisioning data to a DesiredState: the mechanism choice of
// RFC 8026 and the lw4o6 (RFC 7596) and MAP-E (RFC 7597) derivations over
// the containers of RFC 7598, whether they came in a DHCPv6 Reply or were
// handed over as odhcp6c rule strings. Pure functions; the engine calls them
// whenever the DHCPv6 information, the uplink or the configuration changes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lwb4/client/desired_state.hpp"
#include "lwb4/s46/rule.hpp"
#include "lwb4/s46/rule_string.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::client {

// Which mechanisms the engine may configure (lwb4d --mode).
enum class ModeChoice : uint8_t {
  kAuto,     // RFC 8026: option 111's order first, then kDefaultMechanismOrder
  kDhcp4o6,  // only option 88 (RFC 7341)
  kLw4o6,    // only option 96 (RFC 7596)
  kMapE,     // only option 94 (RFC 7597)
};
const char* mode_choice_name(ModeChoice choice);

// The order used when the server sends no S46_PRIORITY (RFC 8026 §1.4 leaves
// it to the client): the two mechanisms that are complete in one DHCPv6
// Reply first, lw4o6 (a binding provisioned for this subscriber) before
// MAP-E, then DHCPv4-over-DHCPv6, which needs a second exchange.
inline constexpr s46::Mechanism kDefaultMechanismOrder[] = {
    s46::Mechanism::kLw4o6, s46::Mechanism::kMapE, s46::Mechanism::kDhcp4o6};

// The mechanisms to try, in order. kAuto with option 111: its codes that
// lwb4 implements, in its order (RFC 8026 §1.4: unknown codes are skipped;
// the first listed match MUST be configured), then the others in
// kDefaultMechanismOrder (§1.4: with no listed match the client MAY configure
// another provisioned mechanism); kAuto without it: kDefaultMechanismOrder;
// a forced mode: that one alone.
std::vector<s46::Mechanism> mechanism_order(ModeChoice choice,
                                            const std::optional<std::vector<uint16_t>>& priority);

// Local inputs of the derivations.
struct S46Settings {
  std::optional<Ipv6Prefix> end_user_prefix;  // MAP-E End-user prefix (lwb4d --prefix)
  std::optional<uint8_t> psid_len;            // lwb4d --psid-len, see map_e_state()
  bool legacy_map = false;                    // draft-ietf-softwire-map-03 IID (--legacy-map)
};

// lw4o6 from an S46_CONT_LW (RFC 7596 §5.1, RFC 7598 §5.3): the IPv4 address
// and port set of its S46_V4V6BIND (offset 0 by default, RFC 7596 §5.1), the
// first BR, and the softwire source built like an RFC 7597 §6 address on the
// longest of `active_prefixes` inside the binding prefix (the binding prefix
// itself when none is). source_is_constructed unless `uplink_addresses`
// already holds that address. Fails without a V4V6BIND.
Result<DesiredState> lw4o6_state(const s46::Container& lw,
                                 std::span<const Ipv6Prefix> active_prefixes,
                                 std::span<const Ipv6Address> uplink_addresses);

// MAP-E from the S46_CONT_MAPE containers (RFC 7598 §5.1; several are
// allowed, one per domain): the BMR is the longest match of the End-user
// prefix over all their rules (RFC 7597 §5.2), the BR is the first of its
// container, the FMRs are that container's rules with the F flag. The PSID
// length is the server's S46_PORTPARAMS PSID-len if it sent one, else
// settings.psid_len, else q from the EA bits (RFC 7597 §5.2). A BMR that
// yields an IPv4 prefix (o + r < 32) fails: lwb4 configures one address.
Result<DesiredState> map_e_state(std::span<const s46::Container> map_e,
                                 const S46Settings& settings);

// odhcp6c rule strings (MAPE/LW4O6) as the containers a Reply would carry:
// all MAP-E rules in one 94 with the union of their BRs, each lw4o6 rule a
// 96. MAP-T rules are left out (lwb4 has no MAP-T).
std::vector<s46::Container> containers_from_rules(std::span<const s46::ScriptRule> rules);

}  // namespace lwb4::client
