// Deletes the NAPT state of an address binding from conntrack over ctnetlink
// (libmnl, no libnetfilter_conntrack): RFC 7596 §5.1 and RFC 7597 §8.1
// require the lwB4's NAPT44 state to be flushed when the address or the
// port set changes.
#pragma once

#include <cstddef>

#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::nft {

// Deletes every IPv4 entry whose original destination or reply destination
// is `address` (flows translated to it, and inbound flows to it); the
// number deleted. Entries that vanish meanwhile are not an error.
Result<size_t> flush_conntrack(Ipv4Address address);

}  // namespace lwb4::nft
