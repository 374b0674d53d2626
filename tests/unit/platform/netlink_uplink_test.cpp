#include "daemon/netlink_uplink.hpp"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <poll.h>

#include <array>

#include "netns_support.hpp"
#include "test_support.hpp"

namespace lwb4::platform {
namespace {

constexpr std::array<uint8_t, 6> kMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};

Ipv6Address ip(const char* text) {
  return *Ipv6Address::parse(text);
}

// Owning wrappers for the constructed libnl objects.
struct Link {
  rtnl_link* p = rtnl_link_alloc();
  ~Link() { rtnl_link_put(p); }
};
struct Addr {
  rtnl_addr* p = rtnl_addr_alloc();
  ~Addr() { rtnl_addr_put(p); }
};
// libnl marks a received message with its socket's protocol, which picks
// the parser; a built one is marked here the same way.
struct Msg {
  nl_msg* p = nullptr;
  nl_msg* route() {
    nlmsg_set_proto(p, NETLINK_ROUTE);
    return p;
  }
  ~Msg() {
    if (p) nlmsg_free(p);
  }
};

void make_wan_link(rtnl_link* link, int ifindex, unsigned flags) {
  rtnl_link_set_ifindex(link, ifindex);
  rtnl_link_set_name(link, "wan0");
  rtnl_link_set_flags(link, flags);
  nl_addr* mac = nl_addr_build(AF_LLC, kMac.data(), kMac.size());
  rtnl_link_set_addr(link, mac);
  nl_addr_put(mac);
}

void make_address(rtnl_addr* addr, int ifindex, const char* text, unsigned flags, int scope) {
  Ipv6Address a = ip(text);
  nl_addr* local = nl_addr_build(AF_INET6, a.bytes.data(), 16);
  rtnl_addr_set_local(addr, local);
  nl_addr_put(local);
  rtnl_addr_set_ifindex(addr, ifindex);
  rtnl_addr_set_prefixlen(addr, 64);
  rtnl_addr_set_flags(addr, flags);
  rtnl_addr_set_scope(addr, scope);
}

TEST(NetlinkObjects, LinkInfo) {
  Link link;
  make_wan_link(link.p, 7, IFF_UP | IFF_RUNNING);
  auto info = link_info_from(link.p);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ifindex, 7);
  EXPECT_EQ(info->name, "wan0");
  EXPECT_EQ(info->flags & (IFF_UP | IFF_RUNNING), unsigned{IFF_UP | IFF_RUNNING});
  EXPECT_EQ(info->mac, kMac);

  Link no_mac;  // e.g. a tun or ppp device
  rtnl_link_set_ifindex(no_mac.p, 8);
  rtnl_link_set_name(no_mac.p, "ppp0");
  info = link_info_from(no_mac.p);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->mac);

  Link bridge_port;
  make_wan_link(bridge_port.p, 7, IFF_UP);
  rtnl_link_set_family(bridge_port.p, AF_BRIDGE);
  EXPECT_FALSE(link_info_from(bridge_port.p));
  Link no_index;
  rtnl_link_set_name(no_index.p, "wan0");
  EXPECT_FALSE(link_info_from(no_index.p));
}

TEST(NetlinkObjects, AddressInfo) {
  Addr addr;
  make_address(addr.p, 7, "2001:db8::2", IFA_F_TENTATIVE, RT_SCOPE_UNIVERSE);
  auto info = address_info_from(addr.p);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ifindex, 7);
  EXPECT_EQ(info->address, ip("2001:db8::2"));
  EXPECT_EQ(info->prefix_length, 64);
  EXPECT_EQ(info->flags, unsigned{IFA_F_TENTATIVE});
  EXPECT_EQ(info->scope, RT_SCOPE_UNIVERSE);

  Addr v4;
  std::array<uint8_t, 4> bytes = {192, 0, 2, 1};
  nl_addr* local = nl_addr_build(AF_INET, bytes.data(), bytes.size());
  rtnl_addr_set_local(v4.p, local);
  nl_addr_put(local);
  rtnl_addr_set_ifindex(v4.p, 7);
  EXPECT_FALSE(address_info_from(v4.p));
}

// Messages as the kernel sends them (libnl builds the same RTM_* layout
// for requests), through the parser the event socket uses.
TEST(NetlinkMessages, NewAndDelete) {
  UplinkTracker tracker("wan0");
  Link link;
  make_wan_link(link.p, 7, IFF_UP | IFF_RUNNING);
  Msg new_link;
  ASSERT_EQ(rtnl_link_build_add_request(link.p, 0, &new_link.p), 0);
  ASSERT_EQ(nlmsg_hdr(new_link.p)->nlmsg_type, RTM_NEWLINK);
  ASSERT_TRUE(apply_netlink_message(new_link.route(), tracker));
  EXPECT_EQ(tracker.ifindex(), 7);
  EXPECT_EQ(tracker.mac(), kMac);
  EXPECT_TRUE(tracker.state().up);

  Addr global;
  make_address(global.p, 7, "2001:db8::2", IFA_F_PERMANENT, RT_SCOPE_UNIVERSE);
  Addr link_local;
  make_address(link_local.p, 7, "fe80::1", IFA_F_PERMANENT, RT_SCOPE_LINK);
  Addr tentative;
  make_address(tentative.p, 7, "2001:db8::3", IFA_F_TENTATIVE, RT_SCOPE_UNIVERSE);
  for (rtnl_addr* a : {global.p, link_local.p, tentative.p}) {
    Msg m;
    ASSERT_EQ(rtnl_addr_build_add_request(a, 0, &m.p), 0);
    ASSERT_EQ(nlmsg_hdr(m.p)->nlmsg_type, RTM_NEWADDR);
    ASSERT_TRUE(apply_netlink_message(m.route(), tracker));
  }
  client::UplinkState s = tracker.state();
  EXPECT_EQ(s.link_local, ip("fe80::1"));
  EXPECT_EQ(s.global, (std::vector<client::UplinkAddress>{{ip("2001:db8::2"), 64}}));

  Msg del_addr;
  ASSERT_EQ(rtnl_addr_build_delete_request(global.p, 0, &del_addr.p), 0);
  ASSERT_EQ(nlmsg_hdr(del_addr.p)->nlmsg_type, RTM_DELADDR);
  ASSERT_TRUE(apply_netlink_message(del_addr.route(), tracker));
  EXPECT_TRUE(tracker.state().global.empty());

  Msg del_link;
  ASSERT_EQ(rtnl_link_build_delete_request(link.p, &del_link.p), 0);
  ASSERT_EQ(nlmsg_hdr(del_link.p)->nlmsg_type, RTM_DELLINK);
  ASSERT_TRUE(apply_netlink_message(del_link.route(), tracker));
  EXPECT_EQ(tracker.ifindex(), 0);
  EXPECT_EQ(tracker.state(), client::UplinkState{});
}

// Kernel notifications can lag the request that caused them (IPv6
// addresses are announced from the DAD work item, carrier changes from
// linkwatch): process events until `done` holds, for at most 3 s.
template <class Done>
bool process_until(NetlinkUplink& uplink, Done done) {
  for (int i = 0; i < 300; ++i) {
    EXPECT_TRUE(uplink.process());
    if (done(uplink.tracker().state())) return true;
    pollfd p{uplink.fd(), POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  return false;
}

// The real kernel in a private namespace: the dump at open, then events.
TEST(NetlinkUplink, DumpAndEvents) {
  testing::ScopedNetns netns;
  if (!netns.ok()) GTEST_SKIP() << "no CAP_SYS_ADMIN for a network namespace";
  testing::Rtnl rtnl;
  ASSERT_TRUE(rtnl.ok());

  auto lo = NetlinkUplink::open("lo");
  ASSERT_TRUE(lo) << lo.error().reason();
  EXPECT_EQ((*lo)->tracker().ifindex(), 1);
  EXPECT_FALSE((*lo)->tracker().state().up);  // a new namespace's lo is down
  ASSERT_TRUE(rtnl.set_up("lo"));
  EXPECT_TRUE(process_until(**lo, [](const client::UplinkState& s) { return s.up; }));
  EXPECT_TRUE((*lo)->tracker().state().global.empty());  // ::1 is host scope
  ASSERT_TRUE(rtnl.add_address("lo", "2001:db8::1", 128));
  EXPECT_TRUE(process_until(**lo, [](const client::UplinkState& s) { return !s.global.empty(); }));
  EXPECT_EQ((*lo)->tracker().state().global,
            (std::vector<client::UplinkAddress>{{ip("2001:db8::1"), 128}}));
  ASSERT_TRUE(rtnl.remove_address("lo", "2001:db8::1", 128));
  EXPECT_TRUE(process_until(**lo, [](const client::UplinkState& s) { return s.global.empty(); }));

  // An uplink that appears after the daemon started.
  auto wan = NetlinkUplink::open("wan0");
  ASSERT_TRUE(wan) << wan.error().reason();
  EXPECT_EQ((*wan)->tracker().ifindex(), 0);
  if (!rtnl.add_veth("wan0", "peer0")) GTEST_SKIP() << "no veth support";
  ASSERT_TRUE((*wan)->process());
  int ifindex = (*wan)->tracker().ifindex();
  EXPECT_EQ(ifindex, static_cast<int>(if_nametoindex("wan0")));
  EXPECT_TRUE((*wan)->tracker().mac());
  EXPECT_FALSE((*wan)->tracker().state().up);
  ASSERT_TRUE(rtnl.set_up("wan0"));
  ASSERT_TRUE(rtnl.set_up("peer0"));
  ASSERT_TRUE(rtnl.add_address("wan0", "2001:db8:1::3", 64, /*nodad=*/false));  // in DAD
  ASSERT_TRUE(rtnl.add_address("wan0", "2001:db8:1::2", 64));
  EXPECT_TRUE(
      process_until(**wan, [](const client::UplinkState& s) { return s.up && !s.global.empty(); }));
  // The tentative one is left out (RFC 4862 §5.4); its DAD takes a second.
  EXPECT_EQ((*wan)->tracker().state().global,
            (std::vector<client::UplinkAddress>{{ip("2001:db8:1::2"), 64}}));

  // Carrier lost (the peer went down), then the interface deleted.
  ASSERT_TRUE(rtnl.set_up("peer0", false));
  EXPECT_TRUE(process_until(**wan, [](const client::UplinkState& s) { return !s.up; }));
  ASSERT_TRUE(rtnl.remove_link("wan0"));
  EXPECT_TRUE(process_until(
      **wan, [](const client::UplinkState& s) { return s == client::UplinkState{}; }));
  EXPECT_EQ((*wan)->tracker().ifindex(), 0);
  EXPECT_EQ((*wan)->resyncs(), 0u);
}

}  // namespace
}  // namespace lwb4::platform
