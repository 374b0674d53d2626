// The nftables adapter against the real kernel, in a throw-away network
// namespace (skipped without the privilege to make one): the table monitor
// tells lwb4's own transactions from another process's, and the counters
// read back.
#include <gtest/gtest.h>
#include <poll.h>

#include <cstdlib>
#include <string>

#include "nft/conntrack_flush.hpp"
#include "nft/nft_batch.hpp"
#include "nft/table_monitor.hpp"
#include "test_support.hpp"

namespace lwb4::nft {
namespace {

NatPlan sample_plan() {
  NatConfig c;
  c.address = Ipv4Address{{192, 0, 2, 2}};
  c.ports = *PortSet::create(6, 6, 52);
  c.oifname = "sw0";
  auto p = plan_nat(c);
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : NatPlan{};
}

// Notifications arrive asynchronously: waits for the socket, then reads.
ForeignChange settle(TableMonitor& m) {
  ForeignChange all;
  pollfd p{m.fd(), POLLIN, 0};
  while (::poll(&p, 1, 200) > 0) {
    auto r = m.read();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason());
    if (!r.ok()) break;
    all.changed |= r->changed;
    all.lost |= r->lost;
    if (r->changed) {
      all.pid = r->pid;
      all.process = r->process;
    }
  }
  return all;
}

TEST(NftKernel, MonitorIgnoresOwnTransactionsAndSeesOthers) {
  platform::testing::ScopedNetns ns;
  if (!ns.ok()) GTEST_SKIP() << "no network namespace (needs CAP_SYS_ADMIN)";
  auto monitor = TableMonitor::open("lwb4");
  ASSERT_TRUE(monitor.ok()) << monitor.error().reason();

  ASSERT_TRUE(apply_plan(sample_plan()).ok());
  ForeignChange own = settle(*monitor);
  EXPECT_FALSE(own.changed);
  EXPECT_FALSE(own.lost);  // ~2,100 notifications fit the socket's buffer

  auto counters = read_counters("lwb4");
  ASSERT_TRUE(counters.ok()) << counters.error().reason();
  EXPECT_EQ(counters->size(), 3u);
  for (const auto& [name, packets] : *counters)
    EXPECT_EQ(packets, 0u) << name;

  if (std::system("command -v nft >/dev/null 2>&1") != 0) GTEST_SKIP() << "no nft(8)";
  // Another table of another name: not ours.
  ASSERT_EQ(std::system("nft add table ip other"), 0);
  EXPECT_FALSE(settle(*monitor).changed);
  ASSERT_EQ(std::system("nft flush ruleset"), 0);
  ForeignChange flushed = settle(*monitor);
  EXPECT_TRUE(flushed.changed);
  EXPECT_EQ(flushed.process, "nft");
  auto gone = read_counters("lwb4");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
}

TEST(NftKernel, ConntrackFlushOfAnEmptyTable) {
  platform::testing::ScopedNetns ns;
  if (!ns.ok()) GTEST_SKIP() << "no network namespace (needs CAP_SYS_ADMIN)";
  auto n = flush_conntrack(Ipv4Address{{192, 0, 2, 2}});
  ASSERT_TRUE(n.ok()) << n.error().reason();
  EXPECT_EQ(*n, 0u);
}

}  // namespace
}  // namespace lwb4::nft

namespace lwb4::nft {
namespace {

TEST(NftKernel, EgressRewriteOnTheDeviceAndBack) {
  platform::testing::ScopedNetns ns;
  if (!ns.ok()) GTEST_SKIP() << "no network namespace (needs CAP_SYS_ADMIN)";
  if (std::system("command -v nft >/dev/null 2>&1") != 0) GTEST_SKIP() << "no nft(8)";
  if (std::system("ip link add sw0 type veth peer name sw1 2>/dev/null") != 0) {
    GTEST_SKIP() << "no veth";
  }
  NatPlan ip = sample_plan();
  NatConfig c;
  c.address = Ipv4Address{{192, 0, 2, 2}};
  c.ports = *PortSet::create(6, 6, 52);
  c.oifname = "sw0";
  c.egress_on_device = true;
  auto dev = plan_nat(c);
  ASSERT_TRUE(dev.ok());
  ASSERT_TRUE(apply_plan(ip).ok());

  // ip -> netdev in one batch: the prerouting and postrouting chains go, the
  // device's ingress and egress hooks come.
  Status st = apply_plan(*dev, false);
  if (!st.ok() && st.error().reason().find("egress") != std::string::npos) {
    GTEST_SKIP() << "no netdev egress hook: " << st.error().reason();
  }
  ASSERT_TRUE(st.ok()) << st.error().reason();
  EXPECT_EQ(
      std::system("nft list chain netdev lwb4 egress | grep -qF 'hook egress device \"sw0\"'"), 0);
  EXPECT_EQ(std::system("nft list chain netdev lwb4 ingress | "
                        "grep -qF 'hook ingress device \"sw0\" priority -500'"),
            0);
  EXPECT_NE(std::system("nft list chain ip lwb4 egress >/dev/null 2>&1"), 0);
  EXPECT_NE(std::system("nft list chain ip lwb4 ingress >/dev/null 2>&1"), 0);
  auto counters = read_counters("lwb4");
  ASSERT_TRUE(counters.ok()) << counters.error().reason();
  // inbound_dropped is in both tables (the guard's, from_softwire's): one.
  EXPECT_EQ(counters->size(), 3u);

  // netdev -> ip: the netdev table is deleted in the same batch.
  ASSERT_TRUE(apply_plan(ip, true).ok());
  EXPECT_NE(std::system("nft list table netdev lwb4 >/dev/null 2>&1"), 0);
  EXPECT_EQ(std::system("nft list chain ip lwb4 egress >/dev/null 2>&1"), 0);
  EXPECT_EQ(std::system("nft list chain ip lwb4 ingress >/dev/null 2>&1"), 0);

  ASSERT_TRUE(apply_plan(*dev, false).ok());
  ASSERT_TRUE(remove_table("lwb4", true).ok());
  EXPECT_NE(std::system("nft list table netdev lwb4 >/dev/null 2>&1"), 0);
  EXPECT_NE(std::system("nft list table ip lwb4 >/dev/null 2>&1"), 0);
}

}  // namespace
}  // namespace lwb4::nft
