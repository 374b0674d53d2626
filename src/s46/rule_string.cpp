#include "lwb4/s46/rule_string.hpp"

#include <array>
#include <charconv>

#include "lwb4/s46/map_rule.hpp"

namespace lwb4::s46 {
namespace {

enum Key : size_t {
  kType,
  kEaLen,
  kPrefix4Len,
  kPrefix6Len,
  kIpv4Prefix,
  kIpv6Prefix,
  kOffset,
  kPsidLen,
  kPsid,
  kDmr,
  kKeyCount,
};

constexpr std::array<std::string_view, kKeyCount> kKeyNames = {
    "type",       "ealen",  "prefix4len", "prefix6len", "ipv4prefix",
    "ipv6prefix", "offset", "psidlen",    "psid",       "dmr",
};

// Error texts quote at most this much of the input.
constexpr int kQuoteMax = 48;

int quote_len(std::string_view s) {
  return static_cast<int>(s.size() < kQuoteMax ? s.size() : kQuoteMax);
}

struct Fields {
  bool fmr = false;
  std::array<std::optional<std::string_view>, kKeyCount> value;
  std::vector<std::string_view> brs;
};

Status add_field(Fields& f, std::string_view field) {
  size_t eq = field.find('=');
  if (eq == std::string_view::npos) {
    if (field != "fmr") {
      return make_error("field '%.*s' is not key=value", quote_len(field), field.data());
    }
    if (f.fmr) return make_error("duplicate key 'fmr'");
    f.fmr = true;
    return {};
  }
  std::string_view key = field.substr(0, eq);
  std::string_view value = field.substr(eq + 1);
  if (key == "fmr") return make_error("'fmr' takes no value");
  if (value.empty()) return make_error("empty value for '%.*s'", quote_len(key), key.data());
  if (key == "br") {
    f.brs.push_back(value);
    return {};
  }
  for (size_t i = 0; i < kKeyCount; ++i) {
    if (key != kKeyNames[i]) continue;
    if (f.value[i]) {
      return make_error("duplicate key '%.*s'", quote_len(key), key.data());
    }
    f.value[i] = value;
    return {};
  }
  return make_error("unknown key '%.*s'", quote_len(key), key.data());
}

Error value_error(Key key, std::string_view value, const Error& why) {
  return make_error("'%s=%.*s': %s", kKeyNames[key].data(), quote_len(value), value.data(),
                    why.reason().c_str());
}

Result<uint32_t> required_number(const Fields& f, Key key, uint32_t max) {
  if (!f.value[key]) return make_error("missing '%s'", kKeyNames[key].data());
  auto n = parse_number(*f.value[key], max);
  if (!n) return value_error(key, *f.value[key], n.error());
  return n;
}

Result<std::optional<PortSet>> port_params(const Fields& f) {
  if (f.value[kPsid] && !f.value[kPsidLen]) return make_error("'psid' needs 'psidlen'");
  if (f.value[kPsidLen] && !f.value[kOffset]) {
    return make_error("'psidlen' needs 'offset' (S46_PORTPARAMS carries both)");
  }
  if (!f.value[kOffset]) return std::optional<PortSet>();
  auto offset = required_number(f, kOffset, PortSet::kMaxOffset);
  if (!offset) return offset.error();
  uint32_t psid_len = 0;
  uint32_t psid = 0;
  if (f.value[kPsidLen]) {
    auto len = required_number(f, kPsidLen, kMaxPsidLen);
    if (!len) return len.error();
    psid_len = *len;
  }
  if (f.value[kPsid]) {
    auto field = required_number(f, kPsid, 0xffff);
    if (!field) return field.error();
    psid = *field;
  }
  // RFC 7598 §4.5: the PSID field is left-aligned, padded with zeros.
  auto set = PortSet::from_wire(static_cast<uint8_t>(*offset), static_cast<uint8_t>(psid_len),
                                static_cast<uint16_t>(psid));
  if (!set) {
    return make_error("offset=%u,psidlen=%u,psid=%u: %s", *offset, psid_len, psid,
                      set.error().reason().c_str());
  }
  return std::optional<PortSet>(*set);
}

Error not_for_type(std::string_view key, Mechanism type) {
  std::string_view name = mechanism_name(type);
  return make_error("'%.*s' does not belong to type=%.*s", quote_len(key), key.data(),
                    quote_len(name), name.data());
}

Result<ScriptRule> build(const Fields& f) {
  ScriptRule out;
  if (!f.value[kType]) return make_error("missing 'type'");
  std::string_view type = *f.value[kType];
  if (type == "map-e") {
    out.type = Mechanism::kMapE;
  } else if (type == "map-t") {
    out.type = Mechanism::kMapT;
  } else if (type == "lw4o6") {
    out.type = Mechanism::kLw4o6;
  } else {
    return make_error("unknown type '%.*s' (map-e, map-t or lw4o6)", quote_len(type), type.data());
  }
  const bool lw = out.type == Mechanism::kLw4o6;
  // Which keys belong to which container: RFC 7598 §5 (BR not in MAP-T,
  // DMR only in MAP-T) and odhcp6c's lw4o6 form (no ealen, no F flag).
  if (lw && f.fmr) return not_for_type("fmr", out.type);
  if (lw && f.value[kEaLen]) return not_for_type("ealen", out.type);
  if (out.type != Mechanism::kMapT && f.value[kDmr]) return not_for_type("dmr", out.type);
  if (out.type == Mechanism::kMapT && !f.brs.empty()) return not_for_type("br", out.type);

  uint32_t ea_len = 0;
  if (!lw) {
    auto n = required_number(f, kEaLen, kMaxEaLen);
    if (!n) return n.error();
    ea_len = *n;
  }
  auto len4 = required_number(f, kPrefix4Len, 32);
  if (!len4) return len4.error();
  if (lw && *len4 != 32) {
    return make_error("type=lw4o6 needs prefix4len=32, got %u", *len4);
  }
  auto len6 = required_number(f, kPrefix6Len, 128);
  if (!len6) return len6.error();
  if (!f.value[kIpv4Prefix]) return make_error("missing 'ipv4prefix'");
  auto v4 = Ipv4Address::parse(*f.value[kIpv4Prefix]);
  if (!v4) return value_error(kIpv4Prefix, *f.value[kIpv4Prefix], v4.error());
  if (!f.value[kIpv6Prefix]) return make_error("missing 'ipv6prefix'");
  auto v6 = Ipv6Address::parse(*f.value[kIpv6Prefix]);
  if (!v6) return value_error(kIpv6Prefix, *f.value[kIpv6Prefix], v6.error());
  auto ports = port_params(f);
  if (!ports) return ports.error();

  // RFC 7598 §4.1: bits past the prefix lengths are ignored on receipt.
  auto prefix4 = Ipv4Prefix::make(*v4, *len4);
  auto prefix6 = Ipv6Prefix::make(*v6, *len6);
  if (!prefix4) return prefix4.error();
  if (!prefix6) return prefix6.error();

  if (lw) {
    out.params = V4V6Bind{prefix4->address, *prefix6, *ports};
  } else {
    Rule rule;
    rule.fmr = f.fmr;
    rule.ea_len = static_cast<uint8_t>(ea_len);
    rule.ipv4_prefix = *prefix4;
    rule.ipv6_prefix = *prefix6;
    rule.ports = *ports;
    out.params = rule;
  }
  for (std::string_view br : f.brs) {
    auto a = Ipv6Address::parse(br);
    if (!a) {
      return make_error("'br=%.*s': %s", quote_len(br), br.data(), a.error().reason().c_str());
    }
    out.brs.push_back(*a);
  }
  if (f.value[kDmr]) {
    auto dmr = Ipv6Prefix::parse(*f.value[kDmr]);
    if (!dmr) return value_error(kDmr, *f.value[kDmr], dmr.error());
    out.dmr = *dmr;
  }
  return out;
}

void append_port_params(std::string& out, const std::optional<PortSet>& ports) {
  if (!ports) return;
  out += "offset=" + std::to_string(ports->offset());
  out += ",psidlen=" + std::to_string(ports->psid_len());
  out += ",psid=" + std::to_string(ports->psid_field()) + ",";
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Result<uint32_t> parse_number(std::string_view text, uint32_t max) {
  int base = 10;
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || end != digits.data() + digits.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return make_error("not a number");
  }
  if (ec == std::errc::result_out_of_range || v > max) {
    return make_error("out of range (0..%u)", max);
  }
  return static_cast<uint32_t>(v);
}

std::string_view mechanism_name(Mechanism m) {
  switch (m) {
    case Mechanism::kMapE:
      return "map-e";
    case Mechanism::kMapT:
      return "map-t";
    case Mechanism::kLw4o6:
      return "lw4o6";
    default:
      return "unknown";
  }
}

Result<ScriptRule> parse_rule_string(std::string_view text) {
  if (text.empty()) return make_error("empty rule");
  Fields fields;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    size_t end = comma == std::string_view::npos ? text.size() : comma;
    std::string_view field = text.substr(pos, end - pos);
    if (field.empty()) return make_error("empty field at offset %zu", pos);
    Status st = add_field(fields, field);
    if (!st) return st.error();
    pos = end + 1;
  }
  return build(fields);
}

Result<std::vector<ScriptRule>> parse_rule_strings(std::string_view text) {
  std::vector<ScriptRule> rules;
  size_t pos = 0;
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
      continue;
    }
    size_t end = pos;
    while (end < text.size() && !is_space(text[end]))
      ++end;
    auto rule = parse_rule_string(text.substr(pos, end - pos));
    if (!rule) return rule.error().wrap("rule " + std::to_string(rules.size() + 1));
    rules.push_back(std::move(*rule));
    pos = end;
  }
  return rules;
}

std::string format_rule_string(const ScriptRule& rule) {
  std::string out;
  const Rule* map = std::get_if<Rule>(&rule.params);
  const V4V6Bind* bind = std::get_if<V4V6Bind>(&rule.params);
  if (map && map->fmr) out += "fmr,";
  out += "type=";
  out += mechanism_name(rule.type);
  out += ",";
  if (map) {
    out += "ealen=" + std::to_string(map->ea_len);
    out += ",prefix4len=" + std::to_string(map->ipv4_prefix.length);
    out += ",prefix6len=" + std::to_string(map->ipv6_prefix.length);
    out += ",ipv4prefix=" + map->ipv4_prefix.address.to_string();
    out += ",ipv6prefix=" + map->ipv6_prefix.address.to_string() + ",";
    append_port_params(out, map->ports);
  } else if (bind) {
    out += "prefix4len=32";
    out += ",prefix6len=" + std::to_string(bind->bind_prefix.length);
    out += ",ipv4prefix=" + bind->ipv4.to_string();
    out += ",ipv6prefix=" + bind->bind_prefix.address.to_string() + ",";
    append_port_params(out, bind->ports);
  }
  for (const Ipv6Address& br : rule.brs)
    out += "br=" + br.to_string() + ",";
  if (rule.dmr) out += "dmr=" + rule.dmr->to_string() + ",";
  return out;
}

std::string format_rule_strings(const std::vector<ScriptRule>& rules) {
  std::string out;
  for (const ScriptRule& rule : rules)
    out += format_rule_string(rule) + " ";
  return out;
}

Rule script_rule_as_rule(const ScriptRule& rule) {
  if (const V4V6Bind* bind = std::get_if<V4V6Bind>(&rule.params)) return bind_as_rule(*bind);
  return *std::get_if<Rule>(&rule.params);
}

}  // namespace lwb4::s46
