#include "daemon/privileges.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>

namespace lwb4::platform {
namespace {

TEST(Privileges, LookupUser) {
  auto root = lookup_user("root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->gid, 0u);
  auto missing = lookup_user("lwb4-no-such-user");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason(), "--user lwb4-no-such-user: no such user");
}

TEST(Privileges, KeepsNetAdminAndBindServiceOnly) {
  EXPECT_EQ(kept_capabilities(), (uint64_t{1} << CAP_NET_ADMIN) |
                                     (uint64_t{1} << CAP_NET_BIND_SERVICE) |
                                     (uint64_t{1} << CAP_NET_RAW));
  EXPECT_EQ(kept_capabilities(), 0x3400u);
}

}  // namespace
}  // namespace lwb4::platform
