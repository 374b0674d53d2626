// lwb4d's kernel options (--softwire, --mtu, --encaplimit, --route-metric,
// --route-table, --kernel) through daemon_config.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "daemon/daemon_config.hpp"

namespace lwb4::platform {
namespace {

Result<DaemonConfig> config_from(std::vector<std::string_view> args) {
  auto cl = parse_command_line(args);
  if (!cl) return cl.error();
  return make_config({}, cl->settings);
}

std::string error_of(std::vector<std::string_view> args) {
  auto c = config_from(args);
  return c.ok() ? "<no error>" : c.error().reason();
}

TEST(KernelOptions, Defaults) {
  auto c = config_from({"--uplink", "wan0"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->softwire, "lwb4-wan0");
  EXPECT_FALSE(c->mtu);
  EXPECT_FALSE(c->encap_limit);
  EXPECT_EQ(c->route_metric, 0u);
  EXPECT_EQ(c->route_table, 254u);
  EXPECT_EQ(c->kernel, KernelBackend::kNetlink);
  auto long_name = config_from({"--uplink", "enp0s31f6.1234"});
  ASSERT_TRUE(long_name.ok());
  EXPECT_EQ(long_name->softwire, "lwb4-enp0s31f6.");
}

TEST(KernelOptions, Values) {
  auto c = config_from({"--uplink", "wan0", "--softwire", "sw0", "--mtu", "1400", "--encaplimit",
                        "4", "--route-metric", "100", "--route-table", "0x64", "--kernel", "none"});
  ASSERT_TRUE(c.ok()) << c.error().reason();
  EXPECT_EQ(c->softwire, "sw0");
  EXPECT_EQ(c->mtu, 1400u);
  EXPECT_EQ(c->encap_limit, 4);
  EXPECT_EQ(c->route_metric, 100u);
  EXPECT_EQ(c->route_table, 100u);
  EXPECT_EQ(c->kernel, KernelBackend::kNone);
  auto none = config_from({"--uplink", "wan0", "--encaplimit", "none", "--kernel", "netlink"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->encap_limit);
  EXPECT_EQ(none->kernel, KernelBackend::kNetlink);
}

TEST(KernelOptions, Rejections) {
  EXPECT_EQ(error_of({"--uplink", "wan0", "--softwire", "a/b"}),
            "--softwire 'a/b' is not a valid interface name");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--softwire", "sixteen-bytes-xx"}),
            "--softwire 'sixteen-bytes-xx' is not a valid interface name");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--mtu", "67"}), "--mtu '67' is not an MTU (68..65535)");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--mtu", "65536"}),
            "--mtu '65536' is not an MTU (68..65535)");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--encaplimit", "256"}),
            "--encaplimit '256' is not none or 0..255");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--route-metric", "-1"}),
            "--route-metric '-1' is not a number (0..4294967295, or 0x hex)");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--route-table", "0"}),
            "--route-table '0' is not a routing table (1..4294967295)");
  EXPECT_EQ(error_of({"--uplink", "wan0", "--kernel", "nft"}),
            "--kernel 'nft' is not netlink or none");
}

TEST(KernelOptions, ChangesNeedARestart) {
  auto a = config_from({"--uplink", "wan0"});
  auto b = config_from({"--uplink", "wan0", "--softwire", "sw0", "--mtu", "1400", "--encaplimit",
                        "4", "--route-metric", "1", "--route-table", "2", "--kernel", "none"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(keys_needing_restart(*a, *b),
            (std::vector<std::string_view>{"softwire", "mtu", "encaplimit", "route-metric",
                                           "route-table", "kernel"}));
}

}  // namespace
}  // namespace lwb4::platform
