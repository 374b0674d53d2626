#include "daemon/event_loop.hpp"

#include <cerrno>
#include <cstring>

namespace lwb4::platform {

Result<EventLoop> EventLoop::create() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return make_error("epoll_create1: %s", std::strerror(errno));
  return EventLoop(UniqueFd(fd));
}

Status EventLoop::add(int fd, uint32_t kind) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = uint64_t{kind} << 32 | static_cast<uint32_t>(fd);
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
    return make_error("epoll_ctl add fd %d: %s", fd, std::strerror(errno));
  }
  return {};
}

void EventLoop::remove(int fd) {
  ::epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

Result<std::span<const Event>> EventLoop::wait(int timeout_ms) {
  int n = ::epoll_wait(fd_.get(), raw_.data(), static_cast<int>(raw_.size()), timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return std::span<const Event>();
    return make_error("epoll_wait: %s", std::strerror(errno));
  }
  for (int i = 0; i < n; ++i) {
    uint64_t data = raw_[i].data.u64;
    events_[i].token.kind = static_cast<uint32_t>(data >> 32);
    events_[i].token.fd = static_cast<int>(static_cast<uint32_t>(data));
    events_[i].events = raw_[i].events;
  }
  return std::span<const Event>(events_.data(), static_cast<size_t>(n));
}

}  // namespace lwb4::platform
