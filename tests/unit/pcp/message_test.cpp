#include "lwb4/pcp/message.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

namespace lwb4::pcp {
namespace {

bool has(const Error& e, const std::string& needle) {
  return e.reason().find(needle) != std::string::npos;
}

Ipv6Address mapped(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return to_mapped(Ipv4Address{{a, b, c, d}});
}

const Nonce kNonce = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};

// RFC 7753 §5.1: 100 UDP ports at internal port 50000, no suggestion.
const std::vector<uint8_t> kRfc7753Request = {
    0x02,                    // version 2
    0x01,                    // R = 0, opcode 1 (MAP)
    0x00, 0x00,              // reserved
    0x00, 0x00, 0x0e, 0x10,  // requested lifetime 3600 s
    0x00, 0x00, 0x00, 0x00,  // client IP ::ffff:192.0.2.33
    0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0xff, 0xff,  //
    0xc0, 0x00, 0x02, 0x21,  //
    0x01, 0x02, 0x03, 0x04,  // MAP: mapping nonce
    0x05, 0x06, 0x07, 0x08,  //
    0x09, 0x0a, 0x0b, 0x0c,  //
    0x11,                    // protocol 17 (UDP)
    0x00, 0x00, 0x00,        // reserved
    0xc3, 0x50,              // internal port 50000
    0x00, 0x00,              // suggested external port 0
    0x00, 0x00, 0x00, 0x00,  // suggested external IP ::ffff:0.0.0.0
    0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0xff, 0xff,  //
    0x00, 0x00, 0x00, 0x00,  //
    0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
    0x00, 0x64,              //   port set size 100
    0xc3, 0x50,              //   first internal port 50000
    0x00,                    //   reserved, P = 0
    0x00, 0x00, 0x00,        //   padding
};

// RFC 7753 §5.1: the server grants 32 ports, 37056-37087 on 192.0.2.3.
const std::vector<uint8_t> kRfc7753Response = {
    0x02,                    // version 2
    0x81,                    // R = 1, opcode 1 (MAP)
    0x00,                    // reserved
    0x00,                    // result 0 (SUCCESS)
    0x00, 0x00, 0x0e, 0x10,  // lifetime 3600 s
    0x00, 0x01, 0x51, 0x80,  // epoch time 86400
    0x00, 0x00, 0x00, 0x00,  // reserved (96 bits)
    0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0x00, 0x00,  //
    0x01, 0x02, 0x03, 0x04,  // MAP: mapping nonce (copied)
    0x05, 0x06, 0x07, 0x08,  //
    0x09, 0x0a, 0x0b, 0x0c,  //
    0x11,                    // protocol 17 (UDP)
    0x00, 0x00, 0x00,        // reserved
    0xc3, 0x50,              // internal port 50000
    0x90, 0xc0,              // assigned external port 37056
    0x00, 0x00, 0x00, 0x00,  // assigned external IP ::ffff:192.0.2.3
    0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0xff, 0xff,  //
    0xc0, 0x00, 0x02, 0x03,  //
    0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
    0x00, 0x20,              //   port set size 32
    0xc3, 0x50,              //   first internal port 50000
    0x00,                    //   reserved, P = 0
    0x00, 0x00, 0x00,        //   padding
};

Request rfc7753_request() {
  Request r;
  r.requested_lifetime = 3600;
  r.client_address = mapped(192, 0, 2, 33);
  r.payload = MapPayload{kNonce, kProtocolUdp, 50000, 0, mapped(0, 0, 0, 0)};
  r.options.port_set = PortSetOption{100, 50000, false};
  return r;
}

Response rfc7753_response() {
  Response r;
  r.result = ResultCode::kSuccess;
  r.lifetime = 3600;
  r.epoch_time = 86400;
  r.payload = MapPayload{kNonce, kProtocolUdp, 50000, 37056, mapped(192, 0, 2, 3)};
  r.options.port_set = PortSetOption{32, 50000, false};
  return r;
}

// ---------------------------------------------------------------------------
// Valid messages

TEST(PcpMessage, Rfc7753MapRequestWithPortSet) {
  Result<Request> got = decode_request(kRfc7753Request);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->opcode(), Opcode::kMap);
  EXPECT_EQ(got->requested_lifetime, 3600u);
  EXPECT_EQ(mapped_ipv4(got->client_address), (Ipv4Address{{192, 0, 2, 33}}));
  const MapPayload* map = got->map();
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->nonce, kNonce);
  EXPECT_EQ(map->protocol, 17);
  EXPECT_EQ(map->internal_port, 50000);
  EXPECT_EQ(map->external_port, 0);
  EXPECT_EQ(map->external_address.to_string(), "::ffff:0.0.0.0");
  ASSERT_TRUE(got->options.port_set.has_value());
  EXPECT_EQ(got->options.port_set->size, 100);
  EXPECT_EQ(got->options.port_set->first_internal_port, 50000);
  EXPECT_FALSE(got->options.port_set->parity);
  EXPECT_TRUE(got->options.others.empty());
  EXPECT_EQ(*got, rfc7753_request());

  EXPECT_EQ(encode(rfc7753_request()), kRfc7753Request);
}

TEST(PcpMessage, Rfc7753MapResponseGrants32Ports) {
  Result<Response> got = decode_response(kRfc7753Response);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->opcode(), Opcode::kMap);
  EXPECT_EQ(got->result, ResultCode::kSuccess);
  EXPECT_EQ(got->lifetime, 3600u);
  EXPECT_EQ(got->epoch_time, 86400u);
  const MapPayload* map = got->map();
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->nonce, kNonce);
  EXPECT_EQ(map->protocol, 17);
  EXPECT_EQ(map->internal_port, 50000);
  EXPECT_EQ(map->external_port, 37056);
  EXPECT_EQ(mapped_ipv4(map->external_address), (Ipv4Address{{192, 0, 2, 3}}));
  ASSERT_TRUE(got->options.port_set.has_value());
  EXPECT_EQ(got->options.port_set->size, 32);
  EXPECT_EQ(got->options.port_set->first_internal_port, 50000);
  // External range 37056..37087 (RFC 7753 §5.1).
  EXPECT_EQ(map->external_port + got->options.port_set->size - 1, 37087);
  EXPECT_EQ(*got, rfc7753_response());

  EXPECT_EQ(encode(rfc7753_response()), kRfc7753Response);
}

TEST(PcpMessage, Rfc7753StatelessDiscovery) {
  const std::vector<uint8_t> request = {
      0x02,                    // version 2
      0x01,                    // R = 0, opcode 1 (MAP)
      0x00, 0x00,              // reserved
      0x00, 0x00, 0x1c, 0x20,  // requested lifetime 7200 s
      0x00, 0x00, 0x00, 0x00,  // client IP ::ffff:192.0.2.33
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0xff, 0xff,  //
      0xc0, 0x00, 0x02, 0x21,  //
      0x01, 0x02, 0x03, 0x04,  // MAP: mapping nonce
      0x05, 0x06, 0x07, 0x08,  //
      0x09, 0x0a, 0x0b, 0x0c,  //
      0x00,                    // protocol 0 (all)
      0x00, 0x00, 0x00,        // reserved
      0x00, 0x01,              // internal port 1
      0x00, 0x00,              // suggested external port 0
      0x00, 0x00, 0x00, 0x00,  // suggested external IP ::ffff:0.0.0.0
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0xff, 0xff,  //
      0x00, 0x00, 0x00, 0x00,  //
      0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
      0xff, 0xff,              //   port set size 65535 (as many as possible)
      0x00, 0x01,              //   first internal port 1
      0x00,                    //   reserved, P = 0
      0x00, 0x00, 0x00,        //   padding
  };
  const std::vector<uint8_t> response = {
      0x02,                    // version 2
      0x81,                    // R = 1, opcode 1 (MAP)
      0x00,                    // reserved
      0x00,                    // result 0 (SUCCESS)
      0x00, 0x00, 0x1c, 0x20,  // lifetime 7200 s
      0x00, 0x00, 0x00, 0x2a,  // epoch time 42
      0x00, 0x00, 0x00, 0x00,  // reserved (96 bits)
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00,  //
      0x01, 0x02, 0x03, 0x04,  // MAP: mapping nonce (copied)
      0x05, 0x06, 0x07, 0x08,  //
      0x09, 0x0a, 0x0b, 0x0c,  //
      0x00,                    // protocol 0 (all)
      0x00, 0x00, 0x00,        // reserved
      0x00, 0x01,              // internal port 1
      0x68, 0x00,              // assigned external port 26624
      0x00, 0x00, 0x00, 0x00,  // assigned external IP ::ffff:192.0.2.5
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0xff, 0xff,  //
      0xc0, 0x00, 0x02, 0x05,  //
      0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
      0x08, 0x00,              //   port set size 2048
      0x68, 0x00,              //   first internal port 26624
      0x00,                    //   reserved, P = 0
      0x00, 0x00, 0x00,        //   padding
  };

  Request want_req;
  want_req.requested_lifetime = 7200;
  want_req.client_address = mapped(192, 0, 2, 33);
  want_req.payload = MapPayload{kNonce, kProtocolAll, 1, 0, mapped(0, 0, 0, 0)};
  want_req.options.port_set = PortSetOption{kPortSetAsManyAsPossible, 1, false};
  Result<Request> req = decode_request(request);
  ASSERT_TRUE(req.ok()) << req.error().reason();
  EXPECT_EQ(*req, want_req);
  EXPECT_EQ(encode(want_req), request);

  Result<Response> resp = decode_response(response);
  ASSERT_TRUE(resp.ok()) << resp.error().reason();
  const MapPayload* map = resp->map();
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->protocol, 0);
  EXPECT_EQ(map->internal_port, 1);
  EXPECT_EQ(map->external_port, 26624);
  EXPECT_EQ(mapped_ipv4(map->external_address), (Ipv4Address{{192, 0, 2, 5}}));
  ASSERT_TRUE(resp->options.port_set.has_value());
  EXPECT_EQ(resp->options.port_set->size, 2048);
  EXPECT_EQ(resp->options.port_set->first_internal_port, 26624);
  EXPECT_EQ(resp->lifetime, 7200u);
  EXPECT_EQ(resp->epoch_time, 42u);
  EXPECT_EQ(encode(*resp), response);
}

TEST(PcpMessage, SinglePortResponseHasNoPortSet) {
  // RFC 7753 §4.2: a single-port grant comes back without PORT_SET.
  const std::vector<uint8_t> bytes = {
      0x02,                    // version 2
      0x81,                    // R = 1, opcode 1 (MAP)
      0x00,                    // reserved
      0x00,                    // result 0 (SUCCESS)
      0x00, 0x00, 0x02, 0x58,  // lifetime 600 s
      0x00, 0x00, 0x01, 0x00,  // epoch time 256
      0x00, 0x00, 0x00, 0x00,  // reserved (96 bits)
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00,  //
      0x01, 0x02, 0x03, 0x04,  // MAP: mapping nonce
      0x05, 0x06, 0x07, 0x08,  //
      0x09, 0x0a, 0x0b, 0x0c,  //
      0x06,                    // protocol 6 (TCP)
      0x00, 0x00, 0x00,        // reserved
      0x1f, 0x90,              // internal port 8080
      0xa1, 0x12,              // assigned external port 41234
      0x00, 0x00, 0x00, 0x00,  // assigned external IP ::ffff:192.0.2.3
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0xff, 0xff,  //
      0xc0, 0x00, 0x02, 0x03,  //
  };
  Response want;
  want.lifetime = 600;
  want.epoch_time = 256;
  want.payload = MapPayload{kNonce, kProtocolTcp, 8080, 41234, mapped(192, 0, 2, 3)};
  Result<Response> got = decode_response(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(bytes.size(), kHeaderLength + kMapPayloadLength);
  EXPECT_FALSE(got->options.port_set.has_value());
  EXPECT_TRUE(got->options.others.empty());
  EXPECT_EQ(*got, want);
  EXPECT_EQ(encode(want), bytes);
}

TEST(PcpMessage, AnnounceRequest) {
  // RFC 6887 §14.1.1: requested lifetime 0, no payload.
  const std::vector<uint8_t> bytes = {
      0x02,                    // version 2
      0x00,                    // R = 0, opcode 0 (ANNOUNCE)
      0x00, 0x00,              // reserved
      0x00, 0x00, 0x00, 0x00,  // requested lifetime 0
      0x20, 0x01, 0x0d, 0xb8,  // client IP 2001:db8::1
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x01,  //
  };
  Request want;
  want.client_address = *Ipv6Address::parse("2001:db8::1");
  want.payload = AnnouncePayload{};
  Result<Request> got = decode_request(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->opcode(), Opcode::kAnnounce);
  EXPECT_EQ(got->map(), nullptr);
  EXPECT_EQ(got->requested_lifetime, 0u);
  EXPECT_EQ(*got, want);
  EXPECT_EQ(encode(want), bytes);
}

TEST(PcpMessage, AnnounceResponse) {
  // RFC 6887 §14.1.2: unsolicited after a restart, SUCCESS, epoch reset.
  const std::vector<uint8_t> bytes = {
      0x02,                    // version 2
      0x80,                    // R = 1, opcode 0 (ANNOUNCE)
      0x00,                    // reserved
      0x00,                    // result 0 (SUCCESS)
      0x00, 0x00, 0x00, 0x00,  // lifetime 0
      0x00, 0x00, 0x00, 0x03,  // epoch time 3
      0x00, 0x00, 0x00, 0x00,  // reserved (96 bits)
      0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00,  //
  };
  Response want;
  want.epoch_time = 3;
  want.payload = AnnouncePayload{};
  Result<Response> got = decode_response(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->opcode(), Opcode::kAnnounce);
  EXPECT_EQ(got->map(), nullptr);
  EXPECT_EQ(*got, want);
  EXPECT_EQ(encode(want), bytes);
}

TEST(PcpMessage, ErrorResponseKeepsCopiedPayload) {
  // RFC 6887 §8.2: an error response copies the request; NO_RESOURCES is a
  // short-lifetime error (30 s).
  std::vector<uint8_t> bytes = kRfc7753Request;
  bytes[1] = 0x81;  // R = 1, opcode 1 (MAP)
  bytes[2] = 0x00;  // reserved
  bytes[3] = 0x08;  // result 8 (NO_RESOURCES)
  const uint8_t header_rest[] = {
      0x00, 0x00, 0x00, 0x1e,  // lifetime 30 s
      0x00, 0x00, 0x10, 0x00,  // epoch time 4096
      0x00, 0x00, 0x00, 0x00,  // reserved (96 bits): last 96 bits of the
      0x00, 0x00, 0xff, 0xff,  //   client IP, as a server copies them into
      0xc0, 0x00, 0x02, 0x21,  //   a response to an unparsable request
  };
  std::copy(std::begin(header_rest), std::end(header_rest), bytes.begin() + 4);
  Result<Response> got = decode_response(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->result, ResultCode::kNoResources);
  EXPECT_EQ(got->lifetime, 30u);
  EXPECT_EQ(got->epoch_time, 4096u);
  ASSERT_NE(got->map(), nullptr);
  EXPECT_EQ(*got->map(), *rfc7753_request().map());
  ASSERT_TRUE(got->options.port_set.has_value());
  EXPECT_EQ(got->options.port_set->size, 100);
}

TEST(PcpMessage, ResultCodeNames) {
  const char* const names[] = {
      "SUCCESS",          "UNSUPP_VERSION",         "NOT_AUTHORIZED",   "MALFORMED_REQUEST",
      "UNSUPP_OPCODE",    "UNSUPP_OPTION",          "MALFORMED_OPTION", "NETWORK_FAILURE",
      "NO_RESOURCES",     "UNSUPP_PROTOCOL",        "USER_EX_QUOTA",    "CANNOT_PROVIDE_EXTERNAL",
      "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS",
  };
  for (unsigned code = 0; code <= 13; ++code) {
    EXPECT_STREQ(to_string(static_cast<ResultCode>(code)), names[code]) << code;
  }
  EXPECT_STREQ(to_string(static_cast<ResultCode>(14)), "UNKNOWN");
  EXPECT_STREQ(to_string(static_cast<ResultCode>(255)), "UNKNOWN");
  EXPECT_EQ(static_cast<int>(ResultCode::kCannotProvideExternal), 11);
  EXPECT_EQ(static_cast<int>(ResultCode::kExcessiveRemotePeers), 13);
}

TEST(PcpMessage, EveryResultCodeDecodes) {
  for (unsigned code = 0; code <= 255; ++code) {
    std::vector<uint8_t> bytes = kRfc7753Response;
    bytes[3] = static_cast<uint8_t>(code);  // result code
    Result<Response> got = decode_response(bytes);
    ASSERT_TRUE(got.ok()) << code << ": " << got.error().reason();
    EXPECT_EQ(static_cast<unsigned>(got->result), code);
    // Codes outside 0..13 are kept raw and written back unchanged.
    EXPECT_EQ(encode(*got), bytes) << code;
  }
}

TEST(PcpMessage, OpcodeNames) {
  EXPECT_STREQ(to_string(Opcode::kAnnounce), "ANNOUNCE");
  EXPECT_STREQ(to_string(Opcode::kMap), "MAP");
  EXPECT_STREQ(to_string(Opcode::kPeer), "PEER");
  EXPECT_STREQ(to_string(static_cast<Opcode>(99)), "unknown");
}

TEST(PcpMessage, ReservedFieldsAreIgnoredAndSentAsZero) {
  std::vector<uint8_t> req = kRfc7753Request;
  req[2] = 0xde;   // request reserved (16 bits), RFC 6887 §7.1
  req[3] = 0xad;   //
  req[37] = 0xff;  // MAP reserved (24 bits), RFC 6887 §11.1
  req[38] = 0xff;  //
  req[39] = 0xff;  //
  req[68] = 0xfe;  // PORT_SET reserved bits, P still 0 (RFC 7753 §4)
  Result<Request> got_req = decode_request(req);
  ASSERT_TRUE(got_req.ok()) << got_req.error().reason();
  EXPECT_EQ(*got_req, rfc7753_request());
  EXPECT_EQ(encode(*got_req), kRfc7753Request);

  std::vector<uint8_t> resp = kRfc7753Response;
  resp[2] = 0x77;  // response reserved (8 bits)
  for (size_t i = 12; i < 24; ++i)
    resp[i] = 0xa0 + i;  // reserved (96 bits), RFC 6887 §7.2
  resp[61] = 0x33;       // option reserved byte, RFC 6887 §7.3
  Result<Response> got_resp = decode_response(resp);
  ASSERT_TRUE(got_resp.ok()) << got_resp.error().reason();
  EXPECT_EQ(*got_resp, rfc7753_response());
  EXPECT_EQ(encode(*got_resp), kRfc7753Response);
}

TEST(PcpMessage, UnknownOptionsAreKeptRawInOrder) {
  std::vector<uint8_t> bytes = kRfc7753Response;
  const uint8_t extra[] = {
      0x05, 0x00, 0x00, 0x02,  // option 5 (unknown, mandatory-to-process), len 2
      0x12, 0x34,              //   data
      0x00, 0x00,              //   padding
      0xfe, 0x00, 0x00, 0x00,  // option 254 (unknown, optional), len 0
  };
  bytes.insert(bytes.end(), std::begin(extra), std::end(extra));
  Result<Response> got = decode_response(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  ASSERT_EQ(got->options.others.size(), 2u);
  EXPECT_EQ(got->options.others[0], (RawOption{5, {0x12, 0x34}}));
  EXPECT_EQ(got->options.others[1], (RawOption{254, {}}));
  // The codec does not act on the mandatory bit (RFC 6887 §7.3: clients
  // ignore options they do not understand in responses).
  EXPECT_TRUE(is_mandatory_option(got->options.others[0].code));
  EXPECT_FALSE(is_mandatory_option(got->options.others[1].code));
  EXPECT_EQ(encode(*got), bytes);
}

TEST(PcpMessage, PortSetIsWrittenFirst) {
  // Any order decodes; encode() puts PORT_SET first (canonical order).
  std::vector<uint8_t> bytes(kRfc7753Request.begin(), kRfc7753Request.begin() + 60);
  const uint8_t options[] = {
      0xc8, 0x00, 0x00, 0x01,  // option 200, len 1
      0x07, 0x00, 0x00, 0x00,  //   data, padding
      0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
      0x00, 0x64,              //   port set size 100
      0xc3, 0x50,              //   first internal port 50000
      0x01,                    //   reserved, P = 1
      0x00, 0x00, 0x00,        //   padding
  };
  bytes.insert(bytes.end(), std::begin(options), std::end(options));
  Result<Request> got = decode_request(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  EXPECT_EQ(got->options.port_set, (PortSetOption{100, 50000, true}));
  ASSERT_EQ(got->options.others.size(), 1u);

  std::vector<uint8_t> want(kRfc7753Request.begin(), kRfc7753Request.begin() + 60);
  const uint8_t canonical[] = {
      0x82, 0x00, 0x00, 0x05,  // option 130 (PORT_SET), len 5
      0x00, 0x64,              //   port set size 100
      0xc3, 0x50,              //   first internal port 50000
      0x01,                    //   reserved, P = 1
      0x00, 0x00, 0x00,        //   padding
      0xc8, 0x00, 0x00, 0x01,  // option 200, len 1
      0x07, 0x00, 0x00, 0x00,  //   data, padding
  };
  want.insert(want.end(), std::begin(canonical), std::end(canonical));
  EXPECT_EQ(encode(*got), want);
}

TEST(PcpMessage, RoundTripsConstructedMessages) {
  Request req;
  req.requested_lifetime = 0;  // delete
  req.client_address = *Ipv6Address::parse("2001:db8:1::42");
  req.payload = MapPayload{{0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44},
                           kProtocolTcp,
                           443,
                           8443,
                           *Ipv6Address::parse("2001:db8:ffff::1")};
  req.options.port_set = PortSetOption{16, 443, true};
  req.options.others.push_back(
      RawOption{kOptThirdParty, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 9}});
  req.options.others.push_back(RawOption{0x7f, {1, 2, 3, 4, 5, 6, 7}});
  const std::vector<uint8_t> req_bytes = encode(req);
  EXPECT_EQ(req_bytes.size(), 24u + 36u + 12u + 20u + 12u);
  Result<Request> req_back = decode_request(req_bytes);
  ASSERT_TRUE(req_back.ok()) << req_back.error().reason();
  EXPECT_EQ(*req_back, req);

  Response resp;
  resp.result = ResultCode::kUserExQuota;
  resp.lifetime = 30;
  resp.epoch_time = 0xfffffffe;
  resp.payload = req.payload;
  resp.options = req.options;
  Result<Response> resp_back = decode_response(encode(resp));
  ASSERT_TRUE(resp_back.ok()) << resp_back.error().reason();
  EXPECT_EQ(*resp_back, resp);

  Response announce;
  announce.epoch_time = 1;
  Result<Response> announce_back = decode_response(encode(announce));
  ASSERT_TRUE(announce_back.ok()) << announce_back.error().reason();
  EXPECT_EQ(*announce_back, announce);
  EXPECT_EQ(announce_back->opcode(), Opcode::kAnnounce);
}

TEST(PcpMessage, AcceptsExactly1100Bytes) {
  std::vector<uint8_t> bytes = kRfc7753Response;
  const size_t data_len = kMaxMessageLength - bytes.size() - 4;
  bytes.push_back(0xc8);                                 // option 200
  bytes.push_back(0x00);                                 // reserved
  bytes.push_back(static_cast<uint8_t>(data_len >> 8));  // length
  bytes.push_back(static_cast<uint8_t>(data_len));       //
  bytes.resize(kMaxMessageLength, 0x5a);                 // data
  Result<Response> got = decode_response(bytes);
  ASSERT_TRUE(got.ok()) << got.error().reason();
  ASSERT_EQ(got->options.others.size(), 1u);
  EXPECT_EQ(got->options.others[0].data.size(), data_len);
  EXPECT_EQ(encode(*got), bytes);
}

// ---------------------------------------------------------------------------
// Rejections

TEST(PcpMessageReject, TooShort) {
  const uint8_t one[] = {0x02};
  Result<Request> req = decode_request(one);
  ASSERT_FALSE(req.ok());
  EXPECT_TRUE(has(req.error(), "request too short: 1 bytes")) << req.error().reason();

  std::vector<uint8_t> req20(kRfc7753Request.begin(), kRfc7753Request.begin() + 20);
  req = decode_request(req20);
  ASSERT_FALSE(req.ok());
  EXPECT_TRUE(has(req.error(), "request too short: 20 bytes, minimum 24")) << req.error().reason();

  const uint8_t three[] = {0x02, 0x81, 0x00};
  Result<Response> resp = decode_response(three);
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(has(resp.error(), "response too short: 3 bytes")) << resp.error().reason();

  std::vector<uint8_t> resp20(kRfc7753Response.begin(), kRfc7753Response.begin() + 20);
  resp = decode_response(resp20);
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(has(resp.error(), "response too short: 20 bytes, minimum 24"))
      << resp.error().reason();

  resp = decode_response({});
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(has(resp.error(), "response too short: 0 bytes")) << resp.error().reason();
}

TEST(PcpMessageReject, LongerThan1100) {
  std::vector<uint8_t> bytes = kRfc7753Response;
  const size_t data_len = 1104 - bytes.size() - 4;
  bytes.push_back(0xc8);                                 // option 200
  bytes.push_back(0x00);                                 // reserved
  bytes.push_back(static_cast<uint8_t>(data_len >> 8));  // length
  bytes.push_back(static_cast<uint8_t>(data_len));       //
  bytes.resize(1104, 0);                                 // data
  Result<Response> resp = decode_response(bytes);
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(has(resp.error(), "response too long: 1104 bytes, maximum 1100"))
      << resp.error().reason();

  bytes[1] = 0x01;  // R = 0: the same bytes as a request
  Result<Request> req = decode_request(bytes);
  ASSERT_FALSE(req.ok());
  EXPECT_TRUE(has(req.error(), "request too long: 1104 bytes")) << req.error().reason();
}

TEST(PcpMessageReject, NotMultipleOfFour) {
  std::vector<uint8_t> bytes(kRfc7753Response.begin(), kRfc7753Response.begin() + 62);
  Result<Response> resp = decode_response(bytes);
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(has(resp.error(), "response length 62 is not a multiple of 4"))
      << resp.error().reason();

  std::vector<uint8_t> req = kRfc7753Request;
  req.push_back(0x00);  // one stray byte
  Result<Request> r = decode_request(req);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "request length 73 is not a multiple of 4")) << r.error().reason();
}

TEST(PcpMessageReject, WrongRBit) {
  Result<Response> resp = decode_response(kRfc7753Request);
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(has(resp.error(), "R bit is 0 in a response")) << resp.error().reason();

  Result<Request> req = decode_request(kRfc7753Response);
  ASSERT_FALSE(req.ok());
  EXPECT_TRUE(has(req.error(), "R bit is 1 in a request")) << req.error().reason();
}

TEST(PcpMessageReject, WrongVersionSaysUnsuppVersion) {
  std::vector<uint8_t> resp = kRfc7753Response;
  resp[0] = 0x01;  // version 1
  resp[3] = 0x01;  // result 1 (UNSUPP_VERSION)
  Result<Response> r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "response version 1, expected 2")) << r.error().reason();
  EXPECT_TRUE(has(r.error(), "UNSUPP_VERSION")) << r.error().reason();

  resp[0] = 0x03;  // version 3
  r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "response version 3")) << r.error().reason();
  EXPECT_TRUE(has(r.error(), "UNSUPP_VERSION")) << r.error().reason();

  // RFC 6887 §9: a NAT-PMP server answers with version 0 in an 8-byte reply;
  // the version is reported before the length (RFC 6887 §8.3 order).
  const uint8_t nat_pmp[] = {
      0x00,                    // version 0 (NAT-PMP)
      0x81,                    // 128 + opcode
      0x00, 0x01,              // result 1 (unsupported version)
      0x00, 0x00, 0x12, 0x34,  // seconds since start of epoch
  };
  r = decode_response(nat_pmp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "response version 0, expected 2 (UNSUPP_VERSION, result code 1)"))
      << r.error().reason();

  std::vector<uint8_t> req = kRfc7753Request;
  req[0] = 0x01;  // version 1
  Result<Request> q = decode_request(req);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(has(q.error(), "request version 1, expected 2 (UNSUPP_VERSION)"))
      << q.error().reason();
}

TEST(PcpMessageReject, TruncatedMapPayload) {
  // 24 + 32 bytes: a multiple of 4 but 4 bytes short of the MAP payload.
  std::vector<uint8_t> req(kRfc7753Request.begin(), kRfc7753Request.begin() + 56);
  Result<Request> q = decode_request(req);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(has(q.error(), "MAP payload truncated at offset 24: 32 bytes left, need 36"))
      << q.error().reason();

  std::vector<uint8_t> resp(kRfc7753Response.begin(), kRfc7753Response.begin() + 24);
  Result<Response> r = decode_response(resp);  // MAP header, no payload at all
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "response: MAP payload truncated at offset 24: 0 bytes left"))
      << r.error().reason();
}

TEST(PcpMessageReject, UnsupportedOpcodes) {
  std::vector<uint8_t> req = kRfc7753Request;
  req[1] = 0x02;  // R = 0, opcode 2 (PEER)
  Result<Request> q = decode_request(req);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(has(q.error(), "opcode 2 (PEER) is not supported (UNSUPP_OPCODE)"))
      << q.error().reason();

  std::vector<uint8_t> resp = kRfc7753Response;
  resp[1] = 0x85;  // R = 1, opcode 5 (unassigned)
  Result<Response> r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "opcode 5 is not supported (UNSUPP_OPCODE)")) << r.error().reason();
}

TEST(PcpMessageReject, OptionLengthOverrun) {
  std::vector<uint8_t> resp = kRfc7753Response;
  resp[62] = 0x00;  // PORT_SET length 0x0010 (16): runs past the end
  resp[63] = 0x10;  //
  Result<Response> r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "option 130 (PORT_SET) at offset 60: length 16 overruns"))
      << r.error().reason();
}

TEST(PcpMessageReject, BadPadding) {
  // An option of length 1 written without padding: the next option's header
  // falls into the padding and the walk catches the non-zero byte.
  std::vector<uint8_t> bytes(kRfc7753Response.begin(), kRfc7753Response.begin() + 60);
  const uint8_t options[] = {
      0xc8, 0x00, 0x00, 0x01,  // option 200, len 1
      0x07,                    //   data (no padding follows)
      0xc9, 0x00, 0x00,        // option 201, len 0 ...
      0x00, 0x00, 0x00, 0x00,  //   ... misaligned
  };
  bytes.insert(bytes.end(), std::begin(options), std::end(options));
  Result<Response> r = decode_response(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "option 200 (unknown) at offset 60: non-zero padding"))
      << r.error().reason();
}

TEST(PcpMessageReject, PortSetSizeZero) {
  std::vector<uint8_t> req = kRfc7753Request;
  req[64] = 0x00;  // port set size 0
  req[65] = 0x00;  //
  Result<Request> q = decode_request(req);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(has(q.error(), "request: option 130 at offset 60: PORT_SET: port set size 0"))
      << q.error().reason();
}

TEST(PcpMessageReject, PortSetWrongLength) {
  std::vector<uint8_t> resp = kRfc7753Response;
  resp[63] = 0x08;  // PORT_SET length 8 (padding counted in)
  Result<Response> r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "option 130 (PORT_SET) at offset 60: length 8, expected 5"))
      << r.error().reason();
}

TEST(PcpMessageReject, TwoPortSets) {
  std::vector<uint8_t> req = kRfc7753Request;
  req.insert(req.end(), kRfc7753Request.begin() + 60, kRfc7753Request.end());  // PORT_SET again
  Result<Request> q = decode_request(req);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(has(q.error(), "option 130 (PORT_SET) at offset 72: appears more than once"))
      << q.error().reason();

  std::vector<uint8_t> resp = kRfc7753Response;
  resp.insert(resp.end(), kRfc7753Response.begin() + 60, kRfc7753Response.end());
  Result<Response> r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "appears more than once")) << r.error().reason();
}

TEST(PcpMessageReject, PortSetWithPreferFailure) {
  const uint8_t prefer_failure[] = {
      0x02, 0x00, 0x00, 0x00,  // option 2 (PREFER_FAILURE), len 0
  };
  std::vector<uint8_t> req = kRfc7753Request;
  req.insert(req.end(), std::begin(prefer_failure), std::end(prefer_failure));
  Result<Request> q = decode_request(req);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(has(q.error(), "request: PORT_SET together with PREFER_FAILURE"))
      << q.error().reason();

  std::vector<uint8_t> resp = kRfc7753Response;
  resp.insert(resp.end(), std::begin(prefer_failure), std::end(prefer_failure));
  Result<Response> r = decode_response(resp);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has(r.error(), "response: PORT_SET together with PREFER_FAILURE"))
      << r.error().reason();
}

}  // namespace
}  // namespace lwb4::pcp
