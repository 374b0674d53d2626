#include "netlink/kernel_plan.hpp"

#include <linux/if_addr.h>
#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <algorithm>

namespace lwb4::platform {
namespace {

constexpr uint8_t kTunnelTtl = 64;              // the outer hop limit (RFC 2473 §6.3)
constexpr uint32_t kIpv6HeaderBytes = 40;       // RFC 8200 §3
constexpr uint32_t kEncapLimitOptionBytes = 8;  // RFC 2473 §4.1.1: a destination options header
constexpr uint32_t kMinIpv4Mtu = 68;            // RFC 791
// The IP6_TNL_F_* bits userspace sets; the kernel reports capability bits
// (IP6_TNL_F_CAP_*) above them.
constexpr uint32_t kUserTunnelFlags = 0xffff;
constexpr uint32_t kNoPrefixRoute = IFA_F_NOPREFIXROUTE;

// RFC 3927: IPv4 link-local is never lwb4's to configure.
bool is_ipv4_link_local(const Ipv4Address& a) {
  return a.bytes[0] == 169 && a.bytes[1] == 254;
}

std::string u32(uint32_t v) {
  return std::to_string(v);
}

std::string encap_text(uint32_t flags, uint8_t limit) {
  return (flags & IP6_TNL_F_IGN_ENCAP_LIMIT) ? "none" : u32(limit);
}

// What differs between the device and the wanted parameters; "" when
// nothing that lwb4 sets does.
std::string tunnel_changes(const TunnelParams& have, const TunnelParams& want) {
  std::string out;
  auto note = [&](const char* what, const std::string& from, const std::string& to) {
    if (!out.empty()) out += ", ";
    out += std::string(what) + " " + from + " -> " + to;
  };
  if (have.proto != want.proto) note("proto", u32(have.proto), u32(want.proto));
  if (have.local != want.local) note("local", have.local.to_string(), want.local.to_string());
  if (have.remote != want.remote) note("remote", have.remote.to_string(), want.remote.to_string());
  if (have.ttl != want.ttl) note("ttl", u32(have.ttl), u32(want.ttl));
  bool ignores_limit = want.flags & IP6_TNL_F_IGN_ENCAP_LIMIT;
  if ((have.flags & kUserTunnelFlags) != want.flags ||
      (!ignores_limit && have.encap_limit != want.encap_limit)) {
    note("encaplimit", encap_text(have.flags, have.encap_limit),
         encap_text(want.flags, want.encap_limit));
  }
  if (have.mtu != want.mtu) note("mtu", u32(have.mtu), u32(want.mtu));
  if (have.link != want.link) note("link", u32(have.link), u32(want.link));
  return out;
}

const ObservedAddress6* find_uplink_address(const KernelSnapshot& k, const Ipv6Address& a) {
  for (const ObservedAddress6& o : k.uplink_addresses) {
    if (o.address == a) return &o;
  }
  return nullptr;
}

bool is_wanted_address(const ObservedAddress4& o, const Ipv4Address& want) {
  return o.address == want && o.prefix_length == 32 && (o.flags & kNoPrefixRoute) &&
         o.scope == RT_SCOPE_UNIVERSE;
}

}  // namespace

std::string default_softwire_name(std::string_view uplink) {
  constexpr size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1
  std::string name = "lwb4-" + std::string(uplink);
  if (name.size() > kMaxInterfaceName) name.resize(kMaxInterfaceName);
  return name;
}

std::string describe(const KernelOp& op) {
  struct Describe {
    std::string operator()(const CreateTunnel& o) const { return "create ip6tnl " + o.name; }
    std::string operator()(const ChangeTunnel& o) const {
      return "change ip6tnl " + o.name + " (" + o.changes + ")";
    }
    std::string operator()(const DeleteTunnel& o) const { return "delete ip6tnl " + o.name; }
    std::string operator()(const SetLinkUp& o) const { return "set " + o.name + " up"; }
    std::string operator()(const AddAddress4& o) const {
      return "add " + o.address.to_string() + "/32 on " + o.dev;
    }
    std::string operator()(const DeleteAddress4& o) const {
      return "delete " + o.address.to_string() + "/" + u32(o.prefix_length) + " on " + o.dev;
    }
    std::string operator()(const AddRoute4& o) const {
      return "add default route dev " + o.dev + " table " + u32(o.route.table) + " metric " +
             u32(o.route.metric);
    }
    std::string operator()(const DeleteRoute4& o) const {
      return "delete default route dev " + o.dev + " table " + u32(o.route.table) + " metric " +
             u32(o.route.metric);
    }
    std::string operator()(const AddSource& o) const {
      return "add " + o.address.to_string() + "/128 on " + o.dev;
    }
    std::string operator()(const WaitDad& o) const {
      return "wait for DAD of " + o.address.to_string() + " on " + o.dev;
    }
    std::string operator()(const DeleteSource& o) const {
      return "delete " + o.address.to_string() + "/128 on " + o.dev;
    }
  };
  return std::visit(Describe{}, op);
}

TunnelParams desired_tunnel(const client::DesiredState& state, const KernelConfig& config,
                            const KernelSnapshot& kernel) {
  TunnelParams p;
  p.proto = IPPROTO_IPIP;  // IPv4-in-IPv6 (RFC 2473 §3; RFC 7596 §5.1)
  p.local = state.softwire_source;
  p.remote = state.br;
  p.ttl = kTunnelTtl;
  if (config.encap_limit) {
    p.encap_limit = *config.encap_limit;
  } else {
    p.flags = IP6_TNL_F_IGN_ENCAP_LIMIT;
  }
  // The default leaves room for the IPv6 header and, with an encapsulation
  // limit, its 8-byte destination options header (RFC 2473 §4.1.1), which
  // ip6_tunnel takes off the MTU on transmit.
  const uint32_t overhead = kIpv6HeaderBytes + (config.encap_limit ? kEncapLimitOptionBytes : 0);
  p.mtu =
      config.mtu ? *config.mtu : (kernel.uplink_mtu > overhead ? kernel.uplink_mtu - overhead : 0);
  p.link = static_cast<uint32_t>(kernel.uplink_ifindex);
  return p;
}

Result<std::vector<KernelOp>> plan_apply(const client::DesiredState& state,
                                         const KernelConfig& config, const KernelSnapshot& kernel,
                                         const std::vector<Ipv6Address>& owned_sources) {
  if (kernel.uplink_ifindex == 0) {
    return make_error("uplink %s: no such interface", config.uplink.c_str());
  }
  if (state.ipv4.is_zero() || is_ipv4_link_local(state.ipv4)) {
    return make_error("refusing to configure %s on %s (unspecified or link-local)",
                      state.ipv4.to_string().c_str(), config.softwire.c_str());
  }
  if (kernel.softwire && kernel.softwire->kind != "ip6tnl") {
    return make_error("%s is a %s device, not lwb4's ip6tnl softwire; not touching it",
                      config.softwire.c_str(),
                      kernel.softwire->kind.empty() ? "plain" : kernel.softwire->kind.c_str());
  }
  TunnelParams want = desired_tunnel(state, config, kernel);
  if (want.mtu < kMinIpv4Mtu) {
    return make_error("softwire %s: MTU %u is below the IPv4 minimum of %u",
                      config.softwire.c_str(), want.mtu, kMinIpv4Mtu);
  }

  std::vector<KernelOp> ops;
  if (state.source_is_constructed) {
    const ObservedAddress6* have = find_uplink_address(kernel, state.softwire_source);
    if (!have) {
      ops.push_back(AddSource{config.uplink, state.softwire_source});
      ops.push_back(WaitDad{config.uplink, state.softwire_source});
    } else if (have->flags & IFA_F_DADFAILED) {
      return make_error("softwire source %s on %s failed DAD (duplicate address)",
                        state.softwire_source.to_string().c_str(), config.uplink.c_str());
    } else if (have->flags & IFA_F_TENTATIVE) {
      ops.push_back(WaitDad{config.uplink, state.softwire_source});
    }
  }

  // A device about to be created has none of the addresses or routes an
  // older one had.
  bool exists = kernel.softwire.has_value();
  if (!exists) {
    ops.push_back(CreateTunnel{config.softwire, want});
  } else if (std::string changes = tunnel_changes(kernel.softwire->tunnel, want);
             !changes.empty()) {
    ops.push_back(ChangeTunnel{config.softwire, want, std::move(changes)});
  }

  // RFC 7596 §5.1 / RFC 7618 §7: the address is the CE's own, off-link, on
  // the softwire only: a /32 without a subnet route (and the device is
  // IFF_NOARP, so nothing ARPs for it).
  bool have_address = false;
  if (exists) {
    for (const ObservedAddress4& o : kernel.softwire_addresses) {
      if (!have_address && is_wanted_address(o, state.ipv4)) {
        have_address = true;
      } else {
        ops.push_back(DeleteAddress4{config.softwire, o.address, o.prefix_length});
      }
    }
  }
  if (!have_address) ops.push_back(AddAddress4{config.softwire, state.ipv4});

  if (!exists || !kernel.softwire->up) ops.push_back(SetLinkUp{config.softwire});

  // RFC 7596 §5.1: the IPv4 default route points into the softwire.
  DefaultRoute4 route{config.route_table, config.route_metric, state.ipv4, RT_SCOPE_LINK};
  bool have_route = false;
  if (exists) {
    for (const DefaultRoute4& r : kernel.softwire_routes) {
      if (!have_route && r == route) {
        have_route = true;
      } else {
        ops.push_back(DeleteRoute4{config.softwire, r});
      }
    }
  }
  if (!have_route) ops.push_back(AddRoute4{config.softwire, route});

  for (const Ipv6Address& owned : owned_sources) {
    if (owned != state.softwire_source && find_uplink_address(kernel, owned)) {
      ops.push_back(DeleteSource{config.uplink, owned});
    }
  }
  return ops;
}

std::vector<KernelOp> plan_withdraw(const KernelConfig& config, const KernelSnapshot& kernel,
                                    const std::vector<Ipv6Address>& owned_sources) {
  std::vector<KernelOp> ops;
  // A same-named device of another kind is not lwb4's.
  if (kernel.softwire && kernel.softwire->kind == "ip6tnl") {
    ops.push_back(DeleteTunnel{config.softwire});
  }
  for (const Ipv6Address& owned : owned_sources) {
    if (find_uplink_address(kernel, owned)) ops.push_back(DeleteSource{config.uplink, owned});
  }
  return ops;
}

}  // namespace lwb4::platform
