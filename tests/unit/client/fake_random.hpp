// Test doubles for client::Random.
#pragma once

#include <cstdint>
#include <deque>

#include "lwb4/client/random.hpp"

namespace lwb4::client::testing {

// Pins every ranged draw to its low end, its high end or its middle, so a
// test can check the exact bounds of a randomised schedule. next_u32()
// counts up from `seed` (distinct, predictable transaction ids).
class PinnedRandom : public Random {
 public:
  enum class Pin { kLow, kMid, kHigh };
  explicit PinnedRandom(Pin pin = Pin::kMid, uint32_t seed = 0x1000) : pin_(pin), next_(seed) {}
  void set_pin(Pin pin) { pin_ = pin; }

  uint32_t next_u32() override { return next_++; }
  uint32_t uniform(uint32_t lo, uint32_t hi) override {
    switch (pin_) {
      case Pin::kLow:
        return lo;
      case Pin::kHigh:
        return hi;
      case Pin::kMid:
        break;
    }
    return lo + (hi - lo) / 2;
  }

 private:
  Pin pin_;
  uint32_t next_;
};

}  // namespace lwb4::client::testing
