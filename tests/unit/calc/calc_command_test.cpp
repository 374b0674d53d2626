#include "lwb4/calc/calc_command.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace lwb4::calc {
namespace {

Result<CalcRequest> parse(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v(args);
  return parse_calc_args(v);
}

std::string error_of(std::initializer_list<std::string_view> args) {
  auto r = parse(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string("(no error)") : r.error().reason();
}

constexpr std::string_view kAppARule =
    "type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,";

TEST(CalcArgs, PortSet) {
  auto r = parse({"portset", "--offset", "6", "--psid-len", "8", "--psid", "52"});
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->command, CalcCommand::kPortSet);
  EXPECT_FALSE(r->json);
  EXPECT_EQ(r->ports, *PortSet::create(6, 8, 0x34));
}

TEST(CalcArgs, PortSetHexInlineValuesAndDefaultOffset) {
  auto r = parse({"portset", "--psid-len=8", "--psid=0x34", "--json"});
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_TRUE(r->json);
  EXPECT_EQ(r->ports, *PortSet::create(6, 8, 0x34));  // RFC 7597 §5.1 default a = 6
  // PSID-len 0: no --psid needed, every port.
  auto full = parse({"portset", "--psid-len", "0"});
  ASSERT_TRUE(full) << full.error().reason();
  EXPECT_EQ(full->ports.count(), 65535u);
}

TEST(CalcArgs, Help) {
  for (auto args : {std::vector<std::string_view>{"--help"},
                    {"-h"},
                    {"help"},
                    {"portset", "--help"},
                    {"map", "-h"},
                    {"map", "--rule", "x", "--help"}}) {
    auto r = parse_calc_args(args);
    ASSERT_TRUE(r) << r.error().reason();
    EXPECT_EQ(r->command, CalcCommand::kHelp);
  }
  auto text = run_calc(CalcRequest{});
  ASSERT_TRUE(text);
  EXPECT_TRUE(text->starts_with("usage: lwb4ctl calc portset"));
  EXPECT_EQ(*text, calc_usage());
}

TEST(CalcArgs, CommandErrors) {
  EXPECT_EQ(error_of({}), "missing calc command (portset or map)");
  EXPECT_EQ(error_of({"frob"}), "unknown calc command 'frob' (portset or map)");
}

TEST(CalcArgs, OptionSyntaxErrors) {
  EXPECT_EQ(error_of({"portset", "--bogus", "1"}), "unknown option '--bogus' for 'calc portset'");
  EXPECT_EQ(error_of({"portset", "--legacy"}), "unknown option '--legacy' for 'calc portset'");
  EXPECT_EQ(error_of({"portset", "--psid-len", "8", "--psid"}), "--psid needs a value");
  EXPECT_EQ(error_of({"portset", "--psid", "--json"}), "--psid needs a value");
  EXPECT_EQ(error_of({"portset", "--psid", "1", "--psid", "2"}), "--psid given twice");
  EXPECT_EQ(error_of({"portset", "--json=1"}), "--json takes no value");
  EXPECT_EQ(error_of({"portset", "extra"}), "unexpected argument 'extra'");
  EXPECT_EQ(error_of({"portset", "-x"}), "unexpected argument '-x'");
  EXPECT_EQ(error_of({"map", "--"}), "unexpected argument '--'");
}

TEST(CalcArgs, PortSetValueErrors) {
  EXPECT_EQ(error_of({"portset", "--psid", "1"}), "missing --psid-len");
  EXPECT_EQ(error_of({"portset", "--psid-len", "6"}), "missing --psid (0..63 for PSID-len 6)");
  EXPECT_EQ(error_of({"portset", "--psid-len", "6", "--psid", "64"}),
            "--psid 64 does not fit in PSID-len 6 (max 63)");
  EXPECT_EQ(error_of({"portset", "--psid-len", "0", "--psid", "1"}),
            "--psid 1 does not fit in PSID-len 0 (max 0)");
  EXPECT_EQ(error_of({"portset", "--psid-len", "8", "--psid", "0x100"}),
            "--psid 0x100 does not fit in PSID-len 8 (max 255)");
  EXPECT_EQ(error_of({"portset", "--psid-len", "8", "--psid", "abc"}),
            "--psid 'abc' is not a number");
  EXPECT_EQ(error_of({"portset", "--offset", "16", "--psid-len", "8", "--psid", "1"}),
            "--offset 16 is out of range (0..15)");
  EXPECT_EQ(error_of({"portset", "--psid-len", "17", "--psid", "1"}),
            "--psid-len 17 is out of range (0..16)");
  EXPECT_EQ(error_of({"portset", "--psid-len", "99999999999", "--psid", "1"}),
            "--psid-len 99999999999 is out of range (0..16)");
  EXPECT_EQ(error_of({"portset", "--offset", "6", "--psid-len", "11", "--psid", "1"}),
            "--offset 6 + --psid-len 11 = 17 bits, more than the 16 of a port");
  // a = 0, k = 16, PSID 0 holds only port 0, which is never usable.
  std::string none = error_of({"portset", "--offset", "0", "--psid-len", "16", "--psid", "0"});
  EXPECT_NE(none.find("offset 0, PSID-len 16, PSID 0: "), std::string::npos) << none;
  EXPECT_NE(none.find("no usable port"), std::string::npos) << none;
}

TEST(CalcArgs, MapWithRuleString) {
  auto r = parse({"map", "--rule", kAppARule, "--prefix", "2001:db8:12:3400::/56", "--legacy"});
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->command, CalcCommand::kMap);
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].type, s46::Mechanism::kMapE);
  EXPECT_EQ(r->end_user_prefix, *Ipv6Prefix::parse("2001:db8:12:3400::/56"));
  EXPECT_EQ(r->layout, s46::IidLayout::kLegacy);
}

TEST(CalcArgs, MapWithManualRule) {
  auto r = parse({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24", "--ea-len",
                  "16", "--offset", "4", "--psid-len", "8", "--prefix", "2001:db8:12:3400::/56"});
  ASSERT_TRUE(r) << r.error().reason();
  ASSERT_EQ(r->rules.size(), 1u);
  const s46::Rule& rule = std::get<s46::Rule>(r->rules[0].params);
  EXPECT_EQ(rule.ipv6_prefix.to_string(), "2001:db8::/40");
  EXPECT_EQ(rule.ipv4_prefix.to_string(), "192.0.2.0/24");
  EXPECT_EQ(rule.ea_len, 16);
  EXPECT_EQ(rule.ports, *PortSet::create(4, 8, 0));

  auto plain = parse({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24",
                      "--ea-len", "16", "--prefix", "2001:db8:12:3400::/56"});
  ASSERT_TRUE(plain) << plain.error().reason();
  EXPECT_FALSE(std::get<s46::Rule>(plain->rules[0].params).ports);

  // --psid-len without --offset takes the default offset, 4 with --legacy.
  auto legacy =
      parse({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24", "--ea-len", "16",
             "--psid-len", "8", "--legacy", "--prefix", "2001:db8:12:3400::/56"});
  ASSERT_TRUE(legacy) << legacy.error().reason();
  EXPECT_EQ(std::get<s46::Rule>(legacy->rules[0].params).ports->offset(), 4);
}

TEST(CalcArgs, MapLw4o6WithoutPrefix) {
  auto r = parse({"map", "--rule",
                  "type=lw4o6,prefix4len=32,prefix6len=56,ipv4prefix=192.0.2.1,"
                  "ipv6prefix=2001:db8:1:200::,offset=0,psidlen=6,psid=3072,"});
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_FALSE(r->end_user_prefix);
  auto out = run_calc(*r);
  ASSERT_TRUE(out) << out.error().reason();
  EXPECT_NE(out->find("CE IPv6:         2001:db8:1:200:0:c000:201:3\n"), std::string::npos);
}

TEST(CalcArgs, MapErrors) {
  EXPECT_EQ(error_of({"map", "--prefix", "2001:db8::/56"}),
            "missing --rule, or --ipv6-rule with --ipv4-rule and --ea-len");
  EXPECT_EQ(error_of({"map", "--rule", kAppARule, "--ea-len", "16"}),
            "--rule cannot be combined with --ea-len (put it in the rule string)");
  EXPECT_EQ(error_of({"map", "--rule", kAppARule, "--psid", "1"}),
            "--rule cannot be combined with --psid (put it in the rule string)");
  EXPECT_EQ(error_of({"map", "--rule", "type=map-e,eallen=16,", "--prefix", "2001:db8::/56"}),
            "--rule: rule 1: unknown key 'eallen'");
  EXPECT_EQ(error_of({"map", "--rule", "  ", "--prefix", "2001:db8::/56"}),
            "--rule: no rule given");
  EXPECT_EQ(error_of({"map", "--rule", kAppARule}),
            "missing --prefix (the End-user IPv6 prefix, e.g. 2001:db8:12:3400::/56)");
  EXPECT_EQ(error_of({"map", "--rule", kAppARule, "--prefix", "2001:db8::"}),
            "--prefix '2001:db8::': missing '/length'");
  EXPECT_EQ(error_of({"map", "--ipv6-rule", "2001:db8::/40", "--ea-len", "16"}),
            "missing --ipv4-rule");
  EXPECT_EQ(error_of({"map", "--ipv4-rule", "192.0.2.0/24", "--ea-len", "16"}),
            "missing --ipv6-rule");
  EXPECT_EQ(error_of({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24"}),
            "missing --ea-len");
  EXPECT_EQ(error_of({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/33",
                      "--ea-len", "16"}),
            "--ipv4-rule '192.0.2.0/33': bad prefix length '33' (0..32)");
  EXPECT_EQ(error_of({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24",
                      "--ea-len", "49"}),
            "--ea-len 49 is out of range (0..48)");
  EXPECT_EQ(error_of({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24",
                      "--ea-len", "16", "--psid", "1"}),
            "--psid needs --psid-len");
}

TEST(CalcRun, PortSetAndMapOutputs) {
  auto ps = parse({"portset", "--psid-len", "8", "--psid", "52"});
  ASSERT_TRUE(ps);
  auto text = run_calc(*ps);
  ASSERT_TRUE(text);
  EXPECT_TRUE(text->starts_with("offset:          6\nPSID-len:        8\n")) << *text;

  auto js = parse({"portset", "--psid-len", "8", "--psid", "52", "--json"});
  ASSERT_TRUE(js);
  auto json = run_calc(*js);
  ASSERT_TRUE(json);
  EXPECT_TRUE(json->starts_with("{\"offset\":6,\"psid_len\":8,\"psid\":52,")) << *json;

  auto map = parse({"map", "--ipv6-rule", "2001:db8::/40", "--ipv4-rule", "192.0.2.0/24",
                    "--ea-len", "16", "--prefix", "2001:db8:12:3400::/56", "--json"});
  ASSERT_TRUE(map);
  auto mj = run_calc(*map);
  ASSERT_TRUE(mj) << mj.error().reason();
  EXPECT_NE(mj->find("\"ipv4\":\"192.0.2.18\""), std::string::npos) << *mj;
  EXPECT_NE(mj->find("\"ce_ipv6\":\"2001:db8:12:3400:0:c000:212:34\""), std::string::npos);
}

TEST(CalcRun, DerivationErrorsSurface) {
  auto r = parse({"map", "--rule", kAppARule, "--prefix", "2001:db9::/56"});
  ASSERT_TRUE(r) << r.error().reason();
  auto out = run_calc(*r);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().reason(), "no BMR matches 2001:db9::/56 (1 rule)");
}

}  // namespace
}  // namespace lwb4::calc
