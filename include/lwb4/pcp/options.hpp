// The list of options that follows the opcode payload in every PCP message
// (RFC 6887 §7.3): code(8) reserved(8) length(16) data, then 0-3 zero bytes
// so that each option takes a multiple of 4 bytes. The length excludes the
// padding.
//
// PORT_SET is decoded into a typed, validated value. Every other option is
// kept raw (code + data) in wire order: THIRD_PARTY, PREFER_FAILURE and
// FILTER are checked for their fixed length and occurrence limits only, and
// unknown codes are kept as they are. Codes 0..127 are mandatory to process
// and 128..255 optional (RFC 6887 §7.3); a client MUST ignore options it does
// not understand in responses, so acting on that bit is the caller's job.
//
// Canonical order on encode: PORT_SET first, then the raw options in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "lwb4/pcp/port_set_option.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::pcp {

constexpr uint8_t kOptThirdParty = 1;       // THIRD_PARTY, RFC 6887 §13.1
constexpr uint8_t kOptPreferFailure = 2;    // PREFER_FAILURE, RFC 6887 §13.2
constexpr uint8_t kOptFilter = 3;           // FILTER, RFC 6887 §13.3
constexpr size_t kOptionHeaderLength = 4;   // RFC 6887 §7.3
constexpr size_t kThirdPartyLength = 16;    // RFC 6887 §13.1
constexpr size_t kPreferFailureLength = 0;  // RFC 6887 §13.2
constexpr size_t kFilterLength = 20;        // RFC 6887 §13.3

// RFC 6887 §7.3: the most significant bit of the code clear = mandatory.
constexpr bool is_mandatory_option(uint8_t code) {
  return (code & 0x80) == 0;
}

// "PORT_SET", "THIRD_PARTY", ... or "unknown".
const char* option_name(uint8_t code);

// One option as received: the code and the data, without padding.
struct RawOption {
  uint8_t code = 0;
  std::vector<uint8_t> data;

  bool operator==(const RawOption&) const = default;
};

struct Options {
  // RFC 7753 §4: at most one, and never together with PREFER_FAILURE.
  std::optional<PortSetOption> port_set;
  // Every option other than PORT_SET, in wire order.
  std::vector<RawOption> others;

  // True if an option with this code is present (PORT_SET included).
  bool has(uint8_t code) const;
  // The first raw option with this code, or nullptr.
  const RawOption* find(uint8_t code) const;

  bool operator==(const Options&) const = default;
};

// Walks options from the reader's position to the very end of its span.
// Error reasons give offsets relative to the start of that span.
Result<Options> read_options(wire::Reader& r);
// The same walk over a span holding nothing but options.
Result<Options> decode_options(wire::Bytes bytes);
// Writes every option with its header and zero padding, PORT_SET first.
void write_options(wire::Writer& w, const Options& options);

}  // namespace lwb4::pcp
