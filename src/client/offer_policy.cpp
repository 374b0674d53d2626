#include "lwb4/client/offer_policy.hpp"

namespace lwb4::client {
namespace {

// True when `candidate` beats `best` under `policy`; equal offers never beat
// an earlier one, so ties keep the first.
bool better(OfferPolicy policy, const PortSet& candidate, const PortSet& best) {
  switch (policy) {
    case OfferPolicy::kPreferFull:
      // RFC 7618 §7: a full (unshared) address first, then the most ports.
      if (candidate.is_full() != best.is_full()) return candidate.is_full();
      return candidate.count() > best.count();
    case OfferPolicy::kLargestPortSet:
      return candidate.count() > best.count();
    case OfferPolicy::kFirst:
      return false;
  }
  return false;
}

}  // namespace

const char* offer_policy_name(OfferPolicy policy) {
  switch (policy) {
    case OfferPolicy::kPreferFull:
      return "prefer-full";
    case OfferPolicy::kLargestPortSet:
      return "largest-port-set";
    case OfferPolicy::kFirst:
      return "first";
  }
  return "unknown";
}

size_t choose_offer(OfferPolicy policy, std::span<const PortSet> offered) {
  size_t best = 0;
  for (size_t i = 1; i < offered.size(); ++i) {
    if (better(policy, offered[i], offered[best])) best = i;
  }
  return best;
}

}  // namespace lwb4::client
