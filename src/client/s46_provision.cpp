#include "lwb4/client/s46_provision.hpp"

#include <algorithm>

#include "lwb4/s46/map_rule.hpp"

namespace lwb4::client {
namespace {

bool implemented(uint16_t code) {
  return code == static_cast<uint16_t>(s46::Mechanism::kDhcp4o6) ||
         code == static_cast<uint16_t>(s46::Mechanism::kMapE) ||
         code == static_cast<uint16_t>(s46::Mechanism::kLw4o6);
}

}  // namespace

const char* mode_choice_name(ModeChoice choice) {
  switch (choice) {
    case ModeChoice::kAuto:
      return "auto";
    case ModeChoice::kDhcp4o6:
      return "dhcp4o6";
    case ModeChoice::kLw4o6:
      return "lw4o6";
    case ModeChoice::kMapE:
      return "map-e";
  }
  return "unknown";
}

std::vector<s46::Mechanism> mechanism_order(ModeChoice choice,
                                            const std::optional<std::vector<uint16_t>>& priority) {
  switch (choice) {
    case ModeChoice::kDhcp4o6:
      return {s46::Mechanism::kDhcp4o6};
    case ModeChoice::kLw4o6:
      return {s46::Mechanism::kLw4o6};
    case ModeChoice::kMapE:
      return {s46::Mechanism::kMapE};
    case ModeChoice::kAuto:
      break;
  }
  std::vector<s46::Mechanism> out;
  if (priority) {
    for (uint16_t code : *priority) {
      if (implemented(code)) out.push_back(static_cast<s46::Mechanism>(code));
    }
  }
  for (s46::Mechanism m : kDefaultMechanismOrder) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

Result<DesiredState> lw4o6_state(const s46::Container& lw,
                                 std::span<const Ipv6Prefix> active_prefixes,
                                 std::span<const Ipv6Address> uplink_addresses) {
  if (lw.mechanism != s46::Mechanism::kLw4o6) return make_error("not an lw4o6 container");
  // RFC 7598 §5.3: V4V6BIND is optional in the container; without it the
  // container only names the BR (for DHCP 4o6) and provisions nothing.
  if (!lw.bind) return make_error("S46_CONT_LW without S46_V4V6BIND");
  if (lw.brs.empty()) return make_error("S46_CONT_LW without S46_BR");
  const Ipv6Prefix& bind_prefix = lw.bind->bind_prefix;
  // RFC 7596 §5.1: the longest active prefix matching the binding prefix.
  Ipv6Prefix base = bind_prefix;
  for (const Ipv6Prefix& p : active_prefixes) {
    if (bind_prefix.contains(p) && p.length > base.length) base = p;
  }
  s46::MapOptions options;
  options.mechanism = s46::Mechanism::kLw4o6;
  auto derived = s46::derive(s46::bind_as_rule(*lw.bind), base, options);
  if (!derived) return derived.error().wrap("S46_V4V6BIND");
  DesiredState d;
  d.mode = Mode::kLw4o6;
  d.ipv4 = derived->ipv4.address;
  d.ports = derived->ports.value_or(PortSet::full());
  d.br = lw.brs.front();
  d.softwire_source = derived->ce_address;
  d.source_is_constructed = std::find(uplink_addresses.begin(), uplink_addresses.end(),
                                      d.softwire_source) == uplink_addresses.end();
  return d;
}

Result<DesiredState> map_e_state(std::span<const s46::Container> map_e,
                                 const S46Settings& settings) {
  if (!settings.end_user_prefix) return make_error("no End-user prefix (--prefix)");
  const Ipv6Prefix& eu = *settings.end_user_prefix;
  // RFC 7597 §5.2: the longest match over every domain's rules.
  const s46::Container* domain = nullptr;
  size_t index = 0;
  unsigned best_len = 0;
  for (const s46::Container& c : map_e) {
    if (c.mechanism != s46::Mechanism::kMapE || c.brs.empty()) continue;
    auto i = s46::select_bmr(c.rules, eu);
    if (!i) continue;
    if (!domain || c.rules[*i].ipv6_prefix.length > best_len) {
      domain = &c;
      index = *i;
      best_len = c.rules[*i].ipv6_prefix.length;
    }
  }
  if (!domain)
    return make_error("no MAP-E rule matches the End-user prefix %s", eu.to_string().c_str());
  s46::Rule bmr = domain->rules[index];
  s46::MapOptions options;
  options.mechanism = s46::Mechanism::kMapE;
  options.layout = settings.legacy_map ? s46::IidLayout::kLegacy : s46::IidLayout::kRfc7597;
  s46::Rule rule = bmr;
  if (settings.psid_len && (!rule.ports || rule.ports->psid_len() == 0)) {
    // The operator's PSID length stands in for the one the server did not
    // send; the PSID itself still comes from the EA bits (RFC 7597 §5.2).
    if (bmr.ea_len + bmr.ipv4_prefix.length <= 32) {
      return make_error("--psid-len %u: the BMR's EA bits carry no PSID (EA-len %u, IPv4 /%u)",
                        unsigned{*settings.psid_len}, unsigned{bmr.ea_len},
                        unsigned{bmr.ipv4_prefix.length});
    }
    unsigned offset = rule.ports ? rule.ports->offset() : s46::default_offset(options);
    auto ports = PortSet::create(offset, *settings.psid_len, 0);
    if (!ports) return ports.error().wrap("--psid-len");
    rule.ports = *ports;
  }
  auto derived = s46::derive(rule, eu, options);
  if (!derived) return derived.error().wrap("BMR " + bmr.ipv6_prefix.to_string());
  if (derived->kind == s46::AddressKind::kPrefix) {
    return make_error("BMR %s gives the IPv4 prefix %s; lwb4 configures one address",
                      bmr.ipv6_prefix.to_string().c_str(), derived->ipv4.to_string().c_str());
  }
  DesiredState d;
  d.mode = Mode::kMapE;
  d.ipv4 = derived->ipv4.address;
  d.ports = derived->ports.value_or(PortSet::full());
  d.br = domain->brs.front();
  d.softwire_source = derived->ce_address;
  // RFC 7597 §6: the MAP IPv6 address is built, never one the uplink has.
  d.source_is_constructed = true;
  MapDetails m;
  m.bmr = bmr;
  m.end_user_prefix = eu;
  m.ea_bits = derived->ea_bits;
  for (const s46::FmrRoute& f : s46::fmr_routes(domain->rules))
    m.fmrs.push_back(domain->rules[f.rule_index]);
  d.map = std::move(m);
  return d;
}

std::vector<s46::Container> containers_from_rules(std::span<const s46::ScriptRule> rules) {
  std::vector<s46::Container> out;
  s46::Container map_e;
  map_e.mechanism = s46::Mechanism::kMapE;
  for (const s46::ScriptRule& r : rules) {
    if (r.type == s46::Mechanism::kMapE) {
      map_e.rules.push_back(std::get<s46::Rule>(r.params));
      for (const Ipv6Address& br : r.brs) {
        if (std::find(map_e.brs.begin(), map_e.brs.end(), br) == map_e.brs.end())
          map_e.brs.push_back(br);
      }
    } else if (r.type == s46::Mechanism::kLw4o6) {
      s46::Container lw;
      lw.mechanism = s46::Mechanism::kLw4o6;
      lw.bind = std::get<s46::V4V6Bind>(r.params);
      lw.brs = r.brs;
      out.push_back(std::move(lw));
    }
  }
  if (!map_e.rules.empty()) out.insert(out.begin(), std::move(map_e));
  return out;
}

}  // namespace lwb4::client
