#include "lwb4/s46/map_rule.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lwb4::s46 {
namespace {

Ipv6Prefix v6(const char* text) {
  return *Ipv6Prefix::parse(text);
}
Ipv4Prefix v4(const char* text) {
  return *Ipv4Prefix::parse(text);
}
Ipv6Address addr6(const char* text) {
  return *Ipv6Address::parse(text);
}

Rule make_rule(const char* ipv6, const char* ipv4, uint8_t ea_len,
               std::optional<PortSet> ports = std::nullopt) {
  Rule r;
  r.ipv6_prefix = v6(ipv6);
  r.ipv4_prefix = v4(ipv4);
  r.ea_len = ea_len;
  r.ports = ports;
  return r;
}

// S46_PORTPARAMS as received: offset, PSID-len, left-aligned PSID field.
PortSet port_params(uint8_t offset, uint8_t psid_len, uint16_t psid_field) {
  return *PortSet::from_wire(offset, psid_len, psid_field);
}

void expect_error(const Result<MapResult>& r, const std::string& text) {
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason().find(text), std::string::npos) << r.error().reason();
}

// RFC 7597 Appendix A, example 1.
const char* const kAppARule6 = "2001:db8::/40";
const char* const kAppARule4 = "192.0.2.0/24";
const char* const kAppAEndUser = "2001:db8:12:3400::/56";

TEST(MapDerive, AppendixAExample1) {
  auto r = derive(make_rule(kAppARule6, kAppARule4, 16), v6(kAppAEndUser));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kShared);
  EXPECT_EQ(r->ea_len, 16);
  EXPECT_EQ(r->ea_bits, 0x1234u);  // bits 40..55 of the End-user prefix
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.18/32");
  EXPECT_EQ(r->ipv4.address.to_u32(), 0xc0000212u);
  EXPECT_EQ(r->psid, 0x34);
  EXPECT_EQ(r->psid_source, PsidSource::kEaBits);
  ASSERT_TRUE(r->ports);
  EXPECT_EQ(r->ports->offset(), 6);  // RFC 7597 §5.1 default
  EXPECT_EQ(r->ports->psid_len(), 8);
  EXPECT_EQ(r->ports->psid(), 0x34);
  EXPECT_EQ(r->ports->count(), 252u);
  auto ranges = r->ports->ranges();
  ASSERT_EQ(ranges.size(), 63u);
  EXPECT_EQ(ranges[0], (PortRange{1232, 1235}));
  EXPECT_EQ(ranges[1], (PortRange{2256, 2259}));
  EXPECT_EQ(ranges[61], (PortRange{63696, 63699}));
  EXPECT_EQ(ranges[62], (PortRange{64720, 64723}));
  EXPECT_EQ(r->ce_address, addr6("2001:db8:0012:3400:0000:c000:0212:0034"));
  EXPECT_EQ(r->interface_id, (std::array<uint8_t, 8>{
                                 0x00, 0x00,              // 16 bits 0
                                 0xc0, 0x00, 0x02, 0x12,  // IPv4 192.0.2.18
                                 0x00, 0x34,              // PSID, right-aligned
                             }));
}

TEST(MapDerive, AppendixBRatio256ThroughPortParams) {
  // r = 32, o = 0: the address from the rule, the PSID from S46_PORTPARAMS
  // (RFC 7597 §5.2). App. B: R = 256, PSID 0, a = 6, k = 8.
  auto r = derive(make_rule("2001:db8:1:200::/56", "192.0.2.1/32", 0, port_params(6, 8, 0x0000)),
                  v6("2001:db8:1:200::/56"));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kShared);
  EXPECT_EQ(r->psid_source, PsidSource::kPortParams);
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.1/32");
  auto ranges = r->ports->ranges();
  ASSERT_EQ(ranges.size(), 63u);
  EXPECT_EQ(ranges[0], (PortRange{1024, 1027}));
  EXPECT_EQ(ranges[1], (PortRange{2048, 2051}));
  EXPECT_EQ(ranges[61], (PortRange{63488, 63491}));
  EXPECT_EQ(ranges[62], (PortRange{64512, 64515}));
  EXPECT_EQ(r->ce_address, addr6("2001:db8:1:200:0:c000:201:0"));
}

TEST(MapDerive, AppendixBRatio64OffsetZeroExcludesPortZero) {
  // App. B: R = 64, PSID 0, a = 0, k = 6 -> 0-1023, with port 0 left out.
  auto r = derive(make_rule("2001:db8:1:200::/56", "192.0.2.1/32", 0, port_params(0, 6, 0x0000)),
                  v6("2001:db8:1:200::/56"), {Mechanism::kLw4o6, IidLayout::kRfc7597});
  ASSERT_TRUE(r) << r.error().reason();
  ASSERT_TRUE(r->ports);
  EXPECT_EQ(r->ports->ranges(), (std::vector<PortRange>{{1, 1023}}));
  EXPECT_EQ(r->ports->count(), 1023u);
}

TEST(MapDerive, PrefixWhenEaAndRuleShorterThan32) {
  // o + r = 8 + 16 < 32: an IPv4 prefix of length 24 (RFC 7597 §5.2).
  auto r = derive(make_rule("2001:db8::/40", "10.0.0.0/16", 8), v6("2001:db8:12::/48"));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kPrefix);
  EXPECT_EQ(r->ipv4.to_string(), "10.0.18.0/24");
  EXPECT_FALSE(r->ports);
  EXPECT_EQ(r->psid, 0);
  EXPECT_EQ(r->psid_source, PsidSource::kNone);
  // IPv4 field = the prefix padded with zeros, PSID 0 (RFC 7597 §6).
  EXPECT_EQ(r->ce_address, addr6("2001:db8:12:0:0:a00:1200:0"));
}

TEST(MapDerive, PrefixDiscardsExplicitPsid) {
  // RFC 7598 §4.5: an explicit PSID MUST be discarded without a full address.
  auto r = derive(make_rule("2001:db8::/40", "10.0.0.0/16", 8, port_params(6, 8, 0x3400)),
                  v6("2001:db8:12::/48"));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kPrefix);
  EXPECT_FALSE(r->ports);
  EXPECT_EQ(r->psid, 0);
  EXPECT_EQ(r->ce_address, addr6("2001:db8:12:0:0:a00:1200:0"));
}

TEST(MapDerive, FullAddressWhenEaAndRuleMake32) {
  auto r = derive(make_rule(kAppARule6, kAppARule4, 8), v6(kAppAEndUser));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kFull);
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.18/32");
  EXPECT_FALSE(r->ports);
  EXPECT_EQ(r->psid, 0);
  EXPECT_EQ(r->ce_address, addr6("2001:db8:12:3400:0:c000:212:0"));
}

TEST(MapDerive, FullAddressSharedByPortParams) {
  // o + r = 32 leaves no PSID bits; S46_PORTPARAMS supplies the PSID.
  auto r =
      derive(make_rule(kAppARule6, kAppARule4, 8, port_params(6, 8, 0x5600)), v6(kAppAEndUser));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kShared);
  EXPECT_EQ(r->psid, 0x56);
  EXPECT_EQ(r->psid_source, PsidSource::kPortParams);
  EXPECT_EQ(r->ce_address, addr6("2001:db8:12:3400:0:c000:212:56"));

  // A zero PSID field is still the PSID when the EA bits carry none.
  auto zero =
      derive(make_rule(kAppARule6, kAppARule4, 8, port_params(6, 8, 0x0000)), v6(kAppAEndUser));
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->kind, AddressKind::kShared);
  EXPECT_EQ(zero->psid, 0);
  EXPECT_EQ(zero->psid_source, PsidSource::kPortParams);
  EXPECT_EQ(zero->ports->ranges()[0], (PortRange{1024, 1027}));
}

TEST(MapDerive, Lw4o6BindingWithPortParams) {
  V4V6Bind bind;
  bind.ipv4 = *Ipv4Address::parse("192.0.2.1");
  bind.bind_prefix = v6("2001:db8:1:200::/56");
  bind.ports = port_params(0, 6, 0x0c00);  // PSID 3, left-aligned
  Rule rule = bind_as_rule(bind);
  EXPECT_EQ(rule.ipv4_prefix.to_string(), "192.0.2.1/32");
  EXPECT_EQ(rule.ea_len, 0);

  auto r = derive(rule, v6("2001:db8:1:200::/56"), {Mechanism::kLw4o6, IidLayout::kRfc7597});
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->kind, AddressKind::kShared);
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.1/32");
  EXPECT_EQ(r->psid, 3);
  EXPECT_EQ(r->ports->ranges(), (std::vector<PortRange>{{3072, 4095}}));
  // RFC 7596 §5.1: prefix | 16 bits 0 | IPv4 | PSID.
  EXPECT_EQ(r->ce_address, addr6("2001:db8:1:200:0:c000:201:3"));
}

TEST(MapDerive, Lw4o6BindingWithoutPortParamsIsFull) {
  V4V6Bind bind;
  bind.ipv4 = *Ipv4Address::parse("192.0.2.1");
  bind.bind_prefix = v6("2001:db8:1:200::/56");
  auto r = derive(bind_as_rule(bind), v6("2001:db8:1:200::/56"),
                  {Mechanism::kLw4o6, IidLayout::kRfc7597});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, AddressKind::kFull);
  EXPECT_FALSE(r->ports);
  EXPECT_EQ(r->ce_address, addr6("2001:db8:1:200:0:c000:201:0"));
}

TEST(MapDerive, ExplicitNonZeroPsidWinsOverEaBits) {
  // RFC 7598 §4.5: an explicit PSID MUST be used.
  auto r =
      derive(make_rule(kAppARule6, kAppARule4, 16, port_params(6, 8, 0x5600)), v6(kAppAEndUser));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.18/32");
  EXPECT_EQ(r->psid, 0x56);
  EXPECT_EQ(r->psid_source, PsidSource::kPortParams);
  EXPECT_EQ(r->ce_address, addr6("2001:db8:12:3400:0:c000:212:56"));
}

TEST(MapDerive, ExplicitPsidLenWinsOverQ) {
  // EA bits 0x12f5: q would be 8 (PSID 0xf5); PORTPARAMS says k = 6 with a
  // zero PSID field, so the PSID is the last 6 EA bits: 0x35. Offset 4.
  auto r = derive(make_rule(kAppARule6, kAppARule4, 16, port_params(4, 6, 0x0000)),
                  v6("2001:db8:12:f500::/56"));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.18/32");
  EXPECT_EQ(r->psid, 0x35);
  EXPECT_EQ(r->psid_source, PsidSource::kEaBits);
  EXPECT_EQ(r->ports->offset(), 4);
  EXPECT_EQ(r->ports->psid_len(), 6);
  // m = 16 - 4 - 6 = 6; first range A = 1: 4096 | 0x35 << 6 = 7488.
  EXPECT_EQ(r->ports->ranges()[0], (PortRange{7488, 7551}));
}

TEST(MapDerive, OffsetOnlyPortParamsKeepsEaPsid) {
  auto r = derive(make_rule(kAppARule6, kAppARule4, 16, port_params(4, 0, 0)), v6(kAppAEndUser));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->psid, 0x34);
  EXPECT_EQ(r->ports->offset(), 4);
  EXPECT_EQ(r->ports->psid_len(), 8);
  // m = 4: 4096 | 0x34 << 4 = 4928.
  EXPECT_EQ(r->ports->ranges()[0], (PortRange{4928, 4943}));
  EXPECT_EQ(r->ports->count(), 240u);
}

TEST(MapDerive, DefaultOffsets) {
  EXPECT_EQ(default_offset({Mechanism::kMapE, IidLayout::kRfc7597}), 6u);
  EXPECT_EQ(default_offset({Mechanism::kMapT, IidLayout::kRfc7597}), 6u);
  EXPECT_EQ(default_offset({Mechanism::kLw4o6, IidLayout::kRfc7597}), 0u);
  EXPECT_EQ(default_offset({Mechanism::kMapE, IidLayout::kLegacy}), 4u);
}

TEST(MapDerive, LegacyInterfaceId) {
  auto r = derive(make_rule(kAppARule6, kAppARule4, 16), v6(kAppAEndUser),
                  {Mechanism::kMapE, IidLayout::kLegacy});
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->interface_id, (std::array<uint8_t, 8>{
                                 0x00,                    // 8 bits 0
                                 0xc0, 0x00, 0x02, 0x12,  // IPv4 192.0.2.18
                                 0x00, 0x34,              // PSID
                                 0x00,                    // 8 bits 0
                             }));
  EXPECT_EQ(r->ce_address, addr6("2001:db8:12:3400:c0:2:1200:3400"));
  EXPECT_EQ(r->ports->offset(), 4);  // the legacy default offset
}

TEST(MapDerive, SubnetIdIsZeroForShortEndUserPrefix) {
  auto r = derive(make_rule("2001:db8::/32", kAppARule4, 16), v6("2001:db8:1234::/48"));
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->ipv4.to_string(), "192.0.2.18/32");
  EXPECT_EQ(r->psid, 0x34);
  EXPECT_EQ(r->ce_address, addr6("2001:db8:1234:0:0:c000:212:34"));
}

TEST(MapDerive, EndUserPrefixLongerThan64OverwritesIid) {
  auto r72 = derive(make_rule(kAppARule6, kAppARule4, 16), v6("2001:db8:12:3400:ab00::/72"));
  ASSERT_TRUE(r72) << r72.error().reason();
  EXPECT_EQ(r72->ce_address, addr6("2001:db8:12:3400:ab00:c000:212:34"));
  EXPECT_EQ(r72->interface_id, (std::array<uint8_t, 8>{
                                   0xab,                    // End-user prefix bits 64..71
                                   0x00,                    // IID
                                   0xc0, 0x00, 0x02, 0x12,  // IPv4
                                   0x00, 0x34,              // PSID
                               }));
  // A /88 reaches into the IPv4 field.
  auto r88 = derive(make_rule(kAppARule6, kAppARule4, 16), v6("2001:db8:12:3400:abcd:ef00::/88"));
  ASSERT_TRUE(r88) << r88.error().reason();
  EXPECT_EQ(r88->ce_address, addr6("2001:db8:12:3400:abcd:ef00:212:34"));
  EXPECT_EQ(r88->ipv4.to_string(), "192.0.2.18/32");
}

TEST(MapDerive, RejectsEndUserPrefixOutsideRule) {
  expect_error(derive(make_rule(kAppARule6, kAppARule4, 16), v6("2001:db9:12:3400::/56")),
               "End-user prefix 2001:db9:12:3400::/56 is not inside rule IPv6 prefix "
               "2001:db8::/40");
  // A rule prefix longer than the End-user prefix cannot contain it.
  expect_error(derive(make_rule("2001:db8:12:3400::/64", kAppARule4, 0), v6(kAppAEndUser)),
               "is not inside rule IPv6 prefix");
}

TEST(MapDerive, RejectsEaBitsPastEndUserPrefix) {
  expect_error(derive(make_rule(kAppARule6, kAppARule4, 24), v6(kAppAEndUser)),
               "rule IPv6 prefix /40 + EA-len 24 = 64 bits, longer than the End-user prefix /56");
}

TEST(MapDerive, RejectsEaLenOver48) {
  expect_error(derive(make_rule("2001:db8::/32", "0.0.0.0/0", 49), v6("2001:db8::/96")),
               "EA-len 49 > 48");
}

TEST(MapDerive, RejectsPsidLongerThan16) {
  expect_error(derive(make_rule("2001:db8::/32", kAppARule4, 32), v6("2001:db8::/64")),
               "EA-len 32 with IPv4 prefix /24 leaves 24 PSID bits (max 16)");
}

TEST(MapDerive, RejectsPortSetThatDoesNotFit) {
  // q = 16 with the default offset 6: a + k = 22 > 16.
  auto r = derive(make_rule("2001:db8::/32", kAppARule4, 24), v6("2001:db8:1234:5600::/56"));
  expect_error(r, "port set: ");
  expect_error(r, "offset 6 + PSID-len 16 > 16");
}

TEST(MapDerive, RejectsExplicitPsidLenLongerThanEa) {
  // o = 10, r = 24: q = 2; PORTPARAMS k = 12 cannot come from 10 EA bits.
  expect_error(
      derive(make_rule(kAppARule6, kAppARule4, 10, port_params(4, 12, 0)), v6(kAppAEndUser)),
      "PORTPARAMS PSID-len 12 is longer than EA-len 10");
}

std::vector<Rule> three_rules() {
  std::vector<Rule> rules = {
      make_rule("2001:db8::/40", "192.0.2.0/24", 16),
      make_rule("2001:db8:12::/48", "198.51.100.0/24", 8),
      make_rule("2001:db8::/32", "203.0.113.0/24", 24),
  };
  rules[0].fmr = true;
  rules[2].fmr = true;
  return rules;
}

TEST(SelectBmr, LongestMatchWins) {
  auto rules = three_rules();
  auto i = select_bmr(rules, v6("2001:db8:12:3400::/56"));
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, 1u);  // /48 beats /40 and /32
  i = select_bmr(rules, v6("2001:db8:ff:ff00::/56"));
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, 0u);  // inside the /40 and the /32
  i = select_bmr(rules, v6("2001:db8:100::/56"));
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, 2u);  // only the /32
}

TEST(SelectBmr, FirstOfEqualPrefixes) {
  std::vector<Rule> rules = {make_rule("2001:db8::/40", "192.0.2.0/24", 16),
                             make_rule("2001:db8::/40", "198.51.100.0/24", 16)};
  auto i = select_bmr(rules, v6(kAppAEndUser));
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, 0u);
}

TEST(SelectBmr, NoMatchIsAnError) {
  auto rules = three_rules();
  auto i = select_bmr(rules, v6("2001:db9::/56"));
  ASSERT_FALSE(i);
  EXPECT_EQ(i.error().reason(), "no BMR matches 2001:db9::/56 (3 rules)");
  auto none = select_bmr({}, v6("2001:db9::/56"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason(), "no BMR matches 2001:db9::/56 (0 rules)");
}

TEST(FmrRoutes, ListsRulesWithTheFFlag) {
  auto rules = three_rules();
  auto routes = fmr_routes(rules);
  EXPECT_EQ(routes, (std::vector<FmrRoute>{{v4("192.0.2.0/24"), 0}, {v4("203.0.113.0/24"), 2}}));
  rules[0].fmr = false;
  rules[2].fmr = false;
  EXPECT_TRUE(fmr_routes(rules).empty());
}

}  // namespace
}  // namespace lwb4::s46
