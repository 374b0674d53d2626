#include "lwb4/dhcp6/options.hpp"

namespace lwb4::dhcp6 {

const char* option_name(uint16_t code) {
  switch (code) {
    case kOptClientId:
      return "CLIENTID";
    case kOptServerId:
      return "SERVERID";
    case kOptOro:
      return "ORO";
    case kOptElapsedTime:
      return "ELAPSED_TIME";
    case kOptStatusCode:
      return "STATUS_CODE";
    case kOptDnsServers:
      return "DNS_SERVERS";
    case kOptDomainList:
      return "DOMAIN_LIST";
    case kOptIaPd:
      return "IA_PD";
    case kOptIaPrefix:
      return "IAPREFIX";
    case kOptInformationRefreshTime:
      return "INFORMATION_REFRESH_TIME";
    case kOptSolMaxRt:
      return "SOL_MAX_RT";
    case kOptInfMaxRt:
      return "INF_MAX_RT";
    case kOptDhcpv4Msg:
      return "DHCPV4_MSG";
    case kOptDhcp4oDhcp6Server:
      return "DHCP4_O_DHCP6_SERVER";
    case kOptS46Rule:
      return "S46_RULE";
    case kOptS46Br:
      return "S46_BR";
    case kOptS46Dmr:
      return "S46_DMR";
    case kOptS46V4V6Bind:
      return "S46_V4V6BIND";
    case kOptS46PortParams:
      return "S46_PORTPARAMS";
    case kOptS46ContMapE:
      return "S46_CONT_MAPE";
    case kOptS46ContMapT:
      return "S46_CONT_MAPT";
    case kOptS46ContLw:
      return "S46_CONT_LW";
    case kOptS46Priority:
      return "S46_PRIORITY";
    case kOptS46BindIpv6Prefix:
      return "S46_BIND_IPV6_PREFIX";
    default:
      return "unknown";
  }
}

Result<std::vector<OptionView>> split_options(wire::Bytes area, size_t base_offset) {
  std::vector<OptionView> out;
  wire::Reader r(area);
  while (!r.empty()) {
    size_t at = base_offset + r.offset();
    if (!r.has(4)) {
      return make_error("option header truncated at offset %zu (%zu bytes left, need 4)", at,
                        r.remaining());
    }
    uint16_t code = r.u16();
    uint16_t len = r.u16();
    if (!r.has(len)) {
      return make_error("option %u at offset %zu: length %u runs past the end (%zu bytes left)",
                        code, at, len, r.remaining());
    }
    out.push_back(OptionView{code, r.bytes(len), at});
  }
  return out;
}

Status expect_length(const OptionView& option, size_t want) {
  if (option.data.size() != want) {
    return make_error("option %u: length %zu, expected %zu", option.code, option.data.size(), want);
  }
  return {};
}

Result<StatusCode> decode_status_code(wire::Bytes body) {
  wire::Reader r(body);
  StatusCode status;
  status.code = r.u16();
  if (!r.ok()) {
    return make_error("option %u: length %zu, expected at least 2", kOptStatusCode, body.size());
  }
  wire::Bytes text = r.rest();
  status.message.assign(text.begin(), text.end());
  return status;
}

Status encode_status_code(wire::Writer& w, const StatusCode& status) {
  OptionStart start = begin_option(w, kOptStatusCode);
  w.u16(status.code);
  w.bytes({reinterpret_cast<const uint8_t*>(status.message.data()), status.message.size()});
  return end_option(w, start);
}

OptionStart begin_option(wire::Writer& w, uint16_t code) {
  OptionStart start{w.size(), code};
  w.u16(code);
  w.u16(0);
  return start;
}

Status end_option(wire::Writer& w, OptionStart start) {
  size_t len = w.size() - start.pos - 4;
  if (len > 0xffff) {
    return make_error("option %u: body of %zu bytes does not fit the 16-bit length", start.code,
                      len);
  }
  w.patch_u16(start.pos + 2, static_cast<uint16_t>(len));
  return {};
}

Status write_option(wire::Writer& w, uint16_t code, wire::Bytes body) {
  OptionStart start = begin_option(w, code);
  w.bytes(body);
  return end_option(w, start);
}

}  // namespace lwb4::dhcp6
