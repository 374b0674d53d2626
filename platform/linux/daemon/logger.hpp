// The daemon's log: one line per message to stderr with a level prefix
// ("lwb4d: warning: ..."), or to syslog(3), filtered by level.
#pragma once

#include <optional>
#include <string_view>

#include "lwb4/client/action.hpp"

namespace lwb4::platform {

using client::LogLevel;

// "error", "warning", "notice", "info", "debug".
const char* log_level_name(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view name);

class Logger {
 public:
  // Lines go to `fd` (stderr by default) until use_syslog(true).
  explicit Logger(const char* ident, LogLevel level = LogLevel::kInfo, int fd = 2);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void set_level(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  void use_syslog(bool on);
  bool syslog() const { return syslog_; }

  bool enabled(LogLevel level) const { return level <= level_; }
  // Control characters in `text` are replaced by '?': a server-supplied
  // string cannot forge log lines.
  void log(LogLevel level, std::string_view text);
  void logf(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

 private:
  const char* ident_;
  LogLevel level_;
  int fd_;
  bool syslog_ = false;
};

}  // namespace lwb4::platform
