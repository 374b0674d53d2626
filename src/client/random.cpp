#include "lwb4/client/random.hpp"

namespace lwb4::client {

uint32_t Random::uniform(uint32_t lo, uint32_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = uint64_t{hi} - lo + 1;
  // Rejection sampling keeps the draw unbiased.
  uint64_t limit = (uint64_t{1} << 32) - ((uint64_t{1} << 32) % span);
  uint64_t v;
  do {
    v = next_u32();
  } while (v >= limit);
  return static_cast<uint32_t>(lo + v % span);
}

Millis Random::uniform(Millis lo, Millis hi) {
  if (hi <= lo) return lo;
  auto span = static_cast<uint64_t>((hi - lo).count());
  if (span >= (uint64_t{1} << 32)) span = (uint64_t{1} << 32) - 1;
  return lo + Millis(uniform(0, static_cast<uint32_t>(span)));
}

Millis Random::jitter_10pct(Millis base) {
  // RAND in thousandths: [-100, +100] / 1000.
  int64_t r = static_cast<int64_t>(uniform(0, 200)) - 100;
  return base + Millis(base.count() * r / 1000);
}

Millis Random::jitter_10pct_positive(Millis base) {
  int64_t r = static_cast<int64_t>(uniform(1, 100));
  return base + Millis(base.count() * r / 1000);
}

}  // namespace lwb4::client
