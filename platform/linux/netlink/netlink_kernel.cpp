#include "netlink/netlink_kernel.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace lwb4::platform {
namespace {

template <class T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  explicit Owned(T* q) : p(q) {}
  ~Owned() {
    if (p) Free(p);
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  T* get() const { return p; }
};
using LinkPtr = Owned<rtnl_link, rtnl_link_put>;
using AddrPtr = Owned<rtnl_addr, rtnl_addr_put>;
using RoutePtr = Owned<rtnl_route, rtnl_route_put>;
using NlAddrPtr = Owned<nl_addr, nl_addr_put>;
using CachePtr = Owned<nl_cache, nl_cache_free>;

const char* hint(const KernelOp& op, int err) {
  if (err == -NLE_PERM) return " (lwb4d needs CAP_NET_ADMIN)";
  if (err == -NLE_OPNOTSUPP && std::holds_alternative<CreateTunnel>(op)) {
    return " (is the ip6_tunnel module loaded?)";
  }
  if (err == -NLE_EXIST && std::holds_alternative<CreateTunnel>(op)) {
    return " (another ip6tnl has the same endpoints?)";
  }
  return "";
}

Error op_error(const KernelOp& op, int err) {
  return make_error("%s: %s%s", describe(op).c_str(), nl_geterror(err), hint(op, err));
}

Error read_error(const char* what, int err) {
  return make_error("netlink: reading %s: %s", what, nl_geterror(err));
}

in6_addr to_in6(const Ipv6Address& a) {
  in6_addr out;
  std::memcpy(&out, a.bytes.data(), 16);
  return out;
}

Ipv6Address from_in6(const in6_addr& a) {
  Ipv6Address out;
  std::memcpy(out.bytes.data(), &a, 16);
  return out;
}

nl_addr* build_addr(int family, const void* bytes, size_t size, unsigned prefix_length) {
  nl_addr* a = nl_addr_build(family, bytes, size);
  if (a) nl_addr_set_prefixlen(a, static_cast<int>(prefix_length));
  return a;
}

template <size_t N>
bool copy_addr(nl_addr* a, std::array<uint8_t, N>& out) {
  if (!a || nl_addr_get_len(a) != N) return false;
  std::memcpy(out.data(), nl_addr_get_binary_addr(a), N);
  return true;
}

Result<int> ifindex_of(const std::string& name) {
  unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) return make_error("%s: %s", name.c_str(), std::strerror(errno));
  return static_cast<int>(index);
}

// nullptr (and 0) when there is no such device.
Result<rtnl_link*> get_link(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &link);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return static_cast<rtnl_link*>(nullptr);
  if (err < 0) return read_error(name.c_str(), err);
  return link;
}

TunnelParams read_tunnel(rtnl_link* link) {
  TunnelParams p;
  p.proto = rtnl_link_ip6_tnl_get_proto(link);
  in6_addr a{};
  if (rtnl_link_ip6_tnl_get_local(link, &a) == 0) p.local = from_in6(a);
  a = in6_addr{};
  if (rtnl_link_ip6_tnl_get_remote(link, &a) == 0) p.remote = from_in6(a);
  p.ttl = rtnl_link_ip6_tnl_get_ttl(link);
  p.encap_limit = rtnl_link_ip6_tnl_get_encaplimit(link);
  p.flags = rtnl_link_ip6_tnl_get_flags(link);
  p.mtu = rtnl_link_get_mtu(link);
  p.link = rtnl_link_ip6_tnl_get_link(link);
  return p;
}

rtnl_link* tunnel_link(const std::string& name, const TunnelParams& p) {
  rtnl_link* link = rtnl_link_ip6_tnl_alloc();
  if (!link) return nullptr;
  rtnl_link_set_name(link, name.c_str());
  rtnl_link_ip6_tnl_set_proto(link, p.proto);
  in6_addr local = to_in6(p.local);
  in6_addr remote = to_in6(p.remote);
  rtnl_link_ip6_tnl_set_local(link, &local);
  rtnl_link_ip6_tnl_set_remote(link, &remote);
  rtnl_link_ip6_tnl_set_ttl(link, p.ttl);
  rtnl_link_ip6_tnl_set_flags(link, p.flags);
  if (p.encap_limit != 0) rtnl_link_ip6_tnl_set_encaplimit(link, p.encap_limit);
  rtnl_link_ip6_tnl_set_link(link, p.link);
  rtnl_link_set_mtu(link, p.mtu);
  return link;
}

void fill_route(rtnl_route* r, int ifindex, const DefaultRoute4& route, nl_addr* dst) {
  rtnl_route_set_family(r, AF_INET);
  rtnl_route_set_dst(r, dst);
  rtnl_route_set_table(r, route.table);
  rtnl_route_set_priority(r, route.metric);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  rtnl_route_nh_set_ifindex(nh, ifindex);
  rtnl_route_add_nexthop(r, nh);
}

}  // namespace

Result<std::unique_ptr<NetlinkKernel>> NetlinkKernel::open() {
  std::unique_ptr<NetlinkKernel> self(new NetlinkKernel());
  self->sock_ = nl_socket_alloc();
  if (!self->sock_) return make_error("netlink: out of memory");
  if (int err = nl_connect(self->sock_, NETLINK_ROUTE); err < 0) {
    return make_error("netlink: connect: %s", nl_geterror(err));
  }
  return self;
}

NetlinkKernel::~NetlinkKernel() {
  if (sock_) nl_socket_free(sock_);
}

Result<KernelSnapshot> NetlinkKernel::snapshot(const KernelConfig& config) {
  KernelSnapshot k;
  auto uplink = get_link(sock_, config.uplink);
  if (!uplink) return uplink.error();
  LinkPtr uplink_ptr(*uplink);
  if (*uplink) {
    k.uplink_ifindex = rtnl_link_get_ifindex(*uplink);
    k.uplink_mtu = rtnl_link_get_mtu(*uplink);
  }
  auto softwire = get_link(sock_, config.softwire);
  if (!softwire) return softwire.error();
  LinkPtr softwire_ptr(*softwire);
  int softwire_index = 0;
  if (*softwire) {
    ObservedLink o;
    o.ifindex = softwire_index = rtnl_link_get_ifindex(*softwire);
    if (const char* kind = rtnl_link_get_type(*softwire)) o.kind = kind;
    o.up = rtnl_link_get_flags(*softwire) & IFF_UP;
    if (o.kind == "ip6tnl") o.tunnel = read_tunnel(*softwire);
    k.softwire = std::move(o);
  }

  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock_, &raw); err < 0) return read_error("addresses", err);
  CachePtr addrs(raw);
  for (nl_object* obj = nl_cache_get_first(addrs.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* a = reinterpret_cast<rtnl_addr*>(obj);
    int ifindex = rtnl_addr_get_ifindex(a);
    int family = rtnl_addr_get_family(a);
    if (ifindex == k.uplink_ifindex && k.uplink_ifindex != 0 && family == AF_INET6) {
      ObservedAddress6 o;
      if (!copy_addr(rtnl_addr_get_local(a), o.address.bytes)) continue;
      o.prefix_length = static_cast<uint8_t>(rtnl_addr_get_prefixlen(a));
      o.flags = rtnl_addr_get_flags(a);
      k.uplink_addresses.push_back(o);
    } else if (ifindex == softwire_index && softwire_index != 0 && family == AF_INET) {
      ObservedAddress4 o;
      if (!copy_addr(rtnl_addr_get_local(a), o.address.bytes)) continue;
      o.prefix_length = static_cast<uint8_t>(rtnl_addr_get_prefixlen(a));
      o.flags = rtnl_addr_get_flags(a);
      o.scope = static_cast<uint8_t>(rtnl_addr_get_scope(a));
      k.softwire_addresses.push_back(o);
    }
  }

  if (softwire_index == 0) return k;
  raw = nullptr;
  if (int err = rtnl_route_alloc_cache(sock_, AF_INET, 0, &raw); err < 0) {
    return read_error("routes", err);
  }
  CachePtr routes(raw);
  for (nl_object* obj = nl_cache_get_first(routes.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* r = reinterpret_cast<rtnl_route*>(obj);
    nl_addr* dst = rtnl_route_get_dst(r);
    if (rtnl_route_get_type(r) != RTN_UNICAST || !dst || nl_addr_get_prefixlen(dst) != 0) continue;
    if (rtnl_route_get_nnexthops(r) != 1) continue;
    if (rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0)) != softwire_index) continue;
    DefaultRoute4 o;
    o.table = rtnl_route_get_table(r);
    o.metric = rtnl_route_get_priority(r);
    copy_addr(rtnl_route_get_pref_src(r), o.prefsrc.bytes);
    o.scope = rtnl_route_get_scope(r);
    k.softwire_routes.push_back(o);
  }
  return k;
}

Status NetlinkKernel::execute(const KernelOp& op) {
  int err = 0;
  if (const auto* o = std::get_if<CreateTunnel>(&op)) {
    LinkPtr link(tunnel_link(o->name, o->params));
    if (!link.get()) return make_error("%s: out of memory", describe(op).c_str());
    err = rtnl_link_add(sock_, link.get(), NLM_F_CREATE | NLM_F_EXCL);
  } else if (const auto* c = std::get_if<ChangeTunnel>(&op)) {
    LinkPtr link(tunnel_link(c->name, c->params));
    if (!link.get()) return make_error("%s: out of memory", describe(op).c_str());
    err = rtnl_link_add(sock_, link.get(), 0);
  } else if (const auto* d = std::get_if<DeleteTunnel>(&op)) {
    LinkPtr link(rtnl_link_alloc());
    rtnl_link_set_name(link.get(), d->name.c_str());
    err = rtnl_link_delete(sock_, link.get());
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) err = 0;
  } else if (const auto* u = std::get_if<SetLinkUp>(&op)) {
    auto orig = get_link(sock_, u->name);
    if (!orig) return orig.error().wrap(describe(op));
    LinkPtr orig_ptr(*orig);
    if (!*orig) return make_error("%s: no such device", describe(op).c_str());
    LinkPtr change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    err = rtnl_link_change(sock_, *orig, change.get(), 0);
  } else if (std::holds_alternative<AddAddress4>(op) ||
             std::holds_alternative<DeleteAddress4>(op)) {
    const auto* add = std::get_if<AddAddress4>(&op);
    const auto* del = std::get_if<DeleteAddress4>(&op);
    auto ifindex = ifindex_of(add ? add->dev : del->dev);
    if (!ifindex) return ifindex.error().wrap(describe(op));
    const Ipv4Address& address = add ? add->address : del->address;
    unsigned length = add ? 32 : del->prefix_length;
    AddrPtr a(rtnl_addr_alloc());
    NlAddrPtr local(build_addr(AF_INET, address.bytes.data(), 4, length));
    rtnl_addr_set_ifindex(a.get(), *ifindex);
    rtnl_addr_set_family(a.get(), AF_INET);
    rtnl_addr_set_local(a.get(), local.get());
    rtnl_addr_set_prefixlen(a.get(), static_cast<int>(length));
    if (add) {
      rtnl_addr_set_scope(a.get(), RT_SCOPE_UNIVERSE);
      rtnl_addr_set_flags(a.get(), IFA_F_NOPREFIXROUTE);
      err = rtnl_addr_add(sock_, a.get(), NLM_F_CREATE | NLM_F_EXCL);
    } else {
      err = rtnl_addr_delete(sock_, a.get(), 0);
    }
  } else if (std::holds_alternative<AddRoute4>(op) || std::holds_alternative<DeleteRoute4>(op)) {
    const auto* add = std::get_if<AddRoute4>(&op);
    const auto* del = std::get_if<DeleteRoute4>(&op);
    auto ifindex = ifindex_of(add ? add->dev : del->dev);
    if (!ifindex) return ifindex.error().wrap(describe(op));
    const DefaultRoute4& route = add ? add->route : del->route;
    uint8_t any[4] = {};
    NlAddrPtr dst(build_addr(AF_INET, any, 4, 0));
    RoutePtr r(rtnl_route_alloc());
    fill_route(r.get(), *ifindex, route, dst.get());
    if (add) {
      rtnl_route_set_scope(r.get(), route.scope);
      rtnl_route_set_type(r.get(), RTN_UNICAST);
      rtnl_route_set_protocol(r.get(), RTPROT_STATIC);
      NlAddrPtr src(build_addr(AF_INET, route.prefsrc.bytes.data(), 4, 32));
      if (!route.prefsrc.is_zero()) rtnl_route_set_pref_src(r.get(), src.get());
      err = rtnl_route_add(sock_, r.get(), NLM_F_CREATE | NLM_F_EXCL);
    } else {
      err = rtnl_route_delete(sock_, r.get(), 0);
    }
  } else if (std::holds_alternative<AddSource>(op) || std::holds_alternative<DeleteSource>(op)) {
    const auto* add = std::get_if<AddSource>(&op);
    const auto* del = std::get_if<DeleteSource>(&op);
    auto ifindex = ifindex_of(add ? add->dev : del->dev);
    if (!ifindex) return ifindex.error().wrap(describe(op));
    const Ipv6Address& address = add ? add->address : del->address;
    AddrPtr a(rtnl_addr_alloc());
    NlAddrPtr local(build_addr(AF_INET6, address.bytes.data(), 16, 128));
    rtnl_addr_set_ifindex(a.get(), *ifindex);
    rtnl_addr_set_family(a.get(), AF_INET6);
    rtnl_addr_set_local(a.get(), local.get());
    rtnl_addr_set_prefixlen(a.get(), 128);
    if (add) {
      rtnl_addr_set_scope(a.get(), RT_SCOPE_UNIVERSE);
      rtnl_addr_set_flags(a.get(), IFA_F_NOPREFIXROUTE);
      err = rtnl_addr_add(sock_, a.get(), NLM_F_CREATE | NLM_F_EXCL);
    } else {
      err = rtnl_addr_delete(sock_, a.get(), 0);
    }
  } else if (std::holds_alternative<WaitDad>(op)) {
    return make_error("%s: not an operation to execute (dad_done)", describe(op).c_str());
  }
  if (err < 0) return op_error(op, err);
  return {};
}

uint32_t NetlinkKernel::port() const {
  return nl_socket_get_local_port(sock_);
}

// RFC 4862 §5.4: a tentative address is not yet usable as a source.
Result<bool> NetlinkKernel::dad_done(const WaitDad& op) {
  auto ifindex = ifindex_of(op.dev);
  if (!ifindex) return ifindex.error().wrap(describe(op));
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock_, &raw); err < 0) return op_error(op, err);
  CachePtr addrs(raw);
  std::optional<uint32_t> flags;
  for (nl_object* obj = nl_cache_get_first(addrs.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* a = reinterpret_cast<rtnl_addr*>(obj);
    Ipv6Address have;
    if (rtnl_addr_get_ifindex(a) == *ifindex && rtnl_addr_get_family(a) == AF_INET6 &&
        copy_addr(rtnl_addr_get_local(a), have.bytes) && have == op.address) {
      flags = rtnl_addr_get_flags(a);
    }
  }
  if (!flags) return make_error("%s: the address is gone", describe(op).c_str());
  if (*flags & IFA_F_DADFAILED) {
    return make_error("%s: DAD failed (duplicate address)", describe(op).c_str());
  }
  return !(*flags & IFA_F_TENTATIVE);
}

}  // namespace lwb4::platform
