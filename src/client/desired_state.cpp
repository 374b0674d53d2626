#include "lwb4/client/desired_state.hpp"

namespace lwb4::client {

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::kDhcp4o6:
      return "dhcp4o6";
    case Mode::kLw4o6:
      return "lw4o6";
    case Mode::kMapE:
      return "map-e";
    case Mode::kPcp:
      return "pcp";
  }
  return "unknown";
}

}  // namespace lwb4::client
