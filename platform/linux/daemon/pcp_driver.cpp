#include "daemon/pcp_driver.hpp"

#include <algorithm>
#include <utility>
#include <variant>

namespace lwb4::platform {
namespace {

constexpr uint16_t kEphemeralPort = 0;  // RFC 6887 §8.1: any source port
constexpr int kMaxUdpDatagramsPerWake = 32;

}  // namespace

PcpDriver::PcpDriver(client::PcpClientConfig config, std::optional<Ipv6Address> preferred_source,
                     std::string ifname, int ifindex, client::Random& random, Logger& log)
    : client_(std::move(config)),
      preferred_source_(preferred_source),
      ifname_(std::move(ifname)),
      random_(random),
      log_(log),
      requests_(ifname_, ifindex, kEphemeralPort) {}

Status PcpDriver::open(EventLoop& loop, uint32_t kind) {
  loop_ = &loop;
  kind_ = kind;
  return open_announce(requests_.ifindex());
}

Status PcpDriver::open_announce(int ifindex) {
  if (announce_) {
    loop_->remove(announce_->fd());
    announce_.reset();
  }
  auto announce = UdpSocket::open(ifname_, ifindex, Ipv6Address{}, client::kPcpClientPort);
  if (!announce) {
    // Not fatal: ANNOUNCE only speeds up recovery; the epoch check on every
    // answer still catches a server restart (RFC 6887 §8.5).
    log_.logf(LogLevel::kWarning, "PCP ANNOUNCE socket: %s", announce.error().reason().c_str());
    return {};
  }
  announce_.emplace(std::move(*announce));
  if (auto st = loop_->add(announce_->fd(), kind_); !st) return st;
  log_.logf(LogLevel::kInfo, "PCP ANNOUNCE socket [::]:%u on %s (index %d)", client::kPcpClientPort,
            ifname_.c_str(), ifindex);
  return {};
}

std::optional<Ipv6Address> PcpDriver::pick_source(const client::UplinkState& uplink) const {
  if (!uplink.up) return std::nullopt;
  if (preferred_source_) {
    for (const client::UplinkAddress& a : uplink.global) {
      if (a.address == *preferred_source_) return a.address;
    }
    return std::nullopt;  // wait until the uplink has it
  }
  if (uplink.global.empty()) return std::nullopt;
  return uplink.global.front().address;
}

void PcpDriver::start(const client::UplinkState& uplink, client::TimePoint now) {
  client_.set_source(pick_source(uplink), now, random_, out_);
  client_.start(now, random_, out_);
}

void PcpDriver::on_uplink(const client::UplinkState& uplink, int ifindex, client::TimePoint now) {
  auto unregister = [this](int fd) { loop_->remove(fd); };
  if (ifindex != 0 && ifindex != requests_.ifindex()) {
    // A re-created uplink: sockets bound to the old device hear nothing.
    requests_.reset(ifindex, unregister);
    if (loop_) {
      if (auto st = open_announce(ifindex); !st) {
        log_.logf(LogLevel::kWarning, "PCP ANNOUNCE socket: %s", st.error().reason().c_str());
      }
    }
  }
  std::vector<Ipv6Address> keep;
  for (const client::UplinkAddress& a : uplink.global)
    keep.push_back(a.address);
  requests_.retain(keep, unregister);
  client_.set_source(pick_source(uplink), now, random_, out_);
}

bool PcpDriver::owns(int fd) {
  return (announce_ && announce_->fd() == fd) || requests_.find_fd(fd) != nullptr;
}

void PcpDriver::on_readable(int fd, std::span<uint8_t> buffer, client::TimePoint now) {
  UdpSocket* socket = (announce_ && announce_->fd() == fd) ? &*announce_ : requests_.find_fd(fd);
  if (!socket) return;
  for (int i = 0; i < kMaxUdpDatagramsPerWake; ++i) {
    auto d = socket->receive(buffer);
    if (!d) {
      log_.logf(LogLevel::kDebug, "%s", d.error().reason().c_str());
      continue;
    }
    if (!*d) return;
    const UdpDatagram& dg = **d;
    // RFC 6887 §8.3: answers come from the server's port 5351.
    if (dg.from_port != client::kPcpServerPort) {
      log_.logf(LogLevel::kDebug, "dropped a datagram from [%s]:%u, not port %u",
                dg.from.to_string().c_str(), dg.from_port, client::kPcpServerPort);
      continue;
    }
    log_.logf(LogLevel::kDebug, "received %zu bytes from [%s]:%u", dg.size,
              dg.from.to_string().c_str(), dg.from_port);
    client_.on_datagram(buffer.first(dg.size), dg.from, now, random_, out_);
  }
}

void PcpDriver::on_timer(client::TimePoint now) {
  client_.on_timer(now, random_, out_);
}

void PcpDriver::renew(client::TimePoint now) {
  client_.renew(now, random_, out_);
}

void PcpDriver::stop(client::TimePoint now) {
  client_.stop(now, out_);
}

void PcpDriver::send(const client::Transmit& t) {
  log_.logf(LogLevel::kDebug, "sending %zu bytes from %s to [%s]:%u", t.payload.size(),
            t.source.to_string().c_str(), t.destination.to_string().c_str(), t.port);
  bool opened = false;
  auto socket = requests_.for_source(t.source, opened);
  if (!socket) {
    log_.logf(LogLevel::kWarning, "not sent: %s", socket.error().reason().c_str());
    return;
  }
  if (opened) {
    log_.logf(LogLevel::kInfo, "PCP socket [%s] on %s", t.source.to_string().c_str(),
              ifname_.c_str());
    if (auto st = loop_->add((*socket)->fd(), kind_); !st) {
      log_.logf(LogLevel::kError, "%s", st.error().reason().c_str());
    }
  }
  if (auto st = (*socket)->send(t); !st) {
    log_.logf(LogLevel::kWarning, "%s", st.error().reason().c_str());
  }
}

client::Outbox PcpDriver::take_actions() {
  client::Outbox rest;
  for (client::Action& a : std::exchange(out_, {})) {
    if (const auto* t = std::get_if<client::Transmit>(&a)) {
      send(*t);
    } else {
      rest.push_back(std::move(a));
    }
  }
  return rest;
}

PcpSnapshot PcpDriver::snapshot() const {
  PcpSnapshot s;
  s.state = client_.state_name();
  s.config = client_.config();
  s.source = client_.source();
  s.mapping = client_.mapping();
  s.epoch = client_.epoch();
  s.last_error = client_.last_error();
  s.counters = client_.counters();
  return s;
}

}  // namespace lwb4::platform
