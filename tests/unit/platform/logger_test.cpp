#include "daemon/logger.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace lwb4::platform {
namespace {

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_NONBLOCK | O_CLOEXEC), 0); }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_fd() const { return fds_[1]; }
  std::string drain() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(Logger, LevelNames) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice, LogLevel::kInfo,
                         LogLevel::kDebug}) {
    EXPECT_EQ(parse_log_level(log_level_name(level)), level);
  }
  EXPECT_EQ(std::string(log_level_name(LogLevel::kWarning)), "warning");
  EXPECT_FALSE(parse_log_level("warn"));
  EXPECT_FALSE(parse_log_level("INFO"));
}

TEST(Logger, PrefixAndLevelFilter) {
  Pipe pipe;
  Logger log("lwb4d", LogLevel::kNotice, pipe.write_fd());
  log.log(LogLevel::kError, "bind failed");
  log.log(LogLevel::kNotice, "started");
  log.log(LogLevel::kInfo, "INIT -> SELECTING");
  log.logf(LogLevel::kDebug, "%d bytes", 12);
  EXPECT_EQ(pipe.drain(), "lwb4d: error: bind failed\nlwb4d: notice: started\n");
  log.set_level(LogLevel::kDebug);
  EXPECT_TRUE(log.enabled(LogLevel::kDebug));
  log.logf(LogLevel::kDebug, "%d bytes from %s", 12, "fe80::1");
  EXPECT_EQ(pipe.drain(), "lwb4d: debug: 12 bytes from fe80::1\n");
  log.set_level(LogLevel::kError);
  log.log(LogLevel::kWarning, "hidden");
  EXPECT_EQ(pipe.drain(), "");
}

TEST(Logger, ControlCharactersCannotForgeLines) {
  Pipe pipe;
  Logger log("lwb4d", LogLevel::kDebug, pipe.write_fd());
  log.log(LogLevel::kInfo, "server said: ok\nlwb4d: error: fake\x1b[31m");
  EXPECT_EQ(pipe.drain(), "lwb4d: info: server said: ok?lwb4d: error: fake?[31m\n");
}

TEST(Logger, LongMessagesAreCut) {
  Pipe pipe;
  Logger log("lwb4d", LogLevel::kDebug, pipe.write_fd());
  log.log(LogLevel::kInfo, std::string(5000, 'x'));
  std::string line = pipe.drain();
  EXPECT_EQ(line.size(), std::string("lwb4d: info: \n").size() + 2048);
  log.logf(LogLevel::kInfo, "%s", std::string(5000, 'y').c_str());
  EXPECT_EQ(pipe.drain().size(), std::string("lwb4d: info: \n").size() + 2048);
}

TEST(Logger, SyslogSwitch) {
  Pipe pipe;
  Logger log("lwb4d-test", LogLevel::kDebug, pipe.write_fd());
  log.use_syslog(true);
  EXPECT_TRUE(log.syslog());
  log.log(LogLevel::kDebug, "to syslog, not the pipe");
  EXPECT_EQ(pipe.drain(), "");
  log.use_syslog(false);
  log.log(LogLevel::kDebug, "back");
  EXPECT_EQ(pipe.drain(), "lwb4d-test: debug: back\n");
}

}  // namespace
}  // namespace lwb4::platform
