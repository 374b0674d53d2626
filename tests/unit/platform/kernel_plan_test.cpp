#include "netlink/kernel_plan.hpp"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>

#include <string>
#include <vector>

namespace lwb4::platform {
namespace {

Ipv4Address v4(const char* text) {
  return *Ipv4Address::parse(text);
}
Ipv6Address v6(const char* text) {
  return *Ipv6Address::parse(text);
}

KernelConfig config() {
  KernelConfig c;
  c.uplink = "wan0";
  c.softwire = "lwb4-wan0";
  return c;
}

client::DesiredState desired() {
  client::DesiredState s;
  s.ipv4 = v4("192.0.2.100");
  s.br = v6("2001:db8:ffff::1");
  s.softwire_source = v6("2001:db8:1::100");
  return s;
}

KernelSnapshot bare_uplink() {
  KernelSnapshot k;
  k.uplink_ifindex = 2;
  k.uplink_mtu = 1500;
  k.uplink_addresses.push_back({v6("2001:db8:1::2"), 64, IFA_F_PERMANENT});
  return k;
}

// The kernel after desired() was applied, as rtnetlink reports it: the
// ip6tnl's IP6_TNL_F_CAP_* bits set, the default encaplimit 4 kept, the
// address marked permanent.
KernelSnapshot converged() {
  KernelSnapshot k = bare_uplink();
  ObservedLink link;
  link.ifindex = 7;
  link.kind = "ip6tnl";
  link.up = true;
  link.tunnel.proto = 4;  // IPPROTO_IPIP
  link.tunnel.local = v6("2001:db8:1::100");
  link.tunnel.remote = v6("2001:db8:ffff::1");
  link.tunnel.ttl = 64;
  link.tunnel.encap_limit = 4;
  link.tunnel.flags = 0x1 | 0x10000 | 0x20000;  // IGN_ENCAP_LIMIT | CAP_XMIT | CAP_RCV
  link.tunnel.mtu = 1460;
  link.tunnel.link = 2;
  k.softwire = link;
  k.softwire_addresses.push_back({v4("192.0.2.100"), 32, 0x200 | 0x80, 0});  // NOPREFIXROUTE|PERM
  k.softwire_routes.push_back({254, 0, v4("192.0.2.100"), 253});             // scope link
  return k;
}

std::vector<std::string> texts(const std::vector<KernelOp>& ops) {
  std::vector<std::string> out;
  for (const KernelOp& op : ops)
    out.push_back(describe(op));
  return out;
}

std::vector<std::string> plan(const client::DesiredState& s, const KernelSnapshot& k,
                              const std::vector<Ipv6Address>& owned = {},
                              const KernelConfig& c = config()) {
  auto ops = plan_apply(s, c, k, owned);
  EXPECT_TRUE(ops.ok()) << ops.error().reason();
  return ops.ok() ? texts(*ops) : std::vector<std::string>{"<error>"};
}

std::string plan_error(const client::DesiredState& s, const KernelSnapshot& k,
                       const KernelConfig& c = config()) {
  auto ops = plan_apply(s, c, k, {});
  return ops.ok() ? "<no error>" : ops.error().reason();
}

const std::vector<std::string> kFullApply = {
    "create ip6tnl lwb4-wan0",
    "add 192.0.2.100/32 on lwb4-wan0",
    "set lwb4-wan0 up",
    "add default route dev lwb4-wan0 table 254 metric 0",
};

TEST(KernelPlan, FreshApplyCreatesDeviceAddressLinkUpAndRouteInOrder) {
  EXPECT_EQ(plan(desired(), bare_uplink()), kFullApply);
}

TEST(KernelPlan, ConvergedKernelNeedsNothing) {
  EXPECT_TRUE(plan(desired(), converged()).empty());
}

TEST(KernelPlan, TunnelIsIpip6WithTtl64NoEncapLimitAndMtuFromTheUplink) {
  auto ops = plan_apply(desired(), config(), bare_uplink(), {});
  ASSERT_TRUE(ops.ok());
  const auto* create = std::get_if<CreateTunnel>(&ops->front());
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->name, "lwb4-wan0");
  EXPECT_EQ(create->params.proto, 4);  // IPPROTO_IPIP
  EXPECT_EQ(create->params.local, v6("2001:db8:1::100"));
  EXPECT_EQ(create->params.remote, v6("2001:db8:ffff::1"));
  EXPECT_EQ(create->params.ttl, 64);
  EXPECT_EQ(create->params.flags, 0x1u);  // IP6_TNL_F_IGN_ENCAP_LIMIT
  EXPECT_EQ(create->params.mtu, 1460u);
  EXPECT_EQ(create->params.link, 2u);
  const auto* route = std::get_if<AddRoute4>(&ops->back());
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->route.prefsrc, v4("192.0.2.100"));
  EXPECT_EQ(route->route.scope, 253);  // RT_SCOPE_LINK
}

TEST(KernelPlan, ConfiguredEncapLimitMtuMetricAndTable) {
  KernelConfig c = config();
  c.encap_limit = 2;
  c.mtu = 1400;
  c.route_metric = 100;
  c.route_table = 1000;
  auto ops = plan_apply(desired(), c, bare_uplink(), {});
  ASSERT_TRUE(ops.ok());
  const auto* create = std::get_if<CreateTunnel>(&ops->front());
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->params.flags, 0u);
  EXPECT_EQ(create->params.encap_limit, 2);
  EXPECT_EQ(create->params.mtu, 1400u);
  EXPECT_EQ(describe(ops->back()), "add default route dev lwb4-wan0 table 1000 metric 100");
}

TEST(KernelPlan, AnEncapLimitTakesItsOptionHeaderOffTheDefaultMtu) {
  // RFC 2473 §4.1.1: 8 bytes of destination options after the IPv6 header.
  KernelConfig c = config();
  c.encap_limit = 4;
  auto ops = plan_apply(desired(), c, bare_uplink(), {});
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(std::get<CreateTunnel>(ops->front()).params.mtu, 1452u);
}

TEST(KernelPlan, JumboUplinkGivesJumboSoftwire) {
  KernelSnapshot k = bare_uplink();
  k.uplink_mtu = 9000;
  auto ops = plan_apply(desired(), config(), k, {});
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(std::get<CreateTunnel>(ops->front()).params.mtu, 8960u);
}

TEST(KernelPlan, ChangedParametersChangeTheDeviceInPlace) {
  client::DesiredState s = desired();
  s.br = v6("2001:db8:ffff::2");
  EXPECT_EQ(plan(s, converged()),
            std::vector<std::string>{
                "change ip6tnl lwb4-wan0 (remote 2001:db8:ffff::1 -> 2001:db8:ffff::2)"});

  KernelSnapshot k = converged();
  k.uplink_mtu = 1280;
  k.softwire->tunnel.ttl = 255;
  k.softwire->tunnel.proto = 41;
  EXPECT_EQ(plan(desired(), k),
            std::vector<std::string>{
                "change ip6tnl lwb4-wan0 (proto 41 -> 4, ttl 255 -> 64, mtu 1460 -> 1240)"});

  KernelConfig c = config();
  c.encap_limit = 4;
  EXPECT_EQ(
      plan(desired(), converged(), {}, c),
      std::vector<std::string>{"change ip6tnl lwb4-wan0 (encaplimit none -> 4, mtu 1460 -> 1452)"});

  k = converged();
  k.softwire->tunnel.flags = 0x10000;
  k.softwire->tunnel.encap_limit = 4;
  k.softwire->tunnel.mtu = 1452;
  c.encap_limit = 5;
  EXPECT_EQ(plan(desired(), k, {}, c),
            std::vector<std::string>{"change ip6tnl lwb4-wan0 (encaplimit 4 -> 5)"});
  c.encap_limit = 4;
  EXPECT_TRUE(plan(desired(), k, {}, c).empty());

  k = converged();
  k.softwire->tunnel.link = 3;
  k.softwire->tunnel.local = v6("2001:db8:1::1");
  EXPECT_EQ(plan(desired(), k),
            std::vector<std::string>{
                "change ip6tnl lwb4-wan0 (local 2001:db8:1::1 -> 2001:db8:1::100, link 3 -> 2)"});
}

TEST(KernelPlan, DownDeviceIsOnlySetUp) {
  KernelSnapshot k = converged();
  k.softwire->up = false;
  EXPECT_EQ(plan(desired(), k), std::vector<std::string>{"set lwb4-wan0 up"});
}

TEST(KernelPlan, OtherAddressesOnTheSoftwireAreReplaced) {
  KernelSnapshot k = converged();
  k.softwire_addresses = {{v4("192.0.2.99"), 32, 0x200, 0}};
  EXPECT_EQ(plan(desired(), k), (std::vector<std::string>{"delete 192.0.2.99/32 on lwb4-wan0",
                                                          "add 192.0.2.100/32 on lwb4-wan0"}));
  // The right address with a subnet route, or with a prefix route, or
  // link-scoped, is not the off-link /32 (RFC 7618 §7).
  for (ObservedAddress4 wrong : {ObservedAddress4{v4("192.0.2.100"), 24, 0x200, 0},
                                 ObservedAddress4{v4("192.0.2.100"), 32, 0x80, 0},
                                 ObservedAddress4{v4("192.0.2.100"), 32, 0x200, 253}}) {
    k.softwire_addresses = {wrong};
    EXPECT_EQ(plan(desired(), k),
              (std::vector<std::string>{
                  "delete 192.0.2.100/" + std::to_string(wrong.prefix_length) + " on lwb4-wan0",
                  "add 192.0.2.100/32 on lwb4-wan0"}));
  }
  k.softwire_addresses = {{v4("192.0.2.100"), 32, 0x280, 0}, {v4("169.254.3.4"), 16, 0x80, 0}};
  EXPECT_EQ(plan(desired(), k), std::vector<std::string>{"delete 169.254.3.4/16 on lwb4-wan0"});
}

TEST(KernelPlan, RoutesAreReconciledToOneDefaultRoute) {
  KernelSnapshot k = converged();
  k.softwire_routes.clear();
  EXPECT_EQ(plan(desired(), k),
            std::vector<std::string>{"add default route dev lwb4-wan0 table 254 metric 0"});

  KernelConfig c = config();
  c.route_metric = 50;
  EXPECT_EQ(plan(desired(), converged(), {}, c),
            (std::vector<std::string>{"delete default route dev lwb4-wan0 table 254 metric 0",
                                      "add default route dev lwb4-wan0 table 254 metric 50"}));

  k = converged();
  k.softwire_routes.push_back({100, 7, Ipv4Address{}, 253});
  k.softwire_routes.front().prefsrc = Ipv4Address{};
  EXPECT_EQ(plan(desired(), k),
            (std::vector<std::string>{"delete default route dev lwb4-wan0 table 254 metric 0",
                                      "delete default route dev lwb4-wan0 table 100 metric 7",
                                      "add default route dev lwb4-wan0 table 254 metric 0"}));
}

TEST(KernelPlan, DeletedDeviceIsRebuiltWhole) {
  KernelSnapshot k = converged();
  k.softwire.reset();
  k.softwire_addresses.clear();
  k.softwire_routes.clear();
  EXPECT_EQ(plan(desired(), k), kFullApply);
}

TEST(KernelPlan, ForeignDeviceWithTheNameIsNeverTouched) {
  KernelSnapshot k = bare_uplink();
  k.softwire = ObservedLink{9, "veth", true, {}};
  EXPECT_EQ(plan_error(desired(), k),
            "lwb4-wan0 is a veth device, not lwb4's ip6tnl softwire; not touching it");
  EXPECT_TRUE(plan_withdraw(config(), k, {}).empty());
  k.softwire->kind = "";
  EXPECT_EQ(plan_error(desired(), k),
            "lwb4-wan0 is a plain device, not lwb4's ip6tnl softwire; not touching it");
}

TEST(KernelPlan, Rejections) {
  KernelSnapshot no_uplink;
  EXPECT_EQ(plan_error(desired(), no_uplink), "uplink wan0: no such interface");

  client::DesiredState s = desired();
  s.ipv4 = v4("169.254.10.1");
  EXPECT_EQ(plan_error(s, bare_uplink()),
            "refusing to configure 169.254.10.1 on lwb4-wan0 (unspecified or link-local)");
  s.ipv4 = Ipv4Address{};
  EXPECT_EQ(plan_error(s, bare_uplink()),
            "refusing to configure 0.0.0.0 on lwb4-wan0 (unspecified or link-local)");

  KernelSnapshot tiny = bare_uplink();
  tiny.uplink_mtu = 100;
  EXPECT_EQ(plan_error(desired(), tiny),
            "softwire lwb4-wan0: MTU 60 is below the IPv4 minimum of 68");
  KernelConfig c = config();
  c.mtu = 67;
  EXPECT_EQ(plan_error(desired(), bare_uplink(), c),
            "softwire lwb4-wan0: MTU 67 is below the IPv4 minimum of 68");
}

TEST(KernelPlan, ConstructedSourceIsAddedAndWaitedForFirst) {
  client::DesiredState s = desired();
  s.source_is_constructed = true;
  std::vector<std::string> want = {"add 2001:db8:1::100/128 on wan0",
                                   "wait for DAD of 2001:db8:1::100 on wan0"};
  want.insert(want.end(), kFullApply.begin(), kFullApply.end());
  EXPECT_EQ(plan(s, bare_uplink()), want);

  KernelSnapshot k = converged();
  k.uplink_addresses.push_back({v6("2001:db8:1::100"), 128, IFA_F_TENTATIVE | 0x200});
  EXPECT_EQ(plan(s, k), std::vector<std::string>{"wait for DAD of 2001:db8:1::100 on wan0"});
  k.uplink_addresses.back().flags = 0x200 | 0x80;
  EXPECT_TRUE(plan(s, k).empty());
  k.uplink_addresses.back().flags = IFA_F_DADFAILED | IFA_F_TENTATIVE;
  EXPECT_EQ(plan_error(s, k),
            "softwire source 2001:db8:1::100 on wan0 failed DAD (duplicate address)");
}

TEST(KernelPlan, ExistingSourceIsNeverAdded) {
  KernelSnapshot k = bare_uplink();
  EXPECT_EQ(plan(desired(), k), kFullApply);  // not on the uplink: still not lwb4's to add
}

TEST(KernelPlan, ChangedConstructedSourceReplacesTheOwnedOneLast) {
  client::DesiredState s = desired();
  s.source_is_constructed = true;
  s.softwire_source = v6("2001:db8:2::100");
  KernelSnapshot k = converged();
  k.uplink_addresses.push_back({v6("2001:db8:1::100"), 128, 0x280});
  EXPECT_EQ(plan(s, k, {v6("2001:db8:1::100")}),
            (std::vector<std::string>{
                "add 2001:db8:2::100/128 on wan0",
                "wait for DAD of 2001:db8:2::100 on wan0",
                "change ip6tnl lwb4-wan0 (local 2001:db8:1::100 -> 2001:db8:2::100)",
                "delete 2001:db8:1::100/128 on wan0",
            }));
  // Not owned: someone else's address stays.
  EXPECT_EQ(plan(s, k).back(),
            "change ip6tnl lwb4-wan0 (local 2001:db8:1::100 -> 2001:db8:2::100)");
  // Owned but already gone: nothing to delete.
  k.uplink_addresses.pop_back();
  EXPECT_EQ(plan(s, k, {v6("2001:db8:1::100")}).back(),
            "change ip6tnl lwb4-wan0 (local 2001:db8:1::100 -> 2001:db8:2::100)");
}

TEST(KernelPlan, OwnedSourceInUseIsKept) {
  KernelSnapshot k = converged();
  k.uplink_addresses.push_back({v6("2001:db8:1::100"), 128, 0x280});
  EXPECT_TRUE(plan(desired(), k, {v6("2001:db8:1::100")}).empty());
}

TEST(KernelPlan, WithdrawRemovesExactlyWhatLwb4Owns) {
  KernelSnapshot k = converged();
  k.uplink_addresses.push_back({v6("2001:db8:1::100"), 128, 0x280});
  EXPECT_EQ(
      texts(plan_withdraw(config(), k, {v6("2001:db8:1::100")})),
      (std::vector<std::string>{"delete ip6tnl lwb4-wan0", "delete 2001:db8:1::100/128 on wan0"}));
  // The existing source (not owned) and the uplink's own address stay.
  EXPECT_EQ(texts(plan_withdraw(config(), k, {})),
            std::vector<std::string>{"delete ip6tnl lwb4-wan0"});
  EXPECT_TRUE(plan_withdraw(config(), bare_uplink(), {v6("2001:db8:1::100")}).empty());
}

TEST(KernelPlan, DefaultSoftwireName) {
  EXPECT_EQ(default_softwire_name("wan0"), "lwb4-wan0");
  EXPECT_EQ(default_softwire_name("enp0s31f6.1234"), "lwb4-enp0s31f6.");
  EXPECT_EQ(default_softwire_name("enp0s31f6.1234").size(), 15u);
}

}  // namespace
}  // namespace lwb4::platform

namespace lwb4::platform {
namespace {

// MAP-E FMRs are status only (kernel_plan.hpp): the plan is hub-and-spoke,
// the same with or without them.
TEST(KernelPlan, MapEFmrsAddNothingToThePlan) {
  client::DesiredState s = desired();
  s.mode = client::Mode::kMapE;
  client::MapDetails m;
  m.bmr.fmr = true;
  m.bmr.ea_len = 16;
  m.bmr.ipv4_prefix = *Ipv4Prefix::parse("192.0.2.0/24");
  m.bmr.ipv6_prefix = *Ipv6Prefix::parse("2001:db8::/40");
  m.fmrs = {m.bmr, m.bmr};
  m.fmrs[1].ipv4_prefix = *Ipv4Prefix::parse("198.51.100.0/24");
  s.map = m;
  EXPECT_EQ(plan(s, bare_uplink()), kFullApply);
  EXPECT_TRUE(plan(s, converged()).empty());
}

}  // namespace
}  // namespace lwb4::platform
