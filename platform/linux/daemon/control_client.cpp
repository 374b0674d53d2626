#include "daemon/control_client.hpp"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "daemon/unique_fd.hpp"

namespace lwb4::platform {
namespace {

constexpr std::string_view kUsage =
    "usage: lwb4ctl status  [--uplink IF | --control PATH] [--json]\n"
    "       lwb4ctl renew   [--uplink IF | --control PATH]\n"
    "       lwb4ctl release [--uplink IF | --control PATH]\n"
    "\n"
    "status    what lwb4d provisioned: state, IPv4 address, port set, BR,\n"
    "          lease times and counters (--json: the raw JSON object)\n"
    "renew     renew the lease now (like SIGUSR1)\n"
    "release   release the lease and withdraw the configuration; lwb4d\n"
    "          keeps running\n"
    "\n"
    "  --uplink IF      the lwb4d of uplink IF (/var/run/lwb4/IF.sock)\n"
    "  --control PATH   the control socket of lwb4d (its --control)\n"
    "  Without either: the only socket in /var/run/lwb4.\n";

int quote_len(std::string_view s) {
  return static_cast<int>(std::min<size_t>(s.size(), 64));
}

std::string errno_text(int err) {
  return std::strerror(err);
}

}  // namespace

std::string_view control_usage() {
  return kUsage;
}

Result<ControlCommand> parse_control_args(std::string_view command,
                                          std::span<const std::string_view> args) {
  ControlCommand out;
  bool json = false;
  if (command == "status") {
    out.request = ControlRequest::kStatusText;
  } else if (command == "renew") {
    out.request = ControlRequest::kRenew;
  } else if (command == "release") {
    out.request = ControlRequest::kRelease;
  } else {
    return make_error("unknown command '%.*s'", quote_len(command), command.data());
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      return out;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return make_error("unexpected argument '%.*s'", quote_len(arg), arg.data());
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "json" && command == "status") {
      if (value) return make_error("--json takes no value");
      if (json) return make_error("--json given twice");
      json = true;
      continue;
    }
    if (name != "uplink" && name != "control") {
      return make_error("unknown option '--%.*s' for '%.*s'", quote_len(name), name.data(),
                        quote_len(command), command.data());
    }
    if (!value) {
      if (i + 1 == args.size() || args[i + 1].substr(0, 2) == "--") {
        return make_error("--%.*s needs a value", quote_len(name), name.data());
      }
      value = args[++i];
    }
    if (value->empty()) return make_error("--%.*s is empty", quote_len(name), name.data());
    auto& slot = name == "uplink" ? out.uplink : out.control_path;
    if (slot) return make_error("--%.*s given twice", quote_len(name), name.data());
    if (name == "uplink" && value->find('/') != std::string_view::npos) {
      return make_error("--uplink '%.*s' is not an interface name", quote_len(*value),
                        value->data());
    }
    slot = std::string(*value);
  }
  if (out.uplink && out.control_path) return make_error("give --uplink or --control, not both");
  if (json) out.request = ControlRequest::kStatus;
  return out;
}

Result<std::string> resolve_control_path(const ControlCommand& command, std::string_view dir) {
  if (command.control_path) return *command.control_path;
  if (command.uplink) {
    std::string path(dir);
    return path.append("/").append(*command.uplink).append(".sock");
  }
  DIR* d = ::opendir(std::string(dir).c_str());
  if (!d) {
    return make_error("no lwb4d control socket: %.*s: %s (is lwb4d running?)", quote_len(dir),
                      dir.data(), errno_text(errno).c_str());
  }
  std::vector<std::string> found;
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() > 5 && name.ends_with(".sock")) found.emplace_back(name);
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  if (found.empty()) {
    return make_error("no lwb4d control socket in %.*s (is lwb4d running?)", quote_len(dir),
                      dir.data());
  }
  if (found.size() > 1) {
    std::string names;
    for (const auto& f : found)
      names += (names.empty() ? "" : ", ") + f;
    return make_error("%zu lwb4d sockets in %.*s (%s): choose one with --uplink or --control",
                      found.size(), quote_len(dir), dir.data(), names.c_str());
  }
  std::string path(dir);
  return path.append("/").append(found.front());
}

Result<std::string> control_exchange(const std::string& path, ControlRequest request,
                                     int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return make_error("control socket path is longer than %zu bytes", sizeof addr.sun_path - 1);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error("socket(AF_UNIX): %s", errno_text(errno).c_str());
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = timeout_ms % 1000 * 1000;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    return make_error("cannot connect to %s: %s (is lwb4d running?)", path.c_str(),
                      errno_text(errno).c_str());
  }
  std::string_view name = control_request_name(request);
  if (::send(fd.get(), name.data(), name.size(), MSG_NOSIGNAL) < 0) {
    return make_error("send to %s: %s", path.c_str(), errno_text(errno).c_str());
  }
  std::string reply(kMaxControlReply, '\0');
  iovec iov{reply.data(), reply.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    n = ::recvmsg(fd.get(), &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    return make_error("no reply from lwb4d within %d ms", timeout_ms);
  }
  if (n < 0) return make_error("receive from %s: %s", path.c_str(), errno_text(errno).c_str());
  if (n == 0) return make_error("lwb4d closed the connection without a reply");
  if (msg.msg_flags & MSG_TRUNC) return make_error("reply longer than %zu bytes", reply.size());
  reply.resize(static_cast<size_t>(n));
  if (reply.starts_with(kReplyErrorPrefix)) {
    std::string reason = reply.substr(kReplyErrorPrefix.size());
    if (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return make_error("lwb4d: %s", reason.c_str());
  }
  return reply;
}

}  // namespace lwb4::platform
