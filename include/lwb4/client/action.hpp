// What the core asks the platform to do. Every event handler appends
// actions to an Outbox; the daemon performs them in order.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "lwb4/client/desired_state.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::client {

// Send one UDP datagram from the client port 546 (RFC 8415 §7.2).
struct Transmit {
  Ipv6Address source;  // link-local for multicast (RFC 7341 §6.1), else global
  Ipv6Address destination;
  uint16_t port = 547;
  std::vector<uint8_t> payload;
  bool operator==(const Transmit&) const = default;
};

// Make the kernel match this state (softwire, address, routes, NAT).
struct Apply {
  DesiredState state;
  bool operator==(const Apply&) const = default;
};

// Remove everything lwb4 configured (lease lost, released, or expired).
struct Withdraw {
  std::string reason;
  bool operator==(const Withdraw&) const = default;
};

// Persist the lease (for INIT-REBOOT after a restart), or forget it.
struct StoreLease {
  std::optional<Lease> lease;  // nullopt: delete the stored lease
  bool operator==(const StoreLease&) const = default;
};

enum class LogLevel : uint8_t { kError, kWarning, kNotice, kInfo, kDebug };

struct Log {
  LogLevel level = LogLevel::kInfo;
  std::string text;
  bool operator==(const Log&) const = default;
};

using Action = std::variant<Transmit, Apply, Withdraw, StoreLease, Log>;
using Outbox = std::vector<Action>;

}  // namespace lwb4::client
