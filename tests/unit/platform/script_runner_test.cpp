#include "daemon/script_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "daemon/daemon_config.hpp"
#include "test_support.hpp"

namespace lwb4::platform {
namespace {

using testing::contains;
using testing::TempDir;

client::DesiredState sample_state() {
  client::Lease l = testing::sample_lease(client::TimePoint{});
  client::DesiredState s;
  s.mode = client::Mode::kDhcp4o6;
  s.ipv4 = l.address;
  s.ports = l.ports;
  s.br = l.br;
  s.softwire_source = l.softwire_source;
  s.dns_servers = l.dns_servers;
  return s;
}

std::string value_of(const std::vector<std::string>& env, const std::string& key) {
  for (const std::string& e : env) {
    if (e.compare(0, key.size() + 1, key + "=") == 0) return e.substr(key.size() + 1);
  }
  return "<unset>";
}

TEST(ScriptEnvironment, BoundDescribesTheWholeState) {
  client::DesiredState s = sample_state();
  std::vector<std::string> env = script_environment(&s, "lwb4-wan");
  ASSERT_EQ(env.size(), 12u);
  EXPECT_EQ(env[0], "ACTION=bound");
  EXPECT_EQ(env[1], "MODE=" + std::string(client::mode_name(client::Mode::kDhcp4o6)));
  EXPECT_EQ(env[2], "IPV4=192.0.2.18");
  EXPECT_EQ(env[3], "PSID_OFFSET=6");
  EXPECT_EQ(env[4], "PSID_LEN=8");
  EXPECT_EQ(env[5], "PSID=52");
  EXPECT_EQ(env[6], "PORT_COUNT=252");
  // RFC 7597 Appendix A example 1: 63 ranges of 4 ports.
  std::string ranges = value_of(env, "PORT_RANGES");
  EXPECT_EQ(ranges.substr(0, 20), "1232-1235 2256-2259 ");
  EXPECT_EQ(ranges.substr(ranges.size() - 11), "64720-64723");
  EXPECT_EQ(std::count(ranges.begin(), ranges.end(), ' '), 62);
  EXPECT_EQ(env[8], "BR=2001:db8:ffff::1");
  EXPECT_EQ(env[9], "SOFTWIRE_SOURCE=2001:db8:1::3");
  EXPECT_EQ(env[10], "DNS=192.0.2.53 192.0.2.54");
  EXPECT_EQ(env[11], "TUNNEL=lwb4-wan");
  EXPECT_EQ(value_of(env, "PORT_RANGES_TRUNCATED"), "<unset>");
}

TEST(ScriptEnvironment, FullSetAndNoDns) {
  client::DesiredState s = sample_state();
  s.ports = PortSet::full();
  s.dns_servers.clear();
  std::vector<std::string> env = script_environment(&s, "t");
  EXPECT_EQ(value_of(env, "PSID_LEN"), "0");
  EXPECT_EQ(value_of(env, "PORT_COUNT"), std::to_string(s.ports.count()));
  EXPECT_EQ(value_of(env, "DNS"), "");
}

TEST(ScriptEnvironment, ManyRangesAreCut) {
  client::DesiredState s = sample_state();
  s.ports = *PortSet::create(12, 4, 1);  // 4095 ranges of one port
  ASSERT_GT(s.ports.ranges().size(), kMaxScriptRanges);
  std::vector<std::string> env = script_environment(&s, "t");
  std::string ranges = value_of(env, "PORT_RANGES");
  EXPECT_EQ(static_cast<size_t>(std::count(ranges.begin(), ranges.end(), ' ')),
            kMaxScriptRanges - 1);
  EXPECT_EQ(value_of(env, "PORT_RANGES_TRUNCATED"), "1");
}

TEST(ScriptEnvironment, Withdrawn) {
  EXPECT_EQ(
      script_environment(nullptr, "lwb4-wan", "lease expired"),
      (std::vector<std::string>{"ACTION=withdrawn", "TUNNEL=lwb4-wan", "REASON=lease expired"}));
}

TEST(ScriptEnvironment, MergeReplacesOurKeysAndKeepsTheRest) {
  const char* inherited[] = {"INTERFACE=wan4", "IPV4=198.51.100.1", "PATH=/usr/bin", nullptr};
  EXPECT_EQ(merge_environment(inherited, {"ACTION=bound", "IPV4=192.0.2.18"}),
            (std::vector<std::string>{"INTERFACE=wan4", "PATH=/usr/bin", "ACTION=bound",
                                      "IPV4=192.0.2.18"}));
}

class Capture {
 public:
  Capture() { EXPECT_EQ(::pipe2(fds_, O_NONBLOCK | O_CLOEXEC), 0); }
  ~Capture() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fd() const { return fds_[1]; }
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

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_script(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
}

// Reaps until the runner is idle (the daemon does this on SIGCHLD).
bool wait_idle(ScriptRunner& runner) {
  for (int i = 0; i < 5000 && runner.busy(); ++i) {
    runner.reap();
    if (runner.busy()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return !runner.busy();
}

TEST(ScriptRunner, ChildGetsTheEnvironmentArgvAndNoBlockedSignals) {
  TempDir dir;
  std::string out = dir.file("env");
  // The shell reads its own mask first, with builtins only: a shell that
  // forks (grep) blocks signals around it for a moment.
  write_script(dir.file("s"),
               "while read -r l; do case $l in SigBlk*) blk=$l;; esac; done < /proc/$$/status\n"
               "{ echo \"argv1=$1\"; env; echo \"$blk\"; } > " +
                   out + "\n");
  ::setenv("LWB4_TEST_INHERITED", "from-netifd", 1);
  ::setenv("IPV4", "stale", 1);
  // lwb4d blocks the signals it reads from its signalfd.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  Capture log_pipe;
  Logger log("lwb4d", LogLevel::kInfo, log_pipe.fd());
  ScriptRunner runner(dir.file("s"), log);
  client::DesiredState s = sample_state();
  runner.run(script_environment(&s, "lwb4-wan"));
  EXPECT_TRUE(runner.busy());
  ASSERT_TRUE(wait_idle(runner));
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  ::unsetenv("IPV4");
  std::string env = read_text(out);
  EXPECT_TRUE(contains(env, "argv1=bound\n")) << env;
  EXPECT_TRUE(contains(env, "\nACTION=bound\n")) << env;
  EXPECT_TRUE(contains(env, "\nIPV4=192.0.2.18\n")) << env;
  EXPECT_FALSE(contains(env, "IPV4=stale")) << env;
  EXPECT_TRUE(contains(env, "\nLWB4_TEST_INHERITED=from-netifd\n")) << env;
  EXPECT_TRUE(contains(env, "\nTUNNEL=lwb4-wan\n")) << env;
  EXPECT_TRUE(contains(env, "SigBlk:\t0000000000000000\n")) << env;
  EXPECT_EQ(log_pipe.drain(), "");
}

TEST(ScriptRunner, OneChildAtATimeAndOnlyTheNewestWaits) {
  TempDir dir;
  std::string out = dir.file("log");
  write_script(dir.file("s"), "sleep 0.2\necho \"$ACTION $IPV4\" >> " + out + "\n");
  Capture log_pipe;
  Logger log("lwb4d", LogLevel::kInfo, log_pipe.fd());
  ScriptRunner runner(dir.file("s"), log);
  client::DesiredState first = sample_state();
  client::DesiredState last = sample_state();
  last.ipv4 = *Ipv4Address::parse("192.0.2.99");
  runner.run(script_environment(&first, "t"));
  runner.run(script_environment(nullptr, "t", "moot"));
  runner.run(script_environment(&last, "t"));
  ASSERT_TRUE(wait_idle(runner));
  EXPECT_EQ(read_text(out), "bound 192.0.2.18\nbound 192.0.2.99\n");
}

TEST(ScriptRunner, AtExitTheQueuedLastStateStillRuns) {
  // SIGTERM while the "bound" script runs: the "withdrawn" queued behind
  // it is what the hook must hear last.
  TempDir dir;
  std::string out = dir.file("log");
  write_script(dir.file("s"), "sleep 0.2\necho \"$ACTION\" >> " + out + "\n");
  Capture log_pipe;
  Logger log("lwb4d", LogLevel::kInfo, log_pipe.fd());
  ScriptRunner runner(dir.file("s"), log);
  client::DesiredState s = sample_state();
  runner.run(script_environment(&s, "t"));
  runner.run(script_environment(nullptr, "t", "released"));
  runner.finish(std::chrono::milliseconds(3000));
  EXPECT_FALSE(runner.busy());
  EXPECT_EQ(read_text(out), "bound\nwithdrawn\n");
  EXPECT_EQ(log_pipe.drain(), "");
}

TEST(ScriptRunner, AtExitAHungScriptIsKilledInTime) {
  TempDir dir;
  write_script(dir.file("s"), "exec sleep 30\n");
  Capture log_pipe;
  Logger log("lwb4d", LogLevel::kInfo, log_pipe.fd());
  ScriptRunner runner(dir.file("s"), log);
  runner.run(script_environment(nullptr, "t", "released"));
  auto start = std::chrono::steady_clock::now();
  runner.finish(std::chrono::milliseconds(200));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(runner.busy());
  EXPECT_EQ(log_pipe.drain(),
            "lwb4d: warning: --script " + dir.file("s") + " still running at exit: killed\n");
}

TEST(ScriptRunner, FailuresAreLogged) {
  TempDir dir;
  write_script(dir.file("s"), "exit 3\n");
  Capture log_pipe;
  Logger log("lwb4d", LogLevel::kInfo, log_pipe.fd());
  ScriptRunner runner(dir.file("s"), log);
  runner.run(script_environment(nullptr, "t", "x"));
  ASSERT_TRUE(wait_idle(runner));
  EXPECT_EQ(log_pipe.drain(),
            "lwb4d: warning: --script " + dir.file("s") + " exited with status 3\n");

  ScriptRunner missing(dir.file("missing"), log);
  missing.run(script_environment(nullptr, "t", "x"));
  EXPECT_FALSE(missing.busy());
  EXPECT_EQ(log_pipe.drain(), "lwb4d: error: --script " + dir.file("missing") +
                                  ": cannot run: No such file or directory\n");
}

TEST(ScriptConfig, ScriptAndUserAreValidated) {
  auto bad_script =
      make_config({}, {{"uplink", "wan", "--uplink"}, {"script", "x.sh", "--script"}});
  ASSERT_FALSE(bad_script);
  EXPECT_EQ(bad_script.error().reason(), "--script 'x.sh' is not an absolute path");
  auto bad_user = make_config({}, {{"uplink", "wan", "--uplink"}, {"user", "a:b", "--user"}});
  ASSERT_FALSE(bad_user);
  EXPECT_EQ(bad_user.error().reason(), "--user 'a:b' is not a user name");
  auto good = make_config({}, {{"uplink", "wan", "--uplink"},
                               {"script", "/lib/netifd/lwb4.script", "--script"},
                               {"user", "lwb4", "--user"}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good->script, "/lib/netifd/lwb4.script");
  EXPECT_EQ(good->user, "lwb4");
}

}  // namespace
}  // namespace lwb4::platform
