// lwb4d's DHCPv6 client transport on the uplink (RFC 8415 §7.2: clients
// use UDP port 546), built so that it shares the port with the uplink's own
// DHCPv6 client (odhcp6c, dhclient, dhcpcd) without ever taking its replies:
//
// * Send and receive go through one raw IPv6 socket for UDP, bound to the
//   uplink. A raw socket gets a copy of every UDP datagram that arrives; it
//   takes nothing away from the UDP sockets. A filter in the kernel keeps
//   only datagrams to port 546, and of those lwb4d keeps the ones addressed
//   to a source it has sent from. The kernel writes and checks the UDP
//   checksum (IPV6_CHECKSUM); replies with a bad one never reach us.
// * For each source address lwb4d sends from, a "guard" UDP socket is bound
//   to [address]:546 — only if no other socket holds that address and port
//   already. It receives nothing (its filter drops all) and exists so that
//   replies to an address nobody else listens on do not provoke ICMPv6 port
//   unreachable errors. It allows later binds (SO_REUSEADDR, set after our
//   bind), and a socket bound later takes precedence, so a client that
//   binds the same address after us keeps all of its replies.
// * Another client may bind one of our sources too (dhclient and dhcpcd bind
//   the first link-local they find, which can be the one lwb4d added); then
//   replies to it reach both, and lwb4d asks the engine which are its own.
//   Nothing tells us when a client binds after us, so that question is
//   asked of every datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/unique_fd.hpp"
#include "lwb4/client/action.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

constexpr uint16_t kDhcp6ClientPort = 546;  // RFC 8415 §7.2

struct Datagram {
  size_t size = 0;  // UDP payload bytes in the caller's buffer
  Ipv6Address from;
  uint16_t from_port = 0;
  Ipv6Address to;   // one of our source addresses
  int ifindex = 0;  // the arrival interface (IPV6_PKTINFO)
  // Another client's socket holds [to]:546 too: the datagram may be its.
  bool shared = false;
};

class DhcpSocketSet {
 public:
  // `port` is 546 except in tests. Needs CAP_NET_RAW.
  static Result<DhcpSocketSet> open(const std::string& ifname, int ifindex,
                                    uint16_t port = kDhcp6ClientPort);

  // The raw socket: register it once for readability.
  int fd() const { return raw_.get(); }
  int ifindex() const { return ifindex_; }
  // Source addresses in use.
  size_t size() const { return sources_.size(); }
  // Whether lwb4d holds the guard socket of `source` (false when another
  // client held [source]:546 first, or when the source is not in use).
  bool guarded(const Ipv6Address& source) const;

  // Sends from transmit.source. The first send from an address takes it
  // into use: it must be assigned to the uplink and past DAD.
  Status send(const client::Transmit& transmit);
  // The next datagram for one of our sources; nullopt when nothing is
  // pending. Datagrams to other addresses are consumed and skipped. A
  // datagram longer than `buffer` is an Error (it is consumed).
  Result<std::optional<Datagram>> receive(std::span<uint8_t> buffer);

  // Stops using the sources not in `keep`.
  void retain(std::span<const Ipv6Address> keep);
  // The interface was re-created with a new index: forgets every source and
  // binds the raw socket to it again (the fd stays the same).
  Status reset(int ifindex);

 private:
  struct Source {
    Ipv6Address address;
    UniqueFd guard;  // invalid when shared
  };

  DhcpSocketSet(std::string ifname, int ifindex, uint16_t port, UniqueFd raw)
      : ifname_(std::move(ifname)), ifindex_(ifindex), port_(port), raw_(std::move(raw)) {}
  Result<const Source*> use(const Ipv6Address& source);
  const Source* find(const Ipv6Address& address) const;

  std::string ifname_;
  int ifindex_;
  uint16_t port_;
  UniqueFd raw_;
  std::vector<Source> sources_;
};

}  // namespace lwb4::platform
