#include "daemon/signal_source.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstring>

namespace lwb4::platform {

Result<SignalSource> SignalSource::create(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals)
    sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) {
    return make_error("sigprocmask: %s", std::strerror(errno));
  }
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return make_error("signalfd: %s", std::strerror(errno));
  return SignalSource(UniqueFd(fd));
}

std::optional<int> SignalSource::next() {
  signalfd_siginfo info{};
  for (;;) {
    ssize_t n = ::read(fd_.get(), &info, sizeof info);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof info)) return std::nullopt;
    return static_cast<int>(info.ssi_signo);
  }
}

}  // namespace lwb4::platform
