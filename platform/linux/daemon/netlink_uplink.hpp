// The uplink's link and IPv6 address state from rtnetlink (libnl-route-3):
// a dump at start, then the RTNLGRP_LINK and RTNLGRP_IPV6_IFADDR events,
// fed to an UplinkTracker. After an event overflow (ENOBUFS) it re-dumps.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/uplink_tracker.hpp"
#include "lwb4/util/result.hpp"

struct nl_sock;
struct nl_msg;
struct rtnl_link;
struct rtnl_addr;

namespace lwb4::platform {

// libnl objects to plain values; nullopt for what the uplink never uses
// (bridge-port link reports, IPv4 addresses, odd address lengths).
std::optional<LinkInfo> link_info_from(rtnl_link* link);
std::optional<AddressInfo> address_info_from(rtnl_addr* addr);
// One RTM_{NEW,DEL}{LINK,ADDR} message into the tracker; false when libnl
// cannot parse it.
bool apply_netlink_message(nl_msg* msg, UplinkTracker& tracker);

class NetlinkUplink {
 public:
  // Subscribes first, then dumps, so no change between the two is lost.
  static Result<std::unique_ptr<NetlinkUplink>> open(std::string name);
  ~NetlinkUplink();
  NetlinkUplink(const NetlinkUplink&) = delete;
  NetlinkUplink& operator=(const NetlinkUplink&) = delete;

  // The event socket, for the loop.
  int fd() const;
  // Reads the pending events (a bounded batch; the loop calls again while
  // the socket stays readable).
  Status process();
  const UplinkTracker& tracker() const { return tracker_; }
  uint64_t resyncs() const { return resyncs_; }

  // lwb4d's own link-local (dedicated_link_local()) on the uplink, the
  // source of everything it multicasts, so that replies to it reach lwb4d
  // and nothing sent to the link's usual link-local does. Added with a
  // preferred lifetime of 0 (deprecated: RFC 6724 rule 3 keeps other
  // programs from choosing it as a source); one left by an earlier run is
  // adopted.
  Status claim_link_local(std::vector<uint8_t> duid, std::optional<MacAddress> mac);
  // After process(): adds it back when the kernel dropped it (the link
  // went down), and moves to the next candidate after a DAD failure. An
  // Error is worth a warning; the next event tries again.
  Status keep_link_local();
  // Removes it (at exit).
  Status release_link_local();

 private:
  explicit NetlinkUplink(std::string name) : tracker_(std::move(name)) {}
  Status dump();
  Status dump_all();
  Status resync();
  Status change_address(const Ipv6Address& address, bool add);

  nl_sock* events_ = nullptr;
  nl_sock* query_ = nullptr;
  UplinkTracker tracker_;
  uint64_t resyncs_ = 0;
  bool dump_pending_ = false;  // the last dump failed: the next wake retries it
  std::vector<uint8_t> duid_;
  std::optional<MacAddress> mac_;
  uint32_t attempt_ = 0;
};

}  // namespace lwb4::platform
