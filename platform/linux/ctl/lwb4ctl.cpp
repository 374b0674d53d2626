// lwb4ctl: the command-line tool. A thin main: the core parses the arguments
// and renders the output (calc), lwb4control talks to lwb4d (status, renew,
// release); this file only dispatches and prints.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/control_client.hpp"
#include "lwb4/calc/calc_command.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitOutputFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDaemonFailed = 1;

constexpr char kUsage[] =
    "usage: lwb4ctl COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  calc      MAP and port-set calculator (lwb4ctl calc --help)\n"
    "  status    what lwb4d provisioned (lwb4ctl status --help)\n"
    "  renew     ask lwb4d to renew its lease now\n"
    "  release   ask lwb4d to release its lease and withdraw\n"
    "\n"
    "  lwb4ctl --help    this text\n";

using Args = std::span<const std::string_view>;

int fail(const std::string& reason) {
  std::fprintf(stderr, "lwb4ctl: %s\n", reason.c_str());
  return kExitUsage;
}

int print(const std::string& text) {
  if (std::fputs(text.c_str(), stdout) < 0 || std::fflush(stdout) != 0) return kExitOutputFailed;
  return kExitOk;
}

int run_calc(Args args) {
  auto request = lwb4::calc::parse_calc_args(args);
  if (!request) return fail(request.error().reason());
  auto output = lwb4::calc::run_calc(*request);
  if (!output) return fail(output.error().reason());
  return print(*output);
}

// status, renew and release: one request to lwb4d over its control socket.
int run_control(std::string_view name, Args args) {
  auto command = lwb4::platform::parse_control_args(name, args);
  if (!command) return fail(command.error().reason());
  if (command->help) return print(std::string(lwb4::platform::control_usage()));
  auto path = lwb4::platform::resolve_control_path(*command);
  if (!path) {
    std::fprintf(stderr, "lwb4ctl: %s\n", path.error().reason().c_str());
    return kExitDaemonFailed;
  }
  auto reply = lwb4::platform::control_exchange(*path, command->request);
  if (!reply) {
    std::fprintf(stderr, "lwb4ctl: %s\n", reply.error().reason().c_str());
    return kExitDaemonFailed;
  }
  if (*reply == lwb4::platform::kReplyOk) return kExitOk;
  return print(*reply);
}

int run_status(Args args) {
  return run_control("status", args);
}

int run_renew(Args args) {
  return run_control("renew", args);
}

int run_release(Args args) {
  return run_control("release", args);
}

struct Command {
  std::string_view name;
  int (*run)(Args args);
};

// New subcommands are added here.
constexpr Command kCommands[] = {
    {"calc", run_calc},
    {"status", run_status},
    {"renew", run_renew},
    {"release", run_release},
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") return print(kUsage);
  for (const Command& command : kCommands) {
    if (command.name == args[0]) return command.run(Args(args).subspan(1));
  }
  return fail("unknown command '" + std::string(args[0]) + "' (try lwb4ctl --help)");
}
