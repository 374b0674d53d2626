#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/dhcp6/message.hpp"
#include "test_support.hpp"

namespace lwb4::dhcp6 {
namespace {

Ipv6Address v6(const char* text) {
  return *Ipv6Address::parse(text);
}

const Bytes kReplyHeader = {
    0x07,              // msg-type REPLY
    0xab, 0xcd, 0xef,  // transaction-id
};

// Decodes header + options and expects failure; returns the reason.
std::string reject(const Bytes& options, const Bytes& header = kReplyHeader) {
  auto m = decode_message(cat({header, options}));
  return m ? std::string("(decoded)") : m.error().reason();
}

// Decodes header + options and expects success.
Message accept(const Bytes& options) {
  auto m = decode_message(cat({kReplyHeader, options}));
  EXPECT_TRUE(m) << m.error().reason();
  return m ? *m : Message{};
}

// An Information-request as lwb4 sends it (RFC 8415 §18.2.6, protocol-facts §7).
const Bytes kInformationRequest = {
    0x0b,                                // msg-type INFORMATION-REQUEST
    0x12, 0x34, 0x56,                    // transaction-id 0x123456
    0x00, 0x01, 0x00, 0x0a,              // CLIENTID, len 10
    0x00, 0x03,                          //   DUID-LL
    0x00, 0x01,                          //   hardware type Ethernet
    0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,  //   link-layer address
    0x00, 0x06, 0x00, 0x12,              // ORO, len 18
    0x00, 0x58,                          //   88 DHCP4_O_DHCP6_SERVER
    0x00, 0x5a,                          //   90 S46_BR
    0x00, 0x60,                          //   96 S46_CONT_LW
    0x00, 0x5e,                          //   94 S46_CONT_MAPE
    0x00, 0x6f,                          //   111 S46_PRIORITY
    0x00, 0x17,                          //   23 DNS_SERVERS
    0x00, 0x18,                          //   24 DOMAIN_LIST
    0x00, 0x20,                          //   32 INFORMATION_REFRESH_TIME
    0x00, 0x53,                          //   83 INF_MAX_RT
    0x00, 0x08, 0x00, 0x02,              // ELAPSED_TIME, len 2
    0x00, 0x00,                          //   0
};

const Bytes kMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};

TEST(Message, EncodesInformationRequestAsLwb4SendsIt) {
  Message m;
  m.type = MessageType::kInformationRequest;
  m.transaction_id = 0x123456;
  m.client_id = *Duid::make_ll(kHwTypeEthernet, kMac);
  m.elapsed_time = 0;
  m.oro = std::vector<uint16_t>{88, 90, 96, 94, 111, 23, 24, 32, 83};
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes) << bytes.error().reason();
  EXPECT_EQ(*bytes, kInformationRequest);
  auto back = decode_message(*bytes);
  ASSERT_TRUE(back) << back.error().reason();
  EXPECT_EQ(*back, m);
}

// A Reply as a Kea-like server would answer that Information-request.
const Bytes kReply = {
    0x07,                                            // msg-type REPLY
    0x12, 0x34, 0x56,                                // transaction-id 0x123456
    0x00, 0x01, 0x00, 0x0a,                          // CLIENTID, len 10
    0x00, 0x03, 0x00, 0x01,                          //   DUID-LL, Ethernet
    0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,              //   link-layer address
    0x00, 0x02, 0x00, 0x0e,                          // SERVERID, len 14
    0x00, 0x01, 0x00, 0x01,                          //   DUID-LLT, Ethernet
    0x2c, 0x9a, 0x3f, 0x10,                          //   time
    0x02, 0x00, 0x5e, 0x00, 0x53, 0xfe,              //   link-layer address
    0x00, 0x17, 0x00, 0x10,                          // DNS_SERVERS, len 16
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //   2001:db8::53
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,  //
    0x00, 0x18, 0x00, 0x0d,                          // DOMAIN_LIST, len 13
    0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',   //   label "example"
    0x03, 'c',  'o',  'm',  0x00,                    //   label "com", root
    0x00, 0x20, 0x00, 0x04,                          // INFORMATION_REFRESH_TIME, len 4
    0x00, 0x00, 0x0e, 0x10,                          //   3600 s
    0x00, 0x53, 0x00, 0x04,                          // INF_MAX_RT, len 4
    0x00, 0x00, 0x0e, 0x10,                          //   3600 s
    0x00, 0x58, 0x00, 0x20,                          // DHCP4_O_DHCP6_SERVER, len 32
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //   2001:db8::4
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,  //
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //   2001:db8::6
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,  //
    0x00, 0x5e, 0x00, 0x2d,                          // S46_CONT_MAPE, len 45
    0x00, 0x59, 0x00, 0x15,                          //   S46_RULE, len 21
    0x01,                                            //     flags: F=1
    0x10,                                            //     ea-len 16
    0x18,                                            //     prefix4-len 24
    0xc0, 0x00, 0x02, 0x00,                          //     192.0.2.0
    0x28,                                            //     prefix6-len 40
    0x20, 0x01, 0x0d, 0xb8, 0x00,                    //     2001:db8::/40
    0x00, 0x5d, 0x00, 0x04,                          //     S46_PORTPARAMS, len 4
    0x06, 0x00, 0x00, 0x00,                          //       offset 6, PSID-len 0
    0x00, 0x5a, 0x00, 0x10,                          //   S46_BR, len 16
    0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //     2001:db8:ffff::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
    0x00, 0x60, 0x00, 0x2c,                          // S46_CONT_LW, len 44
    0x00, 0x5a, 0x00, 0x10,                          //   S46_BR, len 16
    0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //     2001:db8:ffff::2
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  //
    0x00, 0x5c, 0x00, 0x14,                          //   S46_V4V6BIND, len 20
    0xc0, 0x00, 0x02, 0x01,                          //     192.0.2.1
    0x38,                                            //     bindprefix6-len 56
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34,        //     2001:db8:12:3400::/56
    0x00, 0x5d, 0x00, 0x04,                          //     S46_PORTPARAMS, len 4
    0x00, 0x08, 0x34, 0x00,                          //       offset 0, PSID-len 8, PSID 0x34
    0x00, 0x6f, 0x00, 0x04,                          // S46_PRIORITY, len 4
    0x00, 0x60,                                      //   96 lw4o6 first
    0x00, 0x5e,                                      //   94 MAP-E
    0x00, 0x89, 0x00, 0x08,                          // S46_BIND_IPV6_PREFIX, len 8
    0x38,                                            //   bindprefix6-len 56
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34,        //   2001:db8:12:3400::/56
};

TEST(Message, DecodesReplyWithS46Configuration) {
  auto m = decode_message(kReply);
  ASSERT_TRUE(m) << m.error().reason();
  EXPECT_EQ(m->type, MessageType::kReply);
  EXPECT_EQ(m->transaction_id, 0x123456u);
  ASSERT_TRUE(m->client_id.has_value());
  EXPECT_EQ(*m->client_id, *Duid::make_ll(kHwTypeEthernet, kMac));
  ASSERT_TRUE(m->server_id.has_value());
  EXPECT_EQ(m->server_id->type(), kDuidTypeLlt);
  ASSERT_TRUE(m->dns_servers.has_value());
  EXPECT_EQ(*m->dns_servers, std::vector<Ipv6Address>{v6("2001:db8::53")});
  ASSERT_TRUE(m->domain_list.has_value());
  EXPECT_EQ(*m->domain_list, std::vector<std::string>{"example.com"});
  EXPECT_EQ(m->information_refresh_time, 3600u);
  EXPECT_EQ(m->inf_max_rt, 3600u);
  EXPECT_FALSE(m->sol_max_rt.has_value());
  ASSERT_TRUE(m->dhcp4o6_servers.has_value());
  EXPECT_EQ(*m->dhcp4o6_servers, (std::vector<Ipv6Address>{v6("2001:db8::4"), v6("2001:db8::6")}));

  ASSERT_EQ(m->containers.size(), 2u);
  const s46::Container& mape = m->containers[0];
  EXPECT_EQ(mape.mechanism, s46::Mechanism::kMapE);
  ASSERT_EQ(mape.rules.size(), 1u);
  EXPECT_TRUE(mape.rules[0].fmr);
  EXPECT_EQ(mape.rules[0].ea_len, 16);
  EXPECT_EQ(mape.rules[0].ipv4_prefix.to_string(), "192.0.2.0/24");
  EXPECT_EQ(mape.rules[0].ipv6_prefix.to_string(), "2001:db8::/40");
  ASSERT_TRUE(mape.rules[0].ports.has_value());
  EXPECT_EQ(mape.rules[0].ports->offset(), 6);
  EXPECT_EQ(mape.brs, std::vector<Ipv6Address>{v6("2001:db8:ffff::1")});

  const s46::Container& lw = m->containers[1];
  EXPECT_EQ(lw.mechanism, s46::Mechanism::kLw4o6);
  EXPECT_EQ(lw.brs, std::vector<Ipv6Address>{v6("2001:db8:ffff::2")});
  ASSERT_TRUE(lw.bind.has_value());
  EXPECT_EQ(lw.bind->ipv4.to_string(), "192.0.2.1");
  EXPECT_EQ(lw.bind->bind_prefix.to_string(), "2001:db8:12:3400::/56");
  ASSERT_TRUE(lw.bind->ports.has_value());
  EXPECT_EQ(lw.bind->ports->psid_len(), 8);
  EXPECT_EQ(lw.bind->ports->psid(), 0x34);

  EXPECT_EQ(m->s46_priority, (std::vector<uint16_t>{96, 94}));
  ASSERT_TRUE(m->s46_bind_prefix.has_value());
  EXPECT_EQ(m->s46_bind_prefix->to_string(), "2001:db8:12:3400::/56");
  EXPECT_TRUE(m->other.empty());
  EXPECT_TRUE(m->ignored.empty());
}

TEST(Message, ReplyRoundTripsToTheSameBytes) {
  auto m = decode_message(kReply);
  ASSERT_TRUE(m);
  auto bytes = encode_message(*m);
  ASSERT_TRUE(bytes) << bytes.error().reason();
  EXPECT_EQ(*bytes, kReply);
}

TEST(Message, ReplyWithIaPdStatusAndUnknownOptions) {
  const Bytes options = {
      0x00, 0x0d, 0x00, 0x04,                          // STATUS_CODE, len 4
      0x00, 0x00, 'o',  'k',                           //   Success, "ok"
      0x00, 0x19, 0x00, 0x29,                          // IA_PD, len 41
      0x00, 0x00, 0x00, 0x01,                          //   IAID 1
      0x00, 0x00, 0x07, 0x08,                          //   T1 1800
      0x00, 0x00, 0x0b, 0x40,                          //   T2 2880
      0x00, 0x1a, 0x00, 0x19,                          //   IAPREFIX, len 25
      0x00, 0x00, 0x0e, 0x10,                          //     preferred 3600
      0x00, 0x00, 0x1c, 0x20,                          //     valid 7200
      0x38,                                            //     prefix-length 56
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34, 0x00,  // 2001:db8:12:3400::
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x52, 0x00, 0x04,                          // SOL_MAX_RT, len 4
      0x00, 0x00, 0x00, 0x3b,  //   59 s: kept raw, out of range for the client
      0x00, 0x07, 0x00, 0x01,  // PREFERENCE (unknown to the codec), len 1
      0xff,                    //   255
      0x00, 0x40, 0x00, 0x00,  // AFTR_NAME (unknown to the codec), len 0
  };
  Message m = accept(options);
  ASSERT_TRUE(m.status.has_value());
  EXPECT_EQ(m.status->message, "ok");
  ASSERT_EQ(m.ia_pds.size(), 1u);
  EXPECT_EQ(m.ia_pds[0].prefixes[0].prefix.to_string(), "2001:db8:12:3400::/56");
  EXPECT_EQ(m.sol_max_rt, 59u);
  EXPECT_FALSE(max_rt_acceptable(*m.sol_max_rt));
  ASSERT_EQ(m.other.size(), 2u);
  EXPECT_EQ(m.other[0], (RawOption{7, {0xff}}));
  EXPECT_EQ(m.other[1], (RawOption{64, {}}));
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, cat({kReplyHeader, options}));
}

TEST(Message, MultipleIaPdsKeepOrder) {
  const Bytes options = {
      0x00, 0x19, 0x00, 0x0c,  // IA_PD, len 12
      0x00, 0x00, 0x00, 0x02,  //   IAID 2
      0x00, 0x00, 0x00, 0x00,  //   T1
      0x00, 0x00, 0x00, 0x00,  //   T2
      0x00, 0x19, 0x00, 0x0c,  // IA_PD, len 12
      0x00, 0x00, 0x00, 0x01,  //   IAID 1
      0x00, 0x00, 0x00, 0x00,  //   T1
      0x00, 0x00, 0x00, 0x00,  //   T2
  };
  Message m = accept(options);
  ASSERT_EQ(m.ia_pds.size(), 2u);
  EXPECT_EQ(m.ia_pds[0].iaid, 2u);
  EXPECT_EQ(m.ia_pds[1].iaid, 1u);
}

TEST(Message, MaxRtHelper) {
  EXPECT_FALSE(max_rt_acceptable(59));
  EXPECT_TRUE(max_rt_acceptable(60));
  EXPECT_TRUE(max_rt_acceptable(86400));
  EXPECT_FALSE(max_rt_acceptable(86401));
}

TEST(Message, EmptyOroAndEmpty88AreLegal) {
  const Bytes options = {
      0x00, 0x06, 0x00, 0x00,  // ORO, len 0
      0x00, 0x58, 0x00, 0x00,  // DHCP4_O_DHCP6_SERVER, len 0: send to ff02::1:2
  };
  Message m = accept(options);
  ASSERT_TRUE(m.oro.has_value());
  EXPECT_TRUE(m.oro->empty());
  ASSERT_TRUE(m.dhcp4o6_servers.has_value());
  EXPECT_TRUE(m.dhcp4o6_servers->empty());
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, cat({kReplyHeader, options}));
}

TEST(Message, DuplicateAddressesIn88AreKept) {
  const Bytes options = {
      0x00, 0x58, 0x00, 0x20,                          // DHCP4_O_DHCP6_SERVER, len 32
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //   2001:db8::4
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,  //
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //   2001:db8::4 again
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,  //
  };
  Message m = accept(options);
  ASSERT_TRUE(m.dhcp4o6_servers.has_value());
  EXPECT_EQ(m.dhcp4o6_servers->size(), 2u);
}

TEST(Message, TopLevelBrsAreKept) {
  const Bytes options = {
      0x00, 0x5a, 0x00, 0x10,                          // S46_BR, len 16
      0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //   2001:db8:ffff::1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
      0x00, 0x5a, 0x00, 0x10,                          // S46_BR, len 16
      0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //   2001:db8:ffff::2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  //
  };
  Message m = accept(options);
  EXPECT_EQ(m.s46_brs, (std::vector<Ipv6Address>{v6("2001:db8:ffff::1"), v6("2001:db8:ffff::2")}));
}

// ---- Rejections of the whole message ----

TEST(MessageReject, TruncatedHeader) {
  const Bytes three = {0x07, 0x12, 0x34};
  auto m = decode_message(three);
  ASSERT_FALSE(m);
  EXPECT_TRUE(Contains(m.error().reason(), "message truncated: 3 bytes, the header needs 4"));
  EXPECT_FALSE(decode_message({}));
}

TEST(MessageReject, TruncatedOptionHeader) {
  const Bytes options = {
      0x00, 0x08, 0x00, 0x02, 0x00, 0x00,  // ELAPSED_TIME 0
      0x00, 0x17,                          // half an option header
  };
  EXPECT_TRUE(Contains(reject(options), "option header truncated at offset 10 (2 bytes left"));
}

TEST(MessageReject, OptionLengthPastEnd) {
  const Bytes options = {
      0x00, 0x17, 0x00, 0x10,  // DNS_SERVERS, len 16
      0x20, 0x01, 0x0d, 0xb8,  // only 4 bytes follow
  };
  EXPECT_TRUE(Contains(reject(options), "option 23 at offset 4: length 16 runs past the end"));
}

TEST(MessageReject, UnknownOptionOverrunStillRejects) {
  const Bytes options = {
      0xff, 0xff, 0x00, 0x01,  // option 65535, len 1, no data
  };
  EXPECT_TRUE(Contains(reject(options), "option 65535 at offset 4: length 1 runs past"));
}

struct FixedLength {
  const char* name;
  Bytes option;
  const char* reason;
};

TEST(MessageReject, FixedLengthChecks) {
  const FixedLength cases[] = {
      {"ELAPSED_TIME len 3",
       {0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00},
       "option 8: length 3, expected 2"},
      {"ELAPSED_TIME len 1", {0x00, 0x08, 0x00, 0x01, 0x00}, "option 8: length 1, expected 2"},
      {"IRT len 3", {0x00, 0x20, 0x00, 0x03, 0x00, 0x0e, 0x10}, "option 32: length 3, expected 4"},
      {"IRT len 5",
       {0x00, 0x20, 0x00, 0x05, 0x00, 0x00, 0x0e, 0x10, 0x00},
       "option 32: length 5, expected 4"},
      {"SOL_MAX_RT len 2", {0x00, 0x52, 0x00, 0x02, 0x0e, 0x10}, "option 82: length 2, expected 4"},
      {"INF_MAX_RT len 0", {0x00, 0x53, 0x00, 0x00}, "option 83: length 0, expected 4"},
      {"ORO odd", {0x00, 0x06, 0x00, 0x03, 0x00, 0x17, 0x00}, "option 6: length 3 is odd"},
      {"DNS len 17", cat({{0x00, 0x17, 0x00, 0x11}, Bytes(17, 0x20)}),
       "option 23: length 17, not a multiple of 16"},
      {"88 len 20", cat({{0x00, 0x58, 0x00, 0x14}, Bytes(20, 0x20)}),
       "option 88: length 20, not a multiple of 16"},
      {"88 len 8", cat({{0x00, 0x58, 0x00, 0x08}, Bytes(8, 0x20)}),
       "option 88: length 8, not a multiple of 16"},
      {"STATUS_CODE len 1",
       {0x00, 0x0d, 0x00, 0x01, 0x00},
       "option 13: length 1, expected at least 2"},
      {"CLIENTID len 2",
       {0x00, 0x01, 0x00, 0x02, 0x00, 0x03},
       "option 1: DUID length 2, expected 3..130"},
      {"SERVERID len 131", cat({{0x00, 0x02, 0x00, 0x83}, Bytes(131, 0x01)}),
       "option 2: DUID length 131"},
      {"IA_PD len 11", cat({{0x00, 0x19, 0x00, 0x0b}, Bytes(11, 0x00)}),
       "option 25: length 11, expected at least 12"},
  };
  for (const FixedLength& c : cases) {
    EXPECT_TRUE(Contains(reject(c.option), c.reason)) << c.name;
  }
}

TEST(MessageReject, MalformedDomainList) {
  const Bytes pointer = {
      0x00, 0x18, 0x00, 0x06,  // DOMAIN_LIST, len 6
      0x03, 'l',  'a',  'n',   //   label "lan"
      0xc0, 0x04,              //   compression pointer
  };
  EXPECT_TRUE(Contains(reject(pointer), "option 24: compression pointer"));
  const Bytes unterminated = {
      0x00, 0x18, 0x00, 0x04,  // DOMAIN_LIST, len 4
      0x03, 'l',  'a',  'n',   //   label "lan", no root label
  };
  EXPECT_TRUE(Contains(reject(unterminated), "option 24: domain name at byte 0 is not terminated"));
  const Bytes overrun = {
      0x00, 0x18, 0x00, 0x03,  // DOMAIN_LIST, len 3
      0x05, 'l',  'a',         //   label claims 5 bytes
  };
  EXPECT_TRUE(Contains(reject(overrun), "option 24: label at byte 0 runs past the end"));
}

TEST(MessageReject, DuplicateSingletons) {
  const Bytes two_clientids = {
      0x00, 0x01, 0x00, 0x03, 0x00, 0x03, 0x01,  // CLIENTID
      0x00, 0x01, 0x00, 0x03, 0x00, 0x03, 0x02,  // CLIENTID again
  };
  EXPECT_TRUE(Contains(reject(two_clientids), "option 1 (CLIENTID): appears more than once"));
  const Bytes two_irts = {
      0x00, 0x20, 0x00, 0x04, 0x00, 0x00, 0x0e, 0x10,  // INFORMATION_REFRESH_TIME
      0x00, 0x20, 0x00, 0x04, 0x00, 0x00, 0x0e, 0x10,  // again
  };
  EXPECT_TRUE(Contains(reject(two_irts), "option 32 (INFORMATION_REFRESH_TIME): appears more"));
  const Bytes two_88 = {
      0x00, 0x58, 0x00, 0x00,  // DHCP4_O_DHCP6_SERVER, empty
      0x00, 0x58, 0x00, 0x00,  // again
  };
  EXPECT_TRUE(Contains(reject(two_88), "option 88"));
}

TEST(MessageReject, RelayAndUnknownMessageTypes) {
  const Bytes relay = {0x0c, 0x00, 0x00, 0x00};  // RELAY-FORW
  EXPECT_TRUE(Contains(reject({}, relay), "relay message (type 12)"));
  const Bytes relay_repl = {0x0d, 0x00, 0x00, 0x00};  // RELAY-REPL
  EXPECT_TRUE(Contains(reject({}, relay_repl), "relay message (type 13)"));
  const Bytes zero = {0x00, 0x00, 0x00, 0x00};  // type 0
  EXPECT_TRUE(Contains(reject({}, zero), "unknown message type 0"));
  const Bytes leasequery = {0x0e, 0x00, 0x00, 0x00};  // LEASEQUERY 14
  EXPECT_TRUE(Contains(reject({}, leasequery), "unknown message type 14"));
}

TEST(MessageReject, NestedIaPdErrors) {
  const Bytes options = {
      0x00, 0x19, 0x00, 0x10,  // IA_PD, len 16
      0x00, 0x00, 0x00, 0x01,  //   IAID
      0x00, 0x00, 0x00, 0x00,  //   T1
      0x00, 0x00, 0x00, 0x00,  //   T2
      0x00, 0x1a, 0x00, 0x19,  //   IAPREFIX, len 25, nothing follows
  };
  EXPECT_TRUE(Contains(reject(options), "option 25: option 26 at offset 20: length 25 runs past"));
}

// ---- S46 options that are ignored, leaving the rest of the message ----

// A valid MAP-E container used next to the broken ones.
const Bytes kGoodMapE = {
    0x00, 0x5e, 0x00, 0x25,                          // S46_CONT_MAPE, len 37
    0x00, 0x59, 0x00, 0x0d,                          //   S46_RULE, len 13
    0x01, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00,        //     F=1, ea 16, 192.0.2.0/24
    0x28, 0x20, 0x01, 0x0d, 0xb8, 0x00,              //     2001:db8::/40
    0x00, 0x5a, 0x00, 0x10,                          //   S46_BR, len 16
    0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //     2001:db8:ffff::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
};

TEST(MessageIgnore, S46OptionsOutsideAContainer) {
  const Bytes options = {
      0x00, 0x59, 0x00, 0x0d,                    // S46_RULE at top level
      0x01, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00,  //
      0x28, 0x20, 0x01, 0x0d, 0xb8, 0x00,        //
      0x00, 0x5b, 0x00, 0x01, 0x00,              // S46_DMR at top level
      0x00, 0x5c, 0x00, 0x05,                    // S46_V4V6BIND at top level
      0xc0, 0x00, 0x02, 0x01, 0x00,              //
      0x00, 0x5d, 0x00, 0x04,                    // S46_PORTPARAMS at top level
      0x06, 0x00, 0x00, 0x00,                    //
  };
  Message m = accept(cat({options, kGoodMapE}));
  ASSERT_EQ(m.ignored.size(), 4u);
  EXPECT_TRUE(Contains(m.ignored[0], "option 89 (S46_RULE) outside a container"));
  EXPECT_TRUE(Contains(m.ignored[1], "option 91 (S46_DMR) outside a container"));
  EXPECT_TRUE(Contains(m.ignored[2], "option 92 (S46_V4V6BIND) outside a container"));
  EXPECT_TRUE(Contains(m.ignored[3], "option 93 (S46_PORTPARAMS) outside a container"));
  EXPECT_TRUE(m.other.empty());
  EXPECT_EQ(m.containers.size(), 1u);  // the valid container is still taken
}

TEST(MessageIgnore, ContainerBreakingTheTable) {
  const Bytes mape_without_br = {
      0x00, 0x5e, 0x00, 0x11,                    // S46_CONT_MAPE, len 17
      0x00, 0x59, 0x00, 0x0d,                    //   S46_RULE, len 13
      0x01, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00,  //
      0x28, 0x20, 0x01, 0x0d, 0xb8, 0x00,        //
  };
  const Bytes lw_with_rule = {
      0x00, 0x60, 0x00, 0x25,                          // S46_CONT_LW, len 37
      0x00, 0x59, 0x00, 0x0d,                          //   S46_RULE: not permitted in LW
      0x01, 0x10, 0x18, 0xc0, 0x00, 0x02, 0x00,        //
      0x28, 0x20, 0x01, 0x0d, 0xb8, 0x00,              //
      0x00, 0x5a, 0x00, 0x10,                          //   S46_BR
      0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
  };
  const Bytes dns = {
      0x00, 0x17, 0x00, 0x10,                          // DNS_SERVERS, len 16
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,  //   2001:db8::53
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,  //
  };
  Message m = accept(cat({dns, mape_without_br, lw_with_rule, kGoodMapE}));
  ASSERT_EQ(m.ignored.size(), 2u);
  EXPECT_TRUE(Contains(m.ignored[0], "S46_CONT_MAPE: missing S46_BR"));
  EXPECT_TRUE(Contains(m.ignored[1], "S46_CONT_LW: S46_RULE not permitted"));
  ASSERT_EQ(m.containers.size(), 1u);
  EXPECT_EQ(m.containers[0].brs.size(), 1u);
  EXPECT_TRUE(m.dns_servers.has_value());
}

TEST(MessageIgnore, ContainerWithBadRuleOrMalformedInside) {
  const Bytes bad_rule = {
      0x00, 0x5e, 0x00, 0x20,                          // S46_CONT_MAPE, len 32
      0x00, 0x59, 0x00, 0x08,                          //   S46_RULE, len 8
      0x00, 0x10, 0x21, 0xc0, 0x00, 0x02, 0x00, 0x00,  //     prefix4-len 33
      0x00, 0x5a, 0x00, 0x10,                          //   S46_BR
      0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
  };
  const Bytes inner_overrun = {
      0x00, 0x60, 0x00, 0x05,  // S46_CONT_LW, len 5
      0x00, 0x5a, 0x00, 0x10,  //   S46_BR claims 16 bytes
      0x20,                    //   1 byte present
  };
  Message m = accept(cat({bad_rule, inner_overrun}));
  ASSERT_EQ(m.ignored.size(), 2u);
  EXPECT_TRUE(Contains(m.ignored[0], "S46_CONT_MAPE: S46_RULE: prefix4-len 33 > 32"));
  EXPECT_TRUE(Contains(m.ignored[1], "S46_CONT_LW: option 90 at offset 0: length 16 runs past"));
  EXPECT_TRUE(m.containers.empty());
}

TEST(MessageIgnore, BadTopLevelBr) {
  const Bytes options = cat({{0x00, 0x5a, 0x00, 0x0f}, Bytes(15, 0x20)});  // S46_BR len 15
  Message m = accept(options);
  EXPECT_TRUE(m.s46_brs.empty());
  ASSERT_EQ(m.ignored.size(), 1u);
  EXPECT_TRUE(Contains(m.ignored[0], "S46_BR: length 15, expected 16"));
}

TEST(MessageIgnore, S46PriorityInvalidOrRepeated) {
  const Bytes odd = {
      0x00, 0x6f, 0x00, 0x03,  // S46_PRIORITY, len 3
      0x00, 0x60, 0x00,        //
  };
  Message m1 = accept(odd);
  EXPECT_FALSE(m1.s46_priority.has_value());
  ASSERT_EQ(m1.ignored.size(), 1u);
  EXPECT_TRUE(Contains(m1.ignored[0], "S46_PRIORITY: length 3, expected an even number >= 2"));

  const Bytes empty = {
      0x00, 0x6f, 0x00, 0x00,  // S46_PRIORITY, len 0
  };
  Message m2 = accept(empty);
  EXPECT_FALSE(m2.s46_priority.has_value());
  EXPECT_TRUE(Contains(m2.ignored.at(0), "length 0"));

  const Bytes dups = {
      0x00, 0x6f, 0x00, 0x06,  // S46_PRIORITY, len 6
      0x00, 0x60,              //   96
      0x00, 0x5e,              //   94
      0x00, 0x60,              //   96 again: the list is invalid (RFC 8026 §4)
  };
  Message m3 = accept(dups);
  EXPECT_FALSE(m3.s46_priority.has_value());
  EXPECT_TRUE(Contains(m3.ignored.at(0), "S46_PRIORITY: code 96 listed twice"));

  const Bytes twice = {
      0x00, 0x6f, 0x00, 0x02, 0x00, 0x60,  // S46_PRIORITY: 96
      0x00, 0x6f, 0x00, 0x02, 0x00, 0x5e,  // S46_PRIORITY again: 94
  };
  Message m4 = accept(twice);
  EXPECT_EQ(m4.s46_priority, std::vector<uint16_t>{96});
  ASSERT_EQ(m4.ignored.size(), 1u);
  EXPECT_TRUE(Contains(m4.ignored[0], "S46_PRIORITY: more than one option, keeping the first"));
}

TEST(MessageIgnore, S46BindPrefixInvalidOrRepeated) {
  const Bytes wrong_count = {
      0x00, 0x89, 0x00, 0x05,  // S46_BIND_IPV6_PREFIX, len 5
      0x38,                    //   /56 needs 7 bytes
      0x20, 0x01, 0x0d, 0xb8,  //   4 bytes
  };
  Message m1 = accept(wrong_count);
  EXPECT_FALSE(m1.s46_bind_prefix.has_value());
  EXPECT_TRUE(Contains(m1.ignored.at(0), "S46_BIND_IPV6_PREFIX: prefix6-len 56 needs 7 bytes"));

  const Bytes too_many = {
      0x00, 0x89, 0x00, 0x03,  // S46_BIND_IPV6_PREFIX, len 3
      0x08,                    //   /8 needs 1 byte
      0x20, 0x01,              //   2 bytes
  };
  Message m2 = accept(too_many);
  EXPECT_FALSE(m2.s46_bind_prefix.has_value());
  EXPECT_TRUE(Contains(m2.ignored.at(0), "S46_BIND_IPV6_PREFIX: length 3, expected 2 for /8"));

  const Bytes too_long = {
      0x00, 0x89, 0x00, 0x01,  // S46_BIND_IPV6_PREFIX, len 1
      0x81,                    //   /129
  };
  EXPECT_TRUE(Contains(accept(too_long).ignored.at(0), "prefix6-len 129 > 128"));

  const Bytes twice = {
      0x00, 0x89, 0x00, 0x02, 0x08, 0x20,  // /8: 2000::/8
      0x00, 0x89, 0x00, 0x02, 0x08, 0x30,  // /8: 3000::/8
  };
  Message m4 = accept(twice);
  ASSERT_TRUE(m4.s46_bind_prefix.has_value());
  EXPECT_EQ(m4.s46_bind_prefix->to_string(), "2000::/8");
  EXPECT_TRUE(Contains(m4.ignored.at(0), "S46_BIND_IPV6_PREFIX: more than one option"));
}

// ---- Encoder ----

TEST(MessageEncode, RejectsValuesTheDecoderWouldNotProduce) {
  Message m;
  m.type = MessageType::kSolicit;
  m.transaction_id = 0x1000000;
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "does not fit 24 bits"));
  m.transaction_id = 1;
  m.type = MessageType::kRelayForw;
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "cannot encode message type 12"));
  m.type = MessageType::kSolicit;
  m.other.push_back(RawOption{kOptClientId, {0x00, 0x03, 0x01}});
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "option 1 (CLIENTID) belongs"));
  m.other = {RawOption{kOptS46Rule, {}}};
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "option 89 (S46_RULE) belongs"));
  m.other.clear();
  m.s46_priority = std::vector<uint16_t>{94, 94};
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "listed twice"));
  m.s46_priority.reset();
  m.domain_list = std::vector<std::string>{"bad..name"};
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "option 24: domain 'bad..name'"));
  m.domain_list.reset();
  s46::Container lw;
  lw.mechanism = s46::Mechanism::kLw4o6;
  m.containers.push_back(lw);
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "S46_CONT_LW: missing S46_BR"));
  m.containers.clear();
  m.dhcpv4_msg = std::vector<uint8_t>(70000, 0);
  EXPECT_TRUE(Contains(encode_message(m).error().reason(), "option 87: body of 70000 bytes"));
}

TEST(MessageEncode, CanonicalOrderIsAscendingCodeThenOther) {
  Message m;
  m.type = MessageType::kSolicit;
  m.transaction_id = 0x000102;
  m.other.push_back(RawOption{0x0100, {0x01}});
  m.s46_bind_prefix = *Ipv6Prefix::parse("2000::/8");
  m.elapsed_time = 0xffff;
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes);
  const Bytes want = {
      0x01, 0x00, 0x01, 0x02,              // SOLICIT, xid 0x000102
      0x00, 0x08, 0x00, 0x02, 0xff, 0xff,  // ELAPSED_TIME saturated
      0x00, 0x89, 0x00, 0x02, 0x08, 0x20,  // S46_BIND_IPV6_PREFIX 2000::/8
      0x01, 0x00, 0x00, 0x01, 0x01,        // option 256 (unknown), len 1
  };
  EXPECT_EQ(*bytes, want);
}

TEST(MessageType, Names) {
  EXPECT_STREQ(message_type_name(MessageType::kInformationRequest), "INFORMATION-REQUEST");
  EXPECT_STREQ(message_type_name(MessageType::kDhcpv4Response), "DHCPV4-RESPONSE");
  EXPECT_STREQ(option_name(kOptS46ContLw), "S46_CONT_LW");
  EXPECT_STREQ(option_name(4242), "unknown");
}

}  // namespace
}  // namespace lwb4::dhcp6
