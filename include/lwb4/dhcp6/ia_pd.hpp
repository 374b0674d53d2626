// IA_PD (option 25) and its IAPREFIX (option 26) entries, RFC 8415 §21.21-22.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "lwb4/dhcp6/options.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp6 {

constexpr uint32_t kInfiniteLifetime = 0xffffffff;  // RFC 8415 §7.7
constexpr size_t kIaPdFixedLength = 12;             // IAID, T1, T2; RFC 8415 §21.21
constexpr size_t kIaPrefixFixedLength = 25;         // lifetimes, length, prefix; RFC 8415 §21.22

// IAPREFIX: preferred(32) valid(32) prefix-length(8) prefix(128) options.
// Bits of the prefix past its length are ignored on receive (cleared here).
// preferred > valid is kept as received: discarding it is the client's job
// (RFC 8415 §21.22).
struct IaPrefix {
  uint32_t preferred = 0;
  uint32_t valid = 0;
  Ipv6Prefix prefix;
  std::optional<StatusCode> status;  // nested STATUS_CODE, at most one
  std::vector<RawOption> other;      // other nested options, in order

  bool operator==(const IaPrefix&) const = default;
};

// IA_PD: IAID(32) T1(32) T2(32) options. T1 > T2 is kept as received; the
// client discards such an IA_PD (RFC 8415 §21.21).
struct IaPd {
  uint32_t iaid = 0;
  uint32_t t1 = 0;
  uint32_t t2 = 0;
  std::vector<IaPrefix> prefixes;    // nested IAPREFIX options, in order
  std::optional<StatusCode> status;  // nested STATUS_CODE, at most one
  std::vector<RawOption> other;      // other nested options, in order

  bool operator==(const IaPd&) const = default;
};

// Decodes the body of an IA_PD option; `offset` is where the body starts in
// the message (for error reasons).
Result<IaPd> decode_ia_pd(wire::Bytes body, size_t offset = 0);
// Writes a whole IA_PD option. Nested options go in canonical order: every
// IAPREFIX, then STATUS_CODE, then `other`. Fails on a non-canonical prefix,
// on a typed code (13, 26) in `other`, or on an oversized body.
Status encode_ia_pd(wire::Writer& w, const IaPd& ia);

}  // namespace lwb4::dhcp6
