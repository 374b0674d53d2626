// The stateless DHCPv6 client (RFC 8415 §18.2.6, §18.2.10): Information-
// request / Reply to learn the DHCP 4o6 servers (option 88, RFC 7341 §7.2),
// the S46 BRs and containers (RFC 7598, RFC 8539), the S46 priority
// (RFC 8026) and DNS, refreshed per INFORMATION_REFRESH_TIME (RFC 8415
// §21.23, RFC 7341 §7 via RFC 4242).
//
// Sans-IO: every entry point takes `now`, draws randomness from the caller's
// Random and appends Transmit/Log actions to the caller's Outbox. The caller
// sleeps until next_deadline() and then calls on_timer().
//
// Lifecycle:
//   set_source(ll)  the uplink's link-local address, the source of every
//                   multicast send (RFC 7341 §6.1). Never sends by itself.
//   start()         begins the first exchange after 0..INF_MAX_DELAY, unless
//                   one is already under way or done; without a source the
//                   client stays kIdle until restart().
//   restart()       link up or source change: a new exchange (new xid) after
//                   a new initial delay; the current info stays until a new
//                   Reply replaces it.
//   stop()          link down: no sends, no deadline; the info is kept (the
//                   engine decides what a down link means for it).
//
// A Reply with a top-level STATUS_CODE other than Success carries no usable
// configuration: its INF_MAX_RT is still adopted (RFC 8415 §18.2.10), the rest
// is dropped and the exchange keeps retransmitting on its schedule, which is
// the rate and duration limit RFC 8415 §18.2.10.1 asks of a retry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lwb4/client/action.hpp"
#include "lwb4/client/clock.hpp"
#include "lwb4/client/random.hpp"
#include "lwb4/client/retransmit.hpp"
#include "lwb4/dhcp6/duid.hpp"
#include "lwb4/s46/rule.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"

namespace lwb4::client {

constexpr Millis kInfMaxDelay{1000};               // INF_MAX_DELAY, RFC 8415 §7.6
constexpr Seconds kIrtDefault{86400};              // IRT_DEFAULT, RFC 8415 §7.6
constexpr Seconds kIrtMinimum{600};                // IRT_MINIMUM, RFC 8415 §7.6
constexpr uint32_t kRefreshInfinity = 0xffffffff;  // never refresh, RFC 8415 §21.23

struct Dhcp6InfoConfig {
  dhcp6::Duid duid = dhcp6::Duid::make_uuid({});  // sent as CLIENTID (RFC 8415 §18.2.6)
  // Requested options, in this order. 32 and 83 are appended when missing
  // (RFC 8415 §18.2.6: the ORO MUST hold them).
  std::vector<uint16_t> oro = {88, 90, 96, 94, 111, 23, 24, 32, 83};
  // Upper bound of the random delay before each exchange. RFC 8415 §18.2.6
  // requires INF_MAX_DELAY; only tests and benchmarks lower it.
  Millis max_start_delay = kInfMaxDelay;
};

// What one valid Reply said. Equality is "same content" for generation().
struct Dhcp6Info {
  dhcp6::Duid server_id = dhcp6::Duid::make_uuid({});
  Ipv6Address server_address;  // source of the Reply
  // Option 88. nullopt: absent, 4o6 MUST NOT be used (RFC 7341 §7.2); empty:
  // present with no address, meaning ff02::1:2. Order and duplicates as
  // received; see dhcp4o6_destinations().
  std::optional<std::vector<Ipv6Address>> dhcp4o6_servers;
  std::vector<Ipv6Address> s46_brs;                   // 90 at top level (RFC 8539)
  std::vector<s46::Container> containers;             // 94/95/96, valid ones, in order
  std::optional<std::vector<uint16_t>> s46_priority;  // 111 (RFC 8026 §4)
  std::vector<Ipv6Address> dns_servers;               // 23 (RFC 3646 §3)
  std::vector<std::string> domains;                   // 24 (RFC 3646 §4)
  std::optional<Ipv6Prefix> bind_prefix;              // 137 (RFC 8539)
  // Effective refresh time after the RFC 8415 §21.23 rules; nullopt: never.
  std::optional<Seconds> refresh_time = kIrtDefault;

  bool operator==(const Dhcp6Info&) const = default;
};

// Where to send DHCPV4-QUERY (RFC 7341 §7.2): nothing when option 88 is
// absent, {ff02::1:2} when it is empty, else its addresses with duplicates
// removed, first occurrence kept (duplicates MUST be ignored).
std::vector<Ipv6Address> dhcp4o6_destinations(const Dhcp6Info& info);

struct Dhcp6InfoCounters {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t dropped_malformed = 0;   // failed to decode
  uint64_t dropped_unexpected = 0;  // not a Reply, wrong xid, no exchange outstanding
  uint64_t dropped_invalid = 0;     // no SERVERID, CLIENTID mismatch, failure status

  bool operator==(const Dhcp6InfoCounters&) const = default;
};

class Dhcp6InfoClient {
 public:
  enum class State : uint8_t {
    kIdle,        // not started, stopped, or no source yet
    kDelaying,    // waiting out the random initial delay (RFC 8415 §18.2.6)
    kRequesting,  // Information-request sent, retransmitting (RFC 8415 §15)
    kInformed,    // have a Reply, waiting for the refresh time
  };
  static const char* state_name(State state);

  // All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1).
  static constexpr Ipv6Address kAllDhcpRelayAgentsAndServers{
      {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x02}};
  static constexpr uint16_t kServerPort = 547;  // RFC 8415 §7.2

  explicit Dhcp6InfoClient(Dhcp6InfoConfig config);

  void set_source(const Ipv6Address& link_local) { source_ = link_local; }
  const std::optional<Ipv6Address>& source() const { return source_; }

  void start(TimePoint now, Random& random, Outbox& out);
  void restart(TimePoint now, Random& random, Outbox& out);
  void stop(Outbox& out);
  // next_deadline() has passed (an early call does nothing).
  void on_timer(TimePoint now, Random& random, Outbox& out);
  // A datagram from port 547 that the caller did not claim for another
  // client (e.g. a DHCPV4-RESPONSE).
  void on_reply(wire::Bytes payload, const Ipv6Address& from, TimePoint now, Outbox& out);

  State state() const { return state_; }
  const char* state_name() const { return state_name(state_); }
  TimePoint next_deadline() const { return deadline_; }

  const std::optional<Dhcp6Info>& info() const { return info_; }
  // When info() was last confirmed by a Reply.
  TimePoint informed_at() const { return informed_at_; }
  // Bumped each time info() changes content (a first Reply counts).
  uint64_t generation() const { return generation_; }
  const Dhcp6InfoCounters& counters() const { return counters_; }

  // INF_MAX_RT in force for the next exchange (RFC 8415 §21.25).
  Millis inf_max_rt() const { return inf_max_rt_; }
  // The xid of the exchange under way (or the last one).
  uint32_t transaction_id() const { return xid_; }

 private:
  void enter_state(State next, TimePoint deadline, Outbox& out);
  void begin_delay(TimePoint now, Random& random, Outbox& out);
  void transmit(TimePoint now, Outbox& out);
  void drop(uint64_t& counter, const std::string& reason, Outbox& out);

  Dhcp6InfoConfig config_;
  std::optional<Ipv6Address> source_;
  bool running_ = false;
  State state_ = State::kIdle;
  TimePoint deadline_ = kNever;

  uint32_t xid_ = 0;
  Rfc8415Retransmit retransmit_;
  Millis inf_max_rt_ = kInformationRequestParams.mrt;

  std::optional<Dhcp6Info> info_;
  TimePoint informed_at_{};
  uint64_t generation_ = 0;
  Dhcp6InfoCounters counters_;
};

}  // namespace lwb4::client
