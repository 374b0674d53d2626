// Randomness is injected into the core (RFC 8415 RAND, RFC 2131 jitter,
// transaction ids). The daemon backs it with getrandom(); tests script it.
#pragma once

#include <cstdint>

#include "lwb4/client/clock.hpp"

namespace lwb4::client {

class Random {
 public:
  virtual ~Random() = default;
  virtual uint32_t next_u32() = 0;

  // Uniform in [lo, hi] (inclusive). Every other draw goes through this,
  // so a test double can pin draws to the ends of their ranges.
  virtual uint32_t uniform(uint32_t lo, uint32_t hi);
  // A duration uniform in [lo, hi].
  Millis uniform(Millis lo, Millis hi);
  // RFC 8415 §15: base + RAND * base with RAND uniform in [-0.1, +0.1].
  Millis jitter_10pct(Millis base);
  // Like jitter_10pct, but with RAND in (0, +0.1]: RFC 8415 §18.2.1 wants
  // the first Solicit RT strictly greater than IRT.
  Millis jitter_10pct_positive(Millis base);
};

}  // namespace lwb4::client
