#include "daemon/deadline_timer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace lwb4::platform {

Result<DeadlineTimer> DeadlineTimer::create() {
  int fd = ::timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return make_error("timerfd_create(CLOCK_BOOTTIME): %s", std::strerror(errno));
  return DeadlineTimer(UniqueFd(fd));
}

Status DeadlineTimer::arm(client::TimePoint deadline) {
  if (armed_ && *armed_ == deadline) return {};
  itimerspec spec{};
  if (deadline != client::kNever) {
    int64_t ms = deadline.time_since_epoch().count();
    if (ms <= 0) ms = 1;  // an all-zero it_value would disarm instead of firing
    spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
    spec.it_value.tv_nsec = static_cast<long>(ms % 1000 * 1'000'000);
  }
  if (::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
    armed_.reset();
    return make_error("timerfd_settime: %s", std::strerror(errno));
  }
  armed_ = deadline;
  return {};
}

void DeadlineTimer::acknowledge() {
  uint64_t expirations = 0;
  while (::read(fd_.get(), &expirations, sizeof expirations) < 0 && errno == EINTR) {
  }
  armed_.reset();
}

}  // namespace lwb4::platform
