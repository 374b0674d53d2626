// lwb4d's --mode pcp: the core's PcpClient (RFC 6887 MAP + RFC 7753
// PORT_SET) with its sockets. Requests leave from [B4 address]:ephemeral to
// the server's port 5351 and the answers come back to that socket (RFC 6887
// §8.1, §19.1); [::]:5350 on the uplink receives ANNOUNCE (§14.1.3). Both are
// bound to the uplink (SO_BINDTODEVICE), (udp_socket.hpp).
//
// The B4 address is --softwire-source when the uplink has it, else the
// uplink's first global address. It is the PCP Client IP Address and the
// softwire's local end.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/event_loop.hpp"
#include "daemon/logger.hpp"
#include "daemon/status_report.hpp"
#include "daemon/udp_socket.hpp"
#include "lwb4/client/engine.hpp"
#include "lwb4/client/pcp_client.hpp"

namespace lwb4::platform {

class PcpDriver {
 public:
  PcpDriver(client::PcpClientConfig config, std::optional<Ipv6Address> preferred_source,
            std::string ifname, int ifindex, client::Random& random, Logger& log);

  // Opens the ANNOUNCE socket and registers it with `kind`; request sockets
  // are registered with the same kind as they open.
  Status open(EventLoop& loop, uint32_t kind);
  void start(const client::UplinkState& uplink, client::TimePoint now);
  void on_uplink(const client::UplinkState& uplink, int ifindex, client::TimePoint now);
  // `fd` (one of ours) is readable.
  void on_readable(int fd, std::span<uint8_t> buffer, client::TimePoint now);
  void on_timer(client::TimePoint now);
  void renew(client::TimePoint now);
  void stop(client::TimePoint now);
  bool owns(int fd);
  // The ANNOUNCE socket; -1 when it could not be opened.
  int announce_fd() const { return announce_ ? announce_->fd() : -1; }

  client::TimePoint next_deadline() const { return client_.next_deadline(); }
  // Sends the Transmits itself; returns the other actions for the daemon.
  client::Outbox take_actions();
  PcpSnapshot snapshot() const;

 private:
  std::optional<Ipv6Address> pick_source(const client::UplinkState& uplink) const;
  // (Re)opens [::]:5350 bound to the uplink with `ifindex`.
  Status open_announce(int ifindex);
  void send(const client::Transmit& t);

  client::PcpClient client_;
  std::optional<Ipv6Address> preferred_source_;
  std::string ifname_;
  client::Random& random_;
  Logger& log_;
  EventLoop* loop_ = nullptr;
  uint32_t kind_ = 0;
  UdpSocketSet requests_;
  std::optional<UdpSocket> announce_;
  client::Outbox out_;
};

}  // namespace lwb4::platform
