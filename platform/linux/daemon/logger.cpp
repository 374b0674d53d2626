#include "daemon/logger.hpp"

#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <string>

namespace lwb4::platform {
namespace {

constexpr size_t kMaxLine = 2048;

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return LOG_ERR;
    case LogLevel::kWarning:
      return LOG_WARNING;
    case LogLevel::kNotice:
      return LOG_NOTICE;
    case LogLevel::kInfo:
      return LOG_INFO;
    case LogLevel::kDebug:
      return LOG_DEBUG;
  }
  return LOG_INFO;
}

void write_all(int fd, const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere else to report a failing log
    done += static_cast<size_t>(n);
  }
}

}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice, LogLevel::kInfo,
                         LogLevel::kDebug}) {
    if (name == log_level_name(level)) return level;
  }
  return std::nullopt;
}

Logger::Logger(const char* ident, LogLevel level, int fd) : ident_(ident), level_(level), fd_(fd) {}

Logger::~Logger() {
  use_syslog(false);
}

void Logger::use_syslog(bool on) {
  if (on == syslog_) return;
  if (on) {
    ::openlog(ident_, LOG_PID, LOG_DAEMON);
  } else {
    ::closelog();
  }
  syslog_ = on;
}

void Logger::log(LogLevel level, std::string_view text) {
  if (!enabled(level)) return;
  if (text.size() > kMaxLine) text = text.substr(0, kMaxLine);
  std::string clean(text);
  for (char& c : clean) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (syslog_) {
    ::syslog(syslog_priority(level), "%s", clean.c_str());
    return;
  }
  std::string line;
  line.reserve(clean.size() + 32);
  line.append(ident_).append(": ").append(log_level_name(level)).append(": ");
  line.append(clean).push_back('\n');
  write_all(fd_, line);
}

void Logger::logf(LogLevel level, const char* fmt, ...) {
  if (!enabled(level)) return;
  char buffer[kMaxLine + 1];
  va_list args;
  va_start(args, fmt);
  int n = std::vsnprintf(buffer, sizeof buffer, fmt, args);
  va_end(args);
  if (n < 0) return;
  log(level, std::string_view(buffer, std::min<size_t>(static_cast<size_t>(n), kMaxLine)));
}

}  // namespace lwb4::platform
