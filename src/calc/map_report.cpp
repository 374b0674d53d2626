#include "lwb4/calc/map_report.hpp"

#include <cstdio>
#include <variant>

#include "lwb4/calc/port_set_report.hpp"
#include "lwb4/util/json_writer.hpp"

namespace lwb4::calc {
namespace {

const char* kind_name(s46::AddressKind kind) {
  switch (kind) {
    case s46::AddressKind::kPrefix:
      return "prefix";
    case s46::AddressKind::kFull:
      return "full";
    case s46::AddressKind::kShared:
      return "shared";
  }
  return "unknown";
}

const char* psid_source_name(s46::PsidSource source) {
  switch (source) {
    case s46::PsidSource::kNone:
      return "none";
    case s46::PsidSource::kEaBits:
      return "ea";
    case s46::PsidSource::kPortParams:
      return "portparams";
  }
  return "unknown";
}

std::string ea_bits_text(const s46::MapResult& r) {
  if (r.ea_len == 0) return "none";
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%llx (%u bits)", static_cast<unsigned long long>(r.ea_bits),
                static_cast<unsigned>(r.ea_len));
  return buf;
}

std::string ipv4_text(const s46::MapResult& r) {
  switch (r.kind) {
    case s46::AddressKind::kPrefix:
      return r.ipv4.to_string();
    case s46::AddressKind::kFull:
      return r.ipv4.address.to_string() + " (full)";
    case s46::AddressKind::kShared:
      return r.ipv4.address.to_string() + " (shared by " +
             std::to_string(1u << r.ports->psid_len()) + ")";
  }
  return "";
}

std::vector<s46::Rule> plain_rules(const std::vector<s46::ScriptRule>& rules) {
  std::vector<s46::Rule> out;
  for (const s46::ScriptRule& r : rules)
    out.push_back(s46::script_rule_as_rule(r));
  return out;
}

}  // namespace

Result<MapReport> make_map_report(std::vector<s46::ScriptRule> rules,
                                  std::optional<Ipv6Prefix> end_user_prefix,
                                  s46::IidLayout layout) {
  if (rules.empty()) return make_error("no rules");
  MapReport report;
  std::vector<s46::Rule> plain = plain_rules(rules);
  if (!end_user_prefix) {
    if (rules.size() != 1 || rules[0].type != s46::Mechanism::kLw4o6) {
      return make_error("an End-user prefix is needed to pick and apply the BMR");
    }
    end_user_prefix = plain[0].ipv6_prefix;
  }
  auto bmr = s46::select_bmr(plain, *end_user_prefix);
  if (!bmr) return bmr.error();
  report.bmr_index = *bmr;
  report.options.mechanism = rules[*bmr].type;
  report.options.layout = layout;
  auto result = s46::derive(plain[*bmr], *end_user_prefix, report.options);
  if (!result) return result.error();
  report.result = *result;
  report.end_user_prefix = *end_user_prefix;
  report.rules = std::move(rules);
  return report;
}

std::string format_interface_id(const std::array<uint8_t, 8>& iid) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02x%02x:%02x%02x:%02x%02x:%02x%02x", iid[0], iid[1], iid[2],
                iid[3], iid[4], iid[5], iid[6], iid[7]);
  return buf;
}

std::string map_report_text(const MapReport& report) {
  const s46::ScriptRule& sr = report.rules[report.bmr_index];
  const s46::Rule rule = s46::script_rule_as_rule(sr);
  const s46::MapResult& r = report.result;
  std::string out;
  if (report.rules.size() > 1) {
    out += text_line("BMR", "rule " + std::to_string(report.bmr_index + 1) + " of " +
                                std::to_string(report.rules.size()));
  }
  out += text_line("type", std::string(s46::mechanism_name(sr.type)));
  out += text_line("rule IPv6", rule.ipv6_prefix.to_string());
  out += text_line("rule IPv4", rule.ipv4_prefix.to_string());
  out += text_line("EA-len", std::to_string(rule.ea_len));
  out += text_line("End-user prefix", report.end_user_prefix.to_string());
  out += text_line("EA bits", ea_bits_text(r));
  out +=
      text_line(r.kind == s46::AddressKind::kPrefix ? "IPv4 prefix" : "IPv4 address", ipv4_text(r));
  out += text_line("CE IPv6", r.ce_address.to_string());
  out += text_line("interface id", format_interface_id(r.interface_id));
  if (report.options.layout == s46::IidLayout::kLegacy) {
    out += text_line("IID layout", "legacy (draft-ietf-softwire-map-03)");
  }
  if (r.ports) {
    out += text_line("PSID source",
                     r.psid_source == s46::PsidSource::kEaBits ? "EA bits" : "S46_PORTPARAMS");
    out += port_set_text(*r.ports);
  } else {
    out += text_line("ports", "all (not shared)");
  }
  for (const Ipv6Address& br : sr.brs)
    out += text_line("BR", br.to_string());
  if (sr.dmr) out += text_line("DMR", sr.dmr->to_string());
  for (const s46::FmrRoute& f : s46::fmr_routes(plain_rules(report.rules))) {
    out += text_line(
        "FMR", f.ipv4_prefix.to_string() + " (rule " + std::to_string(f.rule_index + 1) + ")");
  }
  return out;
}

std::string map_report_json(const MapReport& report) {
  const s46::ScriptRule& sr = report.rules[report.bmr_index];
  const s46::Rule rule = s46::script_rule_as_rule(sr);
  const s46::MapResult& r = report.result;
  JsonWriter w;
  w.begin_object();
  w.key("type").string(s46::mechanism_name(sr.type));
  w.key("bmr_index").number(static_cast<int64_t>(report.bmr_index));
  w.key("ipv6_rule").string(rule.ipv6_prefix.to_string());
  w.key("ipv4_rule").string(rule.ipv4_prefix.to_string());
  w.key("ea_len").number(rule.ea_len);
  w.key("end_user_prefix").string(report.end_user_prefix.to_string());
  w.key("ea_bits").number(static_cast<int64_t>(r.ea_bits));
  w.key("address_kind").string(kind_name(r.kind));
  w.key("ipv4").string(r.ipv4.address.to_string());
  w.key("ipv4_len").number(r.ipv4.length);
  w.key("ce_ipv6").string(r.ce_address.to_string());
  w.key("interface_id").string(format_interface_id(r.interface_id));
  w.key("legacy").boolean(report.options.layout == s46::IidLayout::kLegacy);
  w.key("psid_source").string(psid_source_name(r.psid_source));
  write_port_set_members(w, r.ports ? *r.ports : PortSet::full());
  w.key("brs").begin_array();
  for (const Ipv6Address& br : sr.brs)
    w.string(br.to_string());
  w.end_array();
  if (sr.dmr) {
    w.key("dmr").string(sr.dmr->to_string());
  } else {
    w.key("dmr").null();
  }
  w.key("fmrs").begin_array();
  for (const s46::FmrRoute& f : s46::fmr_routes(plain_rules(report.rules))) {
    w.begin_object();
    w.key("ipv4_prefix").string(f.ipv4_prefix.to_string());
    w.key("rule_index").number(static_cast<int64_t>(f.rule_index));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace lwb4::calc
