#include "lwb4/pcp/port_set_option.hpp"

namespace lwb4::pcp {

namespace {
constexpr uint8_t kParityBit = 0x01;  // RFC 7753 §4: last bit of the fifth byte
}  // namespace

Result<PortSetOption> read_port_set_option(wire::Bytes data) {
  if (data.size() != kPortSetOptionLength) {
    return make_error("PORT_SET: length %zu, expected %zu", data.size(), kPortSetOptionLength);
  }
  wire::Reader r(data);
  PortSetOption option;
  option.size = r.u16();
  option.first_internal_port = r.u16();
  // RFC 7753 §4: the 7 reserved bits are ignored on receipt.
  option.parity = (r.u8() & kParityBit) != 0;
  // RFC 7753 §4: Port Set Size MUST NOT be zero.
  if (option.size == 0) return make_error("PORT_SET: port set size 0");
  return option;
}

void write_port_set_option(wire::Writer& w, const PortSetOption& option) {
  w.u16(option.size);
  w.u16(option.first_internal_port);
  w.u8(option.parity ? kParityBit : 0);
}

}  // namespace lwb4::pcp
