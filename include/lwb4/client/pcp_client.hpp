// The PCP client of an lwB4 provisioned by PCP (RFC 7753 §1.2 with RFC 7596):
// one MAP request (RFC 6887 §11) with PORT_SET (RFC 7753 §4) from the B4's
// IPv6 address to the lwAFTR, which answers with the shared IPv4 address and
// a contiguous external port range.
//
//   request: MAP, protocol 0 (all), internal port 1, PORT_SET{size N,
//            first internal port 1, P = --pcp-parity} (RFC 7753 §5.2's
//            form), a random nonce kept for the life of the mapping
//            (RFC 6887 §11.1)
//   answer:  external IPv4 + first external port (+ PORT_SET size, fewer
//            than asked allowed; none = one port, RFC 7753 §5), used as the
//            contiguous PortSet [first, first + size)
//
// Timing: retransmission per RFC 6887 §8.1.1 (IRT 3 s, MRT 1024 s, MRC 0,
// MRD 0), renewal per §11.2.1, error back-off per §7.4, the epoch check of
// §8.5 (a failed check re-maps at once), ANNOUNCE per §14.1.3 (epoch check,
// re-map after a random 0..5 s), delete (lifetime 0) on stop (§15).
//
// Sans-IO: every entry point takes `now`, draws randomness from the caller's
// Random and appends Transmit/Apply/Withdraw/Log actions to the caller's
// Outbox. The caller sleeps until next_deadline() and then calls on_timer().
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lwb4/client/action.hpp"
#include "lwb4/client/clock.hpp"
#include "lwb4/client/desired_state.hpp"
#include "lwb4/client/random.hpp"
#include "lwb4/pcp/message.hpp"
#include "lwb4/portset/port_set.hpp"
#include "lwb4/wire/ip.hpp"
#include "lwb4/wire/reader.hpp"

namespace lwb4::client {

constexpr uint16_t kPcpServerPort = 5351;          // RFC 6887 §19.1
constexpr uint16_t kPcpClientPort = 5350;          // ANNOUNCE destination, RFC 6887 §19.1
constexpr Millis kPcpIrt{3'000};                   // IRT, RFC 6887 §8.1.1
constexpr Millis kPcpMrt{1'024'000};               // MRT, RFC 6887 §8.1.1
constexpr Seconds kPcpMinRenewGap{4};              // RFC 6887 §11.2.1
constexpr Seconds kPcpMaxLifetime{24 * 3600};      // clamp, RFC 6887 §15
constexpr Seconds kPcpShortErrorLifetime{30};      // RFC 6887 §7.4 suggestion
constexpr Seconds kPcpLongErrorLifetime{30 * 60};  // RFC 6887 §7.4 suggestion
constexpr Millis kPcpAnnounceMaxDelay{5'000};      // RFC 6887 §14.1.3
constexpr uint32_t kPcpDefaultLifetime = 7200;     // s; lwb4's request, the server decides
constexpr uint16_t kPcpDefaultPortCount = 2048;    // lwb4's size hint (RFC 7753 §5.2 example)
constexpr uint16_t kPcpInternalPort = 1;           // RFC 7753 §5.2: internal port 1

struct PcpClientConfig {
  Ipv6Address server;  // the PCP server: the lwAFTR (RFC 7753 §1.2)
  // Ports asked for (RFC 7753 §4 Port Set Size), 1..65535; 65535 asks for
  // as many as possible (RFC 7753 §4.1).
  uint16_t port_count = kPcpDefaultPortCount;
  bool parity = false;  // RFC 7753 §4.1 P bit
  uint32_t requested_lifetime = kPcpDefaultLifetime;
};

// RFC 6887 §8.5: the epoch check over two responses.
struct PcpEpoch {
  bool known = false;
  uint32_t server = 0;  // Epoch Time of the last valid response
  TimePoint client{};   // when it arrived

  // Checks `epoch` received at `now` against the previous one and records
  // it. The first response is always valid.
  bool check_and_update(uint32_t epoch, TimePoint now);
};

// What the server granted, and what of it is used.
struct PcpMapping {
  Ipv4Address address;      // assigned external IPv4 address
  uint16_t first_port = 0;  // assigned external port (first of the range)
  uint32_t granted = 0;     // ports granted (PORT_SET size; 1 without one)
  PortSet ports = PortSet::full();
  Seconds lifetime{0};  // as granted, clamped to kPcpMaxLifetime
  TimePoint granted_at{};
  uint32_t epoch = 0;

  TimePoint expires_at() const { return granted_at + lifetime; }
  bool operator==(const PcpMapping&) const = default;
};

struct PcpCounters {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t dropped_malformed = 0;   // failed to decode
  uint64_t dropped_unexpected = 0;  // wrong source/opcode/nonce/protocol/port, nothing outstanding
  uint64_t dropped_invalid = 0;     // matched but unusable (no IPv4, bad range, lifetime 0)
  uint64_t errors = 0;              // error result codes received
  uint64_t epoch_resets = 0;        // failed epoch checks (RFC 6887 §8.5)

  bool operator==(const PcpCounters&) const = default;
};

class PcpClient {
 public:
  enum class State : uint8_t {
    kIdle,        // not started, stopped, or no source address
    kRequesting,  // MAP sent, retransmitting (RFC 6887 §8.1.1)
    kMapped,      // waiting for the renewal time (RFC 6887 §11.2.1)
    kRenewing,    // renewal sent; the next attempt is the next renewal slot
    kWaiting,     // an error's lifetime (RFC 6887 §7.4) or the ANNOUNCE delay (§14.1.3)
  };
  static const char* state_name(State state);

  explicit PcpClient(PcpClientConfig config);

  // The B4's IPv6 address: the request's source and Client IP Address
  // (RFC 6887 §8.1) and the softwire source. A new address is a new
  // mapping (the old one is withdrawn); nullopt withdraws and idles.
  void set_source(std::optional<Ipv6Address> source, TimePoint now, Random& random, Outbox& out);
  // Begins mapping once a source is known.
  void start(TimePoint now, Random& random, Outbox& out);
  // Deletes the mapping (MAP with lifetime 0, RFC 6887 §15, with PORT_SET,
  // RFC 7753 §5), sent once, withdraws it and idles.
  void stop(TimePoint now, Outbox& out);
  // Re-maps now (SIGUSR1 / ubus renew).
  void renew(TimePoint now, Random& random, Outbox& out);
  // A datagram from port 5351 (a response) or to port 5350 (ANNOUNCE).
  void on_datagram(wire::Bytes payload, const Ipv6Address& from, TimePoint now, Random& random,
                   Outbox& out);
  // next_deadline() has passed (an early call does nothing).
  void on_timer(TimePoint now, Random& random, Outbox& out);

  State state() const { return state_; }
  const char* state_name() const { return state_name(state_); }
  TimePoint next_deadline() const { return deadline_; }
  const PcpClientConfig& config() const { return config_; }
  const std::optional<Ipv6Address>& source() const { return source_; }
  const std::optional<PcpMapping>& mapping() const { return mapping_; }
  const PcpEpoch& epoch() const { return epoch_; }
  const PcpCounters& counters() const { return counters_; }
  const pcp::Nonce& nonce() const { return nonce_; }
  // The result code of the last error response, if the last response was one.
  std::optional<pcp::ResultCode> last_error() const { return last_error_; }
  // The current retransmission timeout (kRequesting).
  Millis rt() const { return rt_; }

 private:
  void enter_state(State next, TimePoint deadline, Outbox& out);
  void begin_request(TimePoint now, Random& random, Outbox& out);
  void send_map(uint32_t lifetime, TimePoint now, Outbox& out);
  TimePoint next_renewal(Random& random) const;
  void lose_mapping(const std::string& reason, Outbox& out);
  void on_map_response(const pcp::Response& response, TimePoint now, Random& random, Outbox& out);
  void on_announce(const pcp::Response& response, TimePoint now, Random& random, Outbox& out);
  void on_error(const pcp::Response& response, TimePoint now, Outbox& out);
  TimePoint cap_by_expiry(TimePoint at) const;
  void drop(uint64_t& counter, const std::string& reason, Outbox& out);

  PcpClientConfig config_;
  std::optional<Ipv6Address> source_;
  bool running_ = false;
  State state_ = State::kIdle;
  TimePoint deadline_ = kNever;

  pcp::Nonce nonce_{};
  bool have_nonce_ = false;
  Millis rt_{0};
  TimePoint retransmit_at_ = kNever;  // next send in kRequesting, end of kWaiting
  TimePoint last_sent_{};
  uint32_t renew_attempt_ = 0;
  bool suggest_ = true;  // send the current external address/port as a suggestion

  std::optional<PcpMapping> mapping_;
  PcpEpoch epoch_;
  std::optional<pcp::ResultCode> last_error_;
  PcpCounters counters_;
};

}  // namespace lwb4::client
