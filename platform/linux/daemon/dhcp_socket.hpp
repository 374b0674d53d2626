// The DHCPv6 client socket: UDP/IPv6 on [::]:546 (RFC 8415 §7.2), bound to
// the uplink with SO_BINDTODEVICE. Sends choose their source address and
// interface with IPV6_PKTINFO (multicast to ff02::1:2 needs the ifindex;
// RFC 7341 §6.1 wants a link-local source for it).
//
// SO_REUSEADDR is set but coexistence with odhcp6c on the same uplink is
// not solved here: of two wildcard sockets on port 546 the one bound last
// receives the unicast replies (see the OpenWrt notes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "daemon/unique_fd.hpp"
#include "lwb4/client/action.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

constexpr uint16_t kDhcp6ClientPort = 546;  // RFC 8415 §7.2

struct Datagram {
  size_t size = 0;  // bytes in the caller's buffer
  Ipv6Address from;
  uint16_t from_port = 0;
  int ifindex = 0;  // the arrival interface (IPV6_PKTINFO)
};

class DhcpSocket {
 public:
  // `port` is 546 except in tests.
  static Result<DhcpSocket> open(const std::string& ifname, int ifindex,
                                 uint16_t port = kDhcp6ClientPort);

  int fd() const { return fd_.get(); }
  int ifindex() const { return ifindex_; }
  Status send(const client::Transmit& transmit);
  // nullopt when nothing is pending. A datagram longer than `buffer` is
  // an Error (it is consumed).
  Result<std::optional<Datagram>> receive(std::span<uint8_t> buffer);

 private:
  DhcpSocket(UniqueFd fd, int ifindex) : fd_(std::move(fd)), ifindex_(ifindex) {}

  UniqueFd fd_;
  int ifindex_;
};

}  // namespace lwb4::platform
