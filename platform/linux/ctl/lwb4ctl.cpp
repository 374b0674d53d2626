// lwb4ctl: the command-line tool. A thin main: the core parses the arguments
// and renders the output; this file only dispatches and prints.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwb4/calc/calc_command.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitOutputFailed = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] =
    "usage: lwb4ctl COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  calc      MAP and port-set calculator (lwb4ctl calc --help)\n"
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

struct Command {
  std::string_view name;
  int (*run)(Args args);
};

// New subcommands (status, renew, ...) are added here.
constexpr Command kCommands[] = {
    {"calc", run_calc},
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
