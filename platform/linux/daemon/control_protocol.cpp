#include "daemon/control_protocol.hpp"

namespace lwb4::platform {

std::string_view control_request_name(ControlRequest request) {
  switch (request) {
    case ControlRequest::kStatus:
      return "status";
    case ControlRequest::kStatusText:
      return "status-text";
    case ControlRequest::kRenew:
      return "renew";
    case ControlRequest::kRelease:
      return "release";
  }
  return "status";
}

std::optional<ControlRequest> parse_control_request(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  for (ControlRequest r : {ControlRequest::kStatus, ControlRequest::kStatusText,
                           ControlRequest::kRenew, ControlRequest::kRelease}) {
    if (text == control_request_name(r)) return r;
  }
  return std::nullopt;
}

std::string default_control_path(std::string_view uplink) {
  std::string path(kControlDir);
  path.append("/").append(uplink).append(".sock");
  return path;
}

}  // namespace lwb4::platform
