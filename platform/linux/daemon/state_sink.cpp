#include "daemon/state_sink.hpp"

namespace lwb4::platform {

std::string describe_state(const client::DesiredState& s) {
  std::string out = std::string(client::mode_name(s.mode)) + " " + s.ipv4.to_string();
  if (s.ports.is_full()) {
    out += " (all ports)";
  } else {
    out += " (" + s.ports.describe() + ": " + std::to_string(s.ports.count()) + " ports)";
  }
  out += " softwire " + s.softwire_source.to_string();
  if (s.source_is_constructed) out += " (added)";
  out += " -> BR " + s.br.to_string();
  if (!s.dns_servers.empty()) {
    out += " dns";
    for (const Ipv4Address& a : s.dns_servers)
      out += " " + a.to_string();
  }
  return out;
}

Status LoggingStateSink::apply(const client::DesiredState& state) {
  log_.logf(LogLevel::kNotice, "apply: %s", describe_state(state).c_str());
  return {};
}

Status LoggingStateSink::withdraw(std::string_view reason) {
  log_.logf(LogLevel::kNotice, "withdraw: %.*s", static_cast<int>(reason.size()), reason.data());
  return {};
}

}  // namespace lwb4::platform
