// The control socket between lwb4d and lwb4ctl: an AF_UNIX SOCK_SEQPACKET
// socket, one request message and one reply message per connection.
//
//   request   reply
//   status        the status as one JSON object, then '\n'
//   status-text   the same facts as human-readable lines
//   renew         "ok\n" (the engine renews the lease now)
//   release       "ok\n" (DHCPRELEASE, withdraw; the daemon keeps running)
//
// Any failure is answered "error: <reason>\n".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lwb4::platform {

enum class ControlRequest : uint8_t { kStatus, kStatusText, kRenew, kRelease };

constexpr size_t kMaxControlRequest = 64;
constexpr size_t kMaxControlReply = 256 * 1024;
constexpr std::string_view kControlDir = "/var/run/lwb4";
constexpr std::string_view kReplyOk = "ok\n";
constexpr std::string_view kReplyErrorPrefix = "error: ";

std::string_view control_request_name(ControlRequest request);
// The request name, optionally followed by one '\n'.
std::optional<ControlRequest> parse_control_request(std::string_view text);
// "/var/run/lwb4/<uplink>.sock"
std::string default_control_path(std::string_view uplink);

}  // namespace lwb4::platform
