// lwb4d's mode flags (--mode, --dhcp4o6-servers, --s46-rules, --prefix,
// --psid-len, --legacy-map) and the MAP-E facts in the status report.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "daemon/daemon_config.hpp"
#include "daemon/status_report.hpp"

namespace lwb4::platform {
namespace {

Result<DaemonConfig> from_args(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v = {"--uplink", "wan0"};
  v.insert(v.end(), args);
  auto cl = parse_command_line(v);
  if (!cl) return cl.error();
  return make_config({}, cl->settings);
}

std::string error_of(std::initializer_list<std::string_view> args) {
  auto r = from_args(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "(no error)" : r.error().reason();
}

constexpr std::string_view kMapRule =
    "fmr,type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,"
    "ipv6prefix=2001:db8::,br=2001:db8:ffff::1, ";

TEST(ModesConfig, Defaults) {
  auto c = from_args({});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->mode, client::ModeChoice::kAuto);
  EXPECT_FALSE(c->dhcp4o6_servers);
  EXPECT_FALSE(c->s46_rules);
  EXPECT_FALSE(c->prefix);
  EXPECT_FALSE(c->psid_len);
  EXPECT_FALSE(c->legacy_map);
}

TEST(ModesConfig, EveryFlag) {
  auto c = from_args({"--mode", "map-e", "--dhcp4o6-servers", "2001:db8:46::1, 2001:db8:46::2",
                      "--s46-rules", kMapRule, "--prefix", "2001:db8:12:3400::/56", "--psid-len",
                      "8", "--legacy-map"});
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->mode, client::ModeChoice::kMapE);
  EXPECT_EQ(c->dhcp4o6_servers, (std::vector<Ipv6Address>{*Ipv6Address::parse("2001:db8:46::1"),
                                                          *Ipv6Address::parse("2001:db8:46::2")}));
  ASSERT_TRUE(c->s46_rules);
  ASSERT_EQ(c->s46_rules->size(), 1u);
  EXPECT_EQ(c->s46_rules->front().type, s46::Mechanism::kMapE);
  EXPECT_EQ(c->prefix, Ipv6Prefix::parse("2001:db8:12:3400::/56").value());
  EXPECT_EQ(c->psid_len, 8);
  EXPECT_TRUE(c->legacy_map);

  for (auto [text, mode] : {std::pair{"auto", client::ModeChoice::kAuto},
                            std::pair{"dhcp4o6", client::ModeChoice::kDhcp4o6},
                            std::pair{"lw4o6", client::ModeChoice::kLw4o6}}) {
    auto m = from_args({"--mode", text});
    ASSERT_TRUE(m);
    EXPECT_EQ(m->mode, mode);
  }
  // "multicast": option 88 present without addresses.
  auto mc = from_args({"--dhcp4o6-servers", "multicast"});
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->dhcp4o6_servers, std::vector<Ipv6Address>{});
}

TEST(ModesConfig, FromTheFile) {
  auto settings =
      parse_config_text("mode lw4o6\nprefix 2001:db8:12:3400::/56\nlegacy-map yes\ns46-rules " +
                            std::string(kMapRule) + "\n",
                        "lwb4d.conf");
  ASSERT_TRUE(settings);
  std::vector<std::string_view> v = {"--uplink", "wan0", "--mode", "map-e"};
  auto cl = parse_command_line(v);
  ASSERT_TRUE(cl);
  auto c = make_config(*settings, cl->settings);
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->mode, client::ModeChoice::kMapE);  // the command line wins
  EXPECT_TRUE(c->legacy_map);
  EXPECT_TRUE(c->s46_rules);
}

TEST(ModesConfig, ErrorsNameTheFlag) {
  EXPECT_EQ(error_of({"--mode", "pcpx"}),
            "--mode 'pcpx' is not a mode (auto, dhcp4o6, lw4o6, map-e, pcp)");
  EXPECT_EQ(error_of({"--dhcp4o6-servers", "2001:db8::1,nope"}),
            "--dhcp4o6-servers: 'nope' is not an IPv6 address (a comma-separated list, or "
            "multicast)");
  EXPECT_EQ(error_of({"--dhcp4o6-servers", "2001:db8::1,"}),
            "--dhcp4o6-servers: '' is not an IPv6 address (a comma-separated list, or "
            "multicast)");
  EXPECT_EQ(error_of({"--dhcp4o6-servers", "::"}),
            "--dhcp4o6-servers: '::' is not an IPv6 address (a comma-separated list, or "
            "multicast)");
  std::string rules = error_of({"--s46-rules", "type=map-e,ealen=99,"});
  EXPECT_EQ(rules.rfind("--s46-rules: rule 1: ", 0), 0u) << rules;
  EXPECT_NE(rules.find("ealen"), std::string::npos) << rules;
  EXPECT_EQ(error_of({"--s46-rules", " "}), "--s46-rules ' ' holds no rule");
  EXPECT_EQ(error_of({"--prefix", "2001:db8::"}),
            "--prefix '2001:db8::' is not an IPv6 prefix (2001:db8:12:3400::/56)");
  EXPECT_EQ(error_of({"--prefix", "::/0"}),
            "--prefix '::/0' is not an IPv6 prefix (2001:db8:12:3400::/56)");
  EXPECT_EQ(error_of({"--psid-len", "0"}), "--psid-len '0' is not a PSID length (1..16)");
  EXPECT_EQ(error_of({"--psid-len", "17"}), "--psid-len '17' is not a PSID length (1..16)");
  EXPECT_EQ(error_of({"--legacy-map=x"}), "--legacy-map takes no value");
  EXPECT_EQ(error_of({"--mode"}), "--mode needs a value");
}

TEST(ModesConfig, KeysNeedingRestart) {
  auto a = from_args({});
  ASSERT_TRUE(a);
  DaemonConfig b = *a;
  b.mode = client::ModeChoice::kLw4o6;
  b.dhcp4o6_servers = std::vector<Ipv6Address>{};
  b.s46_rules = s46::parse_rule_strings(kMapRule).value();
  b.prefix = Ipv6Prefix::parse("2001:db8::/56").value();
  b.psid_len = 4;
  b.legacy_map = true;
  EXPECT_EQ(keys_needing_restart(*a, b),
            (std::vector<std::string_view>{"mode", "dhcp4o6-servers", "s46-rules", "prefix",
                                           "psid-len", "legacy-map"}));
}

TEST(ModesStatus, MapEFactsUnderMap) {
  client::DesiredState s;
  s.mode = client::Mode::kMapE;
  s.ipv4 = *Ipv4Address::parse("192.0.2.18");
  s.ports = *PortSet::create(6, 8, 0x34);
  s.br = *Ipv6Address::parse("2001:db8:ffff::1");
  s.softwire_source = *Ipv6Address::parse("2001:db8:12:3400:0:c000:212:34");
  s.source_is_constructed = true;
  client::MapDetails m;
  m.bmr.fmr = true;
  m.bmr.ea_len = 16;
  m.bmr.ipv4_prefix = *Ipv4Prefix::parse("192.0.2.0/24");
  m.bmr.ipv6_prefix = *Ipv6Prefix::parse("2001:db8::/40");
  m.end_user_prefix = *Ipv6Prefix::parse("2001:db8:12:3400::/56");
  m.ea_bits = 0x1234;
  m.fmrs = {m.bmr};
  s.map = m;
  DaemonStatus st;
  st.uplink = "wan0";
  st.engine.mode = client::Mode::kMapE;
  st.engine.dhcp6_state = "informed";
  st.engine.dhcp4_state = "STOPPED";
  st.engine.applied = s;
  st.applied = s;
  std::string json = status_json(st);
  EXPECT_NE(json.find("{\"state\":\"CONFIGURED\",\"mode\":\"map-e\",\"ipv4_address\":"
                      "\"192.0.2.18\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"map\":{\"end_user_prefix\":\"2001:db8:12:3400::/56\",\"bmr\":{"
                      "\"ipv6_prefix\":\"2001:db8::/40\",\"ipv4_prefix\":\"192.0.2.0/24\","
                      "\"ea_len\":16,\"fmr\":true},\"ea_len\":16,\"ea_bits\":4660,"
                      "\"fmr_count\":1,\"fmrs\":[{\"ipv6_prefix\":\"2001:db8::/40\","
                      "\"ipv4_prefix\":\"192.0.2.0/24\",\"ea_len\":16,\"fmr\":true}]}"),
            std::string::npos)
      << json;
  std::string text = status_text(st);
  EXPECT_NE(text.find("map:      BMR 2001:db8::/40 192.0.2.0/24 EA-len 16, End-user prefix "
                      "2001:db8:12:3400::/56, 1 FMR (hub-and-spoke)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("mechanism map-e"), std::string::npos) << text;

  // Other modes keep the key, null.
  st.engine.mode = client::Mode::kLw4o6;
  s.mode = client::Mode::kLw4o6;
  s.map.reset();
  st.applied = st.engine.applied = s;
  EXPECT_NE(status_json(st).find("\"map\":null"), std::string::npos);
}

}  // namespace
}  // namespace lwb4::platform
