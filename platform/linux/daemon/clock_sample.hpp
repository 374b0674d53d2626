// Reading the clocks: the core's TimePoint is CLOCK_BOOTTIME (it keeps
// counting through suspend, so lease timers stay honest), and the lease file
// stores wall-clock seconds (CLOCK_REALTIME) so it means something after a
// reboot. A ClockSample reads both at once to convert between them.
#pragma once

#include <cstdint>

#include "lwb4/client/clock.hpp"

namespace lwb4::platform {

// Now on CLOCK_BOOTTIME, in the core's milliseconds.
client::TimePoint boot_now();

struct ClockSample {
  client::TimePoint boot;
  int64_t wall_ms = 0;  // CLOCK_REALTIME, milliseconds since the Unix epoch

  static ClockSample read();

  // The wall-clock second at which boot-time point `t` happened (rounded
  // down, so a lease read back is never younger than it was).
  int64_t wall_seconds_of(client::TimePoint t) const;
  // The boot-time point of wall-clock second `wall_s`; before this boot it
  // is negative, which the core handles like any other past time.
  client::TimePoint boot_of(int64_t wall_s) const;
};

}  // namespace lwb4::platform
