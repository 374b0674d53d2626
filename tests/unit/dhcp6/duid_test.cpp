#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/dhcp6/duid.hpp"
#include "test_support.hpp"

namespace lwb4::dhcp6 {
namespace {

std::vector<uint8_t> bytes_of(const Duid& d) {
  return {d.bytes().begin(), d.bytes().end()};
}

const std::vector<uint8_t> kMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};

TEST(Duid, LinkLayer) {
  auto d = Duid::make_ll(kHwTypeEthernet, kMac);
  ASSERT_TRUE(d);
  const std::vector<uint8_t> want = {
      0x00, 0x03,                          // DUID-LL
      0x00, 0x01,                          // hardware type Ethernet
      0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,  // link-layer address
  };
  EXPECT_EQ(bytes_of(*d), want);
  EXPECT_EQ(d->type(), kDuidTypeLl);
  EXPECT_EQ(d->to_string(), "00:03:00:01:02:00:5e:00:53:01");
}

TEST(Duid, LinkLayerPlusTime) {
  // 2000-01-01 01:00:00 UTC is 3600 s into the DUID epoch.
  uint32_t t = duid_time_from_unix(946684800 + 3600);
  EXPECT_EQ(t, 3600u);
  auto d = Duid::make_llt(kHwTypeEthernet, t, kMac);
  ASSERT_TRUE(d);
  const std::vector<uint8_t> want = {
      0x00, 0x01,                          // DUID-LLT
      0x00, 0x01,                          // hardware type Ethernet
      0x00, 0x00, 0x0e, 0x10,              // time 3600
      0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,  // link-layer address
  };
  EXPECT_EQ(bytes_of(*d), want);
  EXPECT_EQ(d->type(), kDuidTypeLlt);
}

TEST(Duid, TimeWrapsModulo2To32) {
  EXPECT_EQ(duid_time_from_unix(946684800ull + 0x100000005ull), 5u);
}

TEST(Duid, EnterpriseNumber) {
  const std::vector<uint8_t> id = {0xab, 0xcd};
  auto d = Duid::make_en(32473, id);
  ASSERT_TRUE(d);
  const std::vector<uint8_t> want = {
      0x00, 0x02,              // DUID-EN
      0x00, 0x00, 0x7e, 0xd9,  // enterprise number 32473
      0xab, 0xcd,              // identifier
  };
  EXPECT_EQ(bytes_of(*d), want);
  EXPECT_EQ(d->type(), kDuidTypeEn);
}

TEST(Duid, Uuid) {
  std::array<uint8_t, 16> uuid{};
  for (size_t i = 0; i < uuid.size(); ++i)
    uuid[i] = static_cast<uint8_t>(0xf0 + i);
  Duid d = Duid::make_uuid(uuid);
  ASSERT_EQ(d.size(), 18u);
  EXPECT_EQ(d.type(), kDuidTypeUuid);
  EXPECT_EQ(d.bytes()[2], 0xf0);
  EXPECT_EQ(d.bytes()[17], 0xff);
}

TEST(Duid, FromBytesChecksLengthOnly) {
  const std::vector<uint8_t> shortest = {0xff, 0xff, 0x00};  // unknown type, 1 byte
  EXPECT_TRUE(Duid::from_bytes(shortest));
  std::vector<uint8_t> longest(130, 0x11);
  EXPECT_TRUE(Duid::from_bytes(longest));

  const std::vector<uint8_t> type_only = {0x00, 0x03};
  auto too_short = Duid::from_bytes(type_only);
  ASSERT_FALSE(too_short);
  EXPECT_TRUE(Contains(too_short.error().reason(), "DUID length 2, expected 3..130"));
  std::vector<uint8_t> over(131, 0x11);
  auto too_long = Duid::from_bytes(over);
  ASSERT_FALSE(too_long);
  EXPECT_TRUE(Contains(too_long.error().reason(), "DUID length 131"));
}

TEST(Duid, FactoriesRejectEmptyOrOversizedIdentifiers) {
  auto ll = Duid::make_ll(kHwTypeEthernet, {});
  ASSERT_FALSE(ll);
  EXPECT_TRUE(Contains(ll.error().reason(), "empty link-layer address"));
  EXPECT_FALSE(Duid::make_llt(kHwTypeEthernet, 0, {}));
  EXPECT_FALSE(Duid::make_en(1, {}));
  std::vector<uint8_t> big(123, 0x01);  // 8 + 123 = 131 bytes
  auto llt = Duid::make_llt(kHwTypeEthernet, 0, big);
  ASSERT_FALSE(llt);
  EXPECT_TRUE(Contains(llt.error().reason(), "DUID length 131"));
  big.pop_back();
  EXPECT_TRUE(Duid::make_llt(kHwTypeEthernet, 0, big));
}

}  // namespace
}  // namespace lwb4::dhcp6
