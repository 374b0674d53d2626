#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lwb4/dhcp6/dhcp4o6.hpp"
#include "lwb4/dhcp6/message.hpp"
#include "test_support.hpp"

namespace lwb4::dhcp6 {
namespace {

// Stand-in for a DHCPDISCOVER: the 4o6 codec carries the bytes unparsed.
const Bytes kInner = {
    0x01,                    // op BOOTREQUEST
    0x01,                    // htype Ethernet
    0x06,                    // hlen 6
    0x00,                    // hops
    0x3c, 0x2a, 0x10, 0x01,  // xid
};

const Bytes kQueryU1 = {
    0x14,                    // msg-type DHCPV4-QUERY
    0x80, 0x00, 0x00,        // flags: U=1
    0x00, 0x06, 0x00, 0x04,  // ORO, len 4
    0x00, 0x5a,              //   90 S46_BR (RFC 8539)
    0x00, 0x89,              //   137 S46_BIND_IPV6_PREFIX (RFC 8539)
    0x00, 0x57, 0x00, 0x08,  // DHCPV4_MSG, len 8
    0x01, 0x01, 0x06, 0x00,  //   op, htype, hlen, hops
    0x3c, 0x2a, 0x10, 0x01,  //   xid
};

TEST(Dhcpv4Query, EncodesUnicastFlag) {
  Dhcpv4Query q;
  q.unicast = true;
  q.dhcpv4 = kInner;
  q.oro = {90, 137};
  auto bytes = encode_dhcpv4_query(q);
  ASSERT_TRUE(bytes) << bytes.error().reason();
  EXPECT_EQ(*bytes, kQueryU1);
  auto back = decode_dhcpv4_query(*bytes);
  ASSERT_TRUE(back) << back.error().reason();
  EXPECT_EQ(*back, q);
}

TEST(Dhcpv4Query, EncodesBroadcastWithoutOro) {
  Dhcpv4Query q;
  q.unicast = false;
  q.dhcpv4 = kInner;
  auto bytes = encode_dhcpv4_query(q);
  ASSERT_TRUE(bytes) << bytes.error().reason();
  const Bytes want = {
      0x14,                    // msg-type DHCPV4-QUERY
      0x00, 0x00, 0x00,        // flags: U=0
      0x00, 0x57, 0x00, 0x08,  // DHCPV4_MSG, len 8
      0x01, 0x01, 0x06, 0x00,  //   op, htype, hlen, hops
      0x3c, 0x2a, 0x10, 0x01,  //   xid
  };
  EXPECT_EQ(*bytes, want);
  auto back = decode_dhcpv4_query(*bytes);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->unicast);
  EXPECT_TRUE(back->oro.empty());
}

TEST(Dhcpv4Query, NeverRequests88) {
  Dhcpv4Query q;
  q.dhcpv4 = kInner;
  q.oro = {90, 88};
  auto bytes = encode_dhcpv4_query(q);
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(Contains(bytes.error().reason(), "ORO lists option 88"));

  Bytes with_88 = kQueryU1;
  with_88[11] = 0x58;  // ORO: 90, 88
  auto decoded = decode_dhcpv4_query(with_88);
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(Contains(decoded.error().reason(), "ORO lists option 88"));
}

TEST(Dhcpv4Query, ReservedFlagBitsAreIgnoredOnReceive) {
  Bytes bytes = kQueryU1;
  bytes[1] = 0x7f;  // U=0, reserved bits set
  bytes[3] = 0x01;
  auto q = decode_dhcpv4_query(bytes);
  ASSERT_TRUE(q) << q.error().reason();
  EXPECT_FALSE(q->unicast);
}

TEST(Dhcpv4Query, Rejections) {
  Dhcpv4Query empty;
  EXPECT_TRUE(
      Contains(encode_dhcpv4_query(empty).error().reason(), "option 87 (DHCPV4_MSG) is empty"));

  Dhcpv4Query typed_other;
  typed_other.dhcpv4 = kInner;
  typed_other.other.push_back(RawOption{kOptDhcpv4Msg, kInner});
  EXPECT_TRUE(Contains(encode_dhcpv4_query(typed_other).error().reason(), "option 87"));

  const Bytes no_87 = {
      0x14, 0x00, 0x00, 0x00,              // DHCPV4-QUERY, U=0
      0x00, 0x06, 0x00, 0x02, 0x00, 0x5a,  // ORO 90
  };
  EXPECT_TRUE(Contains(decode_dhcpv4_query(no_87).error().reason(), "missing option 87"));

  Bytes wrong_type = kQueryU1;
  wrong_type[0] = 0x15;  // DHCPV4-RESPONSE
  EXPECT_TRUE(Contains(decode_dhcpv4_query(wrong_type).error().reason(),
                       "not a DHCPV4-QUERY: message type 21"));

  const Bytes with_clientid = cat({kQueryU1, {0x00, 0x01, 0x00, 0x03, 0x00, 0x03, 0x01}});
  EXPECT_TRUE(Contains(decode_dhcpv4_query(with_clientid).error().reason(),
                       "option 1 (CLIENTID) not expected in DHCPV4-QUERY"));
}

// A DHCPOFFER as Kea 2.2 sends it over 4o6, with option 159 in the inner message.
Bytes kea_offer() {
  Bytes offer = {
      0x02,                                // op BOOTREPLY
      0x01,                                // htype Ethernet
      0x06,                                // hlen 6
      0x00,                                // hops
      0x3c, 0x2a, 0x10, 0x01,              // xid
      0x00, 0x00,                          // secs
      0x00, 0x00,                          // flags
      0x00, 0x00, 0x00, 0x00,              // ciaddr
      0xc0, 0x00, 0x02, 0x12,              // yiaddr 192.0.2.18
      0x00, 0x00, 0x00, 0x00,              // siaddr
      0x00, 0x00, 0x00, 0x00,              // giaddr
      0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,  // chaddr (first 6 of 16 bytes)
  };
  offer.resize(offer.size() + 10 + 64 + 128);  // rest of chaddr, sname, file
  const Bytes tail = {
      0x63, 0x82, 0x53, 0x63,              // magic cookie
      0x35, 0x01, 0x02,                    // option 53: DHCPOFFER
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54: server 192.0.2.1
      0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,  // option 51: lease 3600 s
      0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00,  // option 159: offset 6, PSID-len 6, PSID 0x34
      0xff,                                // end
  };
  offer.insert(offer.end(), tail.begin(), tail.end());
  return offer;
}

const Bytes kBr = {
    0x00, 0x5a, 0x00, 0x10,                          // S46_BR, len 16
    0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00,  //   2001:db8:ffff::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
};
const Bytes kBindPrefix = {
    0x00, 0x89, 0x00, 0x08,                    // S46_BIND_IPV6_PREFIX, len 8
    0x38,                                      //   /56
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x12, 0x34,  //   2001:db8:12:3400::/56
};

Bytes response_with(const Bytes& offer) {
  const Bytes header = {
      0x15,                    // msg-type DHCPV4-RESPONSE
      0x00, 0x00, 0x00,        // flags
      0x00, 0x57, 0x01, 0x06,  // DHCPV4_MSG, len 262
  };
  return cat({header, offer, kBr, kBindPrefix});
}

TEST(Dhcpv4Response, CarriesKeaOfferVerbatim) {
  const Bytes offer = kea_offer();
  ASSERT_EQ(offer.size(), 262u);
  const Bytes packet = response_with(offer);
  auto r = decode_dhcpv4_response(packet);
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->dhcpv4, offer);
  const Bytes portparams = {0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00};
  EXPECT_NE(std::search(r->dhcpv4.begin(), r->dhcpv4.end(), portparams.begin(), portparams.end()),
            r->dhcpv4.end());
  ASSERT_EQ(r->s46_brs.size(), 1u);
  EXPECT_EQ(r->s46_brs[0], *Ipv6Address::parse("2001:db8:ffff::1"));
  ASSERT_TRUE(r->s46_bind_prefix.has_value());
  EXPECT_EQ(r->s46_bind_prefix->to_string(), "2001:db8:12:3400::/56");
  EXPECT_TRUE(r->ignored.empty());

  auto again = encode_dhcpv4_response(*r);
  ASSERT_TRUE(again) << again.error().reason();
  EXPECT_EQ(*again, packet);
}

TEST(Dhcpv4Response, FlagsAreIgnored) {
  Bytes packet = response_with(kea_offer());
  packet[1] = 0x80;
  packet[3] = 0x01;
  auto r = decode_dhcpv4_response(packet);
  ASSERT_TRUE(r) << r.error().reason();
  EXPECT_EQ(r->dhcpv4, kea_offer());
}

TEST(Dhcpv4Response, RejectsMissingOrRepeated87AndWrongType) {
  const Bytes no_87 = cat({{0x15, 0x00, 0x00, 0x00}, kBr});  // DHCPV4-RESPONSE, S46_BR only
  auto r1 = decode_dhcpv4_response(no_87);
  ASSERT_FALSE(r1);
  EXPECT_TRUE(Contains(r1.error().reason(), "missing option 87"));

  const Bytes two_87 = {
      0x15, 0x00, 0x00, 0x00,              // DHCPV4-RESPONSE
      0x00, 0x57, 0x00, 0x02, 0x02, 0x01,  // DHCPV4_MSG, len 2
      0x00, 0x57, 0x00, 0x02, 0x02, 0x01,  // DHCPV4_MSG again
  };
  auto r2 = decode_dhcpv4_response(two_87);
  ASSERT_FALSE(r2);
  EXPECT_TRUE(Contains(r2.error().reason(), "option 87 (DHCPV4_MSG): appears more than once"));

  const Bytes empty_87 = {
      0x15, 0x00, 0x00, 0x00,  // DHCPV4-RESPONSE
      0x00, 0x57, 0x00, 0x00,  // DHCPV4_MSG, len 0
  };
  EXPECT_TRUE(Contains(decode_dhcpv4_response(empty_87).error().reason(), "is empty"));

  Bytes reply = response_with(kea_offer());
  reply[0] = 0x07;  // REPLY
  auto r3 = decode_dhcpv4_response(reply);
  ASSERT_FALSE(r3);
  EXPECT_TRUE(Contains(r3.error().reason(), "not a DHCPV4-RESPONSE: message type 7 (REPLY)"));

  Bytes query = response_with(kea_offer());
  query[0] = 0x14;  // DHCPV4-QUERY
  EXPECT_TRUE(Contains(decode_dhcpv4_response(query).error().reason(), "message type 20"));

  const Bytes truncated = {0x15, 0x00, 0x00, 0x00, 0x00, 0x57, 0x00, 0x10, 0x02};
  EXPECT_TRUE(Contains(decode_dhcpv4_response(truncated).error().reason(), "runs past the end"));
}

TEST(Dhcpv4Response, NotesOptionsThatDoNotBelong) {
  const Bytes packet = {
      0x15, 0x00, 0x00, 0x00,                    // DHCPV4-RESPONSE
      0x00, 0x02, 0x00, 0x03, 0x00, 0x03, 0x01,  // SERVERID (IPv6-only)
      0x00, 0x57, 0x00, 0x02, 0x02, 0x01,        // DHCPV4_MSG, len 2
      0x00, 0x59, 0x00, 0x00,                    // S46_RULE outside a container
      0x12, 0x34, 0x00, 0x01, 0x77,              // option 4660 (unknown), len 1
  };
  auto r = decode_dhcpv4_response(packet);
  ASSERT_TRUE(r) << r.error().reason();
  ASSERT_EQ(r->ignored.size(), 2u);
  EXPECT_TRUE(Contains(r->ignored[0], "option 89 (S46_RULE) outside a container"));
  EXPECT_TRUE(Contains(r->ignored[1], "option 2 (SERVERID) not expected in DHCPV4-RESPONSE"));
  ASSERT_EQ(r->other.size(), 1u);
  EXPECT_EQ(r->other[0], (RawOption{0x1234, {0x77}}));
}

TEST(Dhcpv4Response, EncodesFlagsZero) {
  Dhcpv4Response r;
  r.dhcpv4 = {0x02, 0x01};
  auto bytes = encode_dhcpv4_response(r);
  ASSERT_TRUE(bytes);
  const Bytes want = {
      0x15, 0x00, 0x00, 0x00,              // DHCPV4-RESPONSE, flags 0
      0x00, 0x57, 0x00, 0x02, 0x02, 0x01,  // DHCPV4_MSG, len 2
  };
  EXPECT_EQ(*bytes, want);
}

}  // namespace
}  // namespace lwb4::dhcp6
