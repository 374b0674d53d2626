#include "lwb4/pcp/mapped_address.hpp"

#include <gtest/gtest.h>

namespace lwb4::pcp {
namespace {

TEST(MappedAddress, ToMappedBuildsFfffPrefix) {
  const Ipv6Address got = to_mapped(Ipv4Address{{192, 0, 2, 3}});
  const Ipv6Address want{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 3}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.to_string(), "::ffff:192.0.2.3");
}

TEST(MappedAddress, MappedIpv4ExtractsAddress) {
  const Ipv6Address a{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7}};
  const std::optional<Ipv4Address> v4 = mapped_ipv4(a);
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(*v4, (Ipv4Address{{198, 51, 100, 7}}));
}

TEST(MappedAddress, AllZeroIpv4IsMapped) {
  // RFC 6887 §11.1: "no preference" for IPv4 is ::ffff:0.0.0.0.
  const std::optional<Ipv4Address> v4 = mapped_ipv4(to_mapped(Ipv4Address{}));
  ASSERT_TRUE(v4.has_value());
  EXPECT_TRUE(v4->is_zero());
}

TEST(MappedAddress, OtherAddressesAreNotMapped) {
  EXPECT_FALSE(mapped_ipv4(Ipv6Address{}).has_value());                          // ::
  const Ipv6Address compat{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 3}};  // ::192.0.2.3
  EXPECT_FALSE(mapped_ipv4(compat).has_value());
  const Ipv6Address almost{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 192, 0, 2, 3}};
  EXPECT_FALSE(mapped_ipv4(almost).has_value());
  const Ipv6Address global{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 3}};
  EXPECT_FALSE(mapped_ipv4(global).has_value());
}

}  // namespace
}  // namespace lwb4::pcp
