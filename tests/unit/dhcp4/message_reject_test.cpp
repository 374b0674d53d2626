// DHCPv4 message codec: every rejection path, with the reason text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "lwb4/dhcp4/message.hpp"

namespace lwb4::dhcp4 {
namespace {

using Bytes = std::vector<uint8_t>;

// op..chaddr (44 bytes) of a BOOTREPLY.
const Bytes kHead = {
    0x02,                                // op: BOOTREPLY
    0x01,                                // htype: Ethernet
    0x06,                                // hlen
    0x00,                                // hops
    0xca, 0xfe, 0x00, 0x01,              // xid
    0x00, 0x00,                          // secs
    0x00, 0x00,                          // flags
    0x00, 0x00, 0x00, 0x00,              // ciaddr
    0xc0, 0x00, 0x02, 0x12,              // yiaddr: 192.0.2.18
    0x00, 0x00, 0x00, 0x00,              // siaddr
    0x00, 0x00, 0x00, 0x00,              // giaddr
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // chaddr: 02:00:00:00:00:01
    0x00, 0x00, 0x00, 0x00, 0x00,        // chaddr padding
    0x00, 0x00, 0x00, 0x00, 0x00,        // chaddr padding
};

const Bytes kCookie = {0x63, 0x82, 0x53, 0x63};  // magic cookie 99.130.83.99

Bytes message(const Bytes& options, const Bytes& sname = {}, const Bytes& file = {}) {
  Bytes out = kHead;
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

::testing::AssertionResult rejected_with(const Bytes& wire, const std::string& text) {
  auto r = decode_message(wire);
  if (r) return ::testing::AssertionFailure() << "accepted; expected \"" << text << "\"";
  if (r.error().reason().find(text) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "reason \"" << r.error().reason() << "\" lacks \"" << text << "\"";
  }
  return ::testing::AssertionSuccess();
}

TEST(Dhcp4MessageReject, ShortHeader) {
  EXPECT_TRUE(rejected_with({}, "message too short: 0 bytes, the fixed header is 236"));
  Bytes wire = message({0xff});
  wire.resize(235);
  EXPECT_TRUE(rejected_with(wire, "message too short: 235 bytes"));
}

TEST(Dhcp4MessageReject, TruncatedCookie) {
  Bytes wire = message({0xff});
  wire.resize(236);
  EXPECT_TRUE(rejected_with(wire, "truncated magic cookie: 236 bytes, need 240"));
  wire = message({0xff});
  wire.resize(239);
  EXPECT_TRUE(rejected_with(wire, "truncated magic cookie: 239 bytes"));
}

TEST(Dhcp4MessageReject, BadCookie) {
  Bytes wire = message({0x35, 0x01, 0x01, 0xff});
  wire[239] = 0x64;  // last cookie byte
  EXPECT_TRUE(rejected_with(wire, "bad magic cookie 63 82 53 64"));
}

TEST(Dhcp4MessageReject, EmptyOptionsHaveNoEnd) {
  EXPECT_TRUE(rejected_with(message({}), "options: missing End"));
}

TEST(Dhcp4MessageReject, MissingEnd) {
  const Bytes options = {
      0x35, 0x01, 0x02,  // option 53, len 1: DHCPOFFER
      0x00, 0x00,        // Pad, Pad, then the message ends
  };
  EXPECT_TRUE(rejected_with(message(options), "options: missing End"));
}

TEST(Dhcp4MessageReject, TruncatedOptionHeader) {
  const Bytes options = {
      0x35, 0x01, 0x02,  // option 53, len 1: DHCPOFFER
      0x36,              // option 54 with no length byte
  };
  EXPECT_TRUE(
      rejected_with(message(options), "options: option 54 at offset 243: truncated header"));
}

TEST(Dhcp4MessageReject, TruncatedOptionBody) {
  const Bytes options = {
      0x35, 0x01, 0x02,  // option 53, len 1: DHCPOFFER
      0x36, 0x04,        // option 54, len 4
      0xc0, 0x00, 0x02,  //   only 3 bytes follow
  };
  EXPECT_TRUE(
      rejected_with(message(options), "option 54 at offset 243: length 4, only 3 bytes left"));
}

TEST(Dhcp4MessageReject, LengthRunsPastEnd) {
  const Bytes options = {
      0x0c, 0x05, 'a', 'b',  // option 12, len 5: swallows End and runs out
      0xff,                  // End (inside option 12's claimed value)
  };
  EXPECT_TRUE(rejected_with(message(options), "length 5, only 3 bytes left"));
}

TEST(Dhcp4MessageReject, ServerIdLengthThree) {
  const Bytes options = {
      0x35, 0x01, 0x02,              // option 53, len 1: DHCPOFFER
      0x36, 0x03, 0xc0, 0x00, 0x02,  // option 54, len 3 (must be 4)
      0xff,                          // End
  };
  EXPECT_TRUE(rejected_with(message(options), "option 54: length 3, expected 4"));
}

TEST(Dhcp4MessageReject, WrongLengthForEachFixedOption) {
  struct Fixed {
    uint8_t code;
    size_t length;
  };
  const Fixed fixed[] = {
      {1, 4},     // subnet mask
      {50, 4},    // requested IP
      {51, 4},    // lease time
      {52, 1},    // overload
      {53, 1},    // message type
      {54, 4},    // server id
      {57, 2},    // max message size
      {58, 4},    // T1
      {59, 4},    // T2
      {109, 16},  // softwire source address
      {159, 4},   // V4_PORTPARAMS
  };
  for (const Fixed& f : fixed) {
    for (size_t length : {size_t{0}, f.length - 1, f.length + 1}) {
      if (length == f.length) continue;
      Bytes options = {f.code, static_cast<uint8_t>(length)};
      options.insert(options.end(), length, 0x01);  // value bytes
      options.push_back(0xff);                      // End
      char want[64];
      std::snprintf(want, sizeof want, "option %u: length %zu, expected %zu", f.code, length,
                    f.length);
      EXPECT_TRUE(rejected_with(message(options), want)) << want;
    }
  }
}

TEST(Dhcp4MessageReject, AddressListsNotMultipleOfFour) {
  const Bytes routers = {
      0x03, 0x06,                          // option 3, len 6
      0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00,  //   1.5 addresses
      0xff,                                // End
  };
  EXPECT_TRUE(
      rejected_with(message(routers), "option 3: length 6, expected a non-zero multiple of 4"));
  const Bytes dns = {
      0x06, 0x05,                    // option 6, len 5
      0xc6, 0x33, 0x64, 0x01, 0x02,  //   one address and a stray byte
      0xff,                          // End
  };
  EXPECT_TRUE(rejected_with(message(dns), "option 6: length 5, expected a non-zero multiple of 4"));
}

TEST(Dhcp4MessageReject, ZeroLengthWhereNotAllowed) {
  EXPECT_TRUE(rejected_with(message({0x03, 0x00, 0xff}),  // option 3, len 0; End
                            "option 3: length 0, expected a non-zero multiple of 4"));
  EXPECT_TRUE(rejected_with(message({0x06, 0x00, 0xff}),  // option 6, len 0; End
                            "option 6: length 0, expected a non-zero multiple of 4"));
  EXPECT_TRUE(rejected_with(message({0x37, 0x00, 0xff}),  // option 55, len 0; End
                            "option 55: length 0, expected at least 1"));
  EXPECT_TRUE(rejected_with(message({0x3d, 0x00, 0xff}),  // option 61, len 0; End
                            "option 61: length 0, expected at least 2"));
}

TEST(Dhcp4MessageReject, ClientIdOfOneByte) {
  const Bytes options = {
      0x3d, 0x01, 0x01,  // option 61, len 1: a type with no identifier
      0xff,              // End
  };
  EXPECT_TRUE(rejected_with(message(options), "option 61: length 1, expected at least 2"));
}

TEST(Dhcp4MessageReject, BadMessageType) {
  EXPECT_TRUE(rejected_with(message({0x35, 0x01, 0x00, 0xff}),  // option 53 = 0; End
                            "option 53: message type 0, expected 1..8"));
  EXPECT_TRUE(rejected_with(message({0x35, 0x01, 0x09, 0xff}),  // option 53 = 9; End
                            "option 53: message type 9, expected 1..8"));
}

TEST(Dhcp4MessageReject, MaxMessageSizeBelow576) {
  const Bytes options = {
      0x39, 0x02, 0x02, 0x3f,  // option 57, len 2: 575
      0xff,                    // End
  };
  EXPECT_TRUE(
      rejected_with(message(options), "option 57: max message size 575, expected at least 576"));
}

TEST(Dhcp4MessageReject, PortParamsBadPaddingBits) {
  const Bytes options = {
      0x9f, 0x04,  // option 159, len 4
      0x06,        //   offset 6
      0x06,        //   PSID-len 6
      0xd0, 0x01,  //   PSID 52 but a pad bit set
      0xff,        // End
  };
  EXPECT_TRUE(rejected_with(message(options), "option 159: "));
  EXPECT_TRUE(rejected_with(message(options), "non-zero bits past PSID-len"));
}

TEST(Dhcp4MessageReject, PortParamsOffsetPlusLengthOver16) {
  const Bytes options = {
      0x9f, 0x04,  // option 159, len 4
      0x08,        //   offset 8
      0x0a,        //   PSID-len 10: 8 + 10 > 16
      0x00, 0x40,  //   PSID 1, left-aligned
      0xff,        // End
  };
  EXPECT_TRUE(rejected_with(message(options), "option 159: "));
  EXPECT_TRUE(rejected_with(message(options), "> 16"));
}

TEST(Dhcp4MessageReject, PortParamsLengthThree) {
  const Bytes options = {
      0x9f, 0x03,        // option 159, len 3
      0x06, 0x06, 0xd0,  //   PSID field cut short
      0xff,              // End
  };
  EXPECT_TRUE(rejected_with(message(options), "option 159: length 3, expected 4"));
}

TEST(Dhcp4MessageReject, OverloadBadValues) {
  EXPECT_TRUE(rejected_with(message({0x34, 0x01, 0x00, 0xff}),  // option 52 = 0; End
                            "option 52: value 0, expected 1, 2 or 3"));
  EXPECT_TRUE(rejected_with(message({0x34, 0x01, 0x04, 0xff}),  // option 52 = 4; End
                            "option 52: value 4, expected 1, 2 or 3"));
  const Bytes twice = {
      0x34, 0x01, 0x01,  // option 52, len 1: file
      0x34, 0x01, 0x02,  // option 52 again: concatenated to length 2
      0xff,              // End
  };
  EXPECT_TRUE(rejected_with(message(twice), "option 52: length 2, expected 1"));
}

TEST(Dhcp4MessageReject, OverloadedFileWithoutEnd) {
  const Bytes options = {
      0x34, 0x01, 0x01,  // option 52, len 1: file
      0xff,              // End
  };
  const Bytes file = {
      0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,  // option 51, len 4; then Pad, no End
  };
  EXPECT_TRUE(rejected_with(message(options, {}, file), "file (overloaded): missing End"));
}

TEST(Dhcp4MessageReject, OverloadedSnameWithoutEnd) {
  const Bytes options = {
      0x34, 0x01, 0x03,  // option 52, len 1: file and sname
      0xff,              // End
  };
  const Bytes file = {0xff};  // End: an empty but valid file area
  EXPECT_TRUE(rejected_with(message(options, {}, file), "sname (overloaded): missing End"));
}

TEST(Dhcp4MessageReject, OverloadedFileWithTruncatedOption) {
  const Bytes options = {
      0x34, 0x01, 0x01,  // option 52, len 1: file
      0xff,              // End
  };
  Bytes file(128, 0x00);
  file[126] = 0x0c;  // option 12 at the last-but-one byte of file
  file[127] = 0x05;  //   len 5, past the end of file
  EXPECT_TRUE(
      rejected_with(message(options, {}, file),
                    "file (overloaded): option 12 at offset 234: length 5, only 0 bytes left"));
}

TEST(Dhcp4MessageReject, OverloadOptionInsideOverloadedField) {
  const Bytes options = {
      0x34, 0x01, 0x02,  // option 52, len 1: sname
      0xff,              // End
  };
  const Bytes sname = {
      0x34, 0x01, 0x01,  // option 52 inside sname
      0xff,              // End
  };
  EXPECT_TRUE(
      rejected_with(message(options, sname), "option 52: only allowed in the options field"));
}

TEST(Dhcp4MessageReject, ConcatenationCanMakeAFixedOptionTooLong) {
  const Bytes options = {
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x02,  // option 54 again: RFC 3396 joins to 8 bytes
      0xff,                                // End
  };
  EXPECT_TRUE(rejected_with(message(options), "option 54: length 8, expected 4"));
}

TEST(Dhcp4MessageReject, EveryTruncationOfAValidMessageFailsCleanly) {
  const Bytes options = {
      0x35, 0x01, 0x05,                    // option 53, len 1: DHCPACK
      0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,  // option 54, len 4
      0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00,  // option 159, len 4
      0xff,                                // End
  };
  const Bytes wire = message(options);
  ASSERT_TRUE(decode_message(wire));
  for (size_t n = 0; n < wire.size(); ++n) {
    EXPECT_FALSE(decode_message(Bytes(wire.begin(), wire.begin() + n))) << n;
  }
}

}  // namespace
}  // namespace lwb4::dhcp4
