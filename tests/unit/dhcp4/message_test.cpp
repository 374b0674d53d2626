// DHCPv4 message codec: messages an lwB4 exchanges, overload, RFC 3396
// concatenation, Pad handling, unknown options and round trips.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "lwb4/dhcp4/client_id.hpp"
#include "lwb4/dhcp4/message.hpp"

namespace lwb4::dhcp4 {
namespace {

using Bytes = std::vector<uint8_t>;

// op..chaddr (44 bytes) of a client's BOOTREQUEST.
const Bytes kRequestHead = {
    0x01,                                // op: BOOTREQUEST
    0x01,                                // htype: Ethernet
    0x06,                                // hlen
    0x00,                                // hops
    0x12, 0x34, 0x56, 0x78,              // xid
    0x00, 0x00,                          // secs
    0x00, 0x00,                          // flags: B = 0
    0x00, 0x00, 0x00, 0x00,              // ciaddr
    0x00, 0x00, 0x00, 0x00,              // yiaddr
    0x00, 0x00, 0x00, 0x00,              // siaddr
    0x00, 0x00, 0x00, 0x00,              // giaddr
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // chaddr: 02:00:00:00:00:01
    0x00, 0x00, 0x00, 0x00, 0x00,        // chaddr padding
    0x00, 0x00, 0x00, 0x00, 0x00,        // chaddr padding
};

// op..chaddr (44 bytes) of a server's BOOTREPLY offering 192.0.2.18.
const Bytes kReplyHead = {
    0x02,                                // op: BOOTREPLY
    0x01,                                // htype: Ethernet
    0x06,                                // hlen
    0x00,                                // hops
    0x12, 0x34, 0x56, 0x78,              // xid
    0x00, 0x00,                          // secs
    0x00, 0x00,                          // flags
    0x00, 0x00, 0x00, 0x00,              // ciaddr
    0xc0, 0x00, 0x02, 0x12,              // yiaddr: 192.0.2.18
    0xc0, 0x00, 0x02, 0x01,              // siaddr: 192.0.2.1
    0x00, 0x00, 0x00, 0x00,              // giaddr
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // chaddr: 02:00:00:00:00:01
    0x00, 0x00, 0x00, 0x00, 0x00,        // chaddr padding
    0x00, 0x00, 0x00, 0x00, 0x00,        // chaddr padding
};

const Bytes kCookie = {0x63, 0x82, 0x53, 0x63};  // magic cookie 99.130.83.99

// head (44 bytes) + sname (64) + file (128), each zero-filled past what is
// given, + cookie + options.
Bytes message(const Bytes& head, const Bytes& options, const Bytes& sname = {},
              const Bytes& file = {}) {
  Bytes out = head;
  Bytes sname_field(64, 0);
  std::copy(sname.begin(), sname.end(), sname_field.begin());
  Bytes file_field(128, 0);
  std::copy(file.begin(), file.end(), file_field.begin());
  out.insert(out.end(), sname_field.begin(), sname_field.end());
  out.insert(out.end(), file_field.begin(), file_field.end());
  out.insert(out.end(), kCookie.begin(), kCookie.end());
  out.insert(out.end(), options.begin(), options.end());
  return out;
}

Ipv4Address ip(const char* text) {
  return *Ipv4Address::parse(text);
}

const std::array<uint8_t, 16> kChaddr = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

Message request_base() {
  Message m;
  m.xid = 0x12345678;
  m.chaddr = kChaddr;
  return m;
}

Message reply_base() {
  Message m = request_base();
  m.op = kOpBootReply;
  m.yiaddr = ip("192.0.2.18");
  m.siaddr = ip("192.0.2.1");
  return m;
}

Message decoded(const Bytes& wire) {
  auto r = decode_message(wire);
  EXPECT_TRUE(r) << r.error().reason();
  return r ? *r : Message{};
}

TEST(Dhcp4Message, DiscoverAsAnLwb4SendsIt) {
  const Bytes options = {
      0x35, 0x01, 0x01,                    // option 53, len 1: DHCPDISCOVER
      0x37, 0x08,                          // option 55, len 8: parameter request list
      0x01, 0x03, 0x06,                    //   subnet mask, router, DNS
      0x33, 0x36,                          //   lease time, server id
      0x3a, 0x3b,                          //   T1, T2
      0x9f,                                //   V4_PORTPARAMS
      0x3d, 0x0f,                          // option 61, len 15: client id
      0xff,                                //   type 255 (RFC 4361)
      0x00, 0x00, 0x00, 0x01,              //   IAID 1
      0x00, 0x03,                          //   DUID type 3 (DUID-LL)
      0x00, 0x01,                          //   hardware type Ethernet
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  //   link-layer address
      0xff,                                // End
  };
  const Bytes wire = message(kRequestHead, options);

  Message m = request_base();
  m.message_type = MessageType::kDiscover;
  m.parameter_request_list = {1, 3, 6, 51, 54, 58, 59, 159};
  m.client_id = encode_client_id({1, {0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}});

  EXPECT_EQ(encode_message(m), wire);
  Message d = decoded(wire);
  EXPECT_EQ(d, m);
  EXPECT_EQ(d.op, kOpBootRequest);
  EXPECT_EQ(d.xid, 0x12345678u);
  EXPECT_FALSE(d.broadcast());
  EXPECT_EQ(d.message_type, MessageType::kDiscover);
  ASSERT_EQ(d.parameter_request_list.size(), 8u);
  EXPECT_EQ(d.parameter_request_list.back(), 159);
  auto id = decode_client_id(d.client_id);
  ASSERT_TRUE(id) << id.error().reason();
  EXPECT_EQ(id->iaid, 1u);
  EXPECT_EQ(id->duid.size(), 10u);
  EXPECT_TRUE(d.other.empty());
}

// Kea 2.2 with v4-portparams "6, 52/6" sends offset 6, PSID-len 6 and the
// PSID 52 left-aligned: 52 << 10 = 0xd000.
TEST(Dhcp4Message, OfferWithKeaPortParams) {
  const Bytes options = {
      0x35, 0x01, 0x02,                    // option 53, len 1: DHCPOFFER
      0x01, 0x04, 0xff, 0xff, 0xff, 0xff,  // option 1, len 4: 255.255.255.255
      0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 3, len 4: router 192.0.2.1
      0x06, 0x08,                          // option 6, len 8: DNS servers
      0xc6, 0x33, 0x64, 0x01,              //   198.51.100.1
      0xc6, 0x33, 0x64, 0x02,              //   198.51.100.2
      0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,  // option 51, len 4: lease 3600 s
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4: server 192.0.2.1
      0x9f, 0x04,                          // option 159, len 4
      0x06,                                //   offset 6
      0x06,                                //   PSID-len 6
      0xd0, 0x00,                          //   PSID 52, left-aligned
      0xff,                                // End
  };
  const Bytes wire = message(kReplyHead, options);

  Message d = decoded(wire);
  EXPECT_EQ(d.op, kOpBootReply);
  EXPECT_EQ(d.message_type, MessageType::kOffer);
  EXPECT_EQ(d.yiaddr, ip("192.0.2.18"));
  EXPECT_EQ(d.siaddr, ip("192.0.2.1"));
  EXPECT_EQ(d.subnet_mask, ip("255.255.255.255"));
  EXPECT_EQ(d.routers, std::vector<Ipv4Address>{ip("192.0.2.1")});
  EXPECT_EQ(d.dns_servers, (std::vector<Ipv4Address>{ip("198.51.100.1"), ip("198.51.100.2")}));
  EXPECT_EQ(d.lease_time, 3600u);
  EXPECT_EQ(d.server_id, ip("192.0.2.1"));
  ASSERT_TRUE(d.port_params.has_value());
  EXPECT_EQ(d.port_params->offset(), 6);
  EXPECT_EQ(d.port_params->psid_len(), 6);
  EXPECT_EQ(d.port_params->psid(), 52);
  EXPECT_FALSE(d.renewal_time.has_value());
  EXPECT_FALSE(d.s46_source_address.has_value());
  EXPECT_TRUE(d.other.empty());

  // The bytes are in canonical order, so they re-encode identically.
  EXPECT_EQ(encode_message(d), wire);
}

TEST(Dhcp4Message, AckWithSoftwireSourceAndPortParams) {
  const Bytes options = {
      0x35, 0x01, 0x05,                    // option 53, len 1: DHCPACK
      0x33, 0x04, 0x00, 0x00, 0x1c, 0x20,  // option 51, len 4: lease 7200 s
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4: server 192.0.2.1
      0x3a, 0x04, 0x00, 0x00, 0x0e, 0x10,  // option 58, len 4: T1 3600 s
      0x3b, 0x04, 0x00, 0x00, 0x18, 0x9c,  // option 59, len 4: T2 6300 s
      0x6d, 0x10,                          // option 109, len 16: softwire source
      0x20, 0x01, 0x0d, 0xb8,              //   2001:db8:
      0x00, 0x12, 0x34, 0x00,              //   12:3400:
      0x00, 0x00, 0xc0, 0x00,              //   0:c000:
      0x02, 0x12, 0x00, 0x34,              //   212:34
      0x9f, 0x04,                          // option 159, len 4
      0x06,                                //   offset 6
      0x08,                                //   PSID-len 8
      0x34, 0x00,                          //   PSID 0x34, left-aligned
      0xff,                                // End
  };
  const Bytes wire = message(kReplyHead, options);

  Message m = reply_base();
  m.message_type = MessageType::kAck;
  m.lease_time = 7200;
  m.server_id = ip("192.0.2.1");
  m.renewal_time = 3600;
  m.rebinding_time = 6300;
  m.s46_source_address = *Ipv6Address::parse("2001:db8:12:3400:0:c000:212:34");
  m.port_params = *PortSet::create(6, 8, 0x34);

  Message d = decoded(wire);
  EXPECT_EQ(d, m);
  ASSERT_TRUE(d.port_params.has_value());
  EXPECT_EQ(d.port_params->psid(), 0x34);
  EXPECT_EQ(d.renewal_time, 3600u);
  EXPECT_EQ(d.rebinding_time, 6300u);
  EXPECT_EQ(d.s46_source_address->to_string(), "2001:db8:12:3400:0:c000:212:34");
  EXPECT_EQ(encode_message(m), wire);
}

TEST(Dhcp4Message, OverloadFileCarriesOptionsAndSnameIsKept) {
  const Bytes options = {
      0x35, 0x01, 0x02,  // option 53, len 1: DHCPOFFER
      0x34, 0x01, 0x01,  // option 52, len 1: overload = file
      0xff,              // End
  };
  const Bytes file = {
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4: server 192.0.2.1
      0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,  // option 51, len 4: lease 3600 s
      0xff,                                // End (the rest of file is Pad)
  };
  const Bytes sname = {'b', 'r', '1'};  // a real server name
  Message d = decoded(message(kReplyHead, options, sname, file));
  EXPECT_EQ(d.message_type, MessageType::kOffer);
  EXPECT_EQ(d.server_id, ip("192.0.2.1"));
  EXPECT_EQ(d.lease_time, 3600u);
  EXPECT_EQ(d.file, (std::array<uint8_t, 128>{}));
  EXPECT_EQ(d.sname[0], 'b');
  EXPECT_EQ(d.sname[2], '1');
  EXPECT_TRUE(d.other.empty());  // 52 is consumed, not kept raw
}

TEST(Dhcp4Message, OverloadSnameCarriesOptionsAndFileIsKept) {
  const Bytes options = {
      0x35, 0x01, 0x05,  // option 53, len 1: DHCPACK
      0x34, 0x01, 0x02,  // option 52, len 1: overload = sname
      0xff,              // End
  };
  const Bytes sname = {
      0x00,                                // Pad
      0x3a, 0x04, 0x00, 0x00, 0x0e, 0x10,  // option 58, len 4: T1 3600 s
      0xff,                                // End
  };
  const Bytes file = {'b', 'o', 'o', 't'};
  Message d = decoded(message(kReplyHead, options, sname, file));
  EXPECT_EQ(d.renewal_time, 3600u);
  EXPECT_EQ(d.sname, (std::array<uint8_t, 64>{}));
  EXPECT_EQ(d.file[0], 'b');
  EXPECT_EQ(d.file[3], 't');
}

// RFC 3396: the aggregate buffer is options, then file, then sname; a split
// option is concatenated in that order whatever the field offsets are.
TEST(Dhcp4Message, OverloadBothConcatenatesInOptionsFileSnameOrder) {
  const Bytes options = {
      0x35, 0x01, 0x05,                    // option 53, len 1: DHCPACK
      0x34, 0x01, 0x03,                    // option 52, len 1: overload = both
      0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 3, len 4: router 192.0.2.1
      0xff,                                // End
  };
  const Bytes file = {
      0x03, 0x04, 0xc0, 0x00, 0x02, 0x02,  // option 3, len 4: router 192.0.2.2
      0xff,                                // End
  };
  const Bytes sname = {
      0x03, 0x04, 0xc0, 0x00, 0x02, 0x03,  // option 3, len 4: router 192.0.2.3
      0x0c, 0x02, 'c',  'e',               // option 12, len 2: host name "ce"
      0xff,                                // End
  };
  Message d = decoded(message(kReplyHead, options, sname, file));
  EXPECT_EQ(d.routers,
            (std::vector<Ipv4Address>{ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3")}));
  ASSERT_EQ(d.other.size(), 1u);
  EXPECT_EQ(d.other[0], (RawOption{12, {'c', 'e'}}));
  EXPECT_EQ(d.sname, (std::array<uint8_t, 64>{}));
  EXPECT_EQ(d.file, (std::array<uint8_t, 128>{}));

  // Encoding never overloads: the same content comes back in the options field.
  Message again = decoded(encode_message(d));
  EXPECT_EQ(again, d);
}

// Without option 52, options-looking bytes in sname/file are ignored.
TEST(Dhcp4Message, NoOverloadLeavesSnameAndFileAlone) {
  const Bytes options = {
      0x35, 0x01, 0x02,  // option 53, len 1: DHCPOFFER
      0xff,              // End
  };
  const Bytes file = {
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // would be option 54 if overloaded
  };
  Message d = decoded(message(kReplyHead, options, {}, file));
  EXPECT_FALSE(d.server_id.has_value());
  EXPECT_EQ(d.file[0], 0x36);
}

TEST(Dhcp4Message, Rfc3396ConcatenatesSplitOptions) {
  const Bytes options = {
      0x35, 0x01, 0x05,                    // option 53, len 1: DHCPACK
      0x06, 0x02, 0xc6, 0x33,              // option 6, len 2: first half of 198.51.100.1
      0x3d, 0x03, 0xff, 0x00, 0x00,        // option 61, len 3: type 255, IAID part
      0x06, 0x02, 0x64, 0x01,              // option 6, len 2: second half
      0x3d, 0x02, 0x00, 0x07,              // option 61, len 2: IAID 7
      0x3d, 0x04, 0x00, 0x03, 0x00, 0x01,  // option 61, len 4: DUID-LL, Ethernet
      0x3d, 0x01, 0xaa,                    // option 61, len 1: MAC (one byte)
      0x2b, 0x01, 0x01,                    // option 43, len 1: vendor data part
      0x2b, 0x01, 0x02,                    // option 43, len 1: vendor data part
      0xff,                                // End
  };
  Message d = decoded(message(kReplyHead, options));
  EXPECT_EQ(d.dns_servers, std::vector<Ipv4Address>{ip("198.51.100.1")});
  EXPECT_EQ(d.client_id, (Bytes{0xff, 0x00, 0x00, 0x00, 0x07, 0x00, 0x03, 0x00, 0x01, 0xaa}));
  auto id = decode_client_id(d.client_id);
  ASSERT_TRUE(id) << id.error().reason();
  EXPECT_EQ(id->iaid, 7u);
  ASSERT_EQ(d.other.size(), 1u);
  EXPECT_EQ(d.other[0], (RawOption{43, {0x01, 0x02}}));
}

TEST(Dhcp4Message, LongOptionsAreSplitOnEncodeAndJoinedOnDecode) {
  Message m = reply_base();
  m.message_type = MessageType::kAck;
  RawOption big{77, Bytes(300)};
  for (size_t i = 0; i < big.data.size(); ++i)
    big.data[i] = static_cast<uint8_t>(i);
  m.other.push_back(big);
  for (uint32_t i = 1; i <= 70; ++i)
    m.routers.push_back(Ipv4Address::from_u32(0x0a000000 + i));

  const Bytes wire = encode_message(m);
  // After header + cookie: 53 (3 bytes), then option 3 as 255 + 25 bytes.
  const size_t at = 240 + 3;
  EXPECT_EQ(wire[at], 0x03);        // option 3
  EXPECT_EQ(wire[at + 1], 255);     // first instance full
  EXPECT_EQ(wire[at + 257], 0x03);  // option 3 again
  EXPECT_EQ(wire[at + 258], 25);    // the remaining 280 - 255 bytes
  const size_t big_at = at + 257 + 27;
  EXPECT_EQ(wire[big_at], 77);
  EXPECT_EQ(wire[big_at + 1], 255);
  EXPECT_EQ(wire[big_at + 2], 0x00);  // data[0]
  EXPECT_EQ(wire[big_at + 257], 77);
  EXPECT_EQ(wire[big_at + 258], 45);
  EXPECT_EQ(wire[big_at + 259], 255);  // data[255]
  EXPECT_EQ(wire.back(), 0xff);        // End
  EXPECT_EQ(wire.size(), big_at + 257 + 47 + 1);

  Message d = decoded(wire);
  EXPECT_EQ(d, m);
  EXPECT_EQ(d.routers.size(), 70u);
  EXPECT_EQ(d.other[0].data.size(), 300u);
}

TEST(Dhcp4Message, PadIsSkippedAndNotReEncoded) {
  const Bytes options = {
      0x00, 0x00,                          // Pad, Pad
      0x35, 0x01, 0x03,                    // option 53, len 1: DHCPREQUEST
      0x00,                                // Pad
      0x32, 0x04, 0xc0, 0x00, 0x02, 0x12,  // option 50, len 4: requested 192.0.2.18
      0x00, 0x00, 0x00,                    // Pad
      0xff,                                // End
      0x00, 0x00, 0x00, 0x00,              // padding after End
  };
  Message d = decoded(message(kRequestHead, options));
  EXPECT_EQ(d.message_type, MessageType::kRequest);
  EXPECT_EQ(d.requested_ip, ip("192.0.2.18"));
  EXPECT_TRUE(d.other.empty());

  const Bytes canonical = {
      0x35, 0x01, 0x03,                    // option 53, len 1: DHCPREQUEST
      0x32, 0x04, 0xc0, 0x00, 0x02, 0x12,  // option 50, len 4: requested 192.0.2.18
      0xff,                                // End
  };
  EXPECT_EQ(encode_message(d), message(kRequestHead, canonical));
}

TEST(Dhcp4Message, BytesAfterEndAreIgnored) {
  const Bytes options = {
      0x35, 0x01, 0x01,  // option 53, len 1: DHCPDISCOVER
      0xff,              // End
      0x36, 0x02,        // garbage after End: would be a truncated option
  };
  Message d = decoded(message(kRequestHead, options));
  EXPECT_EQ(d.message_type, MessageType::kDiscover);
  EXPECT_FALSE(d.server_id.has_value());
}

TEST(Dhcp4Message, UnknownOptionsPreservedInOrder) {
  const Bytes options = {
      0x35, 0x01, 0x05,                    // option 53, len 1: DHCPACK
      0x3c, 0x03, 'l',  'w',  '4',         // option 60, len 3: vendor class
      0x0c, 0x02, 'c',  'e',               // option 12, len 2: host name
      0x50, 0x00,                          // option 80, len 0: rapid commit
      0x38, 0x02, 'o',  'k',               // option 56, len 2: message
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4: server 192.0.2.1
      0xfe, 0x01, 0x99,                    // option 254, len 1: private use
      0xff,                                // End
  };
  Message d = decoded(message(kReplyHead, options));
  ASSERT_EQ(d.other.size(), 5u);
  EXPECT_EQ(d.other[0], (RawOption{60, {'l', 'w', '4'}}));
  EXPECT_EQ(d.other[1], (RawOption{12, {'c', 'e'}}));
  EXPECT_EQ(d.other[2], (RawOption{80, {}}));
  EXPECT_EQ(d.other[3], (RawOption{56, {'o', 'k'}}));
  EXPECT_EQ(d.other[4], (RawOption{254, {0x99}}));
  ASSERT_NE(d.find_other(kOptMessage), nullptr);
  EXPECT_EQ(d.find_other(kOptMessage)->data, (Bytes{'o', 'k'}));
  EXPECT_EQ(d.find_other(1), nullptr);

  // Canonical form: typed options first, then the raw ones in stored order.
  const Bytes canonical = {
      0x35, 0x01, 0x05,                    // option 53, len 1: DHCPACK
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4: server 192.0.2.1
      0x3c, 0x03, 'l',  'w',  '4',         // option 60, len 3: vendor class
      0x0c, 0x02, 'c',  'e',               // option 12, len 2: host name
      0x50, 0x00,                          // option 80, len 0: rapid commit
      0x38, 0x02, 'o',  'k',               // option 56, len 2: message
      0xfe, 0x01, 0x99,                    // option 254, len 1: private use
      0xff,                                // End
  };
  EXPECT_EQ(encode_message(d), message(kReplyHead, canonical));
}

TEST(Dhcp4Message, MaxMessageSizeAndBroadcastFlag) {
  Bytes head = kRequestHead;
  head[10] = 0x80;  // flags: B = 1
  const Bytes options = {
      0x35, 0x01, 0x01,  // option 53, len 1: DHCPDISCOVER
      0x39, 0x02,        // option 57, len 2
      0x02, 0x40,        //   576 bytes, the minimum
      0xff,              // End
  };
  const Bytes wire = message(head, options);
  Message d = decoded(wire);
  EXPECT_TRUE(d.broadcast());
  EXPECT_EQ(d.flags, kFlagBroadcast);
  EXPECT_EQ(d.max_message_size, 576);
  EXPECT_EQ(encode_message(d), wire);
}

TEST(Dhcp4Message, AcceptsLargeOptionsField) {
  // RFC 2131 §2: at least 312 bytes of options; here 1000 + 2 (53) + End.
  Bytes options = {0x35, 0x01, 0x02};  // option 53, len 1: DHCPOFFER
  for (int i = 0; i < 4; ++i) {
    options.push_back(0xe0);  // option 224, len 248, site-specific
    options.push_back(248);
    options.insert(options.end(), 248, static_cast<uint8_t>(i));
  }
  options.insert(options.end(), 8, 0x00);  // Pad
  options.push_back(0xff);                 // End
  ASSERT_GT(options.size(), kMinOptionsLength);
  Message d = decoded(message(kReplyHead, options));
  ASSERT_EQ(d.other.size(), 1u);
  EXPECT_EQ(d.other[0].data.size(), 4u * 248);
  EXPECT_EQ(d.other[0].data[248], 1);
}

TEST(Dhcp4Message, MinSizePadsWithZerosAfterEnd) {
  Message m = request_base();
  m.message_type = MessageType::kDiscover;
  const Bytes wire = encode_message(m, 300);
  ASSERT_EQ(wire.size(), 300u);
  EXPECT_EQ(wire[240], 0x35);
  EXPECT_EQ(wire[243], 0xff);  // End right after 53
  EXPECT_TRUE(std::all_of(wire.begin() + 244, wire.end(), [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(decoded(wire), m);
  EXPECT_EQ(encode_message(m, 10).size(), 244u);  // never truncates
}

TEST(Dhcp4Message, EmptyMessageIsHeaderCookieEnd) {
  Message m;
  const Bytes wire = encode_message(m);
  ASSERT_EQ(wire.size(), 241u);
  EXPECT_EQ(wire[0], kOpBootRequest);
  EXPECT_EQ(wire[1], kHtypeEthernet);
  EXPECT_EQ(wire[2], 6);
  EXPECT_EQ(Bytes(wire.begin() + 236, wire.begin() + 240), kCookie);
  EXPECT_EQ(wire[240], 0xff);
  EXPECT_EQ(decoded(wire), m);  // BOOTP-style, no message type
}

TEST(Dhcp4Message, RoundTripsEveryField) {
  Message m;
  m.op = kOpBootReply;
  m.htype = 1;
  m.hlen = 6;
  m.hops = 2;
  m.xid = 0xdeadbeef;
  m.secs = 17;
  m.flags = kFlagBroadcast;
  m.ciaddr = ip("10.0.0.1");
  m.yiaddr = ip("10.0.0.2");
  m.siaddr = ip("10.0.0.3");
  m.giaddr = ip("10.0.0.4");
  for (size_t i = 0; i < m.chaddr.size(); ++i)
    m.chaddr[i] = static_cast<uint8_t>(i + 1);
  m.sname[0] = 's';
  m.file[127] = 'f';
  m.message_type = MessageType::kInform;
  m.subnet_mask = ip("255.255.255.0");
  m.routers = {ip("10.0.0.254")};
  m.dns_servers = {ip("10.0.0.53"), ip("10.0.0.54")};
  m.requested_ip = ip("10.0.0.2");
  m.lease_time = 0xffffffff;
  m.server_id = ip("10.0.0.3");
  m.parameter_request_list = {1, 3, 6, 159};
  m.max_message_size = 1500;
  m.renewal_time = 1800;
  m.rebinding_time = 3150;
  m.client_id = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};  // type 1 (Ethernet) + MAC
  m.s46_source_address = *Ipv6Address::parse("2001:db8::1");
  m.port_params = PortSet::full();
  m.other = {{12, {'h'}}, {2, {0, 0, 0x0e, 0x10}}, {80, {}}};

  Message d = decoded(encode_message(m));
  EXPECT_EQ(d, m);
  // And each type of the enum survives.
  for (uint8_t t = 1; t <= 8; ++t) {
    Message one;
    one.message_type = static_cast<MessageType>(t);
    EXPECT_EQ(decoded(encode_message(one)), one) << int{t};
  }
}

TEST(Dhcp4Message, MessageTypeNames) {
  EXPECT_STREQ(message_type_name(MessageType::kDiscover), "DHCPDISCOVER");
  EXPECT_STREQ(message_type_name(MessageType::kAck), "DHCPACK");
  EXPECT_STREQ(message_type_name(MessageType::kInform), "DHCPINFORM");
  EXPECT_STREQ(message_type_name(static_cast<MessageType>(9)), "DHCP(unknown)");
}

}  // namespace
}  // namespace lwb4::dhcp4
