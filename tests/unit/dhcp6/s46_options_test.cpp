#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/dhcp6/options.hpp"
#include "lwb4/dhcp6/s46_options.hpp"
#include "test_support.hpp"

namespace lwb4::dhcp6 {
namespace {

Ipv6Prefix v6p(const char* text) {
  return *Ipv6Prefix::parse(text);
}
Ipv4Prefix v4p(const char* text) {
  return *Ipv4Prefix::parse(text);
}
Ipv6Address v6(const char* text) {
  return *Ipv6Address::parse(text);
}

// Strips the 4-byte option header from an encoded option.
wire::Bytes body_of(const Bytes& option) {
  return wire::Bytes(option).subspan(4);
}

std::string container_error(uint16_t code, const Bytes& body) {
  auto c = decode_s46_container(code, body);
  return c ? std::string("(decoded)") : c.error().reason();
}

s46::Rule bmr1() {
  s46::Rule r;
  r.fmr = true;
  r.ea_len = 16;
  r.ipv4_prefix = v4p("192.0.2.0/24");
  r.ipv6_prefix = v6p("2001:db8::/40");
  return r;
}

// protocol-facts §4: BMR #1 of RFC 7597 App. A with F=1.
const Bytes kBmr1 = {
    0x00, 0x59, 0x00, 0x0d,        // S46_RULE, len 13
    0x01,                          // flags: F=1
    0x10,                          // ea-len 16
    0x18,                          // prefix4-len 24
    0xc0, 0x00, 0x02, 0x00,        // ipv4-prefix 192.0.2.0
    0x28,                          // prefix6-len 40
    0x20, 0x01, 0x0d, 0xb8, 0x00,  // ipv6-prefix 2001:db8:00 (5 bytes)
};

TEST(S46Rule, EncodesProtocolFactsVector) {
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_s46_rule(w, bmr1()));
  EXPECT_EQ(out, kBmr1);
}

TEST(S46Rule, DecodesProtocolFactsVector) {
  auto rule = decode_s46_rule(body_of(kBmr1));
  ASSERT_TRUE(rule) << rule.error().reason();
  EXPECT_EQ(*rule, bmr1());
  EXPECT_TRUE(rule->fmr);
  EXPECT_EQ(rule->ipv6_prefix.to_string(), "2001:db8::/40");
  EXPECT_FALSE(rule->ports.has_value());
}

TEST(S46Rule, PortParamsSubOptionRoundTrips) {
  const Bytes option = {
      0x00, 0x59, 0x00, 0x15,        // S46_RULE, len 21
      0x00,                          // flags: F=0 (BMR only)
      0x10,                          // ea-len 16
      0x18,                          // prefix4-len 24
      0xc0, 0x00, 0x02, 0x00,        // ipv4-prefix 192.0.2.0
      0x28,                          // prefix6-len 40
      0x20, 0x01, 0x0d, 0xb8, 0x00,  // ipv6-prefix
      0x00, 0x5d, 0x00, 0x04,        // S46_PORTPARAMS, len 4
      0x06,                          // offset 6
      0x00,                          // PSID-len 0 (PSID from EA bits)
      0x00, 0x00,                    // PSID
  };
  auto rule = decode_s46_rule(body_of(option));
  ASSERT_TRUE(rule) << rule.error().reason();
  EXPECT_FALSE(rule->fmr);
  ASSERT_TRUE(rule->ports.has_value());
  EXPECT_EQ(rule->ports->offset(), 6);
  EXPECT_EQ(rule->ports->psid_len(), 0);
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_s46_rule(w, *rule));
  EXPECT_EQ(out, option);
}

TEST(S46Rule, IgnoresIpv4BitsPastPrefixLengthAndReservedFlags) {
  const Bytes body = {
      0xfe,                          // flags: reserved bits set, F=0
      0x10,                          // ea-len 16
      0x18,                          // prefix4-len 24
      0xc0, 0x00, 0x02, 0x4d,        // ipv4-prefix 192.0.2.77: host bits set
      0x26,                          // prefix6-len 38
      0x20, 0x01, 0x0d, 0xb8, 0x03,  // last byte: 2 bits past /38 set
  };
  auto rule = decode_s46_rule(body);
  ASSERT_TRUE(rule) << rule.error().reason();
  EXPECT_FALSE(rule->fmr);
  EXPECT_EQ(rule->ipv4_prefix.to_string(), "192.0.2.0/24");
  EXPECT_EQ(rule->ipv6_prefix.to_string(), "2001:db8::/38");
}

struct BadRule {
  const char* name;
  Bytes body;
  const char* reason;
};

TEST(S46Rule, RejectsInvalidValues) {
  const BadRule cases[] = {
      {"short",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00},
       "S46_RULE: length 7, expected at least 8"},
      {"ea-len 49",
       {0x00, 0x31, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00},  // ea-len 49, prefix6-len 0
       "ea-len 49 > 48"},
      {"prefix4-len 33",
       {0x00, 0x10, 0x21, 0xc0, 0x00, 0x02, 0x00, 0x00},  // prefix4-len 33
       "prefix4-len 33 > 32"},
      {"prefix6-len 129",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x81},  // prefix6-len 129
       "prefix6-len 129 > 128"},
      {"prefix bytes short",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x28, 0x20, 0x01, 0x0d},  // /40 with 3 bytes
       "prefix6-len 40 needs 5 bytes, 3 left"},
      {"sub-option overrun",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00,  // prefix6-len 0
        0x00, 0x5d, 0x00, 0x04, 0x06},                   // PORTPARAMS cut short
       "S46_RULE: option 93 at offset 0: length 4 runs past the end"},
      {"unsupported sub-option",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00,  // prefix6-len 0
        0x00, 0x5a, 0x00, 0x00},                         // S46_BR inside a rule
       "S46_RULE: unsupported sub-option 90"},
      {"PORTPARAMS length 3",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00,  // prefix6-len 0
        0x00, 0x5d, 0x00, 0x03, 0x06, 0x08, 0x34},       // PORTPARAMS len 3
       "S46_PORTPARAMS length 3, expected 4"},
      {"two PORTPARAMS",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00,   // prefix6-len 0
        0x00, 0x5d, 0x00, 0x04, 0x06, 0x00, 0x00, 0x00,   // PORTPARAMS
        0x00, 0x5d, 0x00, 0x04, 0x06, 0x00, 0x00, 0x00},  // PORTPARAMS again
       "more than one S46_PORTPARAMS"},
      {"PSID pad bits",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00,   // prefix6-len 0
        0x00, 0x5d, 0x00, 0x04, 0x06, 0x08, 0x34, 0x01},  // PSID-len 8, field 0x3401
       "S46_RULE: S46_PORTPARAMS: PSID field 0x3401"},
      {"offset 16",
       {0x00, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00,   // prefix6-len 0
        0x00, 0x5d, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00},  // offset 16
       "S46_RULE: S46_PORTPARAMS: offset 16"},
  };
  for (const BadRule& c : cases) {
    auto rule = decode_s46_rule(c.body);
    ASSERT_FALSE(rule) << c.name;
    EXPECT_TRUE(Contains(rule.error().reason(), c.reason)) << c.name;
  }
}

TEST(S46Rule, EncoderRejectsInvalidRules) {
  Bytes out;
  wire::Writer w(out);
  s46::Rule r = bmr1();
  r.ea_len = 49;
  EXPECT_TRUE(Contains(encode_s46_rule(w, r).error().reason(), "ea-len 49 > 48"));
  r = bmr1();
  r.ipv4_prefix.address = Ipv4Address::from_u32(0xc000024d);  // host bits past /24
  EXPECT_TRUE(Contains(encode_s46_rule(w, r).error().reason(), "not a canonical IPv4 prefix"));
  r = bmr1();
  r.ipv6_prefix.length = 129;
  EXPECT_TRUE(Contains(encode_s46_rule(w, r).error().reason(), "not a canonical IPv6 prefix"));
  EXPECT_TRUE(out.empty());
}

TEST(S46V4V6Bind, DecodesAndRoundTrips) {
  const Bytes option = {
      0x00, 0x5c, 0x00, 0x14,                    // S46_V4V6BIND, len 20
      0xc0, 0x00, 0x02, 0x01,                    // ipv4-address 192.0.2.1
      0x38,                                      // bindprefix6-len 56
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34,  // 2001:db8:12:3400::/56 (7 bytes)
      0x00, 0x5d, 0x00, 0x04,                    // S46_PORTPARAMS, len 4
      0x00,                                      // offset 0 (lw4o6)
      0x08,                                      // PSID-len 8
      0x34, 0x00,                                // PSID 0x34, left-aligned
  };
  auto bind = decode_s46_v4v6bind(body_of(option));
  ASSERT_TRUE(bind) << bind.error().reason();
  EXPECT_EQ(bind->ipv4.to_string(), "192.0.2.1");
  EXPECT_EQ(bind->bind_prefix.to_string(), "2001:db8:12:3400::/56");
  ASSERT_TRUE(bind->ports.has_value());
  EXPECT_EQ(bind->ports->psid(), 0x34);
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_s46_v4v6bind(w, *bind));
  EXPECT_EQ(out, option);
}

TEST(S46V4V6Bind, RejectsInvalidValues) {
  const Bytes short_body = {0xc0, 0x00, 0x02, 0x01};  // ipv4 only, no prefix length
  EXPECT_TRUE(Contains(decode_s46_v4v6bind(short_body).error().reason(),
                       "S46_V4V6BIND: length 4, expected at least 5"));
  const Bytes long_prefix = {
      0xc0, 0x00, 0x02, 0x01,  // ipv4
      0x81,                    // bindprefix6-len 129
  };
  EXPECT_TRUE(Contains(decode_s46_v4v6bind(long_prefix).error().reason(),
                       "S46_V4V6BIND: prefix6-len 129 > 128"));
  const Bytes short_prefix = {
      0xc0, 0x00, 0x02, 0x01,  // ipv4
      0x40,                    // bindprefix6-len 64
      0x20, 0x01,              // only 2 of 8 bytes
  };
  EXPECT_TRUE(Contains(decode_s46_v4v6bind(short_prefix).error().reason(),
                       "prefix6-len 64 needs 8 bytes, 2 left"));
}

TEST(S46Dmr, DecodesAndRejects) {
  const Bytes option = {
      0x00, 0x5b, 0x00, 0x0d,                                                  // S46_DMR, len 13
      0x60,                                                                    // dmr-prefix6-len 96
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 2001:db8:1::/96
  };
  auto dmr = decode_s46_dmr(body_of(option));
  ASSERT_TRUE(dmr) << dmr.error().reason();
  EXPECT_EQ(dmr->to_string(), "2001:db8:1::/96");
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_s46_dmr(w, *dmr));
  EXPECT_EQ(out, option);

  const Bytes trailing = {
      0x08,  // dmr-prefix6-len 8
      0x20,  // 1 byte
      0x00,  // one byte too many
  };
  EXPECT_TRUE(
      Contains(decode_s46_dmr(trailing).error().reason(), "S46_DMR: length 3, expected 2 for /8"));
  const Bytes too_long = {0x81};  // dmr-prefix6-len 129
  EXPECT_TRUE(Contains(decode_s46_dmr(too_long).error().reason(), "prefix6-len 129 > 128"));
  EXPECT_TRUE(Contains(decode_s46_dmr({}).error().reason(), "truncated"));
}

TEST(S46Br, NeedsSixteenBytes) {
  const Bytes body(15, 0x20);
  EXPECT_TRUE(Contains(decode_s46_br(body).error().reason(), "S46_BR: length 15, expected 16"));
}

// Builds options for container bodies.
Bytes rule_option() {
  return kBmr1;
}
Bytes br_option() {
  return {
      0x00, 0x5a, 0x00, 0x10,  // S46_BR, len 16
      0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // 2001:db8:ffff::1
  };
}
Bytes dmr_option() {
  return {
      0x00, 0x5b, 0x00, 0x05,  // S46_DMR, len 5
      0x20,                    // dmr-prefix6-len 32
      0x20, 0x01, 0x0d, 0xb8,  // 2001:db8::/32
  };
}
Bytes bind_option() {
  return {
      0x00, 0x5c, 0x00, 0x05,  // S46_V4V6BIND, len 5
      0xc0, 0x00, 0x02, 0x01,  // 192.0.2.1
      0x00,                    // bindprefix6-len 0
  };
}
Bytes portparams_option() {
  return {
      0x00, 0x5d, 0x00, 0x04,  // S46_PORTPARAMS, len 4
      0x06, 0x00, 0x00, 0x00,  // offset 6, PSID-len 0
  };
}
TEST(S46Container, MapEWithRuleAndBr) {
  auto c = decode_s46_container(kOptS46ContMapE, cat({rule_option(), br_option()}));
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->mechanism, s46::Mechanism::kMapE);
  ASSERT_EQ(c->rules.size(), 1u);
  EXPECT_EQ(c->rules[0], bmr1());
  ASSERT_EQ(c->brs.size(), 1u);
  EXPECT_EQ(c->brs[0], v6("2001:db8:ffff::1"));
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_s46_container(w, *c));
  const Bytes header = {
      0x00, 0x5e, 0x00, 0x25,  // S46_CONT_MAPE, len 37
  };
  EXPECT_EQ(out, cat({header, rule_option(), br_option()}));
}

TEST(S46Container, MapTWithRuleAndDmr) {
  auto c = decode_s46_container(kOptS46ContMapT, cat({rule_option(), dmr_option()}));
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->mechanism, s46::Mechanism::kMapT);
  ASSERT_TRUE(c->dmr.has_value());
  EXPECT_EQ(c->dmr->to_string(), "2001:db8::/32");
}

TEST(S46Container, LwWithBrAndBind) {
  auto c = decode_s46_container(kOptS46ContLw, cat({br_option(), bind_option()}));
  ASSERT_TRUE(c) << c.error().reason();
  EXPECT_EQ(c->mechanism, s46::Mechanism::kLw4o6);
  ASSERT_TRUE(c->bind.has_value());
  EXPECT_EQ(c->bind->ipv4.to_string(), "192.0.2.1");
  EXPECT_TRUE(decode_s46_container(kOptS46ContLw, br_option()));  // V4V6BIND is optional
}

TEST(S46Container, MultipleRulesAndBrsKeepOrder) {
  Bytes second_br = br_option();
  second_br.back() = 0x02;
  Bytes fmr = rule_option();
  fmr[4] = 0x00;  // flags: F=0
  auto c = decode_s46_container(kOptS46ContMapE, cat({rule_option(), br_option(), fmr, second_br}));
  ASSERT_TRUE(c) << c.error().reason();
  ASSERT_EQ(c->rules.size(), 2u);
  EXPECT_TRUE(c->rules[0].fmr);
  EXPECT_FALSE(c->rules[1].fmr);
  ASSERT_EQ(c->brs.size(), 2u);
  EXPECT_EQ(c->brs[1], v6("2001:db8:ffff::2"));
}

struct BadContainer {
  const char* name;
  uint16_t code;
  Bytes body;
  const char* reason;
};

TEST(S46Container, RejectsEveryTableViolation) {
  Bytes two_binds = cat({br_option(), bind_option(), bind_option()});
  const BadContainer cases[] = {
      {"MAP-E no rule", kOptS46ContMapE, br_option(), "S46_CONT_MAPE: missing S46_RULE"},
      {"MAP-E no BR", kOptS46ContMapE, rule_option(), "S46_CONT_MAPE: missing S46_BR"},
      {"MAP-E DMR", kOptS46ContMapE, cat({rule_option(), br_option(), dmr_option()}),
       "S46_CONT_MAPE: S46_DMR not permitted"},
      {"MAP-E bind", kOptS46ContMapE, cat({rule_option(), br_option(), bind_option()}),
       "S46_CONT_MAPE: S46_V4V6BIND not permitted"},
      {"MAP-E direct PORTPARAMS", kOptS46ContMapE,
       cat({rule_option(), br_option(), portparams_option()}),
       "S46_CONT_MAPE: S46_PORTPARAMS directly in the container"},
      {"MAP-T no rule", kOptS46ContMapT, dmr_option(), "S46_CONT_MAPT: missing S46_RULE"},
      {"MAP-T no DMR", kOptS46ContMapT, rule_option(), "S46_CONT_MAPT: missing S46_DMR"},
      {"MAP-T two DMRs", kOptS46ContMapT, cat({rule_option(), dmr_option(), dmr_option()}),
       "S46_CONT_MAPT: 2 S46_DMR, expected exactly 1"},
      {"MAP-T BR", kOptS46ContMapT, cat({rule_option(), dmr_option(), br_option()}),
       "S46_CONT_MAPT: S46_BR not permitted"},
      {"MAP-T bind", kOptS46ContMapT, cat({rule_option(), dmr_option(), bind_option()}),
       "S46_CONT_MAPT: S46_V4V6BIND not permitted"},
      {"MAP-T direct PORTPARAMS", kOptS46ContMapT,
       cat({rule_option(), dmr_option(), portparams_option()}),
       "S46_CONT_MAPT: S46_PORTPARAMS directly in the container"},
      {"LW rule", kOptS46ContLw, cat({br_option(), rule_option()}),
       "S46_CONT_LW: S46_RULE not permitted"},
      {"LW no BR", kOptS46ContLw, bind_option(), "S46_CONT_LW: missing S46_BR"},
      {"LW two binds", kOptS46ContLw, two_binds, "S46_CONT_LW: 2 S46_V4V6BIND, expected at most 1"},
      {"LW DMR", kOptS46ContLw, cat({br_option(), dmr_option()}),
       "S46_CONT_LW: S46_DMR not permitted"},
      {"LW direct PORTPARAMS", kOptS46ContLw, cat({br_option(), portparams_option()}),
       "S46_CONT_LW: S46_PORTPARAMS directly in the container"},
      {"unknown option", kOptS46ContLw,
       cat({br_option(), Bytes{0x00, 0x17, 0x00, 0x00}}),  // DNS_SERVERS, len 0
       "S46_CONT_LW: unsupported option 23"},
      {"empty MAP-E", kOptS46ContMapE, {}, "S46_CONT_MAPE: missing S46_RULE"},
      {"inner overrun", kOptS46ContMapE, Bytes{0x00, 0x5a, 0x00, 0x10, 0x20},
       "S46_CONT_MAPE: option 90 at offset 0: length 16 runs past the end"},
      {"inner header cut", kOptS46ContMapE, cat({rule_option(), br_option(), Bytes{0x00}}),
       "S46_CONT_MAPE: option header truncated"},
      {"BR length 15", kOptS46ContMapE,
       cat({rule_option(), Bytes{0x00, 0x5a, 0x00, 0x0f}, Bytes(15, 0x20)}),
       "S46_CONT_MAPE: S46_BR: length 15, expected 16"},
      {"bad rule", kOptS46ContMapE,
       cat({Bytes{0x00, 0x59, 0x00, 0x08, 0x00, 0x31, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00},
            br_option()}),  // ea-len 49
       "S46_CONT_MAPE: S46_RULE: ea-len 49 > 48"},
      {"bad bind", kOptS46ContLw,
       cat({br_option(), Bytes{0x00, 0x5c, 0x00, 0x05, 0xc0, 0x00, 0x02, 0x01, 0x81}}),
       "S46_CONT_LW: S46_V4V6BIND: prefix6-len 129 > 128"},
      {"bad DMR", kOptS46ContMapT,
       cat({rule_option(), Bytes{0x00, 0x5b, 0x00, 0x02, 0x40, 0x20}}),  // /64 with 1 byte
       "S46_CONT_MAPT: S46_DMR: prefix6-len 64 needs 8 bytes, 1 left"},
  };
  for (const BadContainer& c : cases) {
    EXPECT_TRUE(Contains(container_error(c.code, c.body), c.reason)) << c.name;
  }
}

TEST(S46Container, EncoderAppliesTheTable) {
  Bytes out;
  wire::Writer w(out);
  s46::Container c;
  c.mechanism = s46::Mechanism::kMapE;
  c.rules.push_back(bmr1());
  EXPECT_TRUE(
      Contains(encode_s46_container(w, c).error().reason(), "S46_CONT_MAPE: missing S46_BR"));
  c.mechanism = s46::Mechanism::kLw4o6;
  c.brs.push_back(v6("2001:db8:ffff::1"));
  EXPECT_TRUE(
      Contains(encode_s46_container(w, c).error().reason(), "S46_CONT_LW: S46_RULE not permitted"));
  c.mechanism = s46::Mechanism::kMapT;
  c.brs.clear();
  c.dmr = v6p("2001:db8::/32");
  EXPECT_TRUE(encode_s46_container(w, c));
  c.mechanism = s46::Mechanism::kDsLite;
  EXPECT_TRUE(Contains(encode_s46_container(w, c).error().reason(), "has no S46 container"));
}

TEST(S46Priority, DecodesAndRejects) {
  const Bytes body = {
      0x00, 0x60,  // 96 lw4o6
      0x00, 0x5e,  // 94 MAP-E
      0x00, 0x58,  // 88 DHCP 4o6
  };
  auto codes = decode_s46_priority(body);
  ASSERT_TRUE(codes);
  EXPECT_EQ(*codes, (std::vector<uint16_t>{96, 94, 88}));
  EXPECT_TRUE(Contains(decode_s46_priority({}).error().reason(),
                       "S46_PRIORITY: length 0, expected an even number >= 2"));
  const Bytes odd = {0x00, 0x60, 0x00};
  EXPECT_TRUE(Contains(decode_s46_priority(odd).error().reason(), "length 3"));
  const Bytes dup = {
      0x00, 0x5e,  // 94
      0x00, 0x60,  // 96
      0x00, 0x5e,  // 94 again
  };
  EXPECT_TRUE(Contains(decode_s46_priority(dup).error().reason(), "code 94 listed twice"));
  Bytes out;
  wire::Writer w(out);
  EXPECT_TRUE(Contains(encode_s46_priority(w, {94, 94}).error().reason(), "listed twice"));
  EXPECT_FALSE(encode_s46_priority(w, {}));
}

TEST(S46BindIpv6Prefix, DecodesAndRejects) {
  const Bytes option = {
      0x00, 0x89, 0x00, 0x08,                    // S46_BIND_IPV6_PREFIX, len 8
      0x38,                                      // bindprefix6-len 56
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34,  // 2001:db8:12:3400::/56
  };
  auto p = decode_s46_bind_ipv6_prefix(body_of(option));
  ASSERT_TRUE(p) << p.error().reason();
  EXPECT_EQ(p->to_string(), "2001:db8:12:3400::/56");
  Bytes out;
  wire::Writer w(out);
  ASSERT_TRUE(encode_s46_bind_ipv6_prefix(w, *p));
  EXPECT_EQ(out, option);

  const Bytes too_long = {0x81};  // bindprefix6-len 129
  EXPECT_TRUE(Contains(decode_s46_bind_ipv6_prefix(too_long).error().reason(),
                       "S46_BIND_IPV6_PREFIX: prefix6-len 129 > 128"));
  const Bytes extra = {
      0x38,                                            // /56 needs 7 bytes
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34, 0x00,  // 8 bytes
  };
  EXPECT_TRUE(Contains(decode_s46_bind_ipv6_prefix(extra).error().reason(),
                       "S46_BIND_IPV6_PREFIX: length 9, expected 8 for /56"));
  const Bytes missing = {
      0x38,                    // /56 needs 7 bytes
      0x20, 0x01, 0x0d, 0xb8,  // 4 bytes
  };
  EXPECT_TRUE(Contains(decode_s46_bind_ipv6_prefix(missing).error().reason(),
                       "prefix6-len 56 needs 7 bytes, 4 left"));
  Ipv6Prefix bad{v6("2001:db8::1"), 64};  // host bits past /64
  EXPECT_TRUE(Contains(encode_s46_bind_ipv6_prefix(w, bad).error().reason(),
                       "not a canonical IPv6 prefix"));
}

}  // namespace
}  // namespace lwb4::dhcp6
