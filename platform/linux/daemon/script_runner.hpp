// --script PATH: after every Apply and Withdraw lwb4d runs PATH with the
// new state in its environment (on OpenWrt, lwb4.script hands it to
// netifd). The loop never waits for it: the child is reaped on SIGCHLD.
// One child at a time, in order; while one runs, only the newest state
// waits (each run describes the whole state, so older ones are moot).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/logger.hpp"
#include "lwb4/client/desired_state.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::platform {

// PORT_RANGES lists at most this many ranges (PORT_RANGES_TRUNCATED=1
// beyond); keeps the environment far below the kernel's 128 KiB per string.
constexpr size_t kMaxScriptRanges = 1024;

// The "KEY=value" entries describing `state`: ACTION=bound with MODE, IPV4,
// PSID_OFFSET, PSID_LEN, PSID, PORT_COUNT, PORT_RANGES ("first-last ..."),
// BR, SOFTWIRE_SOURCE, DNS (space separated) and TUNNEL; for nullptr
// ACTION=withdrawn with TUNNEL and REASON.
std::vector<std::string> script_environment(const client::DesiredState* state,
                                            std::string_view tunnel,
                                            std::string_view withdraw_reason = {});

// `inherited` (e.g. environ: netifd's INTERFACE, ZONE) with the keys of
// `ours` replaced by ours, which come last.
std::vector<std::string> merge_environment(const char* const* inherited,
                                           const std::vector<std::string>& ours);

class ScriptRunner {
 public:
  ScriptRunner(std::string path, Logger& log) : path_(std::move(path)), log_(log) {}
  ~ScriptRunner();
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // Runs the script with `ours` on top of the daemon's environment and
  // argv[1] = the ACTION value, or queues it while a child runs.
  void run(std::vector<std::string> ours);
  // Collects a finished child (call on SIGCHLD), logs a failure, and starts
  // the queued run.
  void reap();
  // At exit: waits for the running child and the queued run (the last
  // state, e.g. "withdrawn" after the release) at most `limit` in all; a
  // child still running then is killed.
  void finish(std::chrono::milliseconds limit);
  bool busy() const { return child_ > 0; }
  const std::string& path() const { return path_; }

 private:
  Status spawn(const std::vector<std::string>& ours);

  std::string path_;
  Logger& log_;
  pid_t child_ = 0;
  std::optional<std::vector<std::string>> queued_;
};

}  // namespace lwb4::platform
