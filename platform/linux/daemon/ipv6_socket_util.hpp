// Pieces lwb4d's IPv6 sockets share (dhcp_socket.cpp, udp_socket.cpp):
// socket addresses with the scope of link-scoped addresses, and the
// IPV6_PKTINFO control message that names a send's source and interface and
// tells a receive its destination and arrival interface (RFC 3542 §6).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

// strerror(errno).
std::string errno_text();

// ff02::/16 and fe80::/10 need the interface named (RFC 4007 §6).
bool link_scoped(const Ipv6Address& address);

// [address]:port; the scope id is `ifindex` for link-scoped addresses.
sockaddr_in6 socket_address(const Ipv6Address& address, uint16_t port, int ifindex);

// Room for one IPV6_PKTINFO control message.
struct PktinfoControl {
  alignas(cmsghdr) uint8_t bytes[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
};

// Points `msg` at `control`, holding IPV6_PKTINFO {source, ifindex} (send).
void set_pktinfo(msghdr& msg, PktinfoControl& control, const Ipv6Address& source, int ifindex);
// Points `msg` at `control`, empty, to receive one.
void receive_pktinfo(msghdr& msg, PktinfoControl& control);
// The IPV6_PKTINFO a received message carried.
std::optional<in6_pktinfo> pktinfo_of(msghdr& msg);

}  // namespace lwb4::platform
