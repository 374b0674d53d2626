// The uplink's state assembled from kernel link and address reports (a
// dump at start, then change events), reduced to the client::UplinkState
// the engine consumes. No netlink here: the libnl glue feeds it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lwb4/client/engine.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

using MacAddress = std::array<uint8_t, 6>;

// One network interface (RTM_NEWLINK / RTM_DELLINK).
struct LinkInfo {
  int ifindex = 0;
  std::string name;
  uint32_t flags = 0;             // IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ...
  std::optional<MacAddress> mac;  // an Ethernet-sized hardware address
};

// One IPv6 address (RTM_NEWADDR / RTM_DELADDR).
struct AddressInfo {
  int ifindex = 0;
  Ipv6Address address;
  uint8_t prefix_length = 128;
  uint32_t flags = 0;  // IFA_F_TENTATIVE, IFA_F_DADFAILED, IFA_F_DEPRECATED, ...
  uint8_t scope = 0;   // RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST
};

// lwb4d's own link-local address on the uplink: fe80::/64 with an interface
// identifier hashed from the DUID and `attempt` (the next one after a DAD
// failure), stable across restarts (RFC 7217 §5 in spirit). It is never the
// modified EUI-64 one of `mac` (RFC 4291 §2.5.1), which the kernel and
// odhcp6c use, nor a reserved identifier (RFC 5453).
Ipv6Address dedicated_link_local(std::span<const uint8_t> duid, uint32_t attempt,
                                 const std::optional<MacAddress>& mac);

class UplinkTracker {
 public:
  explicit UplinkTracker(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  // 0 while no interface of that name exists.
  int ifindex() const { return link_ ? link_->ifindex : 0; }
  std::optional<MacAddress> mac() const { return link_ ? link_->mac : std::nullopt; }

  // Links of other names are ignored; a new ifindex for our name (the
  // interface was re-created) forgets the old addresses.
  void on_link(const LinkInfo& link);
  void on_link_removed(const LinkInfo& link);
  // Addresses of other interfaces are ignored; a report of a known
  // address replaces it (its flags change when DAD completes).
  void on_address(const AddressInfo& address);
  void on_address_removed(const AddressInfo& address);
  // Forgets everything, before a full re-dump.
  void clear();

  // With a dedicated link-local set, state() reports it as the link-local
  // (usable while assigned and past DAD; it is deprecated on purpose, so
  // that the kernel never picks it for other programs) and never falls
  // back to the kernel's own.
  void set_dedicated_link_local(std::optional<Ipv6Address> address) {
    dedicated_ = std::move(address);
  }
  const std::optional<Ipv6Address>& dedicated_link_local() const { return dedicated_; }
  uint32_t link_flags() const { return link_ ? link_->flags : 0; }
  const AddressInfo* find(const Ipv6Address& address) const;

  // up: IFF_UP and IFF_RUNNING (the kernel's operational state, which
  // includes carrier). Addresses still in DAD, failed or deprecated are
  // left out (RFC 4862 §5.4, §5.5.4). Both lists are sorted, so the same
  // kernel state always yields the same UplinkState.
  client::UplinkState state() const;

 private:
  std::string name_;
  std::optional<LinkInfo> link_;
  std::vector<AddressInfo> addresses_;
  std::optional<Ipv6Address> dedicated_;
};

}  // namespace lwb4::platform
