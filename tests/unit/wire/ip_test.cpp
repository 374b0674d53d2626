#include <gtest/gtest.h>

#include "lwb4/wire/ip.hpp"

namespace lwb4 {
namespace {

TEST(Ipv4, ParseFormatAndU32) {
  auto a = Ipv4Address::parse("192.0.2.18");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_u32(), 0xc0000212u);
  EXPECT_EQ(Ipv4Address::from_u32(0xc0000212u), *a);
  EXPECT_EQ(a->to_string(), "192.0.2.18");
  EXPECT_FALSE(Ipv4Address::parse("192.0.2"));
  EXPECT_FALSE(Ipv4Address::parse("192.0.2.256"));
  EXPECT_FALSE(Ipv4Address::parse(""));
}

TEST(Ipv6, ParseFormat) {
  auto a = Ipv6Address::parse("2001:db8:12:3400:0:c000:212:34");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes[0], 0x20);
  EXPECT_EQ(a->bytes[15], 0x34);
  EXPECT_EQ(a->to_string(), "2001:db8:12:3400:0:c000:212:34");
  EXPECT_FALSE(Ipv6Address::parse("2001:db8::g"));
  EXPECT_TRUE(Ipv6Address::parse("ff02::1:2")->is_multicast());
  EXPECT_TRUE(Ipv6Address::parse("fe80::1")->is_link_local());
  EXPECT_TRUE(Ipv6Address{}.is_zero());
}

TEST(Prefix, ParseClearsHostBitsAndContains) {
  auto p = Ipv6Prefix::parse("2001:db8:12:34ff::1/56");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "2001:db8:12:3400::/56");
  EXPECT_TRUE(p->contains(*Ipv6Address::parse("2001:db8:12:34aa::9")));
  EXPECT_FALSE(p->contains(*Ipv6Address::parse("2001:db8:12:3500::")));
  auto rule = Ipv6Prefix::parse("2001:db8::/40");
  EXPECT_TRUE(rule->contains(*p));
  EXPECT_FALSE(p->contains(*rule));

  auto v4 = Ipv4Prefix::parse("192.0.2.77/24");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "192.0.2.0/24");
  EXPECT_TRUE(v4->contains(*Ipv4Address::parse("192.0.2.200")));
  EXPECT_FALSE(v4->contains(*Ipv4Address::parse("192.0.3.1")));
}

TEST(Prefix, RejectsBadLengths) {
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8::/129"));
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8::"));
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8::/"));
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8::/4x"));
  EXPECT_FALSE(Ipv4Prefix::parse("192.0.2.0/33"));
  EXPECT_EQ(Ipv4Prefix::parse("192.0.2.0/33").error().reason(), "bad prefix length '33' (0..32)");
}

TEST(Bits, GetAndSetAcrossByteBoundaries) {
  std::array<uint8_t, 4> b{};
  bits::set(b, 4, 12, 0xabc);
  EXPECT_EQ(b, (std::array<uint8_t, 4>{0x0a, 0xbc, 0x00, 0x00}));
  EXPECT_EQ(bits::get(b, 4, 12), 0xabcu);
  EXPECT_EQ(bits::get(b, 0, 8), 0x0au);
  bits::clear_from(b, 8);
  EXPECT_EQ(b, (std::array<uint8_t, 4>{0x0a, 0x00, 0x00, 0x00}));
  bits::set(b, 0, 32, 0xffffffff);
  bits::clear_from(b, 13);
  EXPECT_EQ(b, (std::array<uint8_t, 4>{0xff, 0xf8, 0x00, 0x00}));
}

}  // namespace
}  // namespace lwb4
