#include "daemon/uplink_tracker.hpp"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

namespace lwb4::platform {
namespace {

constexpr uint32_t kLowerUp = 1u << 16;  // IFF_LOWER_UP (linux/if.h, which clashes with net/if.h)
constexpr uint32_t kUpRunning = IFF_UP | IFF_RUNNING | kLowerUp;

LinkInfo wan(int ifindex = 4, uint32_t flags = kUpRunning) {
  return {ifindex, "wan0", flags, MacAddress{0x02, 0x00, 0x5e, 0x00, 0x53, 0x01}};
}

AddressInfo addr(const char* text, uint8_t scope = RT_SCOPE_UNIVERSE, uint32_t flags = 0,
                 int ifindex = 4, uint8_t len = 64) {
  return {ifindex, *Ipv6Address::parse(text), len, flags, scope};
}

Ipv6Address ip(const char* text) {
  return *Ipv6Address::parse(text);
}

TEST(UplinkTracker, AbsentUntilTheLinkIsReported) {
  UplinkTracker t("wan0");
  EXPECT_EQ(t.ifindex(), 0);
  EXPECT_FALSE(t.mac());
  t.on_address(addr("2001:db8::2"));  // before the link: unknown ifindex
  EXPECT_EQ(t.state(), client::UplinkState{});
  t.on_link({3, "lan0", kUpRunning, std::nullopt});
  EXPECT_EQ(t.ifindex(), 0);
  t.on_link(wan());
  EXPECT_EQ(t.ifindex(), 4);
  EXPECT_EQ(t.mac(), (MacAddress{0x02, 0x00, 0x5e, 0x00, 0x53, 0x01}));
  EXPECT_TRUE(t.state().up);
  EXPECT_TRUE(t.state().global.empty());
}

TEST(UplinkTracker, UpNeedsUpAndRunning) {
  UplinkTracker t("wan0");
  t.on_link(wan(4, IFF_UP));  // administratively up, no carrier
  EXPECT_FALSE(t.state().up);
  t.on_link(wan(4, IFF_UP | kLowerUp));  // carrier but not operational (dormant)
  EXPECT_FALSE(t.state().up);
  t.on_link(wan(4, IFF_RUNNING | kLowerUp));  // set down
  EXPECT_FALSE(t.state().up);
  t.on_link(wan(4, IFF_UP | IFF_RUNNING));
  EXPECT_TRUE(t.state().up);
}

TEST(UplinkTracker, UsableAddressesOnly) {
  UplinkTracker t("wan0");
  t.on_link(wan());
  t.on_address(addr("fe80::2", RT_SCOPE_LINK));
  t.on_address(addr("fe80::1", RT_SCOPE_LINK, IFA_F_TENTATIVE));
  t.on_address(addr("2001:db8::9", RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE));
  t.on_address(addr("2001:db8::8", RT_SCOPE_UNIVERSE, IFA_F_DADFAILED | IFA_F_TENTATIVE));
  t.on_address(addr("2001:db8::7", RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED));
  t.on_address(addr("2001:db8::6", RT_SCOPE_UNIVERSE, IFA_F_OPTIMISTIC));  // RFC 4429: usable
  t.on_address(addr("2001:db8::5", RT_SCOPE_UNIVERSE, IFA_F_PERMANENT | IFA_F_NODAD, 4, 128));
  t.on_address(addr("fd00::1"));
  t.on_address(addr("::1", RT_SCOPE_HOST, 0, 4, 128));
  t.on_address(addr("2001:db8::99", RT_SCOPE_UNIVERSE, 0, 5));  // another interface
  client::UplinkState s = t.state();
  EXPECT_EQ(s.link_local, ip("fe80::2"));
  EXPECT_EQ(s.global, (std::vector<client::UplinkAddress>{
                          {ip("2001:db8::5"), 128}, {ip("2001:db8::6"), 64}, {ip("fd00::1"), 64}}));
}

TEST(UplinkTracker, DadCompletionAndRemoval) {
  UplinkTracker t("wan0");
  t.on_link(wan());
  t.on_address(addr("fe80::1", RT_SCOPE_LINK, IFA_F_TENTATIVE));
  t.on_address(addr("2001:db8::2", RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE));
  EXPECT_FALSE(t.state().link_local);
  EXPECT_TRUE(t.state().global.empty());
  // RTM_NEWADDR again without IFA_F_TENTATIVE once DAD succeeded.
  t.on_address(addr("fe80::1", RT_SCOPE_LINK));
  t.on_address(addr("2001:db8::2"));
  EXPECT_EQ(t.state().link_local, ip("fe80::1"));
  ASSERT_EQ(t.state().global.size(), 1u);
  t.on_address(
      addr("2001:db8::2", RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED));  // preferred lifetime over
  EXPECT_TRUE(t.state().global.empty());
  t.on_address(addr("2001:db8::2"));
  t.on_address_removed(addr("2001:db8::2", RT_SCOPE_UNIVERSE, 0, 5));  // same address elsewhere
  EXPECT_EQ(t.state().global.size(), 1u);
  t.on_address_removed(addr("2001:db8::2"));
  EXPECT_TRUE(t.state().global.empty());
  EXPECT_EQ(t.state().link_local, ip("fe80::1"));
}

TEST(UplinkTracker, SameKernelStateSameUplinkState) {
  UplinkTracker a("wan0");
  UplinkTracker b("wan0");
  a.on_link(wan());
  b.on_link(wan());
  for (const char* x : {"2001:db8::3", "2001:db8::1", "2001:db8::2"})
    a.on_address(addr(x));
  for (const char* x : {"2001:db8::2", "2001:db8::3", "2001:db8::1"})
    b.on_address(addr(x));
  EXPECT_EQ(a.state(), b.state());
  EXPECT_EQ(a.state().global.front().address, ip("2001:db8::1"));
}

TEST(UplinkTracker, RecreatedOrRenamedInterface) {
  UplinkTracker t("wan0");
  t.on_link(wan(4));
  t.on_address(addr("2001:db8::2"));
  // Deleted and created again: new ifindex, the old addresses are gone.
  t.on_link(wan(9));
  EXPECT_EQ(t.ifindex(), 9);
  EXPECT_TRUE(t.state().global.empty());
  t.on_address(addr("2001:db8::2", RT_SCOPE_UNIVERSE, 0, 9));
  EXPECT_EQ(t.state().global.size(), 1u);
  // A removal of another ifindex is not ours.
  t.on_link_removed(wan(4));
  EXPECT_EQ(t.ifindex(), 9);
  // Renamed away.
  LinkInfo renamed = wan(9);
  renamed.name = "old-wan";
  t.on_link(renamed);
  EXPECT_EQ(t.ifindex(), 0);
  EXPECT_EQ(t.state(), client::UplinkState{});
  t.on_link(wan(9));
  t.on_link_removed(wan(9));
  EXPECT_EQ(t.ifindex(), 0);
  t.on_link(wan(9));
  t.clear();
  EXPECT_EQ(t.ifindex(), 0);
}

TEST(UplinkTracker, DedicatedLinkLocalReplacesTheKernelOne) {
  UplinkTracker t("wan0");
  t.on_link(wan());
  t.on_address(addr("fe80::200:5eff:fe00:5301", RT_SCOPE_LINK));
  EXPECT_EQ(t.state().link_local, ip("fe80::200:5eff:fe00:5301"));
  t.set_dedicated_link_local(ip("fe80::1234"));
  // Not assigned yet: no link-local at all, never the kernel's (odhcp6c's).
  EXPECT_FALSE(t.state().link_local);
  t.on_address(addr("fe80::1234", RT_SCOPE_LINK, IFA_F_TENTATIVE | IFA_F_DEPRECATED));
  EXPECT_FALSE(t.state().link_local);
  ASSERT_NE(t.find(ip("fe80::1234")), nullptr);
  EXPECT_EQ(t.find(ip("fe80::1234"))->flags, uint32_t{IFA_F_TENTATIVE | IFA_F_DEPRECATED});
  // Past DAD it is used, although deprecated (by design).
  t.on_address(addr("fe80::1234", RT_SCOPE_LINK, IFA_F_DEPRECATED | IFA_F_PERMANENT));
  EXPECT_EQ(t.state().link_local, ip("fe80::1234"));
  t.on_address(addr("fe80::1234", RT_SCOPE_LINK, IFA_F_DADFAILED | IFA_F_TENTATIVE));
  EXPECT_FALSE(t.state().link_local);
  t.on_address_removed(addr("fe80::1234", RT_SCOPE_LINK));
  EXPECT_EQ(t.find(ip("fe80::1234")), nullptr);
  t.set_dedicated_link_local(std::nullopt);
  EXPECT_EQ(t.state().link_local, ip("fe80::200:5eff:fe00:5301"));
}

TEST(DedicatedLinkLocal, StablePerDuidAndAttempt) {
  const uint8_t duid[] = {0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
  const uint8_t other[] = {0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x02};
  MacAddress mac{0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
  Ipv6Address a = dedicated_link_local(duid, 0, mac);
  EXPECT_TRUE(a.is_link_local());
  // fe80::/64 (RFC 4291 §2.5.6): bytes 2..7 are zero.
  for (size_t i = 2; i < 8; ++i)
    EXPECT_EQ(a.bytes[i], 0) << i;
  EXPECT_EQ(dedicated_link_local(duid, 0, mac), a);
  EXPECT_EQ(dedicated_link_local(duid, 0, std::nullopt), a);
  EXPECT_NE(dedicated_link_local(duid, 1, mac), a);
  EXPECT_NE(dedicated_link_local(other, 0, mac), a);
  EXPECT_NE(a, ip("fe80::200:5eff:fe00:5301"));  // the kernel's EUI-64 one
}

}  // namespace
}  // namespace lwb4::platform
