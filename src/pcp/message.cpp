#include "lwb4/pcp/message.hpp"

#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::pcp {

namespace {

constexpr uint8_t kResponseBit = 0x80;          // R, RFC 6887 §7.1
constexpr uint8_t kOpcodeMask = 0x7f;           // RFC 6887 §7.1
constexpr size_t kMinRequestPeek = 2;           // RFC 6887 §8.2: shorter is dropped unparsed
constexpr size_t kMinResponsePeek = 4;          // RFC 6887 §8.3: shorter is dropped unparsed
constexpr size_t kResponseReservedLength = 12;  // RFC 6887 §7.2: 96 bits

// RFC 6887 §8.2, §8.3: length bounds checked after R and version.
Status check_length(size_t size, const char* what) {
  if (size < kHeaderLength) {
    return make_error("%s too short: %zu bytes, minimum %zu", what, size, kHeaderLength);
  }
  if (size > kMaxMessageLength) {
    return make_error("%s too long: %zu bytes, maximum %zu", what, size, kMaxMessageLength);
  }
  if (size % 4 != 0) return make_error("%s length %zu is not a multiple of 4", what, size);
  return {};
}

Result<Payload> read_payload(uint8_t opcode, wire::Reader& r) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::kAnnounce:
      return Payload{AnnouncePayload{}};
    case Opcode::kMap: {
      if (!r.has(kMapPayloadLength)) {
        return make_error("MAP payload truncated at offset %zu: %zu bytes left, need %zu",
                          r.offset(), r.remaining(), kMapPayloadLength);
      }
      return Payload{read_map_payload(r)};
    }
    case Opcode::kPeer:
      return make_error("opcode 2 (PEER) is not supported (UNSUPP_OPCODE)");
  }
  return make_error("opcode %u is not supported (UNSUPP_OPCODE)", opcode);
}

void write_payload(wire::Writer& w, const Payload& payload) {
  if (const MapPayload* map = std::get_if<MapPayload>(&payload)) write_map_payload(w, *map);
}

}  // namespace

const char* to_string(Opcode opcode) {
  switch (opcode) {
    case Opcode::kAnnounce:
      return "ANNOUNCE";
    case Opcode::kMap:
      return "MAP";
    case Opcode::kPeer:
      return "PEER";
  }
  return "unknown";
}

Opcode opcode_of(const Payload& payload) {
  return std::holds_alternative<MapPayload>(payload) ? Opcode::kMap : Opcode::kAnnounce;
}

std::vector<uint8_t> encode(const Request& request) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u8(kVersion);
  w.u8(static_cast<uint8_t>(request.opcode()));
  w.u16(0);
  w.u32(request.requested_lifetime);
  w.bytes(request.client_address.bytes);
  write_payload(w, request.payload);
  write_options(w, request.options);
  return out;
}

std::vector<uint8_t> encode(const Response& response) {
  std::vector<uint8_t> out;
  wire::Writer w(out);
  w.u8(kVersion);
  w.u8(static_cast<uint8_t>(kResponseBit | static_cast<uint8_t>(response.opcode())));
  w.u8(0);
  w.u8(static_cast<uint8_t>(response.result));
  w.u32(response.lifetime);
  w.u32(response.epoch_time);
  w.zeros(kResponseReservedLength);
  write_payload(w, response.payload);
  write_options(w, response.options);
  return out;
}

Result<Request> decode_request(std::span<const uint8_t> bytes) {
  // RFC 6887 §8.2, in its order: size, R, version, then the length bounds.
  if (bytes.size() < kMinRequestPeek) {
    return make_error("request too short: %zu bytes, minimum %zu", bytes.size(), kHeaderLength);
  }
  if ((bytes[1] & kResponseBit) != 0) return make_error("R bit is 1 in a request");
  if (bytes[0] != kVersion) {
    return make_error("request version %u, expected %u (UNSUPP_VERSION)", bytes[0], kVersion);
  }
  if (Status s = check_length(bytes.size(), "request"); !s) return s.error();

  wire::Reader r(bytes);
  r.skip(1);
  const uint8_t opcode = r.u8() & kOpcodeMask;
  r.skip(2);  // RFC 6887 §7.1: reserved, ignored on receipt
  Request req;
  req.requested_lifetime = r.u32();
  req.client_address.bytes = r.array<16>();
  Result<Payload> payload = read_payload(opcode, r);
  if (!payload) return payload.error().wrap("request");
  req.payload = std::move(*payload);
  Result<Options> options = read_options(r);
  if (!options) return options.error().wrap("request");
  req.options = std::move(*options);
  return req;
}

Result<Response> decode_response(std::span<const uint8_t> bytes) {
  // RFC 6887 §8.3, in its order: size, R, version, then the length bounds.
  if (bytes.size() < kMinResponsePeek) {
    return make_error("response too short: %zu bytes, minimum %zu", bytes.size(), kHeaderLength);
  }
  if ((bytes[1] & kResponseBit) == 0) return make_error("R bit is 0 in a response");
  // RFC 6887 §9: the server answers an unsupported version with the version
  // it supports (0 = NAT-PMP) and result UNSUPP_VERSION.
  if (bytes[0] != kVersion) {
    return make_error("response version %u, expected %u (UNSUPP_VERSION, result code %u)", bytes[0],
                      kVersion, bytes[3]);
  }
  if (Status s = check_length(bytes.size(), "response"); !s) return s.error();

  wire::Reader r(bytes);
  r.skip(1);
  const uint8_t opcode = r.u8() & kOpcodeMask;
  r.skip(1);  // RFC 6887 §7.2: reserved, ignored on receipt
  Response resp;
  resp.result = static_cast<ResultCode>(r.u8());
  resp.lifetime = r.u32();
  resp.epoch_time = r.u32();
  r.skip(kResponseReservedLength);  // RFC 6887 §7.2: ignored on receipt
  Result<Payload> payload = read_payload(opcode, r);
  if (!payload) return payload.error().wrap("response");
  resp.payload = std::move(*payload);
  Result<Options> options = read_options(r);
  if (!options) return options.error().wrap("response");
  resp.options = std::move(*options);
  return resp;
}

}  // namespace lwb4::pcp
