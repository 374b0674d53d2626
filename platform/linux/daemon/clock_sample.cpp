#include "daemon/clock_sample.hpp"

#include <time.h>

namespace lwb4::platform {
namespace {

int64_t read_ms(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

client::TimePoint boot_now() {
  return client::TimePoint(client::Millis(read_ms(CLOCK_BOOTTIME)));
}

ClockSample ClockSample::read() {
  ClockSample s;
  s.boot = boot_now();
  s.wall_ms = read_ms(CLOCK_REALTIME);
  return s;
}

int64_t ClockSample::wall_seconds_of(client::TimePoint t) const {
  int64_t age_ms = (boot - t).count();
  return floor_div(wall_ms - age_ms, 1000);
}

client::TimePoint ClockSample::boot_of(int64_t wall_s) const {
  return boot - client::Millis(wall_ms - wall_s * 1000);
}

}  // namespace lwb4::platform
