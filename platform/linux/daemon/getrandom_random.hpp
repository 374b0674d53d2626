// client::Random backed by getrandom(2), drawn in small batches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lwb4/client/random.hpp"

namespace lwb4::platform {

class GetrandomRandom final : public client::Random {
 public:
  uint32_t next_u32() override;

 private:
  void refill();

  std::array<uint32_t, 16> pool_{};
  size_t left_ = 0;
};

}  // namespace lwb4::platform
