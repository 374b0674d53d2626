#include "lwb4/dhcp4/client_id.hpp"

#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp4 {

std::vector<uint8_t> encode_client_id(const ClientId& id) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u8(kClientIdTypeRfc4361);
  w.u32(id.iaid);
  w.bytes(id.duid);
  return out;
}

Result<ClientId> decode_client_id(std::span<const uint8_t> value) {
  wire::Reader r(value);
  const uint8_t type = r.u8();
  ClientId id;
  id.iaid = r.u32();
  const wire::Bytes duid = r.rest();
  if (!r.ok())
    return make_error("client id: length %zu, too short for type and IAID", value.size());
  // RFC 4361 §6.1: type 255 marks an IAID + DUID identifier.
  if (type != kClientIdTypeRfc4361) {
    return make_error("client id: type %u, expected %u (RFC 4361)", type, kClientIdTypeRfc4361);
  }
  // RFC 8415 §11.1: a 2-byte DUID type and 1..128 bytes of identifier.
  if (duid.size() < kDuidMinLength || duid.size() > kDuidMaxLength) {
    return make_error("client id: DUID length %zu, expected %zu..%zu", duid.size(), kDuidMinLength,
                      kDuidMaxLength);
  }
  id.duid.assign(duid.begin(), duid.end());
  return id;
}

}  // namespace lwb4::dhcp4
