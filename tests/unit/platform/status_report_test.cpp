#include "daemon/status_report.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace lwb4::platform {
namespace {

using client::at_ms;
using testing::contains;
using testing::sample_lease;

constexpr int64_t kAcquiredMs = 1'000'000;

client::DesiredState sample_state() {
  client::DesiredState s;
  s.mode = client::Mode::kDhcp4o6;
  s.ipv4 = *Ipv4Address::parse("192.0.2.18");
  s.ports = *PortSet::create(0, 8, 52);  // a = 0: one range, 13312-13567
  s.br = *Ipv6Address::parse("2001:db8:ffff::1");
  s.softwire_source = *Ipv6Address::parse("2001:db8:1::3");
  s.dns_servers = {*Ipv4Address::parse("192.0.2.53")};
  return s;
}

// Bound for 600.5 s of a 3600 s lease.
DaemonStatus bound_status() {
  DaemonStatus s;
  s.uplink = "wan0";
  s.uplink_state.up = true;
  s.uplink_state.link_local = *Ipv6Address::parse("fe80::1");
  s.uplink_state.global = {{*Ipv6Address::parse("2001:db8:1::3"), 64}};
  s.engine.dhcp6_state = "informed";
  s.engine.dhcp4_state = "BOUND";
  s.engine.dhcp4o6_servers = {*Ipv6Address::parse("2001:db8::547")};
  s.engine.applied = sample_state();
  s.engine.lease = sample_lease(at_ms(kAcquiredMs));
  s.engine.counters = {12, 10, 1, 2, 3};
  s.other_clients = 4;
  s.applied = sample_state();
  s.now = at_ms(kAcquiredMs + 600'500);
  return s;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

TEST(StatusJson, Bound) {
  DaemonStatus s = bound_status();
  s.tunnel_interface = "lwb4-wan0";
  EXPECT_EQ(status_json(s),
            "{\"state\":\"BOUND\",\"mode\":\"dhcp4o6\",\"ipv4_address\":\"192.0.2.18\","
            "\"shared\":true,\"psid_offset\":0,\"psid_len\":8,\"psid\":52,\"port_count\":256,"
            "\"port_ranges\":[[13312,13567]],\"port_ranges_truncated\":false,"
            "\"br_address\":\"2001:db8:ffff::1\",\"softwire_source\":\"2001:db8:1::3\","
            "\"source_is_constructed\":false,\"dns\":[\"192.0.2.53\"],\"map\":null,"
            "\"tunnel_interface\":\"lwb4-wan0\","
            "\"dhcp6_state\":\"informed\",\"servers\":[\"2001:db8::547\"],"
            "\"uplink\":{\"name\":\"wan0\",\"up\":true,\"link_local\":\"fe80::1\","
            "\"global\":[\"2001:db8:1::3/64\"]},"
            "\"lease\":{\"address\":\"192.0.2.18\",\"server_id\":\"192.0.2.1\","
            "\"transport_source\":\"2001:db8:1::2\",\"lease_time\":3600,\"t1\":1800,"
            "\"t2\":3150,\"age\":600,\"renew_in\":1199,\"rebind_in\":2549,"
            "\"expires_in\":2999},"
            "\"counters\":{\"sent\":12,\"received\":10,"
            "\"dropped\":{\"malformed\":1,\"unexpected\":2,\"invalid\":3},\"other_clients\":4},"
            "\"nat\":null}\n");
}

TEST(StatusJson, Nat) {
  DaemonStatus s = bound_status();
  NatStatus nat;
  nat.table = "lwb4";
  nat.installed = true;
  nat.reserved = {{13313, 13314}};
  nat.pool_first = 65282;
  nat.pool_size = 254;
  nat.forwards = {{"tcp:13313:198.51.100.2:22", true}, {"udp:80:198.51.100.2:80", false}};
  nat.dropped = {{"egress_protocol_dropped", 5}, {"inbound_dropped", 7}};
  nat.restored = 2;
  nat.conntrack_flushed = 40;
  nat.offloading_flowtables = {"inet fw4 ft"};
  s.nat = nat;
  std::string j = status_json(s);
  EXPECT_NE(j.find("\"nat\":{\"table\":\"lwb4\",\"installed\":true,"
                   "\"reserved\":[[13313,13314]],\"pool\":[65282,65535],"
                   "\"forwards\":[{\"forward\":\"tcp:13313:198.51.100.2:22\",\"active\":true},"
                   "{\"forward\":\"udp:80:198.51.100.2:80\",\"active\":false}],"
                   "\"dropped\":{\"egress_protocol_dropped\":5,\"inbound_dropped\":7},"
                   "\"restored\":2,\"conntrack_flushed\":40,"
                   "\"offloading_flowtables\":[\"inet fw4 ft\"],\"rewrite_hook\":\"postrouting\"}"),
            std::string::npos)
      << j;
  std::string t = status_text(s);
  EXPECT_NE(t.find("nat:      table ip lwb4, pool of 254, reserved 13313-13314, forward "
                   "tcp:13313:198.51.100.2:22, forward udp:80:198.51.100.2:80 (refused), "
                   "egress_protocol_dropped 5, inbound_dropped 7, restored 2x, BYPASSED by "
                   "flowtable inet fw4 ft (turn flow offloading off)\n"),
            std::string::npos)
      << t;
}

TEST(StatusJson, NothingYet) {
  DaemonStatus s;
  s.uplink = "wan0";
  s.engine.dhcp6_state = "waiting";
  s.engine.dhcp4_state = "INIT";
  EXPECT_EQ(status_json(s),
            "{\"state\":\"INIT\",\"mode\":null,\"ipv4_address\":null,\"shared\":null,"
            "\"psid_offset\":null,\"psid_len\":null,\"psid\":null,\"port_count\":null,"
            "\"port_ranges\":null,\"port_ranges_truncated\":false,\"br_address\":null,"
            "\"softwire_source\":null,\"source_is_constructed\":false,\"dns\":[],\"map\":null,"
            "\"tunnel_interface\":null,\"dhcp6_state\":\"waiting\",\"servers\":[],"
            "\"uplink\":{\"name\":\"wan0\",\"up\":false,\"link_local\":null,\"global\":[]},"
            "\"lease\":null,"
            "\"counters\":{\"sent\":0,\"received\":0,"
            "\"dropped\":{\"malformed\":0,\"unexpected\":0,\"invalid\":0},\"other_clients\":0},"
            "\"nat\":null}\n");
}

TEST(StatusJson, FullAddressIsNotShared) {
  DaemonStatus s = bound_status();
  s.applied->ports = PortSet::full();
  s.engine.applied = s.applied;
  std::string json = status_json(s);
  EXPECT_TRUE(contains(json,
                       "\"shared\":false,\"psid_offset\":0,\"psid_len\":0,\"psid\":0,"
                       "\"port_count\":65535,\"port_ranges\":[[1,65535]],"))
      << json;
}

TEST(StatusJson, DesiredShownWhenTheApplyFailed) {
  DaemonStatus s = bound_status();
  s.applied.reset();
  std::string json = status_json(s);
  EXPECT_TRUE(contains(json, "\"state\":\"BOUND\",\"mode\":null,")) << json;
  EXPECT_TRUE(contains(json,
                       "\"tunnel_interface\":null,\"desired\":{\"mode\":\"dhcp4o6\",\"ipv4_"
                       "address\":\"192.0.2.18\","))
      << json;
  // And a withdraw not yet done: applied, but the engine wants nothing.
  s = bound_status();
  s.engine.applied.reset();
  json = status_json(s);
  EXPECT_TRUE(contains(json, "\"tunnel_interface\":null,\"desired\":null,\"dhcp6_state\":"))
      << json;
}

DaemonConfig config_from(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v(args);
  auto cl = parse_command_line(v);
  EXPECT_TRUE(cl.ok());
  auto c = make_config({}, cl->settings);
  EXPECT_TRUE(c.ok());
  return c.ok() ? *c : DaemonConfig{};
}

std::string tunnel_member(const DaemonStatus& s) {
  std::string json = status_json(s);
  size_t at = json.find("\"tunnel_interface\":");
  size_t end = json.find(',', at);
  return at == std::string::npos ? "(missing)" : json.substr(at, end - at);
}

TEST(StatusJson, TunnelInterfaceIsTheSoftwireOfTheKernelAdapter) {
  DaemonStatus s = bound_status();
  // The default name: "lwb4-" + uplink, cut to IFNAMSIZ - 1 = 15.
  s.tunnel_interface = tunnel_interface(config_from({"--uplink", "wan0"}), true);
  EXPECT_EQ(tunnel_member(s), "\"tunnel_interface\":\"lwb4-wan0\"");
  s.tunnel_interface = tunnel_interface(config_from({"--uplink", "eth0.1000-upl"}), true);
  EXPECT_EQ(tunnel_member(s), "\"tunnel_interface\":\"lwb4-eth0.1000-\"");
  s.tunnel_interface =
      tunnel_interface(config_from({"--uplink", "wan0", "--softwire", "sw0"}), true);
  EXPECT_EQ(tunnel_member(s), "\"tunnel_interface\":\"sw0\"");
  EXPECT_TRUE(contains(status_text(s), "\nsoftwire: 2001:db8:1::3\ntunnel:   sw0\ndns:"))
      << status_text(s);
  // Nothing applied (or withdrawn): no device.
  s.tunnel_interface = tunnel_interface(config_from({"--uplink", "wan0"}), false);
  s.applied.reset();
  EXPECT_EQ(tunnel_member(s), "\"tunnel_interface\":null");
  // --kernel none only logs; it creates no device.
  s = bound_status();
  s.tunnel_interface =
      tunnel_interface(config_from({"--uplink", "wan0", "--kernel", "none"}), true);
  EXPECT_EQ(tunnel_member(s), "\"tunnel_interface\":null");
  EXPECT_FALSE(contains(status_text(s), "tunnel:")) << status_text(s);
}

TEST(StatusJson, LongRangeListIsTruncated) {
  DaemonStatus s = bound_status();
  s.applied->ports = *PortSet::create(15, 1, 1);  // one port per range
  s.engine.applied = s.applied;
  std::string json = status_json(s);
  EXPECT_TRUE(contains(json, "\"port_count\":32767,\"port_ranges\":[[3,3],[5,5],"));
  EXPECT_EQ(count(json, "],["), kMaxRangesListed - 1);
  EXPECT_TRUE(contains(json, "[2049,2049]],\"port_ranges_truncated\":true,"));
}

TEST(StatusJson, AServerFilledListIsCutSoTheReplyFitsOneDatagram) {
  // Option 88 has room for about 4,000 addresses; the reply must stay one
  // datagram of the control socket.
  DaemonStatus s = bound_status();
  s.engine.dhcp4o6_servers.clear();
  for (int i = 0; i < 4000; ++i) {
    Ipv6Address a = *Ipv6Address::parse("2001:db8::");
    a.bytes[14] = static_cast<uint8_t>(i >> 8);
    a.bytes[15] = static_cast<uint8_t>(i);
    s.engine.dhcp4o6_servers.push_back(a);
  }
  std::string json = status_json(s);
  EXPECT_LT(json.size(), size_t{16 * 1024});
  EXPECT_TRUE(contains(json, "\"servers\":[\"2001:db8::\",\"2001:db8::1\","));
  EXPECT_TRUE(contains(json, "\"2001:db8::3f\"],"));  // the 64th, the last listed
}

TEST(StatusJson, LeaseTimers) {
  DaemonStatus s = bound_status();
  s.now = at_ms(kAcquiredMs + 3'600'000 + 1);  // expired
  std::string json = status_json(s);
  EXPECT_TRUE(contains(json, "\"age\":3600,\"renew_in\":0,\"rebind_in\":0,\"expires_in\":0}"))
      << json;
  // RFC 2131 §3.3: 0xffffffff is an infinite lease; nothing is due.
  s.engine.lease->lease_time = s.engine.lease->t1 = s.engine.lease->t2 =
      client::Seconds(0xffffffff);
  json = status_json(s);
  EXPECT_TRUE(contains(json,
                       "\"lease_time\":4294967295,\"t1\":4294967295,\"t2\":4294967295,"
                       "\"age\":3600,\"renew_in\":null,\"rebind_in\":null,"
                       "\"expires_in\":null}"))
      << json;
}

TEST(StatusText, Bound) {
  DaemonStatus s = bound_status();
  s.applied->ports = *PortSet::create(6, 8, 52);
  s.engine.applied = s.applied;
  EXPECT_EQ(status_text(s),
            "uplink:   wan0 up, fe80::1, 2001:db8:1::3/64\n"
            "state:    dhcp6 informed, dhcp4 BOUND\n"
            "servers:  2001:db8::547\n"
            "mode:     dhcp4o6\n"
            "ipv4:     192.0.2.18\n"
            "ports:    offset 6, PSID-len 8, PSID 52 (0x34): 252 in 63 ranges\n"
            "ranges:   1232-1235 2256-2259 3280-3283 4304-4307 5328-5331 6352-6355 7376-7379 "
            "8400-8403 ...\n"
            "br:       2001:db8:ffff::1\n"
            "softwire: 2001:db8:1::3\n"
            "dns:      192.0.2.53\n"
            "lease:    3600 s from 192.0.2.1, renew in 1199 s, rebind in 2549 s, expires in "
            "2999 s\n"
            "counters: sent 12, received 10, dropped 1 malformed 2 unexpected 3 invalid, 4 left to "
            "the other DHCPv6 client\n");
}

TEST(StatusText, NothingApplied) {
  DaemonStatus s;
  s.uplink = "wan0";
  s.engine.dhcp6_state = "waiting";
  s.engine.dhcp4_state = "INIT";
  EXPECT_EQ(status_text(s),
            "uplink:   wan0 down\n"
            "state:    dhcp6 waiting, dhcp4 INIT\n"
            "ipv4:     none applied\n"
            "counters: sent 0, received 0, dropped 0 malformed 0 unexpected 0 invalid\n");
  s = bound_status();
  s.applied->ports = PortSet::full();
  s.applied->source_is_constructed = true;
  s.engine.applied.reset();
  std::string text = status_text(s);
  EXPECT_TRUE(contains(text, "\nports:    all (address not shared)\nbr:")) << text;
  EXPECT_TRUE(contains(text, "\nsoftwire: 2001:db8:1::3 (added by lwb4)\n")) << text;
  EXPECT_TRUE(contains(text, "\ndesired:  nothing (withdraw pending)\n")) << text;
}

DaemonStatus pcp_status() {
  DaemonStatus s = bound_status();
  s.engine = {};
  client::DesiredState state = sample_state();
  state.mode = client::Mode::kPcp;
  state.dns_servers.clear();
  s.applied = state;
  s.engine.applied = state;
  PcpSnapshot p;
  p.state = "mapped";
  p.config.server = state.br;
  p.config.port_count = 512;
  p.source = state.softwire_source;
  client::PcpMapping m;
  m.address = state.ipv4;
  m.first_port = 13312;
  m.granted = 256;
  m.ports = state.ports;
  m.lifetime = client::Seconds(7200);
  m.granted_at = at_ms(kAcquiredMs);
  m.epoch = 77;
  p.mapping = m;
  p.epoch.known = true;
  p.epoch.server = 677;
  p.counters.sent = 3;
  p.counters.received = 2;
  p.counters.epoch_resets = 1;
  s.pcp = p;
  return s;
}

TEST(StatusJson, Pcp) {
  std::string json = status_json(pcp_status());
  EXPECT_TRUE(contains(json, "{\"state\":\"mapped\",\"mode\":\"pcp\",")) << json;
  EXPECT_TRUE(contains(
      json,
      "\"pcp\":{\"state\":\"mapped\",\"server\":\"2001:db8:ffff::1\","
      "\"source\":\"2001:db8:1::3\",\"requested_ports\":512,\"parity\":false,"
      "\"requested_lifetime\":7200,\"mapping\":{\"address\":\"192.0.2.18\","
      "\"first_port\":13312,\"granted\":256,\"lifetime\":7200,\"expires_in\":6599,\"epoch\":77},"
      "\"epoch\":677,\"last_error\":null,\"counters\":{\"sent\":3,"
      "\"received\":2,\"malformed\":0,\"unexpected\":0,\"invalid\":0,"
      "\"errors\":0,\"epoch_resets\":1}}"))
      << json;
}

TEST(StatusJson, NoPcpMemberInDhcpMode) {
  EXPECT_FALSE(contains(status_json(bound_status()), "\"pcp\""));
}

TEST(StatusText, Pcp) {
  std::string text = status_text(pcp_status());
  EXPECT_TRUE(contains(text,
                       "pcp:      mapped, server 2001:db8:ffff::1, granted 256 from 13312, "
                       "lifetime 7200 s (expires in 6599 s), epoch 77\n"))
      << text;
  EXPECT_TRUE(contains(text, "mode:     pcp\n")) << text;
}

}  // namespace
}  // namespace lwb4::platform
