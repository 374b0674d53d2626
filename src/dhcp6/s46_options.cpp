#include "lwb4/dhcp6/s46_options.hpp"

#include <optional>
#include <string>
#include <utility>

#include "lwb4/dhcp6/options.hpp"
#include "lwb4/portset/port_set.hpp"

namespace lwb4::dhcp6 {
namespace {

size_t prefix_bytes(unsigned length) {
  return (length + 7) / 8;
}

// Reads prefix6-len(8) and ceil(len / 8) prefix bytes (RFC 7598 §4.1).
Result<Ipv6Prefix> read_prefix6(wire::Reader& r, const char* what) {
  uint8_t len = r.u8();
  if (!r.ok()) return make_error("%s: truncated before the prefix length", what);
  if (len > 128) return make_error("%s: prefix6-len %u > 128", what, len);
  size_t n = prefix_bytes(len);
  if (!r.has(n)) {
    return make_error("%s: prefix6-len %u needs %zu bytes, %zu left", what, len, n, r.remaining());
  }
  Ipv6Address address;
  wire::Bytes b = r.bytes(n);
  for (size_t i = 0; i < n; ++i)
    address.bytes[i] = b[i];
  // RFC 7598 §4.1: the prefix is padded to a byte boundary; bits past the
  // length carry no meaning.
  return *Ipv6Prefix::make(address, len);
}

Status check_prefix6(const Ipv6Prefix& p, const char* what) {
  auto canonical = Ipv6Prefix::make(p.address, p.length);
  if (!canonical || *canonical != p) {
    return make_error("%s: %s is not a canonical IPv6 prefix", what, p.to_string().c_str());
  }
  return {};
}

void write_prefix6(wire::Writer& w, const Ipv6Prefix& p) {
  w.u8(p.length);
  w.bytes(wire::Bytes(p.address.bytes).first(prefix_bytes(p.length)));
}

// The sub-options after a RULE or V4V6BIND: at most one S46_PORTPARAMS and
// nothing else (RFC 7598 §4.5 places 93 only there).
Result<std::optional<PortSet>> read_port_params_suboption(wire::Bytes rest, const char* what) {
  auto subs = split_options(rest);
  if (!subs) return subs.error().wrap(what);
  std::optional<PortSet> ports;
  for (const OptionView& sub : *subs) {
    if (sub.code != kOptS46PortParams) {
      return make_error("%s: unsupported sub-option %u", what, sub.code);
    }
    if (ports) return make_error("%s: more than one S46_PORTPARAMS", what);
    if (sub.data.size() != kPortParamsLength) {
      return make_error("%s: S46_PORTPARAMS length %zu, expected %zu", what, sub.data.size(),
                        kPortParamsLength);
    }
    auto set = read_port_params(sub.data);
    if (!set) return set.error().wrap(std::string(what) + ": S46_PORTPARAMS");
    ports = std::move(*set);
  }
  return ports;
}

Status write_port_params_suboption(wire::Writer& w, const std::optional<PortSet>& ports) {
  if (!ports) return {};
  OptionStart start = begin_option(w, kOptS46PortParams);
  write_port_params(w, *ports);
  return end_option(w, start);
}

enum class Presence { kForbidden, kOptional, kMandatory };

// RFC 7598 §5 table: which options each container holds.
Presence presence(s46::Mechanism m, uint16_t code) {
  using s46::Mechanism;
  switch (code) {
    case kOptS46Rule:
      return m == Mechanism::kLw4o6 ? Presence::kForbidden : Presence::kMandatory;
    case kOptS46Br:
      return m == Mechanism::kMapT ? Presence::kForbidden : Presence::kMandatory;
    case kOptS46Dmr:
      return m == Mechanism::kMapT ? Presence::kMandatory : Presence::kForbidden;
    case kOptS46V4V6Bind:
      return m == Mechanism::kLw4o6 ? Presence::kOptional : Presence::kForbidden;
    default:
      return Presence::kForbidden;
  }
}

struct Counts {
  size_t rules = 0;
  size_t brs = 0;
  size_t dmrs = 0;
  size_t binds = 0;
};

Status check_table(s46::Mechanism m, const Counts& n) {
  const char* name = container_name(m);
  const std::pair<uint16_t, size_t> entries[] = {
      {kOptS46Rule, n.rules}, {kOptS46Br, n.brs}, {kOptS46Dmr, n.dmrs}, {kOptS46V4V6Bind, n.binds}};
  for (auto [code, count] : entries) {
    Presence p = presence(m, code);
    if (p == Presence::kForbidden && count > 0) {
      return make_error("%s: %s not permitted (RFC 7598 §5)", name, option_name(code));
    }
    if (p == Presence::kMandatory && count == 0) {
      return make_error("%s: missing %s (RFC 7598 §5)", name, option_name(code));
    }
  }
  // MAP-T carries exactly one DMR; lw4o6 at most one V4V6BIND (RFC 7598 §5).
  if (n.dmrs > 1) return make_error("%s: %zu S46_DMR, expected exactly 1", name, n.dmrs);
  if (n.binds > 1) return make_error("%s: %zu S46_V4V6BIND, expected at most 1", name, n.binds);
  return {};
}

}  // namespace

const char* container_name(s46::Mechanism mechanism) {
  return option_name(container_code(mechanism));
}

uint16_t container_code(s46::Mechanism mechanism) {
  switch (mechanism) {
    case s46::Mechanism::kMapE:
      return kOptS46ContMapE;
    case s46::Mechanism::kMapT:
      return kOptS46ContMapT;
    case s46::Mechanism::kLw4o6:
      return kOptS46ContLw;
    default:
      return 0;
  }
}

Result<s46::Rule> decode_s46_rule(wire::Bytes body) {
  if (body.size() < kS46RuleFixedLength) {
    return make_error("S46_RULE: length %zu, expected at least %zu", body.size(),
                      kS46RuleFixedLength);
  }
  wire::Reader r(body);
  uint8_t flags = r.u8();
  uint8_t ea_len = r.u8();
  uint8_t prefix4_len = r.u8();
  Ipv4Address ipv4{r.array<4>()};
  if (ea_len > kMaxEaLength) {
    return make_error("S46_RULE: ea-len %u > %u", ea_len, kMaxEaLength);
  }
  if (prefix4_len > 32) return make_error("S46_RULE: prefix4-len %u > 32", prefix4_len);
  auto prefix6 = read_prefix6(r, "S46_RULE");
  if (!prefix6) return prefix6.error();
  auto ports = read_port_params_suboption(r.rest(), "S46_RULE");
  if (!ports) return ports.error();
  s46::Rule rule;
  // RFC 7598 §4.1: only F is defined; the reserved flag bits are ignored.
  rule.fmr = (flags & kS46RuleFlagF) != 0;
  rule.ea_len = ea_len;
  // RFC 7598 §4.1: IPv4 bits past prefix4-len are ignored on receive.
  rule.ipv4_prefix = *Ipv4Prefix::make(ipv4, prefix4_len);
  rule.ipv6_prefix = *prefix6;
  rule.ports = std::move(*ports);
  return rule;
}

Result<s46::V4V6Bind> decode_s46_v4v6bind(wire::Bytes body) {
  if (body.size() < 5) {
    return make_error("S46_V4V6BIND: length %zu, expected at least 5", body.size());
  }
  wire::Reader r(body);
  Ipv4Address ipv4{r.array<4>()};
  auto prefix6 = read_prefix6(r, "S46_V4V6BIND");
  if (!prefix6) return prefix6.error();
  auto ports = read_port_params_suboption(r.rest(), "S46_V4V6BIND");
  if (!ports) return ports.error();
  s46::V4V6Bind bind;
  bind.ipv4 = ipv4;
  bind.bind_prefix = *prefix6;
  bind.ports = std::move(*ports);
  return bind;
}

Result<Ipv6Prefix> decode_s46_dmr(wire::Bytes body) {
  wire::Reader r(body);
  auto prefix6 = read_prefix6(r, "S46_DMR");
  if (!prefix6) return prefix6.error();
  if (!r.empty()) {
    return make_error("S46_DMR: length %zu, expected %zu for /%u", body.size(),
                      1 + prefix_bytes(prefix6->length), prefix6->length);
  }
  return prefix6;
}

Result<Ipv6Address> decode_s46_br(wire::Bytes body) {
  if (body.size() != 16) return make_error("S46_BR: length %zu, expected 16", body.size());
  wire::Reader r(body);
  return Ipv6Address{r.array<16>()};
}

Result<s46::Container> decode_s46_container(uint16_t code, wire::Bytes body) {
  s46::Container c;
  switch (code) {
    case kOptS46ContMapE:
      c.mechanism = s46::Mechanism::kMapE;
      break;
    case kOptS46ContMapT:
      c.mechanism = s46::Mechanism::kMapT;
      break;
    case kOptS46ContLw:
      c.mechanism = s46::Mechanism::kLw4o6;
      break;
    default:
      return make_error("option %u is not an S46 container", code);
  }
  const char* name = container_name(c.mechanism);
  auto subs = split_options(body);
  if (!subs) return subs.error().wrap(name);
  Counts n;
  for (const OptionView& sub : *subs) {
    if (sub.code == kOptS46PortParams) {
      return make_error("%s: S46_PORTPARAMS directly in the container (RFC 7598 §4.5)", name);
    }
    if (sub.code < kOptS46Rule || sub.code > kOptS46V4V6Bind) {
      return make_error("%s: unsupported option %u", name, sub.code);
    }
    if (presence(c.mechanism, sub.code) == Presence::kForbidden) {
      return make_error("%s: %s not permitted (RFC 7598 §5)", name, option_name(sub.code));
    }
    switch (sub.code) {
      case kOptS46Rule: {
        auto rule = decode_s46_rule(sub.data);
        if (!rule) return rule.error().wrap(name);
        c.rules.push_back(std::move(*rule));
        ++n.rules;
        break;
      }
      case kOptS46Br: {
        auto br = decode_s46_br(sub.data);
        if (!br) return br.error().wrap(name);
        c.brs.push_back(*br);
        ++n.brs;
        break;
      }
      case kOptS46Dmr: {
        auto dmr = decode_s46_dmr(sub.data);
        if (!dmr) return dmr.error().wrap(name);
        c.dmr = *dmr;
        ++n.dmrs;
        break;
      }
      default: {
        auto bind = decode_s46_v4v6bind(sub.data);
        if (!bind) return bind.error().wrap(name);
        c.bind = std::move(*bind);
        ++n.binds;
        break;
      }
    }
  }
  if (Status s = check_table(c.mechanism, n); !s) return s.error();
  return c;
}

Status check_container(const s46::Container& c) {
  if (container_code(c.mechanism) == 0) {
    return make_error("mechanism %u has no S46 container", static_cast<unsigned>(c.mechanism));
  }
  return check_table(c.mechanism,
                     Counts{c.rules.size(), c.brs.size(), c.dmr ? 1u : 0u, c.bind ? 1u : 0u});
}

Result<std::vector<uint16_t>> decode_s46_priority(wire::Bytes body) {
  if (body.size() < 2 || body.size() % 2 != 0) {
    return make_error("S46_PRIORITY: length %zu, expected an even number >= 2", body.size());
  }
  std::vector<uint16_t> codes;
  wire::Reader r(body);
  while (!r.empty()) {
    uint16_t code = r.u16();
    for (uint16_t seen : codes) {
      // RFC 8026 §4: a list with duplicates is invalid; act as if absent.
      if (seen == code) return make_error("S46_PRIORITY: code %u listed twice", code);
    }
    codes.push_back(code);
  }
  return codes;
}

Result<Ipv6Prefix> decode_s46_bind_ipv6_prefix(wire::Bytes body) {
  wire::Reader r(body);
  auto prefix6 = read_prefix6(r, "S46_BIND_IPV6_PREFIX");
  if (!prefix6) return prefix6.error();
  // RFC 8539: the byte count must match the prefix length exactly.
  if (!r.empty()) {
    return make_error("S46_BIND_IPV6_PREFIX: length %zu, expected %zu for /%u", body.size(),
                      1 + prefix_bytes(prefix6->length), prefix6->length);
  }
  return prefix6;
}

Status encode_s46_rule(wire::Writer& w, const s46::Rule& rule) {
  if (rule.ea_len > kMaxEaLength) {
    return make_error("S46_RULE: ea-len %u > %u", rule.ea_len, kMaxEaLength);
  }
  auto v4 = Ipv4Prefix::make(rule.ipv4_prefix.address, rule.ipv4_prefix.length);
  if (!v4 || *v4 != rule.ipv4_prefix) {
    return make_error("S46_RULE: %s is not a canonical IPv4 prefix",
                      rule.ipv4_prefix.to_string().c_str());
  }
  if (Status s = check_prefix6(rule.ipv6_prefix, "S46_RULE"); !s) return s;
  OptionStart start = begin_option(w, kOptS46Rule);
  w.u8(rule.fmr ? kS46RuleFlagF : 0);
  w.u8(rule.ea_len);
  w.u8(rule.ipv4_prefix.length);
  w.bytes(rule.ipv4_prefix.address.bytes);
  write_prefix6(w, rule.ipv6_prefix);
  if (Status s = write_port_params_suboption(w, rule.ports); !s) return s;
  return end_option(w, start);
}

Status encode_s46_v4v6bind(wire::Writer& w, const s46::V4V6Bind& bind) {
  if (Status s = check_prefix6(bind.bind_prefix, "S46_V4V6BIND"); !s) return s;
  OptionStart start = begin_option(w, kOptS46V4V6Bind);
  w.bytes(bind.ipv4.bytes);
  write_prefix6(w, bind.bind_prefix);
  if (Status s = write_port_params_suboption(w, bind.ports); !s) return s;
  return end_option(w, start);
}

Status encode_s46_dmr(wire::Writer& w, const Ipv6Prefix& dmr) {
  if (Status s = check_prefix6(dmr, "S46_DMR"); !s) return s;
  OptionStart start = begin_option(w, kOptS46Dmr);
  write_prefix6(w, dmr);
  return end_option(w, start);
}

Status encode_s46_br(wire::Writer& w, const Ipv6Address& br) {
  return write_option(w, kOptS46Br, br.bytes);
}

Status encode_s46_container(wire::Writer& w, const s46::Container& c) {
  if (Status s = check_container(c); !s) return s;
  OptionStart start = begin_option(w, container_code(c.mechanism));
  for (const s46::Rule& rule : c.rules) {
    if (Status s = encode_s46_rule(w, rule); !s) return s.error().wrap(container_name(c.mechanism));
  }
  for (const Ipv6Address& br : c.brs) {
    if (Status s = encode_s46_br(w, br); !s) return s;
  }
  if (c.dmr) {
    if (Status s = encode_s46_dmr(w, *c.dmr); !s)
      return s.error().wrap(container_name(c.mechanism));
  }
  if (c.bind) {
    if (Status s = encode_s46_v4v6bind(w, *c.bind); !s) {
      return s.error().wrap(container_name(c.mechanism));
    }
  }
  return end_option(w, start);
}

Status encode_s46_priority(wire::Writer& w, const std::vector<uint16_t>& codes) {
  std::vector<uint8_t> body;
  wire::Writer b(body);
  for (uint16_t code : codes)
    b.u16(code);
  if (auto check = decode_s46_priority(body); !check) return check.error();
  return write_option(w, kOptS46Priority, body);
}

Status encode_s46_bind_ipv6_prefix(wire::Writer& w, const Ipv6Prefix& prefix) {
  if (Status s = check_prefix6(prefix, "S46_BIND_IPV6_PREFIX"); !s) return s;
  OptionStart start = begin_option(w, kOptS46BindIpv6Prefix);
  write_prefix6(w, prefix);
  return end_option(w, start);
}

}  // namespace lwb4::dhcp6
