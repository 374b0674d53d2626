// DHCPv6 option codes, the bounds-checked TLV walk and the small option
// bodies shared by the message, IA_PD and S46 codecs (RFC 8415 §21).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lwb4/util/result.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp6 {

constexpr uint16_t kOptClientId = 1;                 // OPTION_CLIENTID, RFC 8415 §21.2
constexpr uint16_t kOptServerId = 2;                 // OPTION_SERVERID, RFC 8415 §21.3
constexpr uint16_t kOptOro = 6;                      // OPTION_ORO, RFC 8415 §21.7
constexpr uint16_t kOptElapsedTime = 8;              // OPTION_ELAPSED_TIME, RFC 8415 §21.9
constexpr uint16_t kOptStatusCode = 13;              // OPTION_STATUS_CODE, RFC 8415 §21.13
constexpr uint16_t kOptDnsServers = 23;              // OPTION_DNS_SERVERS, RFC 3646 §3
constexpr uint16_t kOptDomainList = 24;              // OPTION_DOMAIN_LIST, RFC 3646 §4
constexpr uint16_t kOptIaPd = 25;                    // OPTION_IA_PD, RFC 8415 §21.21
constexpr uint16_t kOptIaPrefix = 26;                // OPTION_IAPREFIX, RFC 8415 §21.22
constexpr uint16_t kOptInformationRefreshTime = 32;  // RFC 8415 §21.23
constexpr uint16_t kOptSolMaxRt = 82;                // OPTION_SOL_MAX_RT, RFC 8415 §21.24
constexpr uint16_t kOptInfMaxRt = 83;                // OPTION_INF_MAX_RT, RFC 8415 §21.25
constexpr uint16_t kOptDhcpv4Msg = 87;               // OPTION_DHCPV4_MSG, RFC 7341 §7.1
constexpr uint16_t kOptDhcp4oDhcp6Server = 88;       // OPTION_DHCP4_O_DHCP6_SERVER, RFC 7341 §7.2
constexpr uint16_t kOptS46Rule = 89;                 // OPTION_S46_RULE, RFC 7598 §4.1
constexpr uint16_t kOptS46Br = 90;                   // OPTION_S46_BR, RFC 7598 §4.2
constexpr uint16_t kOptS46Dmr = 91;                  // OPTION_S46_DMR, RFC 7598 §4.3
constexpr uint16_t kOptS46V4V6Bind = 92;             // OPTION_S46_V4V6BIND, RFC 7598 §4.4
constexpr uint16_t kOptS46PortParams = 93;           // OPTION_S46_PORTPARAMS, RFC 7598 §4.5
constexpr uint16_t kOptS46ContMapE = 94;             // OPTION_S46_CONT_MAPE, RFC 7598 §5.1
constexpr uint16_t kOptS46ContMapT = 95;             // OPTION_S46_CONT_MAPT, RFC 7598 §5.2
constexpr uint16_t kOptS46ContLw = 96;               // OPTION_S46_CONT_LW, RFC 7598 §5.3
constexpr uint16_t kOptS46Priority = 111;            // OPTION_S46_PRIORITY, RFC 8026 §4
constexpr uint16_t kOptS46BindIpv6Prefix = 137;      // OPTION_S46_BIND_IPV6_PREFIX, RFC 8539

// STATUS_CODE values (RFC 8415 §21.13).
constexpr uint16_t kStatusSuccess = 0;
constexpr uint16_t kStatusUnspecFail = 1;
constexpr uint16_t kStatusNoAddrsAvail = 2;
constexpr uint16_t kStatusNoBinding = 3;
constexpr uint16_t kStatusNotOnLink = 4;
constexpr uint16_t kStatusUseMulticast = 5;
constexpr uint16_t kStatusNoPrefixAvail = 6;

// Name of an option code for logs ("S46_CONT_MAPE"), or "unknown".
const char* option_name(uint16_t code);

// An option kept as code + bytes (unknown to the codec, or nested unknowns).
struct RawOption {
  uint16_t code = 0;
  std::vector<uint8_t> data;

  bool operator==(const RawOption&) const = default;
};

// One TLV borrowed from a received buffer.
struct OptionView {
  uint16_t code = 0;
  wire::Bytes data;
  size_t offset = 0;  // of the option header, counted from the start of the message
};

// Splits an options area into TLVs: code(16) len(16) data (RFC 8415 §21.1).
// Fails when a header is cut short or a length runs past the end of the area.
// base_offset is where the area starts in the message (for error reasons).
Result<std::vector<OptionView>> split_options(wire::Bytes area, size_t base_offset = 0);

// "option 32: length 3, expected 4" unless the body has exactly `want` bytes.
Status expect_length(const OptionView& option, size_t want);

// STATUS_CODE body: status-code(16) UTF-8 status-message (RFC 8415 §21.13).
// The message text is kept as received; it is not checked for valid UTF-8.
struct StatusCode {
  uint16_t code = kStatusSuccess;
  std::string message;

  bool operator==(const StatusCode&) const = default;
};
Result<StatusCode> decode_status_code(wire::Bytes body);
Status encode_status_code(wire::Writer& w, const StatusCode& status);

// Writing an option whose length is known only after its body: begin_option
// writes code and a placeholder length, end_option back-fills it and fails
// when the body exceeds the 16-bit length field.
struct OptionStart {
  size_t pos = 0;
  uint16_t code = 0;
};
OptionStart begin_option(wire::Writer& w, uint16_t code);
Status end_option(wire::Writer& w, OptionStart start);
// A whole option from a ready body.
Status write_option(wire::Writer& w, uint16_t code, wire::Bytes body);

}  // namespace lwb4::dhcp6
