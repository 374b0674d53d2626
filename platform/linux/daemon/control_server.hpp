// lwb4d's side of the control socket (see control_protocol.hpp). Bounded:
// at most kMaxPending connections wait for their request (a newer one
// pushes out the oldest), a request is at most kMaxControlRequest bytes,
// and every reply is one non-blocking send followed by close: the loop
// never waits for a client.
#pragma once

#include <fcntl.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/control_protocol.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/unique_fd.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

class ControlServer {
 public:
  static constexpr size_t kMaxPending = 4;

  // Creates the socket's directory; replaces a stale socket file but
  // refuses a path where a live lwb4d answers. The socket is mode 0600:
  // release and renew are for root. Registers with `loop` under the kinds
  // given.
  static Result<std::unique_ptr<ControlServer>> open(const std::string& path, EventLoop& loop,
                                                     uint32_t listen_kind,
                                                     uint32_t connection_kind);
  // Closes every connection and removes the socket file.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }
  int listen_fd() const { return listen_.get(); }
  size_t pending() const { return pending_.size(); }
  uint64_t dropped() const { return dropped_; }

  void on_listen_readable();
  // The request on this connection; nullopt when there is none yet, or
  // the connection closed or sent garbage (answered with an error).
  std::optional<ControlRequest> on_connection_readable(int fd, uint32_t events);
  // Sends `text` as the one reply and closes the connection.
  void reply(int fd, std::string_view text);

 private:
  ControlServer(std::string path, UniqueFd listen, EventLoop& loop, uint32_t connection_kind)
      : path_(std::move(path)),
        listen_(std::move(listen)),
        spare_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
        loop_(loop),
        connection_kind_(connection_kind) {}
  void close_connection(int fd);

  std::string path_;
  UniqueFd listen_;
  // Given up for a moment when accept(2) finds no descriptor free, so the
  // waiting client can be taken and closed instead of the listening socket
  // staying readable (a level-triggered loop would spin on it).
  UniqueFd spare_;
  EventLoop& loop_;
  uint32_t connection_kind_;
  std::deque<int> pending_;  // oldest first
  uint64_t dropped_ = 0;
};

}  // namespace lwb4::platform
