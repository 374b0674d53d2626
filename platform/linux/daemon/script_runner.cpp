#include "daemon/script_runner.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace lwb4::platform {
namespace {

std::string entry(std::string_view key, std::string_view value) {
  std::string out(key);
  out.append("=").append(value);
  return out;
}

std::string_view key_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

std::string action_of(const std::vector<std::string>& ours) {
  for (const std::string& e : ours) {
    if (key_of(e) == "ACTION") return e.substr(sizeof("ACTION"));
  }
  return {};
}

}  // namespace

std::vector<std::string> script_environment(const client::DesiredState* state,
                                            std::string_view tunnel,
                                            std::string_view withdraw_reason) {
  std::vector<std::string> env;
  if (!state) {
    env.push_back(entry("ACTION", "withdrawn"));
    env.push_back(entry("TUNNEL", tunnel));
    env.push_back(entry("REASON", withdraw_reason));
    return env;
  }
  const PortSet& ports = state->ports;
  env.push_back(entry("ACTION", "bound"));
  env.push_back(entry("MODE", client::mode_name(state->mode)));
  env.push_back(entry("IPV4", state->ipv4.to_string()));
  env.push_back(entry("PSID_OFFSET", std::to_string(ports.offset())));
  env.push_back(entry("PSID_LEN", std::to_string(ports.psid_len())));
  env.push_back(entry("PSID", std::to_string(ports.psid())));
  env.push_back(entry("PORT_COUNT", std::to_string(ports.count())));
  std::vector<PortRange> ranges = ports.ranges();
  std::string list;
  for (size_t i = 0; i < ranges.size() && i < kMaxScriptRanges; ++i) {
    if (!list.empty()) list += ' ';
    list += std::to_string(ranges[i].first) + "-" + std::to_string(ranges[i].last);
  }
  env.push_back(entry("PORT_RANGES", list));
  if (ranges.size() > kMaxScriptRanges) env.push_back(entry("PORT_RANGES_TRUNCATED", "1"));
  env.push_back(entry("BR", state->br.to_string()));
  env.push_back(entry("SOFTWIRE_SOURCE", state->softwire_source.to_string()));
  std::string dns;
  for (const Ipv4Address& a : state->dns_servers) {
    if (!dns.empty()) dns += ' ';
    dns += a.to_string();
  }
  env.push_back(entry("DNS", dns));
  env.push_back(entry("TUNNEL", tunnel));
  return env;
}

std::vector<std::string> merge_environment(const char* const* inherited,
                                           const std::vector<std::string>& ours) {
  std::vector<std::string> out;
  for (const char* const* e = inherited; e && *e; ++e) {
    std::string_view key = key_of(*e);
    bool replaced = false;
    for (const std::string& o : ours) {
      if (key_of(o) == key) replaced = true;
    }
    if (!replaced) out.emplace_back(*e);
  }
  out.insert(out.end(), ours.begin(), ours.end());
  return out;
}

ScriptRunner::~ScriptRunner() = default;

void ScriptRunner::run(std::vector<std::string> ours) {
  if (busy()) {
    queued_ = std::move(ours);
    return;
  }
  if (auto st = spawn(ours); !st) {
    log_.logf(LogLevel::kError, "--script %s: %s", path_.c_str(), st.error().reason().c_str());
  }
}

Status ScriptRunner::spawn(const std::vector<std::string>& ours) {
  std::vector<std::string> env = merge_environment(environ, ours);
  std::vector<char*> envp;
  for (std::string& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string action = action_of(ours);
  char* argv[] = {path_.data(), action.data(), nullptr};

  // The child starts with no signal blocked (lwb4d blocks the ones it
  // reads from its signalfd) and SIGPIPE back at its default.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int err = ::posix_spawn(&pid, path_.c_str(), nullptr, &attr, argv, envp.data());
  posix_spawnattr_destroy(&attr);
  if (err != 0) return make_error("cannot run: %s", std::strerror(err));
  child_ = pid;
  log_.logf(LogLevel::kDebug, "--script %s %s: pid %d", path_.c_str(), action.c_str(),
            static_cast<int>(pid));
  return {};
}

void ScriptRunner::reap() {
  while (child_ > 0) {
    int status = 0;
    pid_t pid = ::waitpid(child_, &status, WNOHANG);
    if (pid == 0) return;  // still running
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) {
      log_.logf(LogLevel::kError, "--script %s: waitpid: %s", path_.c_str(), std::strerror(errno));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      log_.logf(LogLevel::kWarning, "--script %s exited with status %d", path_.c_str(),
                WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      log_.logf(LogLevel::kWarning, "--script %s killed by signal %d", path_.c_str(),
                WTERMSIG(status));
    }
    child_ = 0;
    if (queued_) {
      std::vector<std::string> next = std::move(*queued_);
      queued_.reset();
      run(std::move(next));
    }
  }
}

void ScriptRunner::finish(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (child_ > 0) {
    reap();  // also starts the queued run when the child is done
    if (child_ <= 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      log_.logf(LogLevel::kWarning, "--script %s still running at exit: killed", path_.c_str());
      ::kill(child_, SIGKILL);
      queued_.reset();
      int status = 0;
      while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
      }
      child_ = 0;
      break;
    }
    ::usleep(10'000);
  }
}

}  // namespace lwb4::platform
