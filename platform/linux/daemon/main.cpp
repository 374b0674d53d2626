// lwb4d: the lwB4 client daemon. Parses the configuration, opens the
// platform pieces and runs the loop. Exit status: 0 after SIGTERM/SIGINT,
// 1 when setup or the loop fails, 2 for bad arguments or configuration.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/daemon.hpp"
#include "daemon/daemon_config.hpp"
#include "daemon/logger.hpp"
#include "daemon/privileges.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string& reason) {
  std::fprintf(stderr, "lwb4d: %s\n", reason.c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lwb4::platform;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto command_line = parse_command_line(args);
  if (!command_line) return usage_error(command_line.error().reason());
  if (command_line->help) {
    std::fputs(daemon_usage().data(), stdout);
    return 0;
  }
  std::vector<Setting> from_file;
  if (command_line->config_file) {
    auto text = read_config_file(*command_line->config_file);
    if (!text) return usage_error(text.error().reason());
    auto settings = parse_config_text(*text, *command_line->config_file);
    if (!settings) return usage_error(settings.error().reason());
    from_file = std::move(*settings);
  }
  auto config = make_config(from_file, command_line->settings);
  if (!config) return usage_error(config.error().reason());

  std::optional<UserIds> user;
  if (!config->user.empty()) {
    auto ids = lookup_user(config->user);
    if (!ids) return usage_error(ids.error().reason());
    user = std::move(*ids);
  }
  // A configuration error (exit 2, also for --check): netifd's handler then
  // stops restarting lwb4d until the configuration changes.
  if (!config->script.empty() && ::access(config->script.c_str(), X_OK) < 0) {
    return usage_error("--script " + config->script + ": not an executable file");
  }
  if (command_line->check) {
    std::printf("lwb4d: configuration OK\n");
    return 0;
  }

  Logger log("lwb4d", config->log_level);
  bool foreground = config->foreground;
  Daemon lwb4d(std::move(*config), std::move(*command_line), log);
  if (auto st = lwb4d.setup(); !st) {
    log.logf(LogLevel::kError, "%s", st.error().reason().c_str());
    return kExitFailure;
  }
  // Detach only once setup errors have reached the terminal.
  if (!foreground) {
    log.use_syslog(true);
    if (::daemon(0, 0) < 0) {
      log.log(LogLevel::kError, "cannot detach (daemon(3) failed)");
      return kExitFailure;
    }
  }
  // Everything that needs root is open; the loop keeps three capabilities.
  if (user) {
    if (auto st = drop_privileges(*user); !st) {
      log.logf(LogLevel::kError, "--user %s: %s", user->name.c_str(), st.error().reason().c_str());
      return kExitFailure;
    }
    log.logf(LogLevel::kInfo,
             "running as %s (uid %u, gid %u) with CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, CAP_NET_RAW",
             user->name.c_str(), static_cast<unsigned>(user->uid),
             static_cast<unsigned>(user->gid));
  }
  return lwb4d.run();
}
