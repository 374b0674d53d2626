// RFC 4361 client identifier (option 61 value): type 255, IAID, DUID.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lwb4/dhcp4/client_id.hpp"
#include "lwb4/dhcp4/message.hpp"

namespace lwb4::dhcp4 {
namespace {

using Bytes = std::vector<uint8_t>;

// DUID-LL (RFC 8415 §11.4) for MAC 02:00:00:00:00:01.
const Bytes kDuidLl = {
    0x00, 0x03,                          // DUID type 3: DUID-LL
    0x00, 0x01,                          // hardware type 1: Ethernet
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // link-layer address
};

std::string reason_of(const Bytes& value) {
  auto r = decode_client_id(value);
  return r ? "<accepted>" : r.error().reason();
}

TEST(Dhcp4ClientId, EncodesDuidLlVector) {
  const Bytes want = {
      0xff,                                // type 255: IAID + DUID
      0x00, 0x00, 0x00, 0x01,              // IAID 1
      0x00, 0x03,                          // DUID-LL
      0x00, 0x01,                          // Ethernet
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // MAC
  };
  EXPECT_EQ(encode_client_id({1, kDuidLl}), want);
}

TEST(Dhcp4ClientId, AsOption61InAMessage) {
  Message m;
  m.client_id = encode_client_id({1, kDuidLl});
  const Bytes wire = encode_message(m);
  const Bytes option = {
      0x3d, 0x0f,                          // option 61, len 15
      0xff,                                // type 255
      0x00, 0x00, 0x00, 0x01,              // IAID 1
      0x00, 0x03, 0x00, 0x01,              // DUID-LL, Ethernet
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // MAC
      0xff,                                // End
  };
  ASSERT_EQ(wire.size(), 240 + option.size());
  EXPECT_EQ(Bytes(wire.begin() + 240, wire.end()), option);
}

TEST(Dhcp4ClientId, DecodesVector) {
  const Bytes value = {
      0xff,                                // type 255
      0x12, 0x34, 0x56, 0x78,              // IAID 0x12345678
      0x00, 0x03, 0x00, 0x01,              // DUID-LL, Ethernet
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // MAC
  };
  auto id = decode_client_id(value);
  ASSERT_TRUE(id) << id.error().reason();
  EXPECT_EQ(id->iaid, 0x12345678u);
  EXPECT_EQ(id->duid, kDuidLl);
}

TEST(Dhcp4ClientId, DuidLengthBounds) {
  ClientId shortest{7, {0x00, 0x02, 0xaa}};  // DUID type 2 + 1 byte
  auto a = decode_client_id(encode_client_id(shortest));
  ASSERT_TRUE(a) << a.error().reason();
  EXPECT_EQ(*a, shortest);

  ClientId longest{0xffffffff, Bytes(130, 0x5a)};  // type + 128 bytes
  auto b = decode_client_id(encode_client_id(longest));
  ASSERT_TRUE(b) << b.error().reason();
  EXPECT_EQ(*b, longest);

  EXPECT_NE(reason_of(encode_client_id({7, {0x00, 0x02}})).find("DUID length 2, expected 3..130"),
            std::string::npos);
  EXPECT_NE(
      reason_of(encode_client_id({7, Bytes(131, 1)})).find("DUID length 131, expected 3..130"),
      std::string::npos);
}

TEST(Dhcp4ClientId, RejectsOtherTypes) {
  const Bytes hw = {
      0x01,                                // type 1: Ethernet (RFC 2132 §9.14)
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // MAC
  };
  EXPECT_NE(reason_of(hw).find("client id: type 1, expected 255"), std::string::npos);
}

TEST(Dhcp4ClientId, RejectsTruncated) {
  EXPECT_NE(reason_of({}).find("client id: length 0, too short"), std::string::npos);
  const Bytes cut = {
      0xff,              // type 255
      0x00, 0x00, 0x00,  // IAID cut short
  };
  EXPECT_NE(reason_of(cut).find("client id: length 4, too short"), std::string::npos);
  const Bytes no_duid = {
      0xff,                    // type 255
      0x00, 0x00, 0x00, 0x01,  // IAID 1, then nothing
  };
  EXPECT_NE(reason_of(no_duid).find("DUID length 0"), std::string::npos);
}

}  // namespace
}  // namespace lwb4::dhcp4
