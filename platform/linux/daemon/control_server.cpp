#include "daemon/control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/file_util.hpp"

namespace lwb4::platform {
namespace {

constexpr int kMaxAcceptsPerWake = 16;

std::string errno_text() {
  return std::strerror(errno);
}

std::string parent_dir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A socket file nobody listens on is left over from a crash.
Status clear_stale(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return {};
    return make_error("%s: %s", path.c_str(), errno_text().c_str());
  }
  if (!S_ISSOCK(st.st_mode)) return make_error("%s exists and is not a socket", path.c_str());
  UniqueFd probe(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe.valid()) return make_error("socket(AF_UNIX): %s", errno_text().c_str());
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ||
      errno == EAGAIN) {
    return make_error("%s: another lwb4d is running on it", path.c_str());
  }
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    return make_error("remove stale %s: %s", path.c_str(), errno_text().c_str());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::open(const std::string& path, EventLoop& loop,
                                                           uint32_t listen_kind,
                                                           uint32_t connection_kind) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return make_error("control socket path must be 1..%zu bytes", sizeof addr.sun_path - 1);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (auto st = make_dirs(parent_dir(path)); !st) return st.error();
  if (auto st = clear_stale(path, addr); !st) return st.error();

  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return make_error("socket(AF_UNIX): %s", errno_text().c_str());
  mode_t old_mask = ::umask(0177);
  int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int bind_errno = errno;
  ::umask(old_mask);
  if (bound < 0) return make_error("bind %s: %s", path.c_str(), std::strerror(bind_errno));
  if (::listen(fd.get(), static_cast<int>(kMaxPending)) < 0) {
    ::unlink(path.c_str());
    return make_error("listen %s: %s", path.c_str(), errno_text().c_str());
  }
  if (auto st = loop.add(fd.get(), listen_kind); !st) {
    ::unlink(path.c_str());
    return st.error();
  }
  return std::unique_ptr<ControlServer>(
      new ControlServer(path, std::move(fd), loop, connection_kind));
}

ControlServer::~ControlServer() {
  while (!pending_.empty())
    close_connection(pending_.front());
  loop_.remove(listen_.get());
  ::unlink(path_.c_str());
}

void ControlServer::on_listen_readable() {
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_.valid()) {
      // Out of descriptors: take the client with the spare one and close it.
      spare_.reset();
      UniqueFd refused(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      const bool took = refused.valid();
      refused.reset();
      spare_ = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      if (!took) return;  // nobody waiting after all
      ++dropped_;
      continue;
    }
    if (fd < 0) return;  // EAGAIN, or a client that already left
    if (!loop_.add(fd, connection_kind_)) {
      ::close(fd);
      continue;
    }
    pending_.push_back(fd);
    if (pending_.size() > kMaxPending) {
      ++dropped_;
      close_connection(pending_.front());
    }
  }
}

std::optional<ControlRequest> ControlServer::on_connection_readable(int fd, uint32_t events) {
  if (std::find(pending_.begin(), pending_.end(), fd) == pending_.end()) return std::nullopt;
  char buffer[kMaxControlRequest];
  iovec iov{buffer, sizeof buffer};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    if (events & (EPOLLHUP | EPOLLERR)) close_connection(fd);
    return std::nullopt;
  }
  if (n <= 0) {
    close_connection(fd);
    return std::nullopt;
  }
  if (msg.msg_flags & MSG_TRUNC) {
    reply(fd, std::string(kReplyErrorPrefix) + "request too long\n");
    return std::nullopt;
  }
  std::string_view text(buffer, static_cast<size_t>(n));
  auto request = parse_control_request(text);
  if (!request) {
    std::string clean;
    for (char c : text.substr(0, 32))
      clean += (c >= 0x20 && c < 0x7f) ? c : '?';
    reply(fd, std::string(kReplyErrorPrefix) + "unknown request '" + clean +
                  "' (status, status-text, renew, release)\n");
    return std::nullopt;
  }
  return request;
}

void ControlServer::reply(int fd, std::string_view text) {
  if (std::find(pending_.begin(), pending_.end(), fd) == pending_.end()) return;
  if (text.size() > kMaxControlReply) text = "error: reply too long\n";
  // One message; a client whose buffer is full loses its reply rather
  // than stalling the loop.
  if (::send(fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) ++dropped_;
  close_connection(fd);
}

void ControlServer::close_connection(int fd) {
  auto it = std::find(pending_.begin(), pending_.end(), fd);
  if (it == pending_.end()) return;
  pending_.erase(it);
  loop_.remove(fd);
  ::close(fd);
}

}  // namespace lwb4::platform
