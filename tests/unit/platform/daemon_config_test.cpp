#include "daemon/daemon_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace lwb4::platform {
namespace {

using testing::contains;
using testing::TempDir;

Result<DaemonConfig> from_args(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v(args);
  auto cl = parse_command_line(v);
  if (!cl) return cl.error();
  return make_config({}, cl->settings);
}

std::string args_error(std::initializer_list<std::string_view> args) {
  auto r = from_args(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "(no error)" : r.error().reason();
}

Result<DaemonConfig> from_file(const std::string& text,
                               std::initializer_list<std::string_view> args = {"--uplink",
                                                                               "wan0"}) {
  auto settings = parse_config_text(text, "lwb4d.conf");
  if (!settings) return settings.error();
  std::vector<std::string_view> v(args);
  auto cl = parse_command_line(v);
  if (!cl) return cl.error();
  return make_config(*settings, cl->settings);
}

std::string file_error(const std::string& text) {
  auto r = from_file(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "(no error)" : r.error().reason();
}

TEST(DaemonConfig, Defaults) {
  auto c = from_args({"--uplink", "wan0"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->uplink, "wan0");
  EXPECT_EQ(c->state_dir, "/var/lib/lwb4");
  EXPECT_EQ(c->control_path, "/var/run/lwb4/wan0.sock");
  EXPECT_FALSE(c->duid);
  EXPECT_EQ(c->iaid, 1u);
  EXPECT_EQ(c->offer_policy, client::OfferPolicy::kPreferFull);
  EXPECT_EQ(c->offer_window, client::Millis(1000));
  EXPECT_TRUE(c->start_delays);
  EXPECT_FALSE(c->softwire_source);
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
  EXPECT_FALSE(c->syslog);
  EXPECT_FALSE(c->foreground);
}

TEST(DaemonConfig, EveryFlag) {
  auto c = from_args({"--uplink",
                      "wan0",
                      "--state-dir",
                      "/tmp/lwb4",
                      "--control=/tmp/w.sock",
                      "--duid",
                      "00:03:00:01:02:00:5e:00:53:01",
                      "--iaid",
                      "0xdeadbeef",
                      "--offer-policy",
                      "largest",
                      "--softwire-source",
                      "2001:db8::3",
                      "--log-level",
                      "debug",
                      "--syslog",
                      "--foreground",
                      "--offer-window",
                      "0",
                      "--no-start-delay"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->state_dir, "/tmp/lwb4");
  EXPECT_EQ(c->control_path, "/tmp/w.sock");
  ASSERT_TRUE(c->duid);
  EXPECT_EQ(c->duid->to_string(), "00:03:00:01:02:00:5e:00:53:01");
  EXPECT_EQ(c->iaid, 0xdeadbeefu);
  EXPECT_EQ(c->offer_policy, client::OfferPolicy::kLargestPortSet);
  EXPECT_EQ(c->offer_window, client::Millis(0));
  EXPECT_FALSE(c->start_delays);
  EXPECT_EQ(c->softwire_source, *Ipv6Address::parse("2001:db8::3"));
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_TRUE(c->syslog);
  EXPECT_TRUE(c->foreground);
}

TEST(DaemonConfig, AlternativeSpellings) {
  auto c = from_args({"--uplink=eth0.2", "--duid=0003000102005e005301", "--iaid=4294967295",
                      "--offer-policy=first"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->uplink, "eth0.2");
  EXPECT_EQ(c->duid->to_string(), "00:03:00:01:02:00:5e:00:53:01");
  EXPECT_EQ(c->iaid, 4294967295u);
  EXPECT_EQ(c->offer_policy, client::OfferPolicy::kFirst);
  auto prefer = from_args({"--uplink=wan", "--offer-policy", "prefer-full"});
  ASSERT_TRUE(prefer);
  EXPECT_EQ(prefer->offer_policy, client::OfferPolicy::kPreferFull);
  auto core_name = from_args({"--uplink=wan", "--offer-policy", "largest-port-set"});
  ASSERT_TRUE(core_name);
  EXPECT_EQ(core_name->offer_policy, client::OfferPolicy::kLargestPortSet);
}

TEST(DaemonConfig, Help) {
  for (auto args : {std::vector<std::string_view>{"--help"}, {"--uplink", "wan", "-h"}}) {
    auto cl = parse_command_line(args);
    ASSERT_TRUE(cl);
    EXPECT_TRUE(cl->help);
  }
  EXPECT_TRUE(daemon_usage().starts_with("usage: lwb4d --uplink IFNAME [OPTIONS]\n"));
}

TEST(DaemonConfig, CheckIsAFlagAnywhereOnTheCommandLine) {
  auto cl = parse_command_line(std::vector<std::string_view>{"--uplink", "wan", "--check"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->check);
  ASSERT_EQ(cl->settings.size(), 1u);  // not a setting: no config key "check"
  EXPECT_EQ(cl->settings[0].key, "uplink");
  cl = parse_command_line(std::vector<std::string_view>{"--check", "--config", "/etc/x.conf"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->check);
  EXPECT_EQ(cl->config_file, "/etc/x.conf");
  cl = parse_command_line(std::vector<std::string_view>{"--uplink", "wan"});
  ASSERT_TRUE(cl);
  EXPECT_FALSE(cl->check);
}

TEST(DaemonConfig, CommandLineErrors) {
  EXPECT_EQ(args_error({}), "missing --uplink (the IPv6 uplink interface)");
  EXPECT_EQ(args_error({"wan0"}), "unexpected argument 'wan0' (try lwb4d --help)");
  EXPECT_EQ(args_error({"-u", "wan0"}), "unexpected argument '-u' (try lwb4d --help)");
  EXPECT_EQ(args_error({"--uplnk", "wan0"}), "unknown option '--uplnk' (try lwb4d --help)");
  EXPECT_EQ(args_error({"--uplink", "a", "--uplink", "b"}), "--uplink given twice");
  EXPECT_EQ(args_error({"--config", "/a", "--config", "/b"}), "--config given twice");
  EXPECT_EQ(args_error({"--config", "lwb4d.conf"}),
            "--config 'lwb4d.conf' is not an absolute path");
  EXPECT_EQ(args_error({"--syslog=yes"}), "--syslog takes no value");
  EXPECT_EQ(args_error({"--foreground=1"}), "--foreground takes no value");
  EXPECT_EQ(args_error({"--uplink"}), "--uplink needs a value");
  EXPECT_EQ(args_error({"--uplink", "--foreground"}), "--uplink needs a value");
  EXPECT_EQ(args_error({"--config="}), "--config needs a value");
}

TEST(DaemonConfig, ValueErrors) {
  EXPECT_EQ(args_error({"--uplink", "verylonginterface"}),
            "--uplink 'verylonginterface' is not a valid interface name");
  for (std::string_view bad : {"a/b", "eth0:1", ".", "..", "a b", ""}) {
    EXPECT_TRUE(contains(args_error({"--uplink", bad}), "is not a valid interface name")) << bad;
  }
  EXPECT_EQ(args_error({"--uplink=w", "--state-dir", "var/lib"}),
            "--state-dir 'var/lib' is not an absolute path");
  EXPECT_EQ(args_error({"--uplink=w", "--control", "lwb4.sock"}),
            "--control 'lwb4.sock' is not an absolute path");
  EXPECT_EQ(args_error({"--uplink=w", "--control", "/" + std::string(107, 'x')}),
            "--control is longer than 107 bytes (a Unix socket path limit)");
  EXPECT_TRUE(from_args({"--uplink=w", "--control", "/" + std::string(106, 'x')}));
  EXPECT_EQ(args_error({"--uplink=w", "--duid", "00:03:0g"}),
            "--duid '00:03:0g' is not hex bytes (00:03:00:01:... or 00030001...)");
  for (std::string_view bad : {"0003000", "00:03:", ":00:03", "00:0300", "0:03:00", "00-03-00"}) {
    EXPECT_TRUE(contains(args_error({"--uplink=w", "--duid", bad}), "is not hex bytes")) << bad;
  }
  EXPECT_EQ(args_error({"--uplink=w", "--duid", "00:03"}),
            "--duid: DUID length 2, expected 3..130");
  EXPECT_EQ(args_error({"--uplink=w", "--duid", std::string(262, '0')}),
            "--duid: DUID length 131, expected 3..130");
  EXPECT_EQ(args_error({"--uplink=w", "--iaid", "12x"}),
            "--iaid '12x' is not a number (0..4294967295, or 0x hex)");
  for (std::string_view bad : {"4294967296", "-1", "0x", "0x1ffffffff", ""}) {
    EXPECT_TRUE(contains(args_error({"--uplink=w", "--iaid", bad}), "is not a number")) << bad;
  }
  EXPECT_EQ(args_error({"--uplink=w", "--offer-policy", "best"}),
            "--offer-policy 'best' is not an offer policy (prefer-full, largest, first)");
  EXPECT_EQ(args_error({"--uplink=w", "--offer-window", "60001"}),
            "--offer-window '60001' is not a number of milliseconds (0..60000)");
  EXPECT_EQ(args_error({"--uplink=w", "--softwire-source", "192.0.2.1"}),
            "--softwire-source '192.0.2.1' is not an IPv6 address");
  for (std::string_view bad : {"::", "::1", "fe80::1", "ff02::1:2"}) {
    EXPECT_EQ(args_error({"--uplink=w", "--softwire-source", bad}),
              "--softwire-source '" + std::string(bad) +
                  "' is unspecified, loopback, link-local or multicast");
  }
  EXPECT_EQ(args_error({"--uplink=w", "--log-level", "verbose"}),
            "--log-level 'verbose' is not a log level (error, warning, notice, info, debug)");
}

TEST(DaemonConfig, File) {
  auto c = from_file(
      "# lwb4d on the WAN port\n"
      "\n"
      "uplink wan\n"
      "  iaid   7  \n"
      "log-level\tdebug\n"
      "syslog\n"
      "foreground no\n"
      "state-dir /tmp/lwb4\n",
      {});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->uplink, "wan");
  EXPECT_EQ(c->iaid, 7u);
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_TRUE(c->syslog);
  EXPECT_FALSE(c->foreground);
  EXPECT_EQ(c->state_dir, "/tmp/lwb4");
  EXPECT_EQ(c->control_path, "/var/run/lwb4/wan.sock");
}

TEST(DaemonConfig, CommandLineWinsOverTheFile) {
  auto c = from_file("uplink wan\niaid 7\nsyslog yes\ncontrol /run/a.sock\n",
                     {"--uplink", "wan1", "--iaid", "9"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->uplink, "wan1");
  EXPECT_EQ(c->iaid, 9u);
  EXPECT_TRUE(c->syslog);
  EXPECT_EQ(c->control_path, "/run/a.sock");
}

TEST(DaemonConfig, FileErrors) {
  EXPECT_EQ(file_error("iaid 1\ncolour blue\n"), "lwb4d.conf:2: unknown key 'colour'");
  EXPECT_EQ(file_error("config /etc/other\n"), "lwb4d.conf:1: unknown key 'config'");
  EXPECT_EQ(file_error("--iaid 1\n"), "lwb4d.conf:1: unknown key '--iaid'");
  EXPECT_EQ(file_error("iaid 1\n\n# x\niaid 2\n"), "lwb4d.conf:4: iaid already set on line 1");
  EXPECT_EQ(file_error("iaid\n"), "lwb4d.conf:1: iaid needs a value");
  EXPECT_EQ(file_error("iaid   \n"), "lwb4d.conf:1: iaid needs a value");
  EXPECT_EQ(file_error("\niaid 1 2\n"),
            "lwb4d.conf:2: iaid '1 2' is not a number (0..4294967295, or 0x hex)");
  EXPECT_EQ(file_error("syslog maybe\n"), "lwb4d.conf:1: syslog 'maybe' is not yes or no");
  EXPECT_EQ(file_error("foreground 2\n"), "lwb4d.conf:1: foreground '2' is not yes or no");
  EXPECT_EQ(file_error("duid 00:03\n"), "lwb4d.conf:1: duid: DUID length 2, expected 3..130");
  auto no_uplink = parse_config_text("iaid 1\n", "lwb4d.conf");
  ASSERT_TRUE(no_uplink);
  auto c = make_config(*no_uplink, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason(), "missing --uplink (the IPv6 uplink interface)");
}

TEST(DaemonConfig, ReadConfigFile) {
  TempDir dir;
  auto missing = read_config_file(dir.file("none.conf"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason(), dir.file("none.conf") + ": No such file or directory");
  std::ofstream(dir.file("big.conf")) << std::string(70000, '#');
  auto big = read_config_file(dir.file("big.conf"));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().reason(), dir.file("big.conf") + ": larger than 65536 bytes");
  std::ofstream(dir.file("ok.conf")) << "uplink wan\n";
  auto ok = read_config_file(dir.file("ok.conf"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "uplink wan\n");
}

TEST(DaemonConfig, KeysNeedingRestart) {
  auto a = from_args({"--uplink", "wan"});
  ASSERT_TRUE(a);
  DaemonConfig b = *a;
  b.log_level = LogLevel::kDebug;
  b.syslog = true;
  b.foreground = true;
  EXPECT_TRUE(keys_needing_restart(*a, b).empty());
  b.uplink = "wan2";
  b.state_dir = "/tmp";
  b.control_path = "/tmp/x.sock";
  b.duid = *dhcp6::Duid::from_bytes(std::vector<uint8_t>{0, 3, 0, 1, 2});
  b.iaid = 2;
  b.offer_policy = client::OfferPolicy::kFirst;
  b.softwire_source = *Ipv6Address::parse("2001:db8::1");
  EXPECT_EQ(keys_needing_restart(*a, b),
            (std::vector<std::string_view>{"uplink", "state-dir", "control", "duid", "iaid",
                                           "offer-policy", "softwire-source"}));
}

TEST(DaemonConfig, ModePcp) {
  auto d = from_args({"--uplink", "wan0"});
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->mode_pcp);
  EXPECT_FALSE(d->pcp_server);
  EXPECT_EQ(d->pcp_ports, 2048);
  EXPECT_FALSE(d->pcp_parity);
  auto c = from_args({"--uplink", "wan0", "--mode", "pcp", "--pcp-server", "2001:db8:ffff::1",
                      "--pcp-ports", "256", "--pcp-parity"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_TRUE(c->mode_pcp);
  EXPECT_EQ(c->pcp_server, Ipv6Address::parse("2001:db8:ffff::1").value());
  EXPECT_EQ(c->pcp_ports, 256);
  EXPECT_TRUE(c->pcp_parity);
  EXPECT_EQ(args_error({"--uplink", "wan0", "--mode", "pcp"}),
            "--mode pcp needs --pcp-server ADDR (the lwAFTR)");
  EXPECT_EQ(args_error({"--uplink", "wan0", "--mode", "nat64"}),
            "--mode 'nat64' is not a mode (auto, dhcp4o6, lw4o6, map-e, pcp)");
  EXPECT_EQ(args_error({"--uplink", "wan0", "--pcp-ports", "0"}),
            "--pcp-ports '0' is not a number of ports (1..65535)");
  EXPECT_EQ(args_error({"--uplink", "wan0", "--pcp-ports", "65536"}),
            "--pcp-ports '65536' is not a number of ports (1..65535)");
  EXPECT_TRUE(from_args({"--uplink", "wan0", "--pcp-ports", "100"}));
  EXPECT_EQ(args_error({"--uplink", "wan0", "--pcp-server", "ff02::1"}),
            "--pcp-server 'ff02::1' is unspecified or multicast");
  EXPECT_EQ(args_error({"--uplink", "wan0", "--pcp-server", "192.0.2.1"}),
            "--pcp-server '192.0.2.1' is not an IPv6 address");
  DaemonConfig b = *d;
  b.mode_pcp = true;
  b.pcp_server = c->pcp_server;
  b.pcp_ports = 256;
  b.pcp_parity = true;
  EXPECT_EQ(keys_needing_restart(*d, b),
            (std::vector<std::string_view>{"mode", "pcp-server", "pcp-ports", "pcp-parity"}));
}

}  // namespace
}  // namespace lwb4::platform
