#include "lwb4/client/engine.hpp"

#include <algorithm>
#include <utility>

#include "lwb4/client/dhcp4o6_client.hpp"
#include "lwb4/client/dhcp6_info_client.hpp"
#include "lwb4/dhcp6/message.hpp"

namespace lwb4::client {
namespace {

// Number of leading bits two addresses share.
unsigned common_prefix_length(const Ipv6Address& a, const Ipv6Address& b) {
  unsigned n = 0;
  for (size_t i = 0; i < a.bytes.size(); ++i) {
    uint8_t x = a.bytes[i] ^ b.bytes[i];
    if (x == 0) {
      n += 8;
      continue;
    }
    while ((x & 0x80) == 0) {
      ++n;
      x = static_cast<uint8_t>(x << 1);
    }
    break;
  }
  return n;
}

// The BR learned over DHCPv6: a top-level S46_BR (RFC 8539) first, else the
// first BR of an lw4o6 container (RFC 7598 §5.3).
std::optional<Ipv6Address> dhcp6_br(const Dhcp6Info& info) {
  if (!info.s46_brs.empty()) return info.s46_brs.front();
  for (const s46::Container& c : info.containers) {
    if (c.mechanism == s46::Mechanism::kLw4o6 && !c.brs.empty()) return c.brs.front();
  }
  return std::nullopt;
}

Dhcp4o6ClientConfig dhcp4_config(const EngineConfig& c) {
  Dhcp4o6ClientConfig d;
  d.duid = c.duid;
  d.iaid = c.iaid;
  d.mac = c.mac;
  d.offer_policy = c.offer_policy;
  d.offer_window = c.offer_window;
  if (!c.start_delays) d.init_delay_min = d.init_delay_max = Millis(0);
  return d;
}

Dhcp6InfoConfig info_config(const EngineConfig& c) {
  Dhcp6InfoConfig i;
  i.duid = c.duid;
  i.oro = {88, 90, 96, 94, 111, 23, 24, 32, 83, 137};
  if (!c.start_delays) i.max_start_delay = Millis(0);
  return i;
}

}  // namespace

struct Engine::Impl {
  Impl(EngineConfig c, Random& r)
      : config(std::move(c)),
        random(r),
        info(info_config(config)),
        dhcp4(dhcp4_config(config), r) {}

  EngineConfig config;
  Random& random;
  Dhcp6InfoClient info;
  Dhcp4o6Client dhcp4;
  Outbox out;
  UplinkState uplink;
  bool started = false;
  bool dhcp4_running = false;
  std::optional<Lease> stored_lease;  // offered to the DHCPv4 client once
  uint64_t seen_generation = 0;
  EngineCounters own;  // datagrams neither client takes

  void log(LogLevel level, std::string text) { out.push_back(Log{level, std::move(text)}); }

  bool uplink_usable() const { return uplink.up && uplink.link_local.has_value(); }

  // RFC 8539: the softwire source is the configured address, else the uplink
  // address with the longest match against option 137, else the first
  // global address.
  std::optional<Ipv6Address> choose_softwire_source() const {
    if (config.softwire_source) return config.softwire_source;
    if (uplink.global.empty()) return std::nullopt;
    std::optional<Ipv6Prefix> bind = dhcp4.bind_prefix();
    if (!bind && info.info()) bind = info.info()->bind_prefix;
    if (!bind) return uplink.global.front().address;
    const UplinkAddress* best = &uplink.global.front();
    unsigned best_len = 0;
    for (const UplinkAddress& a : uplink.global) {
      unsigned len = std::min<unsigned>(common_prefix_length(a.address, bind->address), 128);
      if (len > best_len) {
        best = &a;
        best_len = len;
      }
    }
    return best->address;
  }

  void sync_sources(TimePoint now) {
    if (uplink.link_local) {
      std::optional<Ipv6Address> global;
      if (!uplink.global.empty()) global = uplink.global.front().address;
      dhcp4.set_transport_sources(*uplink.link_local, global);
    }
    std::optional<Ipv6Address> source = choose_softwire_source();
    if (source && dhcp4.softwire_source() != source) dhcp4.set_softwire_source(*source, now, out);
  }

  // Reacts to new DHCPv6 information: start, retarget or stop DHCP 4o6.
  void sync_info(TimePoint now) {
    if (info.generation() == seen_generation) return;
    seen_generation = info.generation();
    const std::optional<Dhcp6Info>& i = info.info();
    if (!i) return;
    std::vector<Ipv6Address> servers = dhcp4o6_destinations(*i);
    if (servers.empty()) {
      // RFC 7341 §7.2: without option 88 the client MUST NOT use DHCP 4o6.
      if (dhcp4_running) {
        log(LogLevel::kNotice, "engine: DHCPv6 Reply without option 88: stopping DHCP 4o6");
        dhcp4.stop(now, out);
        dhcp4_running = false;
      } else {
        log(LogLevel::kNotice, "engine: no DHCP 4o6 server offered (option 88 absent)");
      }
      return;
    }
    dhcp4.set_servers(std::move(servers));
    dhcp4.set_fallback_br(dhcp6_br(*i));
    sync_sources(now);
    if (!dhcp4_running) {
      dhcp4_running = true;
      dhcp4.start(now, std::exchange(stored_lease, std::nullopt), out);
    }
  }

  void after_event(TimePoint now) {
    sync_info(now);
    sync_sources(now);
  }
};

Engine::Engine(EngineConfig config, Random& random)
    : impl_(std::make_unique<Impl>(std::move(config), random)) {}

Engine::~Engine() = default;

void Engine::start(TimePoint now, std::optional<Lease> stored_lease) {
  Impl& e = *impl_;
  if (e.started) return;
  e.started = true;
  e.stored_lease = std::move(stored_lease);
  if (e.uplink_usable()) {
    e.info.set_source(*e.uplink.link_local);
    e.info.start(now, e.random, e.out);
  } else {
    e.log(LogLevel::kInfo, "engine: waiting for the uplink and its link-local address");
  }
}

void Engine::on_uplink(const UplinkState& uplink, TimePoint now) {
  Impl& e = *impl_;
  UplinkState previous = std::exchange(e.uplink, uplink);
  if (previous == uplink || !e.started) return;
  bool was_usable = previous.up && previous.link_local.has_value();
  if (!e.uplink_usable()) {
    if (was_usable) {
      e.log(LogLevel::kNotice, "engine: uplink down: pausing DHCPv6");
      e.info.stop(e.out);
    }
    return;
  }
  if (!was_usable || previous.link_local != uplink.link_local) {
    // A new link or a new link-local source: ask again (RFC 8415 §18.2.12),
    // and confirm the lease at once if there is one.
    e.info.set_source(*uplink.link_local);
    e.info.restart(now, e.random, e.out);
    if (e.dhcp4.lease()) e.dhcp4.renew(now, e.out);
  }
  e.after_event(now);
}

void Engine::on_datagram(wire::Bytes payload, const Ipv6Address& from, TimePoint now) {
  Impl& e = *impl_;
  if (payload.empty()) {
    ++e.own.received;
    ++e.own.dropped_malformed;
    e.log(LogLevel::kDebug, "engine: empty datagram from " + from.to_string());
    return;
  }
  switch (static_cast<dhcp6::MessageType>(payload[0])) {
    case dhcp6::MessageType::kReply:
      e.info.on_reply(payload, from, now, e.out);
      break;
    case dhcp6::MessageType::kDhcpv4Response:
      e.dhcp4.on_response(payload, now, e.out);
      break;
    default:
      ++e.own.received;
      ++e.own.dropped_unexpected;
      e.log(LogLevel::kDebug, "engine: ignored DHCPv6 message type " + std::to_string(payload[0]) +
                                  " from " + from.to_string());
      return;
  }
  e.after_event(now);
}

bool Engine::is_ours(wire::Bytes payload) const {
  const Impl& e = *impl_;
  if (payload.empty()) return true;
  switch (static_cast<dhcp6::MessageType>(payload[0])) {
    case dhcp6::MessageType::kAdvertise:
    case dhcp6::MessageType::kReconfigure:
      return false;
    case dhcp6::MessageType::kReply: {
      // RFC 8415 §8: the transaction-id follows the message type.
      if (payload.size() < 4) return true;
      const uint32_t xid = uint32_t{payload[1]} << 16 | uint32_t{payload[2]} << 8 | payload[3];
      return e.info.state() == Dhcp6InfoClient::State::kRequesting &&
             xid == e.info.transaction_id();
    }
    default:
      return true;
  }
}

void Engine::on_timer(TimePoint now) {
  Impl& e = *impl_;
  if (e.info.next_deadline() <= now) e.info.on_timer(now, e.random, e.out);
  if (e.dhcp4.next_deadline() <= now) e.dhcp4.on_timer(now, e.out);
  e.after_event(now);
}

void Engine::renew(TimePoint now) {
  Impl& e = *impl_;
  if (e.dhcp4.lease()) {
    e.dhcp4.renew(now, e.out);
  } else if (e.uplink_usable()) {
    e.info.restart(now, e.random, e.out);
  }
}

void Engine::release(TimePoint now) {
  Impl& e = *impl_;
  e.dhcp4.release(now, e.out);
  e.dhcp4_running = false;
  e.info.stop(e.out);
}

TimePoint Engine::next_deadline() const {
  return std::min(impl_->info.next_deadline(), impl_->dhcp4.next_deadline());
}

Outbox Engine::take_actions() {
  return std::exchange(impl_->out, Outbox{});
}

EngineStatus Engine::status() const {
  const Impl& e = *impl_;
  EngineStatus s;
  s.dhcp6_state = e.info.state_name();
  s.dhcp4_state = e.dhcp4.state_name();
  if (e.info.info()) s.dhcp4o6_servers = dhcp4o6_destinations(*e.info.info());
  s.applied = e.dhcp4.applied();
  s.lease = e.dhcp4.lease();
  const Dhcp6InfoCounters& i = e.info.counters();
  const EngineCounters& d = e.dhcp4.counters();
  s.counters.sent = i.sent + d.sent;
  s.counters.received = i.received + d.received + e.own.received;
  s.counters.dropped_malformed =
      i.dropped_malformed + d.dropped_malformed + e.own.dropped_malformed;
  s.counters.dropped_unexpected =
      i.dropped_unexpected + d.dropped_unexpected + e.own.dropped_unexpected;
  s.counters.dropped_invalid = i.dropped_invalid + d.dropped_invalid + e.own.dropped_invalid;
  return s;
}

}  // namespace lwb4::client
