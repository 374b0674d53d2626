// The PCP PORT_SET option (RFC 7753 §4): a MAP request asks for, and a MAP
// response grants, a contiguous set of ports instead of a single one.
//
//   option data (length 5): port set size(16) | first internal port(16) |
//                            reserved(7) P(1)
// On the wire the option takes 4 + 5 + 3 bytes of padding = 12 bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lwb4/util/result.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::pcp {

constexpr uint8_t kOptPortSet = 130;                   // PORT_SET, RFC 7753 §4
constexpr size_t kPortSetOptionLength = 5;             // RFC 7753 §4
constexpr uint16_t kPortSetAsManyAsPossible = 0xffff;  // RFC 7753 §4.1

struct PortSetOption {
  // Number of ports requested or granted; never 0 (RFC 7753 §4).
  uint16_t size = 1;
  // Request: equal to the MAP Internal Port. Response: the first internal
  // port actually mapped, which may differ (RFC 7753 §4).
  uint16_t first_internal_port = 0;
  // P: parity preservation requested (RFC 7753 §4.1).
  bool parity = false;

  bool operator==(const PortSetOption&) const = default;
};

// Decodes the option data (without the 4-byte option header or padding).
Result<PortSetOption> read_port_set_option(wire::Bytes data);
// Writes the 5 data bytes (no header, no padding); reserved bits are zero.
void write_port_set_option(wire::Writer& w, const PortSetOption& option);

}  // namespace lwb4::pcp
