// `lwb4ctl status|renew|release`: the arguments, which socket to talk to,
// and the one request/reply exchange with lwb4d. Plain sockets only, so
// lwb4ctl does not link libnl.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "daemon/control_protocol.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

struct ControlCommand {
  ControlRequest request = ControlRequest::kStatus;  // kStatusText unless --json
  std::optional<std::string> uplink;                 // --uplink IF
  std::optional<std::string> control_path;           // --control PATH
  bool help = false;
};

// `command` is "status", "renew" or "release"; `args` are the words after it.
// Options take "--name value" or "--name=value".
Result<ControlCommand> parse_control_args(std::string_view command,
                                          std::span<const std::string_view> args);

// --control, else <dir>/<uplink>.sock, else the only socket in `dir`.
Result<std::string> resolve_control_path(const ControlCommand& command,
                                         std::string_view dir = kControlDir);

// Sends the request and returns the reply; an "error: ..." reply becomes an
// Error. Gives up after `timeout_ms` without an answer.
Result<std::string> control_exchange(const std::string& path, ControlRequest request,
                                     int timeout_ms = 5000);

std::string_view control_usage();

}  // namespace lwb4::platform
