// Fuzzes the odhcp6c S46 rule-string parser with a round-trip oracle, and
// runs the MAP arithmetic on every rule that parses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lwb4/s46/map_rule.hpp"
#include "lwb4/s46/rule_string.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto first = lwb4::s46::parse_rule_strings(text);
  if (!first) return 0;
  std::string canonical = lwb4::s46::format_rule_strings(*first);
  auto second = lwb4::s46::parse_rule_strings(canonical);
  if (!second || *second != *first) __builtin_trap();
  if (lwb4::s46::format_rule_strings(*second) != canonical) __builtin_trap();

  for (const lwb4::s46::ScriptRule& sr : *first) {
    lwb4::s46::Rule rule = lwb4::s46::script_rule_as_rule(sr);
    // An End-user prefix just long enough for the EA bits.
    unsigned len = rule.ipv6_prefix.length + rule.ea_len;
    auto eu = lwb4::Ipv6Prefix::make(rule.ipv6_prefix.address, len > 128 ? 128 : len);
    if (!eu) continue;
    auto result = lwb4::s46::derive(rule, *eu, {sr.type, lwb4::s46::IidLayout::kRfc7597});
    if (result && result->ports && result->ports->count() == 0) __builtin_trap();
  }
  return 0;
}
