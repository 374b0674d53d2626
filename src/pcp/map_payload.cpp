#include "lwb4/pcp/map_payload.hpp"

namespace lwb4::pcp {

MapPayload read_map_payload(wire::Reader& r) {
  MapPayload p;
  p.nonce = r.array<kNonceLength>();
  p.protocol = r.u8();
  r.skip(3);  // RFC 6887 §11.1: reserved, ignored on receipt
  p.internal_port = r.u16();
  p.external_port = r.u16();
  p.external_address.bytes = r.array<16>();
  return p;
}

void write_map_payload(wire::Writer& w, const MapPayload& p) {
  w.bytes(p.nonce);
  w.u8(p.protocol);
  w.zeros(3);
  w.u16(p.internal_port);
  w.u16(p.external_port);
  w.bytes(p.external_address.bytes);
}

}  // namespace lwb4::pcp
