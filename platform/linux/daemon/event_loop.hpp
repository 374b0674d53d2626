// The daemon's single wait: epoll over every descriptor. Each registration
// carries a token (a caller-chosen kind and the fd) that wait() hands back.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <cstdint>
#include <span>

#include "daemon/unique_fd.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

struct EventToken {
  uint32_t kind = 0;
  int fd = -1;
};

struct Event {
  EventToken token;
  uint32_t events = 0;  // EPOLLIN, EPOLLHUP, ...
};

class EventLoop {
 public:
  static constexpr size_t kMaxEvents = 16;

  static Result<EventLoop> create();

  // Level-triggered readability (plus hang-up and error).
  Status add(int fd, uint32_t kind);
  void remove(int fd);
  // Blocks until something is ready, or timeout_ms (-1: no timeout). An
  // interrupted wait returns no events.
  Result<std::span<const Event>> wait(int timeout_ms);

 private:
  explicit EventLoop(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
  std::array<epoll_event, kMaxEvents> raw_{};
  std::array<Event, kMaxEvents> events_{};
};

}  // namespace lwb4::platform
