// `lwb4ctl calc ...`: command-line arguments to a request, and a request to
// the text printed on stdout. Pure, so the argument handling is unit-tested;
// lwb4ctl's main only prints.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwb4/portset/port_set.hpp"
#include "lwb4/s46/map_rule.hpp"
#include "lwb4/s46/rule_string.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::calc {

enum class CalcCommand { kHelp, kPortSet, kMap };

struct CalcRequest {
  CalcCommand command = CalcCommand::kHelp;
  bool json = false;
  PortSet ports = PortSet::full();            // kPortSet
  std::vector<s46::ScriptRule> rules;         // kMap
  std::optional<Ipv6Prefix> end_user_prefix;  // kMap
  s46::IidLayout layout = s46::IidLayout::kRfc7597;
};

// `args` are the words after "calc", e.g. {"portset", "--psid-len", "8", ...}.
// Options take "--name value" or "--name=value". Errors are one line naming
// the bad value and why: "--psid 64 does not fit in PSID-len 6 (max 63)".
Result<CalcRequest> parse_calc_args(std::span<const std::string_view> args);

// The output for a request (usage text, a report or JSON), ending with '\n'.
Result<std::string> run_calc(const CalcRequest& request);

std::string_view calc_usage();

}  // namespace lwb4::calc
