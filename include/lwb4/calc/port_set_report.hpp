// Human and JSON renderings of a PSID port set (RFC 7597 §5.1), shared by
// `lwb4ctl calc portset` and the port lines of `lwb4ctl calc map`.
#pragma once

#include <string>

#include "lwb4/portset/port_set.hpp"
#include "lwb4/util/json_writer.hpp"

namespace lwb4::calc {

// Every range, "1232-1235 2256-2259 ...", always as first-last.
std::string format_ranges(const PortSet& set);

// The membership test as an nftables match on the source port:
// "th sport & 0x03fc == 0x00d0, >= 1024".
std::string nft_match(const PortSet& set);

// Labelled lines, one value each:
//   offset:          6
//   PSID-len:        8
//   PSID:            52 (0x34)
//   PSID field:      0x3400
//   ports:           252 in 63 ranges
//   ranges:          1232-1235 2256-2259 ...
//   nft:             th sport & 0x03fc == 0x00d0, >= 1024
std::string port_set_text(const PortSet& set);

// Writes the members offset, psid_len, psid, psid_field, ports, ranges and
// mask into the object the writer has open.
void write_port_set_members(JsonWriter& w, const PortSet& set);
// {"offset":6,"psid_len":8,...} followed by a newline.
std::string port_set_json(const PortSet& set);

// "label:" padded to the column where values start in the text reports.
std::string text_line(const char* label, const std::string& value);

}  // namespace lwb4::calc
