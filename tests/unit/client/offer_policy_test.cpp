#include "lwb4/client/offer_policy.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lwb4::client {
namespace {

TEST(ChooseOffer, PoliciesAndTies) {
  const PortSet k8 = PortSet::create(6, 8, 0x34).value();
  const PortSet k6 = PortSet::create(6, 6, 52).value();
  const PortSet k6b = PortSet::create(6, 6, 1).value();
  const std::vector<PortSet> sets = {k8, k6, PortSet::full(), k6b};
  EXPECT_EQ(choose_offer(OfferPolicy::kPreferFull, sets), 2u);
  EXPECT_EQ(choose_offer(OfferPolicy::kLargestPortSet, sets), 2u);
  EXPECT_EQ(choose_offer(OfferPolicy::kFirst, sets), 0u);
  const std::vector<PortSet> shared = {k8, k6, k6b};
  EXPECT_EQ(choose_offer(OfferPolicy::kPreferFull, shared), 1u);  // tie → first
  EXPECT_EQ(choose_offer(OfferPolicy::kLargestPortSet, shared), 1u);
  const std::vector<PortSet> one = {k8};
  EXPECT_EQ(choose_offer(OfferPolicy::kPreferFull, one), 0u);
  EXPECT_STREQ(offer_policy_name(OfferPolicy::kPreferFull), "prefer-full");
  EXPECT_STREQ(offer_policy_name(OfferPolicy::kLargestPortSet), "largest-port-set");
  EXPECT_STREQ(offer_policy_name(OfferPolicy::kFirst), "first");
}

TEST(ChooseOffer, PreferFullCountsAFullAddressBeforeAnyPortSet) {
  // A shared set can never beat a full one under kPreferFull, even when it
  // comes first.
  const std::vector<PortSet> sets = {PortSet::create(0, 1, 1).value(), PortSet::full()};
  EXPECT_EQ(choose_offer(OfferPolicy::kPreferFull, sets), 1u);
  EXPECT_EQ(choose_offer(OfferPolicy::kFirst, sets), 0u);
}

}  // namespace
}  // namespace lwb4::client
