// IPv4 addresses inside PCP messages: always carried as IPv4-mapped IPv6
// addresses, ::ffff:a.b.c.d (RFC 6887 §5).
#pragma once

#include <optional>

#include "lwb4/wire/ip.hpp"

namespace lwb4::pcp {

// ::ffff:a.b.c.d
Ipv6Address to_mapped(Ipv4Address v4);
// The IPv4 address inside ::ffff:a.b.c.d; nullopt for any other address.
std::optional<Ipv4Address> mapped_ipv4(const Ipv6Address& address);

}  // namespace lwb4::pcp
