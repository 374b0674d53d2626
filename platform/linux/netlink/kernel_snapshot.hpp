// What the kernel has of the objects lwb4 manages, read over rtnetlink:
// the input of the reconcile planner next to the desired state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

// An ip6tnl device's parameters, as created or as read back.
struct TunnelParams {
  uint8_t proto = 0;  // the inner protocol: IPPROTO_IPIP for ipip6
  Ipv6Address local;
  Ipv6Address remote;
  uint8_t ttl = 0;  // the outer hop limit
  uint8_t encap_limit = 0;
  uint32_t flags = 0;  // IP6_TNL_F_*
  uint32_t mtu = 0;
  uint32_t link = 0;  // the underlying device's ifindex

  bool operator==(const TunnelParams&) const = default;
};

struct ObservedLink {
  int ifindex = 0;
  std::string kind;  // "ip6tnl", "veth", ... ("" for a plain device)
  bool up = false;
  TunnelParams tunnel;  // meaningful only for kind "ip6tnl"
};

struct ObservedAddress4 {
  Ipv4Address address;
  uint8_t prefix_length = 0;
  uint32_t flags = 0;  // IFA_F_*
  uint8_t scope = 0;   // RT_SCOPE_*
};

struct ObservedAddress6 {
  Ipv6Address address;
  uint8_t prefix_length = 0;
  uint32_t flags = 0;  // IFA_F_*
};

// An IPv4 default route (0.0.0.0/0) out of the softwire.
struct DefaultRoute4 {
  uint32_t table = 0;
  uint32_t metric = 0;
  Ipv4Address prefsrc;  // zero: none
  uint8_t scope = 0;

  bool operator==(const DefaultRoute4&) const = default;
};

struct KernelSnapshot {
  int uplink_ifindex = 0;  // 0: no such interface
  uint32_t uplink_mtu = 0;
  std::vector<ObservedAddress6> uplink_addresses;
  std::optional<ObservedLink> softwire;  // the device with the softwire's name
  std::vector<ObservedAddress4> softwire_addresses;
  std::vector<DefaultRoute4> softwire_routes;
};

}  // namespace lwb4::platform
