// A DHCPv4 message (RFC 2131 §2, options per RFC 2132) with the options an
// lwB4 uses decoded into typed fields and every other option kept raw.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lwb4/portset/port_set.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::dhcp4 {

constexpr uint8_t kOpBootRequest = 1;        // BOOTREQUEST, RFC 2131 §2
constexpr uint8_t kOpBootReply = 2;          // BOOTREPLY, RFC 2131 §2
constexpr uint8_t kHtypeEthernet = 1;        // RFC 1700 hardware type, RFC 2131 §2
constexpr uint16_t kFlagBroadcast = 0x8000;  // B flag, RFC 2131 §2 Figure 2

constexpr size_t kFixedHeaderLength = 236;  // op..file, RFC 2131 §2 Figure 1
constexpr size_t kSnameOffset = 44;         // RFC 2131 §2 Figure 1
constexpr size_t kFileOffset = 108;         // RFC 2131 §2 Figure 1
constexpr size_t kOptionsOffset = 240;      // after the magic cookie, RFC 2131 §3
constexpr std::array<uint8_t, 4> kMagicCookie = {99, 130, 83, 99};  // RFC 2131 §3
constexpr size_t kMinOptionsLength = 312;  // a client accepts at least this, RFC 2131 §2

constexpr uint8_t kOptPad = 0;                 // RFC 2132 §3.1
constexpr uint8_t kOptSubnetMask = 1;          // RFC 2132 §3.3
constexpr uint8_t kOptRouter = 3;              // RFC 2132 §3.5
constexpr uint8_t kOptDnsServers = 6;          // RFC 2132 §3.8
constexpr uint8_t kOptRequestedIp = 50;        // RFC 2132 §9.1
constexpr uint8_t kOptLeaseTime = 51;          // RFC 2132 §9.2
constexpr uint8_t kOptOverload = 52;           // RFC 2132 §9.3
constexpr uint8_t kOptMessageType = 53;        // RFC 2132 §9.6
constexpr uint8_t kOptServerId = 54;           // RFC 2132 §9.7
constexpr uint8_t kOptParameterList = 55;      // RFC 2132 §9.8
constexpr uint8_t kOptMessage = 56;            // RFC 2132 §9.9
constexpr uint8_t kOptMaxMessageSize = 57;     // RFC 2132 §9.10
constexpr uint8_t kOptRenewalTime = 58;        // T1, RFC 2132 §9.11
constexpr uint8_t kOptRebindingTime = 59;      // T2, RFC 2132 §9.12
constexpr uint8_t kOptVendorClass = 60;        // RFC 2132 §9.13
constexpr uint8_t kOptClientId = 61;           // RFC 2132 §9.14
constexpr uint8_t kOptS46SourceAddress = 109;  // OPTION_DHCP4O6_S46_SADDR, RFC 8539
constexpr uint8_t kOptPortParams = 159;        // OPTION_V4_PORTPARAMS, RFC 7618 §4
constexpr uint8_t kOptEnd = 255;               // RFC 2132 §3.2

constexpr uint16_t kMinMaxMessageSize = 576;  // RFC 2132 §9.10

// Option 52 values: which header fields also carry options (RFC 2132 §9.3).
constexpr uint8_t kOverloadFile = 1;
constexpr uint8_t kOverloadSname = 2;
constexpr uint8_t kOverloadBoth = 3;

// DHCP message type, option 53 (RFC 2132 §9.6).
enum class MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};

// "DHCPDISCOVER", ... for logs.
const char* message_type_name(MessageType type);

// An option without a typed field: its code and its value (all instances
// concatenated, RFC 3396).
struct RawOption {
  uint8_t code = 0;
  std::vector<uint8_t> data;

  bool operator==(const RawOption&) const = default;
};

struct Message {
  uint8_t op = kOpBootRequest;
  uint8_t htype = kHtypeEthernet;
  uint8_t hlen = 6;
  uint8_t hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0;
  uint16_t flags = 0;  // kFlagBroadcast; the other bits MBZ (RFC 2131 §2)
  Ipv4Address ciaddr;
  Ipv4Address yiaddr;
  Ipv4Address siaddr;
  Ipv4Address giaddr;
  std::array<uint8_t, 16> chaddr{};
  // Zeroed by decode when option 52 says they carried options.
  std::array<uint8_t, 64> sname{};
  std::array<uint8_t, 128> file{};

  // Typed options. An empty vector means the option is absent (each of them
  // needs at least one element on the wire).
  std::optional<MessageType> message_type;      // 53
  std::optional<Ipv4Address> subnet_mask;       // 1
  std::vector<Ipv4Address> routers;             // 3
  std::vector<Ipv4Address> dns_servers;         // 6
  std::optional<Ipv4Address> requested_ip;      // 50
  std::optional<uint32_t> lease_time;           // 51, seconds
  std::optional<Ipv4Address> server_id;         // 54
  std::vector<uint8_t> parameter_request_list;  // 55
  std::optional<uint16_t> max_message_size;     // 57
  std::optional<uint32_t> renewal_time;         // 58 (T1), seconds
  std::optional<uint32_t> rebinding_time;       // 59 (T2), seconds
  // Option 61 value as sent (type + id, RFC 2132 §9.14); see client_id.hpp
  // for the RFC 4361 form.
  std::vector<uint8_t> client_id;
  std::optional<Ipv6Address> s46_source_address;  // 109
  std::optional<PortSet> port_params;             // 159

  // Every other option, in order of first appearance. Must not hold Pad,
  // End, 52 or a code that has a typed field above; each code at most once.
  std::vector<RawOption> other;

  bool broadcast() const { return (flags & kFlagBroadcast) != 0; }
  // The raw value of an option in `other`, or nullptr.
  const RawOption* find_other(uint8_t code) const;

  bool operator==(const Message&) const = default;
};

// Decodes a whole DHCPv4 message (no IP/UDP header). Honours option
// overload (52) and RFC 3396 concatenation; validates every typed option.
Result<Message> decode_message(std::span<const uint8_t> data);

// Encodes header, cookie, options (53 first, the other typed options by
// code, then `other` in order), End, and zero padding up to min_size.
// Values longer than 255 bytes are split into consecutive instances
// (RFC 3396). Never uses overload.
std::vector<uint8_t> encode_message(const Message& message, size_t min_size = 0);

}  // namespace lwb4::dhcp4
