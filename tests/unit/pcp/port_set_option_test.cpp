#include "lwb4/pcp/port_set_option.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lwb4::pcp {
namespace {

bool has(const Error& e, const std::string& needle) {
  return e.reason().find(needle) != std::string::npos;
}

TEST(PortSetOption, ReadsFields) {
  const uint8_t data[] = {
      0x00, 0x64,  // port set size 100
      0xc3, 0x50,  // first internal port 50000
      0x01,        // reserved 0, P = 1
  };
  Result<PortSetOption> got = read_port_set_option(data);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->size, 100);
  EXPECT_EQ(got->first_internal_port, 50000);
  EXPECT_TRUE(got->parity);
}

TEST(PortSetOption, IgnoresReservedBits) {
  // RFC 7753 §4: the 7 reserved bits are ignored on receipt.
  const uint8_t data[] = {
      0xff, 0xff,  // port set size 65535
      0x00, 0x01,  // first internal port 1
      0xfe,        // reserved all ones, P = 0
  };
  Result<PortSetOption> got = read_port_set_option(data);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->size, kPortSetAsManyAsPossible);
  EXPECT_EQ(got->first_internal_port, 1);
  EXPECT_FALSE(got->parity);
}

TEST(PortSetOption, WritesFiveBytesWithReservedZero) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  write_port_set_option(w, PortSetOption{32, 50000, true});
  const std::vector<uint8_t> want = {
      0x00, 0x20,  // port set size 32
      0xc3, 0x50,  // first internal port 50000
      0x01,        // reserved 0, P = 1
  };
  EXPECT_EQ(out, want);
}

TEST(PortSetOption, RejectsSizeZero) {
  const uint8_t data[] = {
      0x00, 0x00,  // port set size 0: invalid
      0xc3, 0x50,  // first internal port 50000
      0x00,        // P = 0
  };
  Result<PortSetOption> got = read_port_set_option(data);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "port set size 0")) << got.error().reason();
}

TEST(PortSetOption, RejectsWrongLength) {
  const uint8_t four[] = {0x00, 0x20, 0xc3, 0x50};
  Result<PortSetOption> got = read_port_set_option(four);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "length 4, expected 5")) << got.error().reason();

  const uint8_t eight[] = {0x00, 0x20, 0xc3, 0x50, 0x00, 0x00, 0x00, 0x00};
  got = read_port_set_option(eight);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has(got.error(), "length 8, expected 5")) << got.error().reason();
}

}  // namespace
}  // namespace lwb4::pcp
