// The one deadline: a timerfd on CLOCK_BOOTTIME armed at an absolute time
// (the core's next_deadline()), disarmed for kNever. Nothing ticks
// periodically; an unchanged deadline costs no syscall.
#pragma once

#include <optional>

#include "daemon/unique_fd.hpp"
#include "lwb4/client/clock.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

class DeadlineTimer {
 public:
  static Result<DeadlineTimer> create();

  int fd() const { return fd_.get(); }
  Status arm(client::TimePoint deadline);
  // After the fd became readable: consumes the expiry, so the next arm()
  // reprograms the timer even for the same deadline.
  void acknowledge();
  std::optional<client::TimePoint> armed() const { return armed_; }

 private:
  explicit DeadlineTimer(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
  std::optional<client::TimePoint> armed_;  // nullopt: unknown, reprogram
};

}  // namespace lwb4::platform
