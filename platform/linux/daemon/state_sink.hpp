// Where the engine's Apply and Withdraw actions go. The kernel adapters
// (netlink softwire/address/routes, nftables NAT) implement this in later
// issues; until then LoggingStateSink only reports what it would do.
#pragma once

#include <string>
#include <string_view>

#include "daemon/logger.hpp"
#include "lwb4/client/desired_state.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

class StateSink {
 public:
  virtual ~StateSink() = default;
  // Makes the system match `state` (the whole state, never a delta);
  // idempotent.
  virtual Status apply(const client::DesiredState& state) = 0;
  // Removes everything lwb4 configured; idempotent.
  virtual Status withdraw(std::string_view reason) = 0;
};

// "192.0.2.18 ports 1232-1235,... (offset 6, PSID-len 8, PSID 52: 1008
// ports) softwire 2001:db8::1 -> BR 2001:db8:ffff::1"
std::string describe_state(const client::DesiredState& state);

class LoggingStateSink final : public StateSink {
 public:
  explicit LoggingStateSink(Logger& log) : log_(log) {}
  Status apply(const client::DesiredState& state) override;
  Status withdraw(std::string_view reason) override;

 private:
  Logger& log_;
};

}  // namespace lwb4::platform
