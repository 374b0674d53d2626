// lwb4d's NAT flags: --nat, --reserve-ports, --forward, --nft-table.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "daemon/daemon_config.hpp"

namespace lwb4::platform {
namespace {

Result<DaemonConfig> from_args(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v(args);
  auto cl = parse_command_line(v);
  if (!cl) return cl.error();
  return make_config({}, cl->settings);
}

std::string error_of(std::initializer_list<std::string_view> args) {
  auto r = from_args(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "(no error)" : r.error().reason();
}

TEST(NatOptions, Defaults) {
  auto c = from_args({"--uplink", "wan"});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->nat.has_value());  // follows --kernel
  EXPECT_TRUE(c->reserve_ports.empty());
  EXPECT_TRUE(c->forwards.empty());
  EXPECT_EQ(c->nft_table, "lwb4");
}

TEST(NatOptions, EveryFlag) {
  auto c = from_args({"--uplink", "wan", "--nat", "off", "--reserve-ports", "22,8080-8081,443",
                      "--forward", "tcp:2222:198.51.100.2:22", "--forward=udp:5353:198.51.100.3:53",
                      "--nft-table", "lwb4_wan"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->nat, false);
  EXPECT_EQ(c->reserve_ports, (std::vector<PortRange>{{22, 22}, {8080, 8081}, {443, 443}}));
  ASSERT_EQ(c->forwards.size(), 2u);
  EXPECT_EQ(c->forwards[0], (PortForward{6, 2222, Ipv4Address{{198, 51, 100, 2}}, 22}));
  EXPECT_EQ(c->forwards[1], (PortForward{17, 5353, Ipv4Address{{198, 51, 100, 3}}, 53}));
  EXPECT_EQ(c->nft_table, "lwb4_wan");
  EXPECT_EQ(from_args({"--uplink", "wan", "--nat", "on"})->nat, true);
}

TEST(NatOptions, ForwardsFromTheFileAndTheCommandLineAppend) {
  auto file = parse_config_text(
      "forward tcp:2222:198.51.100.2:22\nforward tcp:2223:198.51.100.2:23\n", "lwb4d.conf");
  ASSERT_TRUE(file) << file.error().reason();
  std::vector<std::string_view> args{"--uplink", "wan", "--forward", "udp:53:198.51.100.2:53"};
  auto cl = parse_command_line(args);
  ASSERT_TRUE(cl);
  auto c = make_config(*file, cl->settings);
  ASSERT_TRUE(c) << c.error().reason();
  ASSERT_EQ(c->forwards.size(), 3u);
  EXPECT_EQ(c->forwards[2].external_port, 53);
}

TEST(NatOptions, Errors) {
  EXPECT_EQ(error_of({"--uplink", "wan", "--nat", "maybe"}), "--nat 'maybe' is not on or off");
  for (std::string_view bad : {"", "0", "22,", "70000", "9-8", "a-b", "22;23", "-5"}) {
    EXPECT_EQ(error_of({"--uplink", "wan", "--reserve-ports", bad}),
              "--reserve-ports '" + std::string(bad) +
                  "' is not a port list (e.g. 22,8080-8081; ports 1..65535)");
  }
  for (std::string_view bad :
       {"tcp:22:198.51.100.2", "sctp:22:198.51.100.2:22", "tcp:0:198.51.100.2:22",
        "tcp:22:198.51.100:22", "tcp:22:0.0.0.0:22", "tcp:22:198.51.100.2:65536",
        "tcp:22:198.51.100.2:x", "tcp::198.51.100.2:22"}) {
    EXPECT_EQ(error_of({"--uplink", "wan", "--forward", bad}),
              "--forward '" + std::string(bad) + "' is not tcp|udp:EXT_PORT:LAN_ADDRESS:PORT");
  }
  EXPECT_EQ(error_of({"--uplink", "wan", "--forward", "tcp:22:198.51.100.2:22", "--forward",
                      "tcp:22:198.51.100.3:22"}),
            "--forward 'tcp:22:198.51.100.3:22' forwards an external port that is forwarded "
            "already");
  EXPECT_EQ(error_of({"--uplink", "wan", "--nft-table", "1abc"}),
            "--nft-table '1abc' is not a table name (1..32 of A-Z a-z 0-9 _ -, a letter first)");
  EXPECT_EQ(error_of({"--uplink", "wan", "--nat", "on", "--nat", "off"}), "--nat given twice");
  // The same external port for TCP and UDP is two forwards.
  EXPECT_TRUE(from_args({"--uplink", "wan", "--forward", "tcp:22:198.51.100.2:22", "--forward",
                         "udp:22:198.51.100.2:22"}));
}

TEST(NatOptions, NeedARestart) {
  auto a = from_args({"--uplink", "wan"});
  ASSERT_TRUE(a);
  DaemonConfig b = *a;
  b.nat = false;
  b.reserve_ports = {{22, 22}};
  b.forwards = {PortForward{6, 22, Ipv4Address{{198, 51, 100, 2}}, 22}};
  b.nft_table = "x";
  EXPECT_EQ(keys_needing_restart(*a, b),
            (std::vector<std::string_view>{"nat", "reserve-ports", "forward", "nft-table"}));
}

}  // namespace
}  // namespace lwb4::platform
