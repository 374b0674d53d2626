// The reconcile planner: desired state + configuration + what the kernel
// has -> the fewest operations that make the kernel match. Pure: no
// netlink, so every decision is unit-tested on any host.
//
// lwb4 owns the device named KernelConfig::softwire (with its addresses and
// routes) and the /128s it added to the uplink (remembered by the caller as
// `owned_sources`). Nothing else is ever changed.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lwb4/client/desired_state.hpp"
#include "lwb4/util/result.hpp"
#include "netlink/kernel_config.hpp"
#include "netlink/kernel_snapshot.hpp"

namespace lwb4::platform {

struct CreateTunnel {
  std::string name;
  TunnelParams params;
};
struct ChangeTunnel {
  std::string name;
  TunnelParams params;
  std::string changes;  // "remote 2001:db8::1 -> 2001:db8::2, mtu 1500 -> 1460"
};
struct DeleteTunnel {
  std::string name;
};
struct SetLinkUp {
  std::string name;
};
struct AddAddress4 {  // /32, scope global, IFA_F_NOPREFIXROUTE
  std::string dev;
  Ipv4Address address;
};
struct DeleteAddress4 {
  std::string dev;
  Ipv4Address address;
  uint8_t prefix_length = 0;
};
struct AddRoute4 {
  std::string dev;
  DefaultRoute4 route;
};
struct DeleteRoute4 {
  std::string dev;
  DefaultRoute4 route;
};
struct AddSource {  // a /128 on the uplink
  std::string dev;
  Ipv6Address address;
};
struct WaitDad {
  std::string dev;
  Ipv6Address address;
};
struct DeleteSource {
  std::string dev;
  Ipv6Address address;
};

using KernelOp =
    std::variant<CreateTunnel, ChangeTunnel, DeleteTunnel, SetLinkUp, AddAddress4, DeleteAddress4,
                 AddRoute4, DeleteRoute4, AddSource, WaitDad, DeleteSource>;

// "create ip6tnl lwb4-wan0", "add 192.0.2.18/32 on lwb4-wan0", ...: the
// object and the operation, also the prefix of the executor's errors.
std::string describe(const KernelOp& op);

// The softwire's parameters for `state`: ipip6, TTL 64, the configured
// encapsulation limit and MTU, bound to the uplink.
//
// MAP-E Forwarding Mapping Rules (state.map->fmrs, RFC 7597 §5.3) are not
// installed: upstream ip6tnl has one fixed remote and no per-rule mapping
// (per-destination FMR encapsulation exists only as an OpenWrt kernel patch).
// The softwire runs hub-and-spoke: CE-to-CE traffic also goes to the BR and
// reaches the other CE only if the BR hairpins it. This falls short of
// RFC 7597 §5.2/§5.3 (a CE handles FMRs) for domains in mesh mode.
TunnelParams desired_tunnel(const client::DesiredState& state, const KernelConfig& config,
                            const KernelSnapshot& kernel);

// Operations in execution order: the new source (and its DAD) first, then
// the device, its address, IFF_UP, the route, and old owned sources last.
// Errors: no uplink, the softwire's name taken by another kind of device, an
// address lwb4 must not configure, a source whose DAD failed.
Result<std::vector<KernelOp>> plan_apply(const client::DesiredState& state,
                                         const KernelConfig& config, const KernelSnapshot& kernel,
                                         const std::vector<Ipv6Address>& owned_sources);

// Removes the softwire (its addresses and routes go with it) and the owned
// sources; nothing when neither is there.
std::vector<KernelOp> plan_withdraw(const KernelConfig& config, const KernelSnapshot& kernel,
                                    const std::vector<Ipv6Address>& owned_sources);

}  // namespace lwb4::platform
