#include <gtest/gtest.h>

#include <string>

#include "lwb4/util/result.hpp"

namespace lwb4 {
namespace {

Result<int> half(int v) {
  if (v % 2 != 0) return make_error("%d is odd", v);
  return v / 2;
}

TEST(Result, CarriesValueOrReason) {
  auto a = half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  auto b = half(7);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().reason(), "7 is odd");
  EXPECT_EQ(b.error().wrap("halving").reason(), "halving: 7 is odd");
}

TEST(Result, VoidStatus) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status bad = make_error("nope");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().reason(), "nope");
}

}  // namespace
}  // namespace lwb4
