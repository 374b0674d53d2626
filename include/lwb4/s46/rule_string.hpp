// The S46 rule strings that odhcp6c passes to its script in MAPE, MAPT and
// LW4O6 (what OpenWrt's map.sh reads), parsed and formatted.
//
// A value holds rules separated by spaces. A rule is a list of fields, each
// ending with ',':
//   [fmr,]type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,
//   ipv6prefix=2001:db8::,[offset=6,psidlen=8,psid=13312,][br=2001:db8::1,]...
// MAP-T rules carry dmr=<prefix>/<len>, instead of br=. lw4o6 rules come from
// S46_V4V6BIND: type=lw4o6,prefix4len=32,prefix6len=..,ipv4prefix=<address>,
// ipv6prefix=<bind prefix>, with no ealen. psid is the raw 16-bit
// S46_PORTPARAMS field, i.e. the PSID left-aligned (13312 = 0x3400 = PSID
// 0x34 with psidlen 8).
//
// Parsing is strict so that typos surface: an unknown key, a repeated key
// (except br), a key that does not belong to the rule's type, an empty field
// (",,") or a number out of range is an error naming the key. Tolerated: runs
// of spaces between rules (odhcp6c ends the value with one) and a missing ','
// after the last field. Numbers are decimal, or hexadecimal with 0x. IPv4 and
// IPv6 bits past the prefix length are cleared, as RFC 7598 §4.1 tells the
// receiver to ignore them. offset may appear alone; psidlen needs offset and
// psid needs psidlen (odhcp6c always writes all three).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lwb4/s46/rule.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::s46 {

struct ScriptRule {
  Mechanism type = Mechanism::kMapE;  // kMapE, kMapT or kLw4o6
  // MAP-E and MAP-T hold a Rule; lw4o6 holds a V4V6Bind.
  std::variant<Rule, V4V6Bind> params;
  std::vector<Ipv6Address> brs;   // br=, in order (MAP-E, lw4o6)
  std::optional<Ipv6Prefix> dmr;  // dmr= (MAP-T)

  bool operator==(const ScriptRule&) const = default;
};

// One rule, e.g. "fmr,type=map-e,ealen=16,...,".
Result<ScriptRule> parse_rule_string(std::string_view text);
// A whole MAPE/MAPT/LW4O6 value; errors name the rule ("rule 2: ...").
Result<std::vector<ScriptRule>> parse_rule_strings(std::string_view text);

// The canonical form, in odhcp6c's field order, every field ending with ','.
std::string format_rule_string(const ScriptRule& rule);
// Each rule followed by one space, as odhcp6c writes the variable.
std::string format_rule_strings(const std::vector<ScriptRule>& rules);

// The rule the MAP arithmetic works on; for lw4o6, bind_as_rule().
Rule script_rule_as_rule(const ScriptRule& rule);

// "map-e", "map-t", "lw4o6" (other mechanisms: "unknown").
std::string_view mechanism_name(Mechanism m);

// An unsigned number, decimal or 0x-hexadecimal, in [0, max]; the error says
// why ("not a number", "out of range (0..48)"), the caller adds the name.
Result<uint32_t> parse_number(std::string_view text, uint32_t max);

}  // namespace lwb4::s46
