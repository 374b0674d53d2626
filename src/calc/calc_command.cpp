#include "lwb4/calc/calc_command.hpp"

#include <array>
#include <utility>

#include "lwb4/calc/map_report.hpp"
#include "lwb4/calc/port_set_report.hpp"

namespace lwb4::calc {
namespace {

constexpr std::string_view kUsage =
    "usage: lwb4ctl calc portset [--offset A] --psid-len K --psid PSID [--json]\n"
    "       lwb4ctl calc map --rule RULE [--prefix PREFIX] [--legacy] [--json]\n"
    "       lwb4ctl calc map --ipv6-rule PREFIX --ipv4-rule PREFIX --ea-len O\n"
    "                        [--offset A] [--psid-len K] [--psid PSID]\n"
    "                        --prefix PREFIX [--legacy] [--json]\n"
    "\n"
    "portset   the ports of one PSID (RFC 7597 5.1); A defaults to 6\n"
    "map       the IPv4 address or prefix, port set and MAP IPv6 address a CE\n"
    "          derives from a mapping rule and its End-user prefix (RFC 7597 5.2, 6)\n"
    "\n"
    "  --rule RULE        an odhcp6c rule string, e.g. \"$MAPE\"; with several rules\n"
    "                     the BMR is the longest match for --prefix\n"
    "  --prefix PREFIX    the End-user IPv6 prefix, e.g. 2001:db8:12:3400::/56\n"
    "                     (optional for a single lw4o6 rule: its binding prefix)\n"
    "  --psid-len K       explicit PSID length; wins over the one the EA bits give\n"
    "  --psid PSID        explicit PSID (right-aligned), decimal or 0x hex\n"
    "  --legacy           draft-ietf-softwire-map-03 interface id (OpenWrt\n"
    "                     legacymap): IPv4 and PSID one byte earlier; offset 4\n"
    "  --json             JSON output\n";

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  bool takes_value;
};

constexpr std::array<OptionSpec, 3> kPortSetOptions = {{
    {"offset", true},
    {"psid-len", true},
    {"psid", true},
}};

constexpr std::array<OptionSpec, 9> kMapOptions = {{
    {"rule", true},
    {"prefix", true},
    {"ipv6-rule", true},
    {"ipv4-rule", true},
    {"ea-len", true},
    {"offset", true},
    {"psid-len", true},
    {"psid", true},
    {"legacy", false},
}};

// Options every calc command takes.
constexpr std::array<OptionSpec, 2> kCommonOptions = {{
    {"json", false},
    {"help", false},
}};

int quote_len(std::string_view s) {
  return static_cast<int>(s.size() < 64 ? s.size() : 64);
}

class Options {
 public:
  std::optional<std::string_view> get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
  bool has(std::string_view name) const { return get(name).has_value(); }
  void add(std::string_view name, std::string_view value) { items_.emplace_back(name, value); }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> items_;
};

const OptionSpec* find_spec(std::span<const OptionSpec> specs, std::string_view name) {
  for (const OptionSpec& s : specs) {
    if (s.name == name) return &s;
  }
  for (const OptionSpec& s : kCommonOptions) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<Options> parse_options(std::span<const std::string_view> args,
                              std::span<const OptionSpec> specs, std::string_view command) {
  Options out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h") arg = "--help";
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return make_error("unexpected argument '%.*s'", quote_len(arg), arg.data());
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> inline_value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = find_spec(specs, name);
    if (!spec) {
      return make_error("unknown option '--%.*s' for 'calc %.*s'", quote_len(name), name.data(),
                        quote_len(command), command.data());
    }
    if (out.has(name)) return make_error("--%.*s given twice", quote_len(name), name.data());
    if (!spec->takes_value) {
      if (inline_value) return make_error("--%.*s takes no value", quote_len(name), name.data());
      out.add(name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 == args.size() || args[i + 1].substr(0, 2) == "--") {
        return make_error("--%.*s needs a value", quote_len(name), name.data());
      }
      inline_value = args[++i];
    }
    out.add(name, *inline_value);
  }
  return out;
}

// A number option in [0, max]: "--offset 16 is out of range (0..15)".
Result<uint32_t> number_option(std::string_view name, std::string_view text, uint32_t max) {
  auto any = s46::parse_number(text, 0xffffffffu);
  if (!any && any.error().reason() == "not a number") {
    return make_error("--%.*s '%.*s' is not a number", quote_len(name), name.data(),
                      quote_len(text), text.data());
  }
  if (!any || *any > max) {
    return make_error("--%.*s %.*s is out of range (0..%u)", quote_len(name), name.data(),
                      quote_len(text), text.data(), max);
  }
  return *any;
}

// --offset, --psid-len and --psid as a port set; nullopt when none is given.
Result<std::optional<PortSet>> port_options(const Options& o, unsigned default_offset,
                                            bool require_psid) {
  auto offset_text = o.get("offset");
  auto len_text = o.get("psid-len");
  auto psid_text = o.get("psid");
  if (!offset_text && !len_text && !psid_text) return std::optional<PortSet>();
  unsigned offset = default_offset;
  if (offset_text) {
    auto n = number_option("offset", *offset_text, PortSet::kMaxOffset);
    if (!n) return n.error();
    offset = *n;
  }
  unsigned len = 0;
  if (len_text) {
    auto n = number_option("psid-len", *len_text, s46::kMaxPsidLen);
    if (!n) return n.error();
    len = *n;
  }
  // RFC 7597 §5.1: a + k bits of the 16-bit port.
  if (offset + len > 16) {
    return make_error("--offset %u + --psid-len %u = %u bits, more than the 16 of a port", offset,
                      len, offset + len);
  }
  unsigned psid = 0;
  unsigned max_psid = (1u << len) - 1;
  if (psid_text) {
    if (!len_text) return make_error("--psid needs --psid-len");
    auto n = number_option("psid", *psid_text, 0xffffffffu);
    if (!n) return n.error();
    if (*n > max_psid) {
      return make_error("--psid %.*s does not fit in PSID-len %u (max %u)", quote_len(*psid_text),
                        psid_text->data(), len, max_psid);
    }
    psid = *n;
  } else if (require_psid && len > 0) {
    return make_error("missing --psid (0..%u for PSID-len %u)", max_psid, len);
  }
  auto set = PortSet::create(offset, len, psid);
  if (!set) {
    return make_error("offset %u, PSID-len %u, PSID %u: %s", offset, len, psid,
                      set.error().reason().c_str());
  }
  return std::optional<PortSet>(*set);
}

Result<CalcRequest> parse_portset(const Options& o, CalcRequest req) {
  if (!o.has("psid-len")) return make_error("missing --psid-len");
  auto set = port_options(o, PortSet::kDefaultMapOffset, true);
  if (!set) return set.error();
  req.ports = **set;
  return req;
}

Result<Ipv4Prefix> ipv4_prefix_option(const Options& o, std::string_view name) {
  auto text = o.get(name);
  if (!text) return make_error("missing --%.*s", quote_len(name), name.data());
  auto p = Ipv4Prefix::parse(*text);
  if (!p) {
    return make_error("--%.*s '%.*s': %s", quote_len(name), name.data(), quote_len(*text),
                      text->data(), p.error().reason().c_str());
  }
  return p;
}

Result<Ipv6Prefix> ipv6_prefix_option(const Options& o, std::string_view name) {
  auto text = o.get(name);
  if (!text) return make_error("missing --%.*s", quote_len(name), name.data());
  auto p = Ipv6Prefix::parse(*text);
  if (!p) {
    return make_error("--%.*s '%.*s': %s", quote_len(name), name.data(), quote_len(*text),
                      text->data(), p.error().reason().c_str());
  }
  return p;
}

// A MAP-E rule from --ipv6-rule, --ipv4-rule, --ea-len and the port options.
Result<s46::ScriptRule> manual_rule(const Options& o, s46::IidLayout layout) {
  auto v6 = ipv6_prefix_option(o, "ipv6-rule");
  if (!v6) return v6.error();
  auto v4 = ipv4_prefix_option(o, "ipv4-rule");
  if (!v4) return v4.error();
  auto ea_text = o.get("ea-len");
  if (!ea_text) return make_error("missing --ea-len");
  auto ea_len = number_option("ea-len", *ea_text, s46::kMaxEaLen);
  if (!ea_len) return ea_len.error();
  auto ports = port_options(o, s46::default_offset({s46::Mechanism::kMapE, layout}), false);
  if (!ports) return ports.error();
  s46::Rule rule;
  rule.ea_len = static_cast<uint8_t>(*ea_len);
  rule.ipv4_prefix = *v4;
  rule.ipv6_prefix = *v6;
  rule.ports = *ports;
  s46::ScriptRule out;
  out.type = s46::Mechanism::kMapE;
  out.params = rule;
  return out;
}

Result<CalcRequest> parse_map(const Options& o, CalcRequest req) {
  if (o.has("legacy")) req.layout = s46::IidLayout::kLegacy;
  if (auto text = o.get("rule")) {
    for (std::string_view other :
         {"ipv6-rule", "ipv4-rule", "ea-len", "offset", "psid-len", "psid"}) {
      if (o.has(other)) {
        return make_error("--rule cannot be combined with --%.*s (put it in the rule string)",
                          quote_len(other), other.data());
      }
    }
    auto rules = s46::parse_rule_strings(*text);
    if (!rules) return rules.error().wrap("--rule");
    if (rules->empty()) return make_error("--rule: no rule given");
    req.rules = std::move(*rules);
  } else if (o.has("ipv6-rule") || o.has("ipv4-rule") || o.has("ea-len")) {
    auto rule = manual_rule(o, req.layout);
    if (!rule) return rule.error();
    req.rules.push_back(std::move(*rule));
  } else {
    return make_error("missing --rule, or --ipv6-rule with --ipv4-rule and --ea-len");
  }
  if (o.has("prefix")) {
    auto eu = ipv6_prefix_option(o, "prefix");
    if (!eu) return eu.error();
    req.end_user_prefix = *eu;
  } else if (req.rules.size() != 1 || req.rules[0].type != s46::Mechanism::kLw4o6) {
    return make_error("missing --prefix (the End-user IPv6 prefix, e.g. 2001:db8:12:3400::/56)");
  }
  return req;
}

}  // namespace

std::string_view calc_usage() {
  return kUsage;
}

Result<CalcRequest> parse_calc_args(std::span<const std::string_view> args) {
  CalcRequest req;
  if (args.empty()) return make_error("missing calc command (portset or map)");
  std::string_view command = args[0];
  if (command == "--help" || command == "-h" || command == "help") return req;
  std::span<const OptionSpec> specs;
  if (command == "portset") {
    req.command = CalcCommand::kPortSet;
    specs = kPortSetOptions;
  } else if (command == "map") {
    req.command = CalcCommand::kMap;
    specs = kMapOptions;
  } else {
    return make_error("unknown calc command '%.*s' (portset or map)", quote_len(command),
                      command.data());
  }
  auto options = parse_options(args.subspan(1), specs, command);
  if (!options) return options.error();
  if (options->has("help")) return CalcRequest{};
  req.json = options->has("json");
  if (req.command == CalcCommand::kPortSet) return parse_portset(*options, std::move(req));
  return parse_map(*options, std::move(req));
}

Result<std::string> run_calc(const CalcRequest& request) {
  switch (request.command) {
    case CalcCommand::kHelp:
      return std::string(kUsage);
    case CalcCommand::kPortSet:
      return request.json ? port_set_json(request.ports) : port_set_text(request.ports);
    case CalcCommand::kMap: {
      auto report = make_map_report(request.rules, request.end_user_prefix, request.layout);
      if (!report) return report.error();
      return request.json ? map_report_json(*report) : map_report_text(*report);
    }
  }
  return make_error("unknown calc command");
}

}  // namespace lwb4::calc
