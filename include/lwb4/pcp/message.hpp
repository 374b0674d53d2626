// PCP requests and responses (RFC 6887 §7), with the MAP (§11) and ANNOUNCE
// (§14.1) opcodes and the PORT_SET option (RFC 7753).
//
//   request:  version=2 | R=0 opcode(7) | reserved(16) | requested lifetime(32)
//             | client IP(128) | opcode payload | options
//   response: version=2 | R=1 opcode(7) | reserved(8) | result code(8)
//             | lifetime(32) | epoch time(32) | reserved(96)
//             | opcode payload | options
//
// The codec validates structure only. Matching a response to a request
// (opcode, nonce, protocol, internal port) and acting on result codes,
// lifetimes and epochs is the client's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "lwb4/pcp/map_payload.hpp"
#include "lwb4/pcp/mapped_address.hpp"
#include "lwb4/pcp/options.hpp"
#include "lwb4/pcp/port_set_option.hpp"
#include "lwb4/pcp/result_code.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::pcp {

constexpr uint8_t kVersion = 2;             // RFC 6887 §7.1
constexpr size_t kHeaderLength = 24;        // RFC 6887 §7.1, §7.2
constexpr size_t kMaxMessageLength = 1100;  // RFC 6887 §7: maximum UDP payload

enum class Opcode : uint8_t {
  kAnnounce = 0,  // RFC 6887 §14.1
  kMap = 1,       // RFC 6887 §11
  kPeer = 2,      // RFC 6887 §12; rejected by this codec (UNSUPP_OPCODE)
};

// "ANNOUNCE", "MAP", "PEER" or "unknown".
const char* to_string(Opcode opcode);

// ANNOUNCE has no opcode-specific data (RFC 6887 §14.1).
struct AnnouncePayload {
  bool operator==(const AnnouncePayload&) const = default;
};

// The payload held decides the opcode on the wire.
using Payload = std::variant<AnnouncePayload, MapPayload>;

Opcode opcode_of(const Payload& payload);

struct Request {
  // 0 deletes a MAP mapping; ANNOUNCE sends 0 (RFC 6887 §11.1, §14.1).
  uint32_t requested_lifetime = 0;
  // Source address of the request; IPv4 as ::ffff:a.b.c.d (to_mapped()).
  Ipv6Address client_address;
  Payload payload;
  Options options;

  Opcode opcode() const { return opcode_of(payload); }
  // The MAP payload, or nullptr for ANNOUNCE.
  const MapPayload* map() const { return std::get_if<MapPayload>(&payload); }

  bool operator==(const Request&) const = default;
};

struct Response {
  ResultCode result = ResultCode::kSuccess;
  // Mapping lifetime on success; how long the error holds otherwise.
  uint32_t lifetime = 0;
  uint32_t epoch_time = 0;
  Payload payload;
  Options options;

  Opcode opcode() const { return opcode_of(payload); }
  const MapPayload* map() const { return std::get_if<MapPayload>(&payload); }

  bool operator==(const Response&) const = default;
};

// Canonical bytes: reserved fields zero, options as write_options() lays
// them out. Callers keep messages within kMaxMessageLength.
std::vector<uint8_t> encode(const Request& request);
std::vector<uint8_t> encode(const Response& response);

// Checks run in the order of RFC 6887 §8.2 (requests) and §8.3 (responses).
// A version other than 2 fails with a reason containing "UNSUPP_VERSION".
Result<Request> decode_request(std::span<const uint8_t> bytes);
Result<Response> decode_response(std::span<const uint8_t> bytes);

}  // namespace lwb4::pcp
