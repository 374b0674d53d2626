// How lwb4 shapes its kernel objects: the softwire device's name, MTU and
// encapsulation limit, and where the IPv4 default route goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lwb4::platform {

constexpr uint32_t kMainRouteTable = 254;  // RT_TABLE_MAIN

struct KernelConfig {
  std::string uplink;    // the IPv6 uplink the softwire rides on
  std::string softwire;  // the ip6tnl device; everything on it is lwb4's
  // Default: the uplink's MTU minus the IPv6 header (RFC 2473 §6.7).
  std::optional<uint32_t> mtu;
  // nullopt: no Tunnel Encapsulation Limit option (RFC 2473 §4.1.1); many
  // BRs drop packets carrying it.
  std::optional<uint8_t> encap_limit;
  uint32_t route_metric = 0;
  uint32_t route_table = kMainRouteTable;

  bool operator==(const KernelConfig&) const = default;
};

// "lwb4-" + uplink, cut to the kernel's 15-byte interface name limit.
std::string default_softwire_name(std::string_view uplink);

}  // namespace lwb4::platform
