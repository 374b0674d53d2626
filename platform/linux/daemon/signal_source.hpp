// Signals as events: the handled signals are blocked and read from a
// signalfd in the loop, so no handler ever runs in the middle of a call.
#pragma once

#include <initializer_list>
#include <optional>

#include "daemon/unique_fd.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

class SignalSource {
 public:
  // Blocks `signals` in the calling thread and opens a signalfd for them.
  static Result<SignalSource> create(std::initializer_list<int> signals);

  int fd() const { return fd_.get(); }
  // The next pending signal, nullopt when none is left.
  std::optional<int> next();

 private:
  explicit SignalSource(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace lwb4::platform
