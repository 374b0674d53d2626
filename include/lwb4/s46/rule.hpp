// Softwire 46 provisioning data (RFC 7598) shared by the DHCPv6 codec, the
// odhcp6c rule-string parser and the MAP arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "lwb4/portset/port_set.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::s46 {

// A MAP rule (S46_RULE, option 89; RFC 7597 §5).
struct Rule {
  bool fmr = false;              // F flag: also a Forwarding Mapping Rule
  uint8_t ea_len = 0;            // 0..48
  Ipv4Prefix ipv4_prefix;        // Rule IPv4 prefix
  Ipv6Prefix ipv6_prefix;        // Rule IPv6 prefix
  std::optional<PortSet> ports;  // S46_PORTPARAMS (93) inside the rule, if any

  bool operator==(const Rule&) const = default;
};

// S46_V4V6BIND (option 92): the lw4o6 binding (RFC 7596).
struct V4V6Bind {
  Ipv4Address ipv4;
  Ipv6Prefix bind_prefix;
  std::optional<PortSet> ports;  // S46_PORTPARAMS (93) inside the binding

  bool operator==(const V4V6Bind&) const = default;
};

enum class Mechanism : uint16_t {
  kDsLite = 64,   // OPTION_AFTR_NAME
  kDhcp4o6 = 88,  // OPTION_DHCP4_O_DHCP6_SERVER
  kMapE = 94,     // OPTION_S46_CONT_MAPE
  kMapT = 95,     // OPTION_S46_CONT_MAPT
  kLw4o6 = 96,    // OPTION_S46_CONT_LW
};

// One S46 container (94, 95 or 96) after validation against RFC 7598 §5.
struct Container {
  Mechanism mechanism = Mechanism::kMapE;
  std::vector<Rule> rules;        // MAP-E/MAP-T: >= 1; lw4o6: none
  std::vector<Ipv6Address> brs;   // MAP-E/lw4o6: >= 1; MAP-T: none
  std::optional<Ipv6Prefix> dmr;  // MAP-T: exactly one
  std::optional<V4V6Bind> bind;   // lw4o6: at most one

  bool operator==(const Container&) const = default;
};

}  // namespace lwb4::s46
