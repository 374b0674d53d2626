// The lease file "<state-dir>/<uplink>.lease", so a restarted lwb4d can
// INIT-REBOOT (RFC 2131 §3.2) instead of starting over. Text, one
// "key=value" per line; the acquisition time is wall-clock Unix seconds
// (boot-time points mean nothing after a reboot).
//
// Writes are atomic (temp file in the same directory, fsync, rename, fsync
// the directory) and skipped when the file already holds the same text:
// router flash wears. A file that does not parse is reported and ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/clock_sample.hpp"
#include "lwb4/client/desired_state.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

constexpr int kLeaseFileVersion = 1;

std::string format_lease(const client::Lease& lease, const ClockSample& clocks);
// Every key exactly once, version 1, a final newline; an acquisition time
// more than a minute in the future (a clock set back) is rejected.
Result<client::Lease> parse_lease(std::string_view text, const ClockSample& clocks);

enum class StoreOutcome : uint8_t {
  kWritten,    // the file now holds the lease
  kUnchanged,  // it already did: nothing written
  kRemoved,    // nullopt: the file was deleted
  kAbsent,     // nullopt and there was no file
};

class LeaseStore {
 public:
  LeaseStore(std::string dir, std::string_view uplink);

  const std::string& path() const { return path_; }
  // nullopt when there is no file; an Error for one that cannot be read or
  // parsed (the caller warns and starts without a lease). Also removes
  // temp files a crash may have left behind.
  Result<std::optional<client::Lease>> load(const ClockSample& clocks);
  // Creates the directory if needed. nullopt deletes the file.
  Result<StoreOutcome> store(const std::optional<client::Lease>& lease, const ClockSample& clocks);

 private:
  std::string dir_;
  std::string name_;  // "<uplink>.lease"
  std::string path_;
  // The lease last loaded or stored and its text: re-storing it compares
  // the same bytes even though converting boot time to wall time again
  // could round differently.
  std::optional<client::Lease> last_lease_;
  std::string last_text_;
};

}  // namespace lwb4::platform
