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
std::optional<Ipv6Address> dhcp6_br(const std::vector<Ipv6Address>& top_level,
                                    const std::vector<s46::Container>& containers) {
  if (!top_level.empty()) return top_level.front();
  for (const s46::Container& c : containers) {
    if (c.mechanism == s46::Mechanism::kLw4o6 && !c.brs.empty()) return c.brs.front();
  }
  return std::nullopt;
}

// The mechanism chosen and, for lw4o6 and MAP-E, its state.
struct Choice {
  Mode mode = Mode::kDhcp4o6;
  std::optional<DesiredState> state;
  bool operator==(const Choice&) const = default;
};

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
  UplinkState seen_uplink;
  std::optional<Mode> active;               // the mechanism in use (RFC 8026)
  std::optional<DesiredState> s46_applied;  // lw4o6 or MAP-E state applied
  std::string last_skipped;                 // why nothing was usable, last logged
  EngineCounters own;                       // datagrams neither client takes

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

  // Whether the engine needs its own Information-request: some mechanism
  // the mode allows is not handed over by the configuration.
  bool needs_info() const {
    bool dhcp4o6 = config.mode == ModeChoice::kAuto || config.mode == ModeChoice::kDhcp4o6;
    bool s46 = config.mode != ModeChoice::kDhcp4o6;
    return (dhcp4o6 && !config.dhcp4o6_servers) || (s46 && !config.s46_rules);
  }

  // Option 88 as handed over or as received; nullopt: nothing known yet.
  std::optional<std::vector<Ipv6Address>> dhcp4o6_servers() const {
    if (config.dhcp4o6_servers) {
      Dhcp6Info handed;
      handed.dhcp4o6_servers = config.dhcp4o6_servers;
      return dhcp4o6_destinations(handed);
    }
    if (!info.info()) return std::nullopt;
    return dhcp4o6_destinations(*info.info());
  }

  std::vector<s46::Container> containers() const {
    if (config.s46_rules) return containers_from_rules(*config.s46_rules);
    if (info.info()) return info.info()->containers;
    return {};
  }

  // The prefixes lw4o6 may build its source on (RFC 7596 §5.1): the
  // End-user prefix and the uplink's on-link prefixes.
  std::vector<Ipv6Prefix> active_prefixes() const {
    std::vector<Ipv6Prefix> prefixes;
    if (config.s46.end_user_prefix) prefixes.push_back(*config.s46.end_user_prefix);
    for (const UplinkAddress& a : uplink.global) {
      if (a.prefix_length > 64) continue;
      if (auto p = Ipv6Prefix::make(a.address, a.prefix_length)) prefixes.push_back(*p);
    }
    return prefixes;
  }

  // RFC 8026 §1.4: walk the mechanisms in priority order and take the first
  // one whose provisioning data is complete and valid.
  std::optional<Choice> choose() {
    std::optional<std::vector<uint16_t>> priority;
    if (info.info() && !config.s46_rules) priority = info.info()->s46_priority;
    std::vector<s46::Mechanism> order = mechanism_order(config.mode, priority);
    std::vector<s46::Container> all = containers();
    std::vector<Ipv6Address> addresses;
    for (const UplinkAddress& a : uplink.global)
      addresses.push_back(a.address);
    std::string skipped;
    auto skip = [&](const char* name, const std::string& why) {
      skipped += std::string(skipped.empty() ? "" : "; ") + name + ": " + why;
    };
    // Why the mechanisms before the chosen one were passed over, once per
    // change.
    auto chosen = [&](Choice c) {
      if (!skipped.empty() && skipped != last_skipped) {
        log(LogLevel::kInfo,
            std::string("engine: ") + mode_name(c.mode) + " chosen; passed over " + skipped);
      }
      last_skipped = skipped;
      return std::optional<Choice>(std::move(c));
    };
    for (s46::Mechanism m : order) {
      if (m == s46::Mechanism::kDhcp4o6) {
        std::optional<std::vector<Ipv6Address>> servers = dhcp4o6_servers();
        // RFC 7341 §7.2: without option 88 the client MUST NOT use DHCP 4o6.
        if (servers && !servers->empty()) return chosen(Choice{Mode::kDhcp4o6, std::nullopt});
        skip("dhcp4o6", "option 88 absent");
      } else if (m == s46::Mechanism::kLw4o6) {
        std::string why = "option 96 absent";
        for (const s46::Container& c : all) {
          if (c.mechanism != s46::Mechanism::kLw4o6) continue;
          auto state = lw4o6_state(c, active_prefixes(), addresses);
          if (state) return chosen(Choice{Mode::kLw4o6, std::move(*state)});
          why = state.error().reason();
        }
        skip("lw4o6", why);
      } else if (m == s46::Mechanism::kMapE) {
        std::vector<s46::Container> map_e;
        for (const s46::Container& c : all) {
          if (c.mechanism == s46::Mechanism::kMapE) map_e.push_back(c);
        }
        if (map_e.empty()) {
          skip("map-e", "option 94 absent");
          continue;
        }
        auto state = map_e_state(map_e, config.s46);
        if (state) return chosen(Choice{Mode::kMapE, std::move(*state)});
        skip("map-e", state.error().reason());
      }
    }
    if (skipped != last_skipped) {
      last_skipped = skipped;
      log(LogLevel::kNotice, "engine: no usable mechanism (mode " +
                                 std::string(mode_choice_name(config.mode)) +
                                 (skipped.empty() ? "" : "; " + skipped) + ")");
    }
    return std::nullopt;
  }

  void withdraw_s46(const std::string& reason) {
    if (!s46_applied) return;
    out.push_back(Withdraw{reason});
    s46_applied.reset();
  }

  void stop_dhcp4(TimePoint now, const char* why) {
    if (!dhcp4_running) return;
    log(LogLevel::kNotice, std::string("engine: stopping DHCP 4o6: ") + why);
    std::optional<std::vector<Ipv6Address>> servers = dhcp4o6_servers();
    if (servers && !servers->empty()) {
      // The servers are still offered: give the address back (RFC 2131
      // §4.4.6) rather than hold it until the lease runs out.
      dhcp4.release(now, out);
    } else {
      dhcp4.stop(now, out);
    }
    dhcp4_running = false;
  }

  // Re-evaluates the mechanism after new DHCPv6 information, a new uplink or
  // at start with hand-off data, and moves to it.
  void reprovision(TimePoint now) {
    if (!inputs_known()) return;
    std::optional<Choice> c = choose();
    std::optional<Mode> previous = active;
    active = c ? std::optional<Mode>(c->mode) : std::nullopt;
    if (previous != active) {
      log(LogLevel::kInfo, std::string("engine: mode ") +
                               (previous ? mode_name(*previous) : "none") + " -> " +
                               (active ? mode_name(*active) : "none"));
    }
    if (!c) {
      stop_dhcp4(now, "no mechanism left");
      withdraw_s46("no usable S46 mechanism");
      return;
    }
    if (c->mode == Mode::kDhcp4o6) {
      withdraw_s46("switching to dhcp4o6");
      std::optional<std::vector<Ipv6Address>> servers = dhcp4o6_servers();
      dhcp4.set_servers(std::move(*servers));
      std::vector<Ipv6Address> top_level;
      if (info.info()) top_level = info.info()->s46_brs;
      dhcp4.set_fallback_br(dhcp6_br(top_level, containers()));
      sync_sources(now);
      if (!dhcp4_running) {
        dhcp4_running = true;
        dhcp4.start(now, std::exchange(stored_lease, std::nullopt), out);
      }
      return;
    }
    stop_dhcp4(now, "switching to another mechanism");
    if (s46_applied == c->state) return;
    // Another mechanism, or a binding whose softwire source moves (RFC 7596
    // §5.1: re-provision), is withdrawn before the new state is applied.
    if (s46_applied && (s46_applied->mode != c->state->mode ||
                        s46_applied->softwire_source != c->state->softwire_source)) {
      withdraw_s46(std::string("re-provisioning ") + mode_name(c->state->mode));
    }
    s46_applied = c->state;
    out.push_back(Apply{*c->state});
  }

  // Something to choose from: a DHCPv6 Reply, or hand-off data alone.
  bool inputs_known() const {
    if (!started || !uplink_usable()) return false;
    return info.info().has_value() || !needs_info();
  }

  void after_event(TimePoint now) {
    if (info.generation() != seen_generation || uplink != seen_uplink) {
      seen_generation = info.generation();
      seen_uplink = uplink;
      reprovision(now);
    }
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
  if (!e.needs_info()) {
    e.log(LogLevel::kInfo,
          "engine: provisioning from the handed-over configuration, no "
          "Information-request");
  }
  if (e.uplink_usable()) {
    if (e.needs_info()) {
      e.info.set_source(*e.uplink.link_local);
      e.info.start(now, e.random, e.out);
    }
    e.seen_uplink = e.uplink;
    e.reprovision(now);
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
    if (was_usable && e.needs_info()) {
      e.log(LogLevel::kNotice, "engine: uplink down: pausing DHCPv6");
      e.info.stop(e.out);
    }
    return;
  }
  if (e.needs_info() && (!was_usable || previous.link_local != uplink.link_local)) {
    // A new link or a new link-local source: ask again (RFC 8415 §18.2.12),
    // and confirm the lease at once if there is one.
    e.info.set_source(*uplink.link_local);
    e.info.restart(now, e.random, e.out);
  }
  if ((!was_usable || previous.link_local != uplink.link_local) && e.dhcp4.lease()) {
    e.dhcp4.renew(now, e.out);
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
  if (e.dhcp4.lease()) e.dhcp4.renew(now, e.out);
  // The S46 options and the mechanism choice come from the DHCPv6
  // information: ask again too (RFC 8415 §18.2.6 after a configuration event).
  if (e.uplink_usable() && e.needs_info()) e.info.restart(now, e.random, e.out);
}

void Engine::release(TimePoint now) {
  Impl& e = *impl_;
  e.dhcp4.release(now, e.out);
  e.dhcp4_running = false;
  e.withdraw_s46("released");
  e.active.reset();
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
  s.mode = e.active;
  s.dhcp6_state = e.needs_info() ? e.info.state_name() : "handed-over";
  s.dhcp4_state = e.dhcp4.state_name();
  s.dhcp4o6_servers = e.dhcp4o6_servers().value_or(std::vector<Ipv6Address>{});
  s.applied = e.s46_applied ? e.s46_applied : e.dhcp4.applied();
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
