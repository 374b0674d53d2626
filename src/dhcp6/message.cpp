#include "lwb4/dhcp6/message.hpp"

#include <utility>

#include "lwb4/dhcp6/domain_list.hpp"
#include "lwb4/dhcp6/s46_options.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp6 {
namespace {

bool known_type(uint8_t type) {
  return (type >= 1 && type <= 13) || type == 20 || type == 21;
}

bool relay_type(uint8_t type) {
  return type == static_cast<uint8_t>(MessageType::kRelayForw) ||
         type == static_cast<uint8_t>(MessageType::kRelayRepl);
}

Error duplicate(uint16_t code) {
  return make_error("option %u (%s): appears more than once (RFC 8415 §21)", code,
                    option_name(code));
}

Result<std::vector<Ipv6Address>> decode_addresses(const OptionView& option) {
  if (option.data.size() % 16 != 0) {
    return make_error("option %u: length %zu, not a multiple of 16", option.code,
                      option.data.size());
  }
  std::vector<Ipv6Address> out;
  wire::Reader r(option.data);
  while (!r.empty())
    out.push_back(Ipv6Address{r.array<16>()});
  return out;
}

uint32_t read_u32(const OptionView& option) {
  wire::Reader r(option.data);
  return r.u32();
}

class Decoder {
 public:
  explicit Decoder(Message& m) : m_(m) {}

  Status option(const OptionView& o) {
    switch (o.code) {
      case kOptClientId:
        return duid(o, m_.client_id);
      case kOptServerId:
        return duid(o, m_.server_id);
      case kOptOro: {
        if (m_.oro) return duplicate(o.code);
        // RFC 8415 §21.7: a list of 16-bit codes; an empty list is legal.
        if (o.data.size() % 2 != 0) {
          return make_error("option 6: length %zu is odd", o.data.size());
        }
        std::vector<uint16_t> codes;
        wire::Reader r(o.data);
        while (!r.empty())
          codes.push_back(r.u16());
        m_.oro = std::move(codes);
        return {};
      }
      case kOptElapsedTime: {
        if (m_.elapsed_time) return duplicate(o.code);
        if (Status s = expect_length(o, 2); !s) return s;
        wire::Reader r(o.data);
        m_.elapsed_time = r.u16();
        return {};
      }
      case kOptStatusCode: {
        if (m_.status) return duplicate(o.code);
        auto status = decode_status_code(o.data);
        if (!status) return status.error();
        m_.status = std::move(*status);
        return {};
      }
      case kOptDnsServers:
        return addresses(o, m_.dns_servers);
      case kOptDomainList: {
        if (m_.domain_list) return duplicate(o.code);
        auto names = decode_domain_list(o.data);
        if (!names) return names.error().wrap("option 24");
        m_.domain_list = std::move(*names);
        return {};
      }
      case kOptIaPd: {
        auto ia = decode_ia_pd(o.data, o.offset + 4);
        if (!ia) return ia.error();
        m_.ia_pds.push_back(std::move(*ia));
        return {};
      }
      case kOptInformationRefreshTime:
        return u32(o, m_.information_refresh_time);
      case kOptSolMaxRt:
        return u32(o, m_.sol_max_rt);
      case kOptInfMaxRt:
        return u32(o, m_.inf_max_rt);
      case kOptDhcpv4Msg:
        // RFC 7341 §7.1: exactly one DHCPv4 message per DHCP 4o6 message.
        if (m_.dhcpv4_msg) return duplicate(o.code);
        m_.dhcpv4_msg.emplace(o.data.begin(), o.data.end());
        return {};
      case kOptDhcp4oDhcp6Server:
        // RFC 7341 §7.2: 0..N addresses; order and duplicates are kept.
        return addresses(o, m_.dhcp4o6_servers);
      case kOptS46Rule:
      case kOptS46Dmr:
      case kOptS46V4V6Bind:
      case kOptS46PortParams:
        // RFC 7598 §5: S46 options outside a container are silently ignored.
        note(make_error("option %u (%s) outside a container (RFC 7598 §5)", o.code,
                        option_name(o.code)));
        return {};
      case kOptS46Br: {
        // RFC 8539 allows S46_BR at top level, possibly more than once.
        auto br = decode_s46_br(o.data);
        if (br) {
          m_.s46_brs.push_back(*br);
        } else {
          note(br.error());
        }
        return {};
      }
      case kOptS46ContMapE:
      case kOptS46ContMapT:
      case kOptS46ContLw: {
        auto container = decode_s46_container(o.code, o.data);
        if (container) {
          m_.containers.push_back(std::move(*container));
        } else {
          note(container.error());
        }
        return {};
      }
      case kOptS46Priority: {
        // RFC 8026 §4: singleton; an invalid list counts as absent.
        if (seen_priority_) {
          note(make_error("S46_PRIORITY: more than one option, keeping the first"));
          return {};
        }
        seen_priority_ = true;
        auto codes = decode_s46_priority(o.data);
        if (codes) {
          m_.s46_priority = std::move(*codes);
        } else {
          note(codes.error());
        }
        return {};
      }
      case kOptS46BindIpv6Prefix: {
        // RFC 8539: singleton; an invalid option is ignored.
        if (seen_bind_prefix_) {
          note(make_error("S46_BIND_IPV6_PREFIX: more than one option, keeping the first"));
          return {};
        }
        seen_bind_prefix_ = true;
        auto prefix = decode_s46_bind_ipv6_prefix(o.data);
        if (prefix) {
          m_.s46_bind_prefix = *prefix;
        } else {
          note(prefix.error());
        }
        return {};
      }
      default:
        m_.other.push_back(RawOption{o.code, {o.data.begin(), o.data.end()}});
        return {};
    }
  }

 private:
  void note(const Error& e) { m_.ignored.push_back(e.reason()); }

  Status duid(const OptionView& o, std::optional<Duid>& field) {
    if (field) return duplicate(o.code);
    auto d = Duid::from_bytes(o.data);
    if (!d) return d.error().wrap(make_error("option %u", o.code).reason());
    field = std::move(*d);
    return {};
  }

  Status addresses(const OptionView& o, std::optional<std::vector<Ipv6Address>>& field) {
    if (field) return duplicate(o.code);
    auto list = decode_addresses(o);
    if (!list) return list.error();
    field = std::move(*list);
    return {};
  }

  Status u32(const OptionView& o, std::optional<uint32_t>& field) {
    if (field) return duplicate(o.code);
    if (Status s = expect_length(o, 4); !s) return s;
    field = read_u32(o);
    return {};
  }

  Message& m_;
  bool seen_priority_ = false;
  bool seen_bind_prefix_ = false;
};

Status write_u16_list(wire::Writer& w, uint16_t code, const std::vector<uint16_t>& values) {
  OptionStart start = begin_option(w, code);
  for (uint16_t v : values)
    w.u16(v);
  return end_option(w, start);
}

Status write_u32(wire::Writer& w, uint16_t code, uint32_t value) {
  OptionStart start = begin_option(w, code);
  w.u32(value);
  return end_option(w, start);
}

Status write_addresses(wire::Writer& w, uint16_t code, const std::vector<Ipv6Address>& list) {
  OptionStart start = begin_option(w, code);
  for (const Ipv6Address& a : list)
    w.bytes(a.bytes);
  return end_option(w, start);
}

Status encode_options(wire::Writer& w, const Message& m) {
  if (m.client_id) {
    if (Status s = write_option(w, kOptClientId, m.client_id->bytes()); !s) return s;
  }
  if (m.server_id) {
    if (Status s = write_option(w, kOptServerId, m.server_id->bytes()); !s) return s;
  }
  if (m.oro) {
    if (Status s = write_u16_list(w, kOptOro, *m.oro); !s) return s;
  }
  if (m.elapsed_time) {
    OptionStart start = begin_option(w, kOptElapsedTime);
    w.u16(*m.elapsed_time);
    if (Status s = end_option(w, start); !s) return s;
  }
  if (m.status) {
    if (Status s = encode_status_code(w, *m.status); !s) return s;
  }
  if (m.dns_servers) {
    if (Status s = write_addresses(w, kOptDnsServers, *m.dns_servers); !s) return s;
  }
  if (m.domain_list) {
    OptionStart start = begin_option(w, kOptDomainList);
    if (Status s = encode_domain_list(w, *m.domain_list); !s) return s.error().wrap("option 24");
    if (Status s = end_option(w, start); !s) return s;
  }
  for (const IaPd& ia : m.ia_pds) {
    if (Status s = encode_ia_pd(w, ia); !s) return s;
  }
  if (m.information_refresh_time) {
    if (Status s = write_u32(w, kOptInformationRefreshTime, *m.information_refresh_time); !s) {
      return s;
    }
  }
  if (m.sol_max_rt) {
    if (Status s = write_u32(w, kOptSolMaxRt, *m.sol_max_rt); !s) return s;
  }
  if (m.inf_max_rt) {
    if (Status s = write_u32(w, kOptInfMaxRt, *m.inf_max_rt); !s) return s;
  }
  if (m.dhcpv4_msg) {
    if (Status s = write_option(w, kOptDhcpv4Msg, *m.dhcpv4_msg); !s) return s;
  }
  if (m.dhcp4o6_servers) {
    if (Status s = write_addresses(w, kOptDhcp4oDhcp6Server, *m.dhcp4o6_servers); !s) return s;
  }
  for (const Ipv6Address& br : m.s46_brs) {
    if (Status s = encode_s46_br(w, br); !s) return s;
  }
  for (const s46::Container& c : m.containers) {
    if (Status s = encode_s46_container(w, c); !s) return s;
  }
  if (m.s46_priority) {
    if (Status s = encode_s46_priority(w, *m.s46_priority); !s) return s;
  }
  if (m.s46_bind_prefix) {
    if (Status s = encode_s46_bind_ipv6_prefix(w, *m.s46_bind_prefix); !s) return s;
  }
  for (const RawOption& o : m.other) {
    if (is_typed_option(o.code)) {
      return make_error("option %u (%s) belongs in its typed field, not in `other`", o.code,
                        option_name(o.code));
    }
    if (Status s = write_option(w, o.code, o.data); !s) return s;
  }
  return {};
}

}  // namespace

const char* message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kSolicit:
      return "SOLICIT";
    case MessageType::kAdvertise:
      return "ADVERTISE";
    case MessageType::kRequest:
      return "REQUEST";
    case MessageType::kConfirm:
      return "CONFIRM";
    case MessageType::kRenew:
      return "RENEW";
    case MessageType::kRebind:
      return "REBIND";
    case MessageType::kReply:
      return "REPLY";
    case MessageType::kRelease:
      return "RELEASE";
    case MessageType::kDecline:
      return "DECLINE";
    case MessageType::kReconfigure:
      return "RECONFIGURE";
    case MessageType::kInformationRequest:
      return "INFORMATION-REQUEST";
    case MessageType::kRelayForw:
      return "RELAY-FORW";
    case MessageType::kRelayRepl:
      return "RELAY-REPL";
    case MessageType::kDhcpv4Query:
      return "DHCPV4-QUERY";
    case MessageType::kDhcpv4Response:
      return "DHCPV4-RESPONSE";
  }
  return "unknown";
}

bool is_typed_option(uint16_t code) {
  switch (code) {
    case kOptClientId:
    case kOptServerId:
    case kOptOro:
    case kOptElapsedTime:
    case kOptStatusCode:
    case kOptDnsServers:
    case kOptDomainList:
    case kOptIaPd:
    case kOptInformationRefreshTime:
    case kOptSolMaxRt:
    case kOptInfMaxRt:
    case kOptDhcpv4Msg:
    case kOptDhcp4oDhcp6Server:
    case kOptS46Priority:
    case kOptS46BindIpv6Prefix:
      return true;
    default:
      return code >= kOptS46Rule && code <= kOptS46ContLw;
  }
}

Result<Message> decode_message(wire::Bytes packet) {
  wire::Reader r(packet);
  uint8_t type = r.u8();
  uint32_t xid = r.u24();
  if (!r.ok()) {
    return make_error("message truncated: %zu bytes, the header needs %zu", packet.size(),
                      kHeaderLength);
  }
  if (relay_type(type)) {
    return make_error("relay message (type %u) is not for a client (RFC 8415 §9)", type);
  }
  if (!known_type(type)) return make_error("unknown message type %u (RFC 8415 §16)", type);
  auto options = split_options(r.rest(), kHeaderLength);
  if (!options) return options.error();
  Message m;
  m.type = static_cast<MessageType>(type);
  m.transaction_id = xid;
  Decoder decoder(m);
  for (const OptionView& o : *options) {
    if (Status s = decoder.option(o); !s) return s.error();
  }
  return m;
}

Result<std::vector<uint8_t>> encode_message(const Message& m) {
  uint8_t type = static_cast<uint8_t>(m.type);
  if (relay_type(type) || !known_type(type)) {
    return make_error("cannot encode message type %u with the client/server layout", type);
  }
  if (m.transaction_id > kMaxTransactionId) {
    return make_error("transaction id 0x%x does not fit 24 bits", m.transaction_id);
  }
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u8(type);
  w.u24(m.transaction_id);
  if (Status s = encode_options(w, m); !s) return s.error();
  return out;
}

}  // namespace lwb4::dhcp6
