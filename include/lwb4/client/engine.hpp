// The provisioning engine: one sans-IO object the daemon drives.
//
// It runs the DHCPv6 Information-request exchange (RFC 8415 §18.2.6) to learn
// the DHCP 4o6 servers (option 88), the BR (90), the S46 containers (94, 96)
// and their priority (111), or takes them from the configuration (odhcp6c
// hand-off), and picks one mechanism (RFC 8026): lw4o6 from option 96
// (RFC 7596), MAP-E from option 94 (RFC 7597), or the DHCPv4 client over
// DHCPv4-over-DHCPv6 (RFC 7341) with port parameters (RFC 7618) and the
// softwire source binding (RFC 8539). Its outcome is one DesiredState
// (Apply) or a Withdraw; a change of mechanism withdraws the old state first.
//
// Every entry point takes `now`; actions accumulate until take_actions().
// The daemon sleeps until next_deadline() or until a datagram arrives.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lwb4/client/action.hpp"
#include "lwb4/client/clock.hpp"
#include "lwb4/client/desired_state.hpp"
#include "lwb4/client/random.hpp"
#include "lwb4/client/s46_provision.hpp"
#include "lwb4/dhcp6/duid.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"

namespace lwb4::client {

// How to choose among DHCPOFFERs (RFC 7618 §7 / RFC 7341 §9: prefer a full
// address unless configured otherwise).
enum class OfferPolicy : uint8_t {
  kPreferFull,      // a full address first, then the largest port set
  kLargestPortSet,  // the most ports, a full address counting as 65535
  kFirst,           // the first valid offer
};

struct EngineConfig {
  dhcp6::Duid duid = dhcp6::Duid::make_uuid({});  // DHCPv6 DUID, also in the RFC 4361 client-id
  uint32_t iaid = 1;                              // RFC 4361 IAID
  std::array<uint8_t, 6> mac{};                   // DHCPv4 chaddr (RFC 7341 leaves it open)
  OfferPolicy offer_policy = OfferPolicy::kPreferFull;
  Millis offer_window{1000};  // how long SELECTING collects offers after the first one
  // The softwire source to bind (RFC 8539 option 109). Unset: the engine
  // picks a global address of the uplink (longest match with option 137 if
  // the server sent one, else the first).
  std::optional<Ipv6Address> softwire_source;
  // The random waits before the first Information-request (RFC 8415
  // §18.2.6, a MUST) and before DHCPDISCOVER (RFC 2131 §4.4.1). They spread
  // CPEs that boot together; only tests and benchmarks turn them off.
  bool start_delays = true;

  ModeChoice mode = ModeChoice::kAuto;
  // Hand-off from the uplink's DHCPv6 client (odhcp6c): option 88 (empty:
  // present without addresses, i.e. ff02::1:2) and the S46 rules. Each one
  // given replaces what the engine would learn from its own
  // Information-request; when every mechanism `mode` allows is handed over,
  // the engine sends none.
  std::optional<std::vector<Ipv6Address>> dhcp4o6_servers;
  std::optional<std::vector<s46::ScriptRule>> s46_rules;
  S46Settings s46;
};

// One IPv6 address of the uplink as the kernel reports it.
struct UplinkAddress {
  Ipv6Address address;
  uint8_t prefix_length = 128;
  bool operator==(const UplinkAddress&) const = default;
};

// The uplink as seen by the daemon: up/down, its link-local address (the
// source of multicast sends, RFC 7341 §6.1) and its global addresses (the
// source of unicast sends and softwire source candidates). Tentative (DAD)
// addresses are not reported.
struct UplinkState {
  bool up = false;
  std::optional<Ipv6Address> link_local;
  std::vector<UplinkAddress> global;
  bool operator==(const UplinkState&) const = default;
};

// Counters for status; every received packet that is dropped is counted by
// reason class.
struct EngineCounters {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t dropped_malformed = 0;   // failed to decode
  uint64_t dropped_unexpected = 0;  // wrong type/xid/state, unsolicited
  uint64_t dropped_invalid = 0;     // decoded but semantically unusable
};

// A snapshot for `lwb4ctl status` and ubus; slow-changing facts only.
struct EngineStatus {
  std::optional<Mode> mode;  // the mechanism chosen (RFC 8026), if any
  std::string dhcp6_state;   // e.g. "waiting", "requesting", "informed"
  std::string dhcp4_state;   // RFC 2131 state name, e.g. "BOUND"
  std::vector<Ipv6Address> dhcp4o6_servers;
  std::optional<DesiredState> applied;
  std::optional<Lease> lease;
  EngineCounters counters;
};

class Engine {
 public:
  Engine(EngineConfig config, Random& random);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Begins provisioning. A stored lease allows INIT-REBOOT (RFC 2131 §3.2)
  // if the 4o6 IPv6 source is unchanged (RFC 7618 §5).
  void start(TimePoint now, std::optional<Lease> stored_lease);
  // The uplink changed (link up/down, addresses added/removed).
  void on_uplink(const UplinkState& uplink, TimePoint now);
  // A UDP datagram arrived on port 546.
  void on_datagram(wire::Bytes payload, const Ipv6Address& from, TimePoint now);
  // For a datagram to an address that another DHCPv6 client on the uplink
  // may also listen on: false when it is a message such a client receives
  // (RFC 8415 §7.3: ADVERTISE, REPLY, RECONFIGURE) and not one this engine
  // awaits (a REPLY to its outstanding Information-request). Those are the
  // other client's to handle, not errors of ours to count.
  bool is_ours(wire::Bytes payload) const;
  // next_deadline() has passed.
  void on_timer(TimePoint now);
  // SIGUSR1 / ubus renew: renew the lease now and refresh the DHCPv6
  // information (a new Information-request, which may change the mechanism).
  void renew(TimePoint now);
  // SIGTERM / ubus release: DHCPRELEASE and withdraw.
  void release(TimePoint now);

  TimePoint next_deadline() const;
  Outbox take_actions();
  EngineStatus status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lwb4::client
