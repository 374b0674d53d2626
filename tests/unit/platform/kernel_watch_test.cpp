#include "netlink/kernel_watch.hpp"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

namespace lwb4::platform {
namespace {

Ipv6Address v6(const char* text) {
  return *Ipv6Address::parse(text);
}

// A netlink message as the kernel sends it: header, family header,
// attributes (each 4-byte aligned).
class Message {
 public:
  template <class Header>
  Message(uint16_t type, uint32_t sender, const Header& header) {
    bytes_.resize(NLMSG_HDRLEN);
    append(&header, sizeof header);
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_pid = sender;
  }
  Message& attr(uint16_t type, const void* data, size_t size) {
    rtattr a{};
    a.rta_type = type;
    a.rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
    append(&a, sizeof a);
    append(data, size);
    return *this;
  }
  const nlmsghdr* get() {
    hdr()->nlmsg_len = static_cast<uint32_t>(bytes_.size());
    return hdr();
  }

 private:
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(bytes_.data()); }
  void append(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()));
  }
  std::vector<uint8_t> bytes_;
};

WatchScope scope() {
  WatchScope s;
  s.uplink = "wan0";
  s.softwire = "lwb4-wan0";
  s.uplink_ifindex = 2;
  s.softwire_ifindex = 7;
  s.own_port = 4242;
  s.route_table = RT_TABLE_MAIN;
  s.sources = {v6("2001:db8:1::100")};
  return s;
}

KernelEvent link(const char* name, int ifindex, bool removed = false, uint32_t sender = 0) {
  KernelEvent e;
  e.kind = KernelEvent::Kind::kLink;
  e.name = name;
  e.ifindex = ifindex;
  e.removed = removed;
  e.sender = sender;
  return e;
}

TEST(KernelEventFrom, LinkWithItsName) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = 7;
  Message m(RTM_DELLINK, 0, ifi);
  m.attr(IFLA_IFNAME, "lwb4-wan0", 10);
  auto e = kernel_event_from(m.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, KernelEvent::Kind::kLink);
  EXPECT_TRUE(e->removed);
  EXPECT_EQ(e->ifindex, 7);
  EXPECT_EQ(e->name, "lwb4-wan0");
}

TEST(KernelEventFrom, BridgePortReportsAreNotLinks) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = 7;
  Message m(RTM_NEWLINK, 0, ifi);
  EXPECT_FALSE(kernel_event_from(m.get()));
}

TEST(KernelEventFrom, Ipv6AddressAndSender) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  ifa.ifa_index = 2;
  ifa.ifa_prefixlen = 128;
  Ipv6Address a = v6("2001:db8:1::100");
  Message m(RTM_NEWADDR, 99, ifa);
  m.attr(IFA_ADDRESS, a.bytes.data(), 16);
  auto e = kernel_event_from(m.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, KernelEvent::Kind::kAddress6);
  EXPECT_FALSE(e->removed);
  EXPECT_EQ(e->sender, 99u);
  EXPECT_EQ(e->address, a);
}

TEST(KernelEventFrom, Ipv6AddressWithoutAddressIsDropped) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  Message m(RTM_NEWADDR, 0, ifa);
  EXPECT_FALSE(kernel_event_from(m.get()));
}

TEST(KernelEventFrom, RouteTableFromTheAttribute) {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = 0;
  rtm.rtm_table = RT_TABLE_COMPAT;  // tables past 255 only fit the attribute
  uint32_t table = 1000;
  Message m(RTM_DELROUTE, 0, rtm);
  m.attr(RTA_TABLE, &table, 4);
  auto e = kernel_event_from(m.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, KernelEvent::Kind::kRoute4);
  EXPECT_TRUE(e->removed);
  EXPECT_EQ(e->table, 1000u);
  EXPECT_EQ(e->dst_len, 0);
}

TEST(KernelEventFrom, Ipv6RoutesAndOtherMessagesAreIgnored) {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET6;
  Message m(RTM_NEWROUTE, 0, rtm);
  EXPECT_FALSE(kernel_event_from(m.get()));
  ifinfomsg ifi{};
  Message n(RTM_NEWNEIGH, 0, ifi);
  EXPECT_FALSE(kernel_event_from(n.get()));
}

TEST(KernelEventFrom, TruncatedIsIgnored) {
  ifaddrmsg ifa{};
  Message m(RTM_NEWADDR, 0, ifa);
  nlmsghdr h = *m.get();
  h.nlmsg_len = NLMSG_HDRLEN + 2;
  EXPECT_FALSE(kernel_event_from(&h));
}

TEST(NeedsReconcile, TheSoftwireAndTheUplinkByNameOrIndex) {
  EXPECT_TRUE(needs_reconcile(link("lwb4-wan0", 7, true), scope()));
  EXPECT_TRUE(needs_reconcile(link("lwb4-wan0", 9), scope()));  // re-created
  EXPECT_TRUE(needs_reconcile(link("renamed", 7), scope()));    // renamed away
  EXPECT_TRUE(needs_reconcile(link("wan0", 2), scope()));       // the uplink went down/up
  EXPECT_FALSE(needs_reconcile(link("lan0", 3), scope()));
}

TEST(NeedsReconcile, OwnChangesAreEchoes) {
  EXPECT_FALSE(needs_reconcile(link("lwb4-wan0", 7, true, 4242), scope()));
  WatchScope unknown = scope();
  unknown.own_port = 0;
  EXPECT_TRUE(needs_reconcile(link("lwb4-wan0", 7, true, 0), unknown));
}

TEST(NeedsReconcile, AddressesOnTheSoftwireAndOwnedSourcesOnly) {
  KernelEvent a4;
  a4.kind = KernelEvent::Kind::kAddress4;
  a4.ifindex = 7;
  EXPECT_TRUE(needs_reconcile(a4, scope()));
  a4.ifindex = 3;
  EXPECT_FALSE(needs_reconcile(a4, scope()));

  KernelEvent a6;
  a6.kind = KernelEvent::Kind::kAddress6;
  a6.ifindex = 2;
  a6.address = v6("2001:db8:1::100");
  EXPECT_TRUE(needs_reconcile(a6, scope()));
  a6.address = v6("2001:db8:1::2");  // the uplink's own address: not lwb4's
  EXPECT_FALSE(needs_reconcile(a6, scope()));
  a6.address = v6("2001:db8:1::100");
  a6.ifindex = 3;
  EXPECT_FALSE(needs_reconcile(a6, scope()));
}

TEST(NeedsReconcile, DefaultRoutesOfTheConfiguredTable) {
  KernelEvent r;
  r.kind = KernelEvent::Kind::kRoute4;
  r.table = RT_TABLE_MAIN;
  r.dst_len = 0;
  r.removed = true;
  EXPECT_TRUE(needs_reconcile(r, scope()));
  r.dst_len = 24;
  EXPECT_FALSE(needs_reconcile(r, scope()));
  r.dst_len = 0;
  r.table = 100;
  EXPECT_FALSE(needs_reconcile(r, scope()));
}

TEST(NeedsReconcile, NothingKnownMatchesNoIndex) {
  WatchScope s = scope();
  s.softwire_ifindex = 0;  // the device is gone
  KernelEvent a4;
  a4.kind = KernelEvent::Kind::kAddress4;
  a4.ifindex = 0;
  EXPECT_FALSE(needs_reconcile(a4, s));
}

TEST(HealLimiter, BurstThenHeldUntilTheWindowEnds) {
  HealLimiter limiter;
  auto t0 = HealLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (size_t i = 0; i < HealLimiter::kBurst; ++i) {
    auto now = t0 + std::chrono::milliseconds(100 * i);
    EXPECT_FALSE(limiter.hold_until(now)) << i;
    limiter.record(now);
  }
  auto now = t0 + std::chrono::seconds(1);
  auto hold = limiter.hold_until(now);
  ASSERT_TRUE(hold);
  EXPECT_EQ(*hold, t0 + HealLimiter::kWindow);
  EXPECT_FALSE(limiter.hold_until(t0 + HealLimiter::kWindow));
}

}  // namespace
}  // namespace lwb4::platform
