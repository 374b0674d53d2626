// The full MAP calculation for `lwb4ctl calc map`: BMR selection, the
// derived mapping (RFC 7597 §5.2, §6) and its human and JSON renderings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "lwb4/s46/map_rule.hpp"
#include "lwb4/s46/rule_string.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::calc {

struct MapReport {
  std::vector<s46::ScriptRule> rules;
  size_t bmr_index = 0;
  Ipv6Prefix end_user_prefix;
  s46::MapOptions options;
  s46::MapResult result;
};

// Picks the BMR among `rules` by longest match (RFC 7597 §5.2) and derives
// its mapping. Without an End-user prefix, a single lw4o6 rule uses its
// binding prefix; anything else is an error.
Result<MapReport> make_map_report(std::vector<s46::ScriptRule> rules,
                                  std::optional<Ipv6Prefix> end_user_prefix,
                                  s46::IidLayout layout = s46::IidLayout::kRfc7597);

// The interface identifier as four 16-bit groups: "0000:c000:0212:0034".
std::string format_interface_id(const std::array<uint8_t, 8>& iid);

// Labelled lines (see port_set_text for the port lines).
std::string map_report_text(const MapReport& report);
// One JSON object with stable keys, followed by a newline.
std::string map_report_json(const MapReport& report);

}  // namespace lwb4::calc
