#include <gtest/gtest.h>

#include <vector>

#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::wire {
namespace {

TEST(Reader, ReadsBigEndianFields) {
  const uint8_t data[] = {
      0x01,                    // u8
      0x02, 0x03,              // u16
      0x04, 0x05, 0x06,        // u24
      0x07, 0x08, 0x09, 0x0a,  // u32
      0xaa, 0xbb,              // rest
  };
  Reader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u24(), 0x040506u);
  EXPECT_EQ(r.u32(), 0x0708090au);
  EXPECT_EQ(r.remaining(), 2u);
  Bytes rest = r.rest();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1], 0xbb);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
}

TEST(Reader, OverrunFailsStickyAndReturnsZero) {
  const uint8_t data[] = {0x12, 0x34, 0x56};
  Reader r(data);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  // Once failed, even a read that would fit returns zero.
  EXPECT_EQ(r.u8(), 0u);
  EXPECT_EQ(r.offset(), 0u);
}

TEST(Reader, BytesPastEndIsEmptyAndFails) {
  const uint8_t data[] = {1, 2, 3, 4};
  Reader r(data);
  r.skip(2);
  EXPECT_TRUE(r.has(2));
  EXPECT_FALSE(r.has(3));
  EXPECT_TRUE(r.bytes(3).empty());
  EXPECT_FALSE(r.ok());
}

TEST(Reader, ArrayCopiesExactly) {
  const uint8_t data[] = {9, 8, 7, 6, 5};
  Reader r(data);
  auto a = r.array<4>();
  EXPECT_EQ(a, (std::array<uint8_t, 4>{9, 8, 7, 6}));
  auto b = r.array<4>();  // only one byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(b, (std::array<uint8_t, 4>{}));
}

TEST(Writer, WritesBigEndianAndPatches) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.u8(0x01);
  size_t len_pos = w.size();
  w.u16(0);
  w.u24(0x020304);
  w.u32(0x05060708);
  w.zeros(2);
  w.patch_u16(len_pos, 0xbeef);
  const std::vector<uint8_t> want = {0x01, 0xbe, 0xef, 0x02, 0x03, 0x04,
                                     0x05, 0x06, 0x07, 0x08, 0x00, 0x00};
  EXPECT_EQ(out, want);
}

TEST(Writer, RoundTripsThroughReader) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.u16(0xfffe);
  w.u32(0x80000001);
  Reader r(out);
  EXPECT_EQ(r.u16(), 0xfffe);
  EXPECT_EQ(r.u32(), 0x80000001u);
  EXPECT_TRUE(r.ok() && r.empty());
}

}  // namespace
}  // namespace lwb4::wire
