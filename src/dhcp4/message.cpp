#include "lwb4/dhcp4/message.hpp"

#include <algorithm>
#include <limits>

#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp4 {
namespace {

constexpr size_t kMaxOptionValue = 255;  // one length byte, RFC 2132 §2

// One occurrence of an option, as found in one option area.
struct Instance {
  uint8_t code;
  wire::Bytes value;
};

// An option after RFC 3396 concatenation of all its instances.
struct Aggregate {
  uint8_t code;
  std::vector<uint8_t> value;
};

// Walks one option area (RFC 2132 §2): Pad is skipped (§3.1) and End (§3.2)
// terminates; an area without End is malformed. `base` is the area's offset
// in the message, so that reasons name absolute offsets.
Status walk_area(wire::Bytes area, size_t base, const char* area_name, std::vector<Instance>& out) {
  wire::Reader r(area);
  while (!r.empty()) {
    const size_t at = base + r.offset();
    const uint8_t code = r.u8();
    if (code == kOptPad) continue;
    if (code == kOptEnd) return {};
    if (r.empty()) {
      return make_error("%s: option %u at offset %zu: truncated header", area_name, code, at);
    }
    const uint8_t length = r.u8();
    if (!r.has(length)) {
      return make_error("%s: option %u at offset %zu: length %u, only %zu bytes left", area_name,
                        code, at, length, r.remaining());
    }
    out.push_back({code, r.bytes(length)});
  }
  return make_error("%s: missing End", area_name);
}

// RFC 3396: all instances of a code are concatenated, in the order of the
// aggregate buffer (options, then file, then sname), before interpretation.
std::vector<Aggregate> concatenate(const std::vector<Instance>& instances) {
  constexpr size_t kNone = std::numeric_limits<size_t>::max();
  std::array<size_t, 256> index;
  index.fill(kNone);
  std::vector<Aggregate> out;
  for (const Instance& inst : instances) {
    if (index[inst.code] == kNone) {
      index[inst.code] = out.size();
      out.push_back({inst.code, {}});
    }
    std::vector<uint8_t>& value = out[index[inst.code]].value;
    value.insert(value.end(), inst.value.begin(), inst.value.end());
  }
  return out;
}

uint32_t load_u32(wire::Bytes b) {
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

Ipv4Address load_ipv4(wire::Bytes b) {
  return Ipv4Address{{b[0], b[1], b[2], b[3]}};
}

Status expect_length(uint8_t code, size_t length, size_t expected) {
  if (length != expected) {
    return make_error("option %u: length %zu, expected %zu", code, length, expected);
  }
  return {};
}

Status expect_min_length(uint8_t code, size_t length, size_t minimum) {
  if (length < minimum) {
    return make_error("option %u: length %zu, expected at least %zu", code, length, minimum);
  }
  return {};
}

// Address lists (routers §3.5, DNS §3.8): a non-empty multiple of 4 bytes.
Result<std::vector<Ipv4Address>> address_list(uint8_t code, wire::Bytes value) {
  if (value.empty() || value.size() % 4 != 0) {
    return make_error("option %u: length %zu, expected a non-zero multiple of 4", code,
                      value.size());
  }
  std::vector<Ipv4Address> out;
  for (size_t i = 0; i < value.size(); i += 4)
    out.push_back(load_ipv4(value.subspan(i, 4)));
  return out;
}

Status apply_fixed_u32(uint8_t code, wire::Bytes value, std::optional<uint32_t>& field) {
  if (Status s = expect_length(code, value.size(), 4); !s) return s;
  field = load_u32(value);
  return {};
}

Status apply_fixed_ipv4(uint8_t code, wire::Bytes value, std::optional<Ipv4Address>& field) {
  if (Status s = expect_length(code, value.size(), 4); !s) return s;
  field = load_ipv4(value);
  return {};
}

// Interprets one concatenated option into its typed field, or keeps it raw.
Status apply_option(Message& m, uint8_t code, const std::vector<uint8_t>& bytes) {
  const wire::Bytes value(bytes);
  switch (code) {
    case kOptSubnetMask:
      return apply_fixed_ipv4(code, value, m.subnet_mask);
    case kOptRouter:
    case kOptDnsServers: {
      auto list = address_list(code, value);
      if (!list) return list.error();
      (code == kOptRouter ? m.routers : m.dns_servers) = std::move(*list);
      return {};
    }
    case kOptRequestedIp:
      return apply_fixed_ipv4(code, value, m.requested_ip);
    case kOptLeaseTime:
      return apply_fixed_u32(code, value, m.lease_time);
    case kOptMessageType: {
      if (Status s = expect_length(code, value.size(), 1); !s) return s;
      // RFC 2132 §9.6: types 1..8.
      if (value[0] < static_cast<uint8_t>(MessageType::kDiscover) ||
          value[0] > static_cast<uint8_t>(MessageType::kInform)) {
        return make_error("option 53: message type %u, expected 1..8", value[0]);
      }
      m.message_type = static_cast<MessageType>(value[0]);
      return {};
    }
    case kOptServerId:
      return apply_fixed_ipv4(code, value, m.server_id);
    case kOptParameterList:
      // RFC 2132 §9.8: minimum length 1.
      if (Status s = expect_min_length(code, value.size(), 1); !s) return s;
      m.parameter_request_list = bytes;
      return {};
    case kOptMaxMessageSize: {
      if (Status s = expect_length(code, value.size(), 2); !s) return s;
      const uint16_t size = static_cast<uint16_t>(value[0] << 8 | value[1]);
      // RFC 2132 §9.10: the minimum legal value is 576.
      if (size < kMinMaxMessageSize) {
        return make_error("option 57: max message size %u, expected at least %u", size,
                          kMinMaxMessageSize);
      }
      m.max_message_size = size;
      return {};
    }
    case kOptRenewalTime:
      return apply_fixed_u32(code, value, m.renewal_time);
    case kOptRebindingTime:
      return apply_fixed_u32(code, value, m.rebinding_time);
    case kOptClientId:
      // RFC 2132 §9.14: type + at least one byte of identifier.
      if (Status s = expect_min_length(code, value.size(), 2); !s) return s;
      m.client_id = bytes;
      return {};
    case kOptS46SourceAddress: {
      // RFC 8539: exactly one IPv6 address.
      if (Status s = expect_length(code, value.size(), 16); !s) return s;
      Ipv6Address address;
      std::copy(value.begin(), value.end(), address.bytes.begin());
      m.s46_source_address = address;
      return {};
    }
    case kOptPortParams: {
      // RFC 7618 §4: offset(8) PSID-len(8) PSID(16).
      if (Status s = expect_length(code, value.size(), kPortParamsLength); !s) return s;
      auto ports = read_port_params(value);
      if (!ports) return ports.error().wrap("option 159");
      m.port_params = *ports;
      return {};
    }
    default:
      m.other.push_back({code, bytes});
      return {};
  }
}

// RFC 3396: a value longer than 255 bytes goes out as consecutive instances.
void put_option(wire::Writer& w, uint8_t code, wire::Bytes value) {
  size_t pos = 0;
  do {
    const size_t n = std::min(value.size() - pos, kMaxOptionValue);
    w.u8(code);
    w.u8(static_cast<uint8_t>(n));
    w.bytes(value.subspan(pos, n));
    pos += n;
  } while (pos < value.size());
}

void put_u32(wire::Writer& w, uint8_t code, uint32_t v) {
  const uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                        static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  put_option(w, code, b);
}

void put_addresses(wire::Writer& w, uint8_t code, const std::vector<Ipv4Address>& list) {
  if (list.empty()) return;
  std::vector<uint8_t> value;
  for (const Ipv4Address& a : list)
    value.insert(value.end(), a.bytes.begin(), a.bytes.end());
  put_option(w, code, value);
}

}  // namespace

const char* message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kDiscover:
      return "DHCPDISCOVER";
    case MessageType::kOffer:
      return "DHCPOFFER";
    case MessageType::kRequest:
      return "DHCPREQUEST";
    case MessageType::kDecline:
      return "DHCPDECLINE";
    case MessageType::kAck:
      return "DHCPACK";
    case MessageType::kNak:
      return "DHCPNAK";
    case MessageType::kRelease:
      return "DHCPRELEASE";
    case MessageType::kInform:
      return "DHCPINFORM";
  }
  return "DHCP(unknown)";
}

const RawOption* Message::find_other(uint8_t code) const {
  for (const RawOption& o : other) {
    if (o.code == code) return &o;
  }
  return nullptr;
}

Result<Message> decode_message(std::span<const uint8_t> data) {
  if (data.size() < kFixedHeaderLength) {
    return make_error("message too short: %zu bytes, the fixed header is %zu", data.size(),
                      kFixedHeaderLength);
  }
  if (data.size() < kOptionsOffset) {
    return make_error("truncated magic cookie: %zu bytes, need %zu", data.size(), kOptionsOffset);
  }

  Message m;
  wire::Reader r(data);
  m.op = r.u8();
  m.htype = r.u8();
  m.hlen = r.u8();
  m.hops = r.u8();
  m.xid = r.u32();
  m.secs = r.u16();
  m.flags = r.u16();
  m.ciaddr.bytes = r.array<4>();
  m.yiaddr.bytes = r.array<4>();
  m.siaddr.bytes = r.array<4>();
  m.giaddr.bytes = r.array<4>();
  m.chaddr = r.array<16>();
  m.sname = r.array<64>();
  m.file = r.array<128>();
  const auto cookie = r.array<4>();
  const wire::Bytes options = r.rest();
  if (!r.ok()) return make_error("truncated header");
  // RFC 2131 §3: the options field starts with the magic cookie.
  if (cookie != kMagicCookie) {
    return make_error("bad magic cookie %02x %02x %02x %02x", cookie[0], cookie[1], cookie[2],
                      cookie[3]);
  }

  std::vector<Instance> instances;
  if (Status s = walk_area(options, kOptionsOffset, "options", instances); !s) return s.error();

  // RFC 2132 §9.3: option 52 in the options field says whether file (1),
  // sname (2) or both (3) carry further options.
  std::vector<uint8_t> overload_value;
  bool has_overload = false;
  for (const Instance& inst : instances) {
    if (inst.code != kOptOverload) continue;
    has_overload = true;
    overload_value.insert(overload_value.end(), inst.value.begin(), inst.value.end());
  }
  uint8_t overload = 0;
  if (has_overload) {
    if (Status s = expect_length(kOptOverload, overload_value.size(), 1); !s) return s.error();
    overload = overload_value[0];
    if (overload < kOverloadFile || overload > kOverloadBoth) {
      return make_error("option 52: value %u, expected 1, 2 or 3", overload);
    }
  }
  const size_t from_options = instances.size();
  // RFC 2131 §4.1 / RFC 3396: file is interpreted before sname.
  if (overload & kOverloadFile) {
    if (Status s = walk_area(wire::Bytes(data).subspan(kFileOffset, m.file.size()), kFileOffset,
                             "file (overloaded)", instances);
        !s) {
      return s.error();
    }
    m.file.fill(0);
  }
  if (overload & kOverloadSname) {
    if (Status s = walk_area(wire::Bytes(data).subspan(kSnameOffset, m.sname.size()), kSnameOffset,
                             "sname (overloaded)", instances);
        !s) {
      return s.error();
    }
    m.sname.fill(0);
  }
  for (size_t i = from_options; i < instances.size(); ++i) {
    // RFC 2132 §9.3: the overload option is only valid in the options field.
    if (instances[i].code == kOptOverload) {
      return make_error("option 52: only allowed in the options field");
    }
  }

  for (const Aggregate& opt : concatenate(instances)) {
    if (opt.code == kOptOverload) continue;
    if (Status s = apply_option(m, opt.code, opt.value); !s) return s.error();
  }
  return m;
}

std::vector<uint8_t> encode_message(const Message& m, size_t min_size) {
  std::vector<uint8_t> out;
  out.reserve(std::max<size_t>(min_size, kOptionsOffset + 64));
  wire::Writer w(out);
  w.u8(m.op);
  w.u8(m.htype);
  w.u8(m.hlen);
  w.u8(m.hops);
  w.u32(m.xid);
  w.u16(m.secs);
  w.u16(m.flags);
  w.bytes(m.ciaddr.bytes);
  w.bytes(m.yiaddr.bytes);
  w.bytes(m.siaddr.bytes);
  w.bytes(m.giaddr.bytes);
  w.bytes(m.chaddr);
  w.bytes(m.sname);
  w.bytes(m.file);
  w.bytes(kMagicCookie);

  // Canonical order (our choice; RFC 2131 imposes none): 53 first, the
  // typed options by code, then the raw ones as stored.
  if (m.message_type) {
    const uint8_t type = static_cast<uint8_t>(*m.message_type);
    put_option(w, kOptMessageType, wire::Bytes(&type, 1));
  }
  if (m.subnet_mask) put_option(w, kOptSubnetMask, m.subnet_mask->bytes);
  put_addresses(w, kOptRouter, m.routers);
  put_addresses(w, kOptDnsServers, m.dns_servers);
  if (m.requested_ip) put_option(w, kOptRequestedIp, m.requested_ip->bytes);
  if (m.lease_time) put_u32(w, kOptLeaseTime, *m.lease_time);
  if (m.server_id) put_option(w, kOptServerId, m.server_id->bytes);
  if (!m.parameter_request_list.empty()) {
    put_option(w, kOptParameterList, m.parameter_request_list);
  }
  if (m.max_message_size) {
    const uint8_t b[2] = {static_cast<uint8_t>(*m.max_message_size >> 8),
                          static_cast<uint8_t>(*m.max_message_size)};
    put_option(w, kOptMaxMessageSize, b);
  }
  if (m.renewal_time) put_u32(w, kOptRenewalTime, *m.renewal_time);
  if (m.rebinding_time) put_u32(w, kOptRebindingTime, *m.rebinding_time);
  if (!m.client_id.empty()) put_option(w, kOptClientId, m.client_id);
  if (m.s46_source_address) put_option(w, kOptS46SourceAddress, m.s46_source_address->bytes);
  if (m.port_params) {
    w.u8(kOptPortParams);
    w.u8(static_cast<uint8_t>(kPortParamsLength));
    write_port_params(w, *m.port_params);
  }
  for (const RawOption& o : m.other)
    put_option(w, o.code, o.data);
  w.u8(kOptEnd);
  // RFC 2132 §3.2: what follows End is padding.
  if (out.size() < min_size) w.zeros(min_size - out.size());
  return out;
}

}  // namespace lwb4::dhcp4
