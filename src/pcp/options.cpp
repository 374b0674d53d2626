#include "lwb4/pcp/options.hpp"

namespace lwb4::pcp {

namespace {

// RFC 6887 §7.3: options are padded to a multiple of 4 bytes.
constexpr size_t padding_for(size_t length) {
  return (4 - length % 4) % 4;
}

// The fixed data length of an option this codec knows, or -1.
int fixed_length(uint8_t code) {
  switch (code) {
    case kOptThirdParty:
      return kThirdPartyLength;
    case kOptPreferFailure:
      return kPreferFailureLength;
    case kOptFilter:
      return kFilterLength;
    case kOptPortSet:
      return kPortSetOptionLength;
    default:
      return -1;
  }
}

// RFC 6887 §13.1, §13.2 and RFC 7753 §4: maximum occurrences 1.
// FILTER may repeat (RFC 6887 §13.3).
bool is_singleton(uint8_t code) {
  return code == kOptThirdParty || code == kOptPreferFailure || code == kOptPortSet;
}

}  // namespace

const char* option_name(uint8_t code) {
  switch (code) {
    case kOptThirdParty:
      return "THIRD_PARTY";
    case kOptPreferFailure:
      return "PREFER_FAILURE";
    case kOptFilter:
      return "FILTER";
    case kOptPortSet:
      return "PORT_SET";
    default:
      return "unknown";
  }
}

bool Options::has(uint8_t code) const {
  if (code == kOptPortSet && port_set) return true;
  return find(code) != nullptr;
}

const RawOption* Options::find(uint8_t code) const {
  for (const RawOption& o : others) {
    if (o.code == code) return &o;
  }
  return nullptr;
}

Result<Options> read_options(wire::Reader& r) {
  Options out;
  while (!r.empty()) {
    const size_t at = r.offset();
    if (!r.has(kOptionHeaderLength)) {
      return make_error("option at offset %zu: truncated header, %zu bytes left", at,
                        r.remaining());
    }
    const uint8_t code = r.u8();
    r.skip(1);  // RFC 6887 §7.3: reserved, ignored on receipt
    const size_t length = r.u16();
    const char* name = option_name(code);
    if (!r.has(length)) {
      return make_error(
          "option %u (%s) at offset %zu: length %zu overruns the message, %zu bytes left", code,
          name, at, length, r.remaining());
    }
    wire::Bytes data = r.bytes(length);
    const size_t pad = padding_for(length);
    if (!r.has(pad)) {
      return make_error(
          "option %u (%s) at offset %zu: length %zu needs %zu padding bytes, %zu left", code, name,
          at, length, pad, r.remaining());
    }
    // RFC 6887 §7.3: padding is zero; anything else means a wrong length.
    for (uint8_t b : r.bytes(pad)) {
      if (b != 0) {
        return make_error("option %u (%s) at offset %zu: non-zero padding after length %zu", code,
                          name, at, length);
      }
    }
    // RFC 6887 §7.3: a known option with a wrong length is malformed.
    const int want = fixed_length(code);
    if (want >= 0 && length != static_cast<size_t>(want)) {
      return make_error("option %u (%s) at offset %zu: length %zu, expected %d", code, name, at,
                        length, want);
    }
    if (is_singleton(code) && out.has(code)) {
      return make_error("option %u (%s) at offset %zu: appears more than once", code, name, at);
    }
    if (code == kOptPortSet) {
      Result<PortSetOption> ps = read_port_set_option(data);
      if (!ps) return ps.error().wrap(make_error("option 130 at offset %zu", at).reason());
      out.port_set = *ps;
    } else {
      out.others.push_back(RawOption{code, std::vector<uint8_t>(data.begin(), data.end())});
    }
  }
  // RFC 7753 §4.1, §4.2: PREFER_FAILURE MUST NOT appear with PORT_SET.
  if (out.port_set && out.has(kOptPreferFailure)) {
    return make_error("PORT_SET together with PREFER_FAILURE (RFC 7753 §4.1)");
  }
  return out;
}

Result<Options> decode_options(wire::Bytes bytes) {
  wire::Reader r(bytes);
  return read_options(r);
}

namespace {
void write_option(wire::Writer& w, uint8_t code, size_t length) {
  w.u8(code);
  w.u8(0);
  w.u16(static_cast<uint16_t>(length));
}
}  // namespace

void write_options(wire::Writer& w, const Options& options) {
  if (options.port_set) {
    write_option(w, kOptPortSet, kPortSetOptionLength);
    write_port_set_option(w, *options.port_set);
    w.zeros(padding_for(kPortSetOptionLength));
  }
  for (const RawOption& o : options.others) {
    write_option(w, o.code, o.data.size());
    w.bytes(o.data);
    w.zeros(padding_for(o.data.size()));
  }
}

}  // namespace lwb4::pcp
