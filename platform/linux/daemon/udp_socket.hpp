// UDP/IPv6 sockets bound to one address (or the wildcard) and to the uplink
// (SO_BINDTODEVICE), one per local address, for lwb4d's PCP client (RFC 6887
// §8.1: requests from [B4 address]:ephemeral, ANNOUNCE on [::]:5350). Sends
// name their interface with IPV6_PKTINFO. (DHCPv6 uses dhcp_socket.hpp: it
// must share port 546 with another client; PCP shares nothing.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/unique_fd.hpp"
#include "lwb4/client/action.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

struct UdpDatagram {
  size_t size = 0;  // bytes in the caller's buffer
  Ipv6Address from;
  uint16_t from_port = 0;
  int ifindex = 0;  // the arrival interface (IPV6_PKTINFO)
};

// One socket at [local]:port on the uplink.
class UdpSocket {
 public:
  // `port` is 546 except in tests. The address must be assigned and past
  // DAD (a tentative one cannot be bound).
  static Result<UdpSocket> open(const std::string& ifname, int ifindex, const Ipv6Address& local,
                                uint16_t port);

  int fd() const { return fd_.get(); }
  int ifindex() const { return ifindex_; }
  const Ipv6Address& local() const { return local_; }
  // Sends from local(), whatever transmit.source says.
  Status send(const client::Transmit& transmit);
  // nullopt when nothing is pending. A datagram longer than `buffer` is
  // an Error (it is consumed).
  Result<std::optional<UdpDatagram>> receive(std::span<uint8_t> buffer);

 private:
  UdpSocket(UniqueFd fd, int ifindex, const Ipv6Address& local)
      : fd_(std::move(fd)), ifindex_(ifindex), local_(local) {}

  UniqueFd fd_;
  int ifindex_;
  Ipv6Address local_;
};

// The sockets of one uplink, keyed by local address: opened on the first
// send from an address, closed when the address leaves the uplink.
class UdpSocketSet {
 public:
  // Called with a socket's fd just before it is closed (to unregister it).
  using CloseHook = std::function<void(int fd)>;

  UdpSocketSet(std::string ifname, int ifindex, uint16_t port)
      : ifname_(std::move(ifname)), ifindex_(ifindex), port_(port) {}

  int ifindex() const { return ifindex_; }
  size_t size() const { return sockets_.size(); }

  // The socket bound to `source`, opened now when there is none; `opened`
  // tells the caller to register a new fd.
  Result<UdpSocket*> for_source(const Ipv6Address& source, bool& opened);
  UdpSocket* find_fd(int fd);
  // Closes the sockets whose address is not in `keep`.
  void retain(std::span<const Ipv6Address> keep, const CloseHook& before_close);
  // Closes every socket and binds later ones to `ifindex` (the interface
  // was re-created: SO_BINDTODEVICE holds the old one).
  void reset(int ifindex, const CloseHook& before_close);

 private:
  std::string ifname_;
  int ifindex_;
  uint16_t port_;
  std::vector<UdpSocket> sockets_;
};

}  // namespace lwb4::platform
