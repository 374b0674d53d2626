// Domain name lists in DHCPv6 (OPTION_DOMAIN_LIST 24, RFC 3646 §4): names in
// the uncompressed RFC 1035 §3.1 wire form, as RFC 8415 §10 requires.
#pragma once

#include <string>
#include <vector>

#include "lwb4/util/result.hpp"
#include "lwb4/wire/reader.hpp"
#include "lwb4/wire/writer.hpp"

namespace lwb4::dhcp6 {

constexpr size_t kMaxLabelLength = 63;  // RFC 1035 §2.3.4
constexpr size_t kMaxNameLength = 255;  // RFC 1035 §2.3.4, wire form incl. the root label

// Decodes a sequence of names into dotted text ("example.com", no trailing
// dot). Rejects compression pointers (RFC 8415 §10), reserved label types,
// labels past the end, unterminated or over-long names and the bare root
// name. Label bytes must be printable ASCII other than '.' and '\\', so the
// dotted text is unambiguous and safe to write into resolv.conf.
Result<std::vector<std::string>> decode_domain_list(wire::Bytes body);

// Writes the names back in wire form; fails on a name decode would reject.
Status encode_domain_list(wire::Writer& w, const std::vector<std::string>& names);

}  // namespace lwb4::dhcp6
