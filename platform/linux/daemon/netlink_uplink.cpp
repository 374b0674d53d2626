#include "daemon/netlink_uplink.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cstring>
#include <string_view>

namespace lwb4::platform {
namespace {

constexpr int kEventBufferBytes = 256 * 1024;
constexpr int kMaxMessagesPerWake = 64;
constexpr int kMaxDrain = 4096;
constexpr uint8_t kLinkLocalPrefixLength = 64;  // RFC 4291 §2.5.6
constexpr uint32_t kInfiniteLifetime = 0xffffffff;
// Candidates tried after DAD failures before giving up (RFC 7217 §6
// IDGEN_RETRIES is 3).
constexpr uint32_t kMaxLinkLocalAttempts = 4;

struct ParseContext {
  UplinkTracker* tracker;
  int type;
};

void on_object(nl_object* object, void* arg) {
  auto* ctx = static_cast<ParseContext*>(arg);
  std::string_view kind = nl_object_get_type(object);
  if (kind == "route/link") {
    auto link = link_info_from(reinterpret_cast<rtnl_link*>(object));
    if (!link) return;
    if (ctx->type == RTM_DELLINK) {
      ctx->tracker->on_link_removed(*link);
    } else {
      ctx->tracker->on_link(*link);
    }
  } else if (kind == "route/addr") {
    auto address = address_info_from(reinterpret_cast<rtnl_addr*>(object));
    if (!address) return;
    if (ctx->type == RTM_DELADDR) {
      ctx->tracker->on_address_removed(*address);
    } else {
      ctx->tracker->on_address(*address);
    }
  }
}

int on_message(nl_msg* msg, void* arg) {
  apply_netlink_message(msg, *static_cast<UplinkTracker*>(arg));
  return NL_OK;
}

Error nl_error(const char* what, int err) {
  return make_error("netlink %s: %s", what, nl_geterror(err));
}

}  // namespace

std::optional<LinkInfo> link_info_from(rtnl_link* link) {
  // Bridge-port reports (AF_BRIDGE) share RTNLGRP_LINK but describe the
  // port's bridge membership, not the interface.
  if (rtnl_link_get_family(link) != AF_UNSPEC) return std::nullopt;
  LinkInfo info;
  info.ifindex = rtnl_link_get_ifindex(link);
  if (info.ifindex <= 0) return std::nullopt;
  if (const char* name = rtnl_link_get_name(link)) info.name = name;
  info.flags = rtnl_link_get_flags(link);
  if (nl_addr* hw = rtnl_link_get_addr(link); hw && nl_addr_get_len(hw) == 6) {
    MacAddress mac;
    std::memcpy(mac.data(), nl_addr_get_binary_addr(hw), mac.size());
    info.mac = mac;
  }
  return info;
}

std::optional<AddressInfo> address_info_from(rtnl_addr* addr) {
  if (rtnl_addr_get_family(addr) != AF_INET6) return std::nullopt;
  nl_addr* local = rtnl_addr_get_local(addr);
  if (!local || nl_addr_get_len(local) != 16) return std::nullopt;
  AddressInfo info;
  info.ifindex = rtnl_addr_get_ifindex(addr);
  std::memcpy(info.address.bytes.data(), nl_addr_get_binary_addr(local), 16);
  info.prefix_length = static_cast<uint8_t>(rtnl_addr_get_prefixlen(addr));
  info.flags = rtnl_addr_get_flags(addr);
  info.scope = static_cast<uint8_t>(rtnl_addr_get_scope(addr));
  return info;
}

bool apply_netlink_message(nl_msg* msg, UplinkTracker& tracker) {
  ParseContext ctx{&tracker, nlmsg_hdr(msg)->nlmsg_type};
  return nl_msg_parse(msg, &on_object, &ctx) >= 0;
}

Result<std::unique_ptr<NetlinkUplink>> NetlinkUplink::open(std::string name) {
  std::unique_ptr<NetlinkUplink> self(new NetlinkUplink(std::move(name)));
  self->events_ = nl_socket_alloc();
  self->query_ = nl_socket_alloc();
  if (!self->events_ || !self->query_) return make_error("netlink: out of memory");
  nl_sock* ev = self->events_;
  nl_socket_disable_seq_check(ev);
  nl_socket_modify_cb(ev, NL_CB_VALID, NL_CB_CUSTOM, &on_message, &self->tracker_);
  if (int err = nl_connect(ev, NETLINK_ROUTE); err < 0) return nl_error("connect", err);
  if (int err = nl_socket_add_memberships(ev, RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR, 0); err < 0) {
    return nl_error("subscribe", err);
  }
  if (int err = nl_socket_set_nonblocking(ev); err < 0) return nl_error("nonblocking", err);
  nl_socket_set_buffer_size(ev, kEventBufferBytes, 0);

  nl_socket_modify_cb(self->query_, NL_CB_VALID, NL_CB_CUSTOM, &on_message, &self->tracker_);
  if (int err = nl_connect(self->query_, NETLINK_ROUTE); err < 0) return nl_error("connect", err);
  if (auto st = self->dump(); !st) return st.error();
  return self;
}

NetlinkUplink::~NetlinkUplink() {
  if (events_) nl_socket_free(events_);
  if (query_) nl_socket_free(query_);
}

int NetlinkUplink::fd() const {
  return nl_socket_get_fd(events_);
}

Status NetlinkUplink::dump() {
  // A dump that fails half-way (an interrupted dump, a full buffer) leaves
  // the state before it, not an empty uplink the engine would withdraw for;
  // the next wake tries again.
  UplinkTracker before = tracker_;
  tracker_.clear();
  Status st = dump_all();
  dump_pending_ = !st;
  if (!st) tracker_ = std::move(before);
  return st;
}

Status NetlinkUplink::dump_all() {
  if (int err = nl_rtgen_request(query_, RTM_GETLINK, AF_UNSPEC, NLM_F_DUMP); err < 0) {
    return nl_error("link dump", err);
  }
  if (int err = nl_recvmsgs_default(query_); err < 0) return nl_error("link dump", err);
  if (int err = nl_rtgen_request(query_, RTM_GETADDR, AF_INET6, NLM_F_DUMP); err < 0) {
    return nl_error("address dump", err);
  }
  if (int err = nl_recvmsgs_default(query_); err < 0) return nl_error("address dump", err);
  return {};
}

// Queued events predate a fresh dump: dropped first, then the dump.
Status NetlinkUplink::resync() {
  for (int j = 0; j < kMaxDrain && nl_recvmsgs_default(events_) != -NLE_AGAIN; ++j) {
  }
  return dump();
}

Status NetlinkUplink::process() {
  if (dump_pending_) return resync();
  for (int i = 0; i < kMaxMessagesPerWake; ++i) {
    int err = nl_recvmsgs_default(events_);
    if (err == -NLE_AGAIN) return {};
    if (err == -NLE_NOMEM) {
      // ENOBUFS: the kernel dropped events; only a fresh dump is reliable.
      ++resyncs_;
      return resync();
    }
    if (err < 0) return nl_error("receive", err);
  }
  return {};
}

Status NetlinkUplink::change_address(const Ipv6Address& address, bool add) {
  int ifindex = tracker_.ifindex();
  if (ifindex == 0) return make_error("uplink %s: no such interface", tracker_.name().c_str());
  rtnl_addr* a = rtnl_addr_alloc();
  nl_addr* local = nl_addr_build(AF_INET6, address.bytes.data(), 16);
  if (!a || !local) {
    if (a) rtnl_addr_put(a);
    if (local) nl_addr_put(local);
    return make_error("netlink: out of memory");
  }
  nl_addr_set_prefixlen(local, kLinkLocalPrefixLength);
  rtnl_addr_set_ifindex(a, ifindex);
  rtnl_addr_set_local(a, local);
  rtnl_addr_set_prefixlen(a, kLinkLocalPrefixLength);
  int err;
  if (add) {
    rtnl_addr_set_valid_lifetime(a, kInfiniteLifetime);
    rtnl_addr_set_preferred_lifetime(a, 0);
    err = rtnl_addr_add(query_, a, 0);
    if (err == -NLE_EXIST) err = 0;
  } else {
    err = rtnl_addr_delete(query_, a, 0);
    if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) err = 0;
  }
  rtnl_addr_put(a);
  nl_addr_put(local);
  if (err < 0) {
    return make_error("%s %s/64 on %s: %s", add ? "adding" : "removing",
                      address.to_string().c_str(), tracker_.name().c_str(), nl_geterror(err));
  }
  return {};
}

Status NetlinkUplink::claim_link_local(std::vector<uint8_t> duid, std::optional<MacAddress> mac) {
  duid_ = std::move(duid);
  mac_ = mac;
  attempt_ = 0;
  tracker_.set_dedicated_link_local(dedicated_link_local(duid_, attempt_, mac_));
  return keep_link_local();
}

Status NetlinkUplink::keep_link_local() {
  const std::optional<Ipv6Address>& dedicated = tracker_.dedicated_link_local();
  if (!dedicated || tracker_.ifindex() == 0 || attempt_ >= kMaxLinkLocalAttempts) return {};
  Ipv6Address address = *dedicated;
  const AddressInfo* info = tracker_.find(address);
  if (info && (info->flags & IFA_F_DADFAILED)) {
    // RFC 4862 §5.4.5: a duplicate is not used; try another identifier.
    Status removed = change_address(address, false);
    if (++attempt_ >= kMaxLinkLocalAttempts) {
      // Without any link-local DHCPv6 could not send at all: fall back to
      // the interface's own (shared with other clients; docs/design.md).
      tracker_.set_dedicated_link_local(std::nullopt);
      return make_error(
          "dedicated link-local %s failed DAD; gave up after %u candidates, using the "
          "interface's own link-local",
          address.to_string().c_str(), attempt_);
    }
    Ipv6Address next = dedicated_link_local(duid_, attempt_, mac_);
    tracker_.set_dedicated_link_local(next);
    if (!removed) return removed;
    if (auto st = change_address(next, true); !st) return st;
    return make_error("dedicated link-local %s failed DAD; trying %s", address.to_string().c_str(),
                      next.to_string().c_str());
  }
  if (info || !(tracker_.link_flags() & IFF_UP)) return {};
  return change_address(address, true);
}

Status NetlinkUplink::release_link_local() {
  const std::optional<Ipv6Address>& dedicated = tracker_.dedicated_link_local();
  if (!dedicated || tracker_.ifindex() == 0) return {};
  return change_address(*dedicated, false);
}

}  // namespace lwb4::platform
