// Where the engine's Apply and Withdraw actions go. The kernel adapters
// (netlink softwire/address/routes, nftables NAT) implement this in later
// issues; until then LoggingStateSink only reports what it would do.
#pragma once

#include <string>
#include <string_view>

#include "daemon/logger.hpp"
#include "daemon/status_report.hpp"
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

  // A descriptor the daemon's loop watches for the sink (-1: none), and the
  // sink's work when it is readable.
  virtual int watch_fd() const { return -1; }
  virtual void on_watch_readable() {}
  // Adds what the sink knows to a status reply.
  virtual void fill_status(DaemonStatus& status) const { (void)status; }
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
