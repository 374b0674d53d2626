// What the core wants the kernel to look like: the whole configuration,
// never a delta. The platform adapters reconcile the kernel towards it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lwb4/client/clock.hpp"
#include "lwb4/portset/port_set.hpp"
#include "lwb4/s46/rule.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::client {

// How the IPv4 service was provisioned.
enum class Mode : uint8_t {
  kDhcp4o6,  // lwB4 with DHCPv4-over-DHCPv6 (RFC 7341, 7618, 8539)
  kLw4o6,    // lw4o6 from DHCPv6 option 96 (RFC 7596, 7598)
  kMapE,     // MAP-E CE (RFC 7597, 7598)
  kPcp,      // PCP MAP with PORT_SET (RFC 6887, 7753)
};
const char* mode_name(Mode mode);

// What a MAP-E state was derived from (RFC 7597 §5), for status and for the
// adapters.
struct MapDetails {
  s46::Rule bmr;  // the Basic Mapping Rule chosen by longest match (§5.2)
  Ipv6Prefix end_user_prefix;
  uint64_t ea_bits = 0;  // bits [n, n + o) of the End-user prefix
  // The Forwarding Mapping Rules (F flag, RFC 7598 §4.1) of the BMR's
  // domain. Upstream Linux ip6tnl has no per-rule remote, so the kernel
  // adapter runs hub-and-spoke (everything to the BR, RFC 7597 §5.3 mesh
  // traffic included); they are kept for status.
  std::vector<s46::Rule> fmrs;

  bool operator==(const MapDetails&) const = default;
};

struct DesiredState {
  Mode mode = Mode::kDhcp4o6;
  // The IPv4 address: configured /32 off-link on the softwire (RFC 7618 §7:
  // no subnet route, no ARP).
  Ipv4Address ipv4;
  // The port set; PortSet::full() for an unshared address.
  PortSet ports = PortSet::full();
  Ipv6Address br;               // the lwAFTR / BR: softwire remote
  Ipv6Address softwire_source;  // the softwire local (RFC 8539 option 109)
  // True when lwb4 built the source (RFC 7597 §6 / RFC 8539 option 137) and
  // the adapter must add it as a /128 to the uplink; false when it is an
  // address the uplink already has.
  bool source_is_constructed = false;
  std::vector<Ipv4Address> dns_servers;
  std::optional<MapDetails> map;  // only for Mode::kMapE

  bool operator==(const DesiredState&) const = default;
};

// The DHCPv4 lease behind a kDhcp4o6 state, for status and persistence.
struct Lease {
  Ipv4Address address;
  PortSet ports = PortSet::full();
  Ipv4Address server_id;
  Ipv6Address transport_source;  // 4o6 IPv6 source used (RFC 7618 §5 INIT-REBOOT rule)
  Ipv6Address softwire_source;   // option 109 acknowledged by the server
  Ipv6Address br;
  std::vector<Ipv4Address> dns_servers;
  TimePoint acquired{};  // when the DHCPREQUEST it answers was first sent (RFC 2131 §4.4.1)
  Seconds lease_time{0};
  Seconds t1{0};
  Seconds t2{0};

  TimePoint t1_at() const { return acquired + t1; }
  TimePoint t2_at() const { return acquired + t2; }
  TimePoint expires_at() const { return acquired + lease_time; }
  bool operator==(const Lease&) const = default;
};

}  // namespace lwb4::client
