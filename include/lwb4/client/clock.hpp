// Time in the core: a monotonic time point handed in with every event.
// The daemon fills it from CLOCK_BOOTTIME; tests advance it by hand.
#pragma once

#include <chrono>
#include <cstdint>

namespace lwb4::client {

using Millis = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

// A clock type the core never reads: it only names the epoch (boot) of the
// time points passed in.
struct BootClock {
  using duration = Millis;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<BootClock, duration>;
  static constexpr bool is_steady = true;
};

using TimePoint = BootClock::time_point;

// "Never": a deadline that does not fire.
constexpr TimePoint kNever = TimePoint::max();

constexpr TimePoint at_ms(int64_t ms) {
  return TimePoint(Millis(ms));
}

}  // namespace lwb4::client
