#include "lwb4/dhcp6/dhcp4o6.hpp"

#include <utility>

#include "lwb4/dhcp6/message.hpp"
#include "lwb4/dhcp6/s46_options.hpp"

namespace lwb4::dhcp6 {
namespace {

// The typed options of `m` other than ORO, DHCPV4_MSG, top-level S46_BR and
// S46_BIND_IPV6_PREFIX, by code.
std::vector<uint16_t> unexpected_typed(const Message& m) {
  std::vector<uint16_t> codes;
  if (m.client_id) codes.push_back(kOptClientId);
  if (m.server_id) codes.push_back(kOptServerId);
  if (m.elapsed_time) codes.push_back(kOptElapsedTime);
  if (m.status) codes.push_back(kOptStatusCode);
  if (m.dns_servers) codes.push_back(kOptDnsServers);
  if (m.domain_list) codes.push_back(kOptDomainList);
  if (!m.ia_pds.empty()) codes.push_back(kOptIaPd);
  if (m.information_refresh_time) codes.push_back(kOptInformationRefreshTime);
  if (m.sol_max_rt) codes.push_back(kOptSolMaxRt);
  if (m.inf_max_rt) codes.push_back(kOptInfMaxRt);
  if (m.dhcp4o6_servers) codes.push_back(kOptDhcp4oDhcp6Server);
  for (const s46::Container& c : m.containers)
    codes.push_back(container_code(c.mechanism));
  if (m.s46_priority) codes.push_back(kOptS46Priority);
  return codes;
}

Status check_dhcpv4_msg(const Message& m) {
  if (!m.dhcpv4_msg) return make_error("missing option 87 (DHCPV4_MSG, RFC 7341 §6.2)");
  if (m.dhcpv4_msg->empty()) return make_error("option 87 (DHCPV4_MSG) is empty");
  return {};
}

Status check_oro(const std::vector<uint16_t>& oro) {
  for (uint16_t code : oro) {
    if (code == kOptDhcp4oDhcp6Server) {
      return make_error("ORO lists option 88, not allowed in DHCPV4-QUERY (RFC 7341 §7.2)");
    }
  }
  return {};
}

}  // namespace

Result<std::vector<uint8_t>> encode_dhcpv4_query(const Dhcpv4Query& query) {
  if (Status s = check_oro(query.oro); !s) return s.error();
  Message m;
  m.type = MessageType::kDhcpv4Query;
  m.transaction_id = query.unicast ? kDhcpv4QueryFlagUnicast : 0;
  if (!query.oro.empty()) m.oro = query.oro;
  m.dhcpv4_msg = query.dhcpv4;
  m.other = query.other;
  if (Status s = check_dhcpv4_msg(m); !s) return s.error();
  return encode_message(m);
}

Result<Dhcpv4Query> decode_dhcpv4_query(wire::Bytes packet) {
  auto m = decode_message(packet);
  if (!m) return m.error();
  if (m->type != MessageType::kDhcpv4Query) {
    return make_error("not a DHCPV4-QUERY: message type %u (%s)", static_cast<unsigned>(m->type),
                      message_type_name(m->type));
  }
  if (Status s = check_dhcpv4_msg(*m); !s) return s.error();
  if (std::vector<uint16_t> extra = unexpected_typed(*m); !extra.empty()) {
    return make_error("option %u (%s) not expected in DHCPV4-QUERY", extra[0],
                      option_name(extra[0]));
  }
  if (!m->s46_brs.empty() || m->s46_bind_prefix) {
    return make_error("S46 options not expected in DHCPV4-QUERY");
  }
  if (!m->ignored.empty()) return make_error("DHCPV4-QUERY: %s", m->ignored[0].c_str());
  Dhcpv4Query q;
  if (m->oro) {
    if (Status s = check_oro(*m->oro); !s) return s.error();
    q.oro = std::move(*m->oro);
  }
  q.unicast = (m->transaction_id & kDhcpv4QueryFlagUnicast) != 0;
  q.dhcpv4 = std::move(*m->dhcpv4_msg);
  q.other = std::move(m->other);
  return q;
}

Result<std::vector<uint8_t>> encode_dhcpv4_response(const Dhcpv4Response& response) {
  Message m;
  m.type = MessageType::kDhcpv4Response;
  m.transaction_id = 0;  // RFC 7341 §6.4: flags are zero
  m.dhcpv4_msg = response.dhcpv4;
  m.s46_brs = response.s46_brs;
  m.s46_bind_prefix = response.s46_bind_prefix;
  m.other = response.other;
  if (Status s = check_dhcpv4_msg(m); !s) return s.error();
  return encode_message(m);
}

Result<Dhcpv4Response> decode_dhcpv4_response(wire::Bytes packet) {
  auto m = decode_message(packet);
  if (!m) return m.error();
  if (m->type != MessageType::kDhcpv4Response) {
    return make_error("not a DHCPV4-RESPONSE: message type %u (%s)", static_cast<unsigned>(m->type),
                      message_type_name(m->type));
  }
  if (Status s = check_dhcpv4_msg(*m); !s) return s.error();
  Dhcpv4Response out;
  out.dhcpv4 = std::move(*m->dhcpv4_msg);
  out.s46_brs = std::move(m->s46_brs);
  out.s46_bind_prefix = m->s46_bind_prefix;
  out.other = std::move(m->other);
  out.ignored = std::move(m->ignored);
  // RFC 7341 §6.2: only options for IPv4 configuration belong here.
  if (m->oro) out.ignored.push_back("option 6 (ORO) not expected in DHCPV4-RESPONSE");
  for (uint16_t code : unexpected_typed(*m)) {
    out.ignored.push_back(
        make_error("option %u (%s) not expected in DHCPV4-RESPONSE", code, option_name(code))
            .reason());
  }
  return out;
}

}  // namespace lwb4::dhcp6
