#include "lwb4/s46/rule_string.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lwb4::s46 {
namespace {

// What odhcp6c writes for the RFC 7597 App. A BMR with the F flag,
// S46_PORTPARAMS {offset 6, PSID-len 8, PSID 0x34} and one BR.
constexpr std::string_view kMapE =
    "fmr,"
    "type=map-e,"
    "ealen=16,"
    "prefix4len=24,"
    "prefix6len=40,"
    "ipv4prefix=192.0.2.0,"
    "ipv6prefix=2001:db8::,"
    "offset=6,"
    "psidlen=8,"
    "psid=13312,"  // 0x3400: PSID 0x34 left-aligned
    "br=2001:db8:ffff::1,";

constexpr std::string_view kMapT =
    "type=map-t,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,"
    "ipv6prefix=2001:db8::,dmr=2001:db8:ffff::/64,";

constexpr std::string_view kLw4o6 =
    "type=lw4o6,prefix4len=32,prefix6len=56,ipv4prefix=192.0.2.1,"
    "ipv6prefix=2001:db8:1:200::,offset=0,psidlen=6,psid=3072,"  // PSID 3
    "br=2001:db8::1,";

// A MAP-E rule without PORTPARAMS and without F; `extra` is appended.
std::string base(std::string_view extra = "") {
  return "type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,"
         "ipv6prefix=2001:db8::," +
         std::string(extra);
}

void expect_error(std::string_view text, const std::string& reason) {
  auto r = parse_rule_string(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_NE(r.error().reason().find(reason), std::string::npos)
      << "got: " << r.error().reason() << "\nwant: " << reason;
}

TEST(RuleString, ParsesMapEFields) {
  auto r = parse_rule_string(kMapE);
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->type, Mechanism::kMapE);
  const Rule* rule = std::get_if<Rule>(&r->params);
  ASSERT_NE(rule, nullptr);
  EXPECT_TRUE(rule->fmr);
  EXPECT_EQ(rule->ea_len, 16);
  EXPECT_EQ(rule->ipv4_prefix.to_string(), "192.0.2.0/24");
  EXPECT_EQ(rule->ipv6_prefix.to_string(), "2001:db8::/40");
  ASSERT_TRUE(rule->ports);
  EXPECT_EQ(rule->ports->offset(), 6);
  EXPECT_EQ(rule->ports->psid_len(), 8);
  EXPECT_EQ(rule->ports->psid(), 0x34);
  ASSERT_EQ(r->brs.size(), 1u);
  EXPECT_EQ(r->brs[0].to_string(), "2001:db8:ffff::1");
  EXPECT_FALSE(r->dmr);
}

TEST(RuleString, ParsesMapTWithDmr) {
  auto r = parse_rule_string(kMapT);
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->type, Mechanism::kMapT);
  ASSERT_TRUE(r->dmr);
  EXPECT_EQ(r->dmr->to_string(), "2001:db8:ffff::/64");
  EXPECT_TRUE(r->brs.empty());
  EXPECT_FALSE(std::get<Rule>(r->params).fmr);
  EXPECT_FALSE(std::get<Rule>(r->params).ports);
}

TEST(RuleString, ParsesLw4o6Binding) {
  auto r = parse_rule_string(kLw4o6);
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->type, Mechanism::kLw4o6);
  const V4V6Bind* bind = std::get_if<V4V6Bind>(&r->params);
  ASSERT_NE(bind, nullptr);
  EXPECT_EQ(bind->ipv4.to_string(), "192.0.2.1");
  EXPECT_EQ(bind->bind_prefix.to_string(), "2001:db8:1:200::/56");
  ASSERT_TRUE(bind->ports);
  EXPECT_EQ(bind->ports->offset(), 0);
  EXPECT_EQ(bind->ports->psid_len(), 6);
  EXPECT_EQ(bind->ports->psid(), 3);
  EXPECT_EQ(r->brs.size(), 1u);

  Rule rule = script_rule_as_rule(*r);
  EXPECT_EQ(rule.ipv4_prefix.to_string(), "192.0.2.1/32");
  EXPECT_EQ(rule.ipv6_prefix.to_string(), "2001:db8:1:200::/56");
  EXPECT_EQ(rule.ea_len, 0);
  EXPECT_EQ(rule.ports, bind->ports);
}

TEST(RuleString, CanonicalStringsRoundTrip) {
  for (std::string_view text : {kMapE, kMapT, kLw4o6}) {
    auto r = parse_rule_string(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(format_rule_string(*r), text);
  }
  // Several BRs keep their order.
  std::string two_brs = base("br=2001:db8::1,br=2001:db8::2,");
  auto r = parse_rule_string(two_brs);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->brs.size(), 2u);
  EXPECT_EQ(r->brs[1].to_string(), "2001:db8::2");
  EXPECT_EQ(format_rule_string(*r), two_brs);
}

TEST(RuleString, FormatsABuiltRule) {
  ScriptRule sr;
  sr.type = Mechanism::kMapE;
  Rule rule;
  rule.fmr = true;
  rule.ea_len = 16;
  rule.ipv4_prefix = *Ipv4Prefix::parse("192.0.2.0/24");
  rule.ipv6_prefix = *Ipv6Prefix::parse("2001:db8::/40");
  rule.ports = *PortSet::create(6, 8, 0x34);
  sr.params = rule;
  sr.brs.push_back(*Ipv6Address::parse("2001:db8:ffff::1"));
  EXPECT_EQ(format_rule_string(sr), kMapE);
}

TEST(RuleString, WholeVariableWithTrailingSpace) {
  // odhcp6c puts one space after every rule.
  std::string value = std::string(kMapE) + " " + base() + " ";
  auto rules = parse_rule_strings(value);
  ASSERT_TRUE(rules) << rules.error().reason();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_TRUE(std::get<Rule>((*rules)[0].params).fmr);
  EXPECT_FALSE(std::get<Rule>((*rules)[1].params).fmr);
  EXPECT_EQ(format_rule_strings(*rules), value);
}

TEST(RuleString, ToleratesEmptyTokensAndMissingLastComma) {
  auto none = parse_rule_strings("   ");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto empty = parse_rule_strings("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  std::string no_comma = base("br=2001:db8::1");
  auto r = parse_rule_string(no_comma);
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(format_rule_string(*r), no_comma + ",");

  auto spaced = parse_rule_strings("  " + base() + "\t " + base() + "\n");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->size(), 2u);
}

TEST(RuleString, AcceptsAnyKeyOrderAndHexNumbers) {
  auto r = parse_rule_string(
      "ipv6prefix=2001:db8::,ipv4prefix=192.0.2.0,psid=0x3400,psidlen=8,offset=6,"
      "prefix6len=40,prefix4len=24,ealen=0x10,type=map-e,fmr,br=2001:db8:ffff::1,");
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(format_rule_string(*r), kMapE);
}

TEST(RuleString, ClearsBitsPastThePrefixLengths) {
  // RFC 7598 §4.1: those bits are ignored on receipt.
  auto r = parse_rule_string(
      "type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.77,"
      "ipv6prefix=2001:db8:ff::,");
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(std::get<Rule>(r->params).ipv4_prefix.to_string(), "192.0.2.0/24");
  EXPECT_EQ(std::get<Rule>(r->params).ipv6_prefix.to_string(), "2001:db8::/40");
}

TEST(RuleString, OffsetAloneAndPsidLenWithoutPsid) {
  auto offset_only = parse_rule_string(base("offset=4,"));
  ASSERT_TRUE(offset_only) << offset_only.error().reason();
  const Rule& a = std::get<Rule>(offset_only->params);
  ASSERT_TRUE(a.ports);
  EXPECT_EQ(a.ports->offset(), 4);
  EXPECT_EQ(a.ports->psid_len(), 0);
  EXPECT_EQ(format_rule_string(*offset_only), base("offset=4,psidlen=0,psid=0,"));

  auto no_psid = parse_rule_string(base("offset=6,psidlen=8,"));
  ASSERT_TRUE(no_psid) << no_psid.error().reason();
  EXPECT_EQ(std::get<Rule>(no_psid->params).ports->psid(), 0);
}

TEST(RuleString, RejectsSyntaxErrors) {
  expect_error("", "empty rule");
  expect_error(base(",,"), "empty field at offset");
  expect_error(",type=map-e,", "empty field at offset 0");
  expect_error(base("bogus,"), "field 'bogus' is not key=value");
  expect_error("fmr,fmr," + base(), "duplicate key 'fmr'");
  expect_error("fmr=1," + base(), "'fmr' takes no value");
  expect_error(base("br=,"), "empty value for 'br'");
  expect_error(base("eallen=16,"), "unknown key 'eallen'");
  expect_error(base("ealen=16,"), "duplicate key 'ealen'");
  expect_error(base("offset=6,offset=6,"), "duplicate key 'offset'");
}

TEST(RuleString, RejectsTypeErrors) {
  expect_error("ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,",
               "missing 'type'");
  expect_error("type=map-x,", "unknown type 'map-x' (map-e, map-t or lw4o6)");
  expect_error("fmr," + std::string(kLw4o6), "'fmr' does not belong to type=lw4o6");
  expect_error(std::string(kLw4o6) + "ealen=0,", "'ealen' does not belong to type=lw4o6");
  expect_error(std::string(kLw4o6) + "dmr=2001:db8::/64,", "'dmr' does not belong to type=lw4o6");
  expect_error(base("dmr=2001:db8::/64,"), "'dmr' does not belong to type=map-e");
  expect_error(std::string(kMapT) + "br=2001:db8::1,", "'br' does not belong to type=map-t");
  expect_error(
      "type=lw4o6,prefix4len=24,prefix6len=56,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8:1:200::,",
      "type=lw4o6 needs prefix4len=32, got 24");
}

TEST(RuleString, RejectsMissingKeys) {
  expect_error("type=map-e,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,",
               "missing 'ealen'");
  expect_error("type=map-e,ealen=16,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,",
               "missing 'prefix4len'");
  expect_error("type=map-e,ealen=16,prefix4len=24,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,",
               "missing 'prefix6len'");
  expect_error("type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv6prefix=2001:db8::,",
               "missing 'ipv4prefix'");
  expect_error("type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,",
               "missing 'ipv6prefix'");
  expect_error(base("psid=13312,"), "'psid' needs 'psidlen'");
  expect_error(base("psidlen=8,psid=13312,"), "'psidlen' needs 'offset'");
}

TEST(RuleString, RejectsBadValues) {
  expect_error("type=map-e,ealen=49,", "'ealen=49': out of range (0..48)");
  expect_error("type=map-e,ealen=abc,", "'ealen=abc': not a number");
  expect_error("type=map-e,ealen=-1,", "'ealen=-1': not a number");
  expect_error("type=map-e,ealen=99999999999999999999,", "out of range (0..48)");
  expect_error("type=map-e,ealen=16,prefix4len=33,", "'prefix4len=33': out of range (0..32)");
  expect_error("type=map-e,ealen=16,prefix4len=24,prefix6len=129,",
               "'prefix6len=129': out of range (0..128)");
  expect_error(
      "type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2,ipv6prefix=2001:db8::,",
      "'ipv4prefix=192.0.2': not an IPv4 address");
  expect_error(
      "type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=zz,",
      "'ipv6prefix=zz': not an IPv6 address");
  expect_error(base("offset=16,"), "'offset=16': out of range (0..15)");
  expect_error(base("offset=6,psidlen=17,"), "'psidlen=17': out of range (0..16)");
  expect_error(base("offset=6,psidlen=8,psid=65536,"), "'psid=65536': out of range (0..65535)");
  // Pad bits past PSID-len must be zero (RFC 7598 §4.5).
  expect_error(base("offset=6,psidlen=8,psid=13313,"), "offset=6,psidlen=8,psid=13313: ");
  expect_error(base("offset=12,psidlen=8,psid=0,"), "offset=12,psidlen=8,psid=0: ");
  expect_error(base("br=2001:db8::zz,"), "'br=2001:db8::zz': not an IPv6 address");
  expect_error(std::string(kMapT.substr(0, kMapT.find("dmr="))) + "dmr=2001:db8::/129,",
               "'dmr=2001:db8::/129': bad prefix length '129' (0..128)");
  expect_error(std::string(kMapT.substr(0, kMapT.find("dmr="))) + "dmr=2001:db8::,",
               "'dmr=2001:db8::': missing '/length'");
}

TEST(RuleString, ErrorsNameTheRule) {
  auto r = parse_rule_strings(std::string(kMapE) + " " + base("eallen=3,") + " ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "rule 2: unknown key 'eallen'");
}

TEST(RuleString, LongGarbageIsQuotedShort) {
  std::string key(500, 'k');
  auto r = parse_rule_string(key + "=1,");
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().reason().size(), 100u);
}

TEST(ParseNumber, DecimalAndHex) {
  EXPECT_EQ(*parse_number("52", 100), 52u);
  EXPECT_EQ(*parse_number("0x34", 100), 52u);
  EXPECT_EQ(*parse_number("0X3f", 100), 63u);
  EXPECT_EQ(*parse_number("007", 100), 7u);  // leading zeros are decimal, not octal
  EXPECT_EQ(*parse_number("4294967295", 0xffffffffu), 0xffffffffu);
  EXPECT_EQ(parse_number("101", 100).error().reason(), "out of range (0..100)");
  EXPECT_EQ(parse_number("4294967296", 0xffffffffu).error().reason(),
            "out of range (0..4294967295)");
  EXPECT_EQ(parse_number("", 100).error().reason(), "not a number");
  EXPECT_EQ(parse_number("0x", 100).error().reason(), "not a number");
  EXPECT_EQ(parse_number("0xg", 100).error().reason(), "not a number");
  EXPECT_EQ(parse_number("1a", 100).error().reason(), "not a number");
  EXPECT_EQ(parse_number("+1", 100).error().reason(), "not a number");
  EXPECT_EQ(parse_number(" 1", 100).error().reason(), "not a number");
}

TEST(MechanismName, Names) {
  EXPECT_EQ(mechanism_name(Mechanism::kMapE), "map-e");
  EXPECT_EQ(mechanism_name(Mechanism::kMapT), "map-t");
  EXPECT_EQ(mechanism_name(Mechanism::kLw4o6), "lw4o6");
  EXPECT_EQ(mechanism_name(Mechanism::kDsLite), "unknown");
}

}  // namespace
}  // namespace lwb4::s46
