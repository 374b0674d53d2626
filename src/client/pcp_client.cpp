#include "lwb4/client/pcp_client.hpp"

#include <algorithm>
#include <utility>

#include "lwb4/pcp/mapped_address.hpp"

namespace lwb4::client {
namespace {

constexpr const char* kLogPrefix = "pcp: ";
constexpr unsigned kMaxRenewShift = 40;  // past this the renewal slots have all collapsed

void log(Outbox& out, LogLevel level, std::string text) {
  out.push_back(Log{level, kLogPrefix + std::move(text)});
}

// RFC 6887 §7.4: NETWORK_FAILURE, NO_RESOURCES and USER_EX_QUOTA are
// short-lifetime errors; CANNOT_PROVIDE_EXTERNAL is short too when, as here,
// it answers a suggestion the server could not honour (§11.3). Every other
// code, the unknown ones included, is long-lifetime.
bool is_short_error(pcp::ResultCode code) {
  switch (code) {
    case pcp::ResultCode::kNetworkFailure:
    case pcp::ResultCode::kNoResources:
    case pcp::ResultCode::kUserExQuota:
    case pcp::ResultCode::kCannotProvideExternal:
      return true;
    default:
      return false;
  }
}

std::string describe_range(uint16_t first, uint32_t count) {
  return std::to_string(first) + "-" + std::to_string(uint32_t{first} + count - 1);
}

std::string describe_ports(const PortSet& ports) {
  std::vector<PortRange> ranges = ports.ranges();
  if (ranges.size() != 1) return ports.describe();
  return describe_range(ranges.front().first, ranges.front().size());
}

std::string hex(const pcp::Nonce& nonce) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (uint8_t b : nonce) {
    text += kDigits[b >> 4];
    text += kDigits[b & 0xf];
  }
  return text;
}

}  // namespace

bool PcpEpoch::check_and_update(uint32_t epoch, TimePoint now) {
  bool valid = true;
  if (known) {
    // RFC 6887 §8.5: invalid if it went back by more than one second, or
    // if the two clocks drifted apart by more than 1/16 (+2 s of slack).
    if (int64_t{epoch} + 1 < int64_t{server}) {
      valid = false;
    } else {
      int64_t client_delta = std::chrono::duration_cast<Seconds>(now - client).count();
      int64_t server_delta = int64_t{epoch} - int64_t{server};
      if (client_delta + 2 < server_delta - server_delta / 16 ||
          server_delta + 2 < client_delta - client_delta / 16) {
        valid = false;
      }
    }
  }
  known = true;
  server = epoch;
  client = now;
  return valid;
}

const char* PcpClient::state_name(State state) {
  switch (state) {
    case State::kIdle:
      return "idle";
    case State::kRequesting:
      return "requesting";
    case State::kMapped:
      return "mapped";
    case State::kRenewing:
      return "renewing";
    case State::kWaiting:
      return "waiting";
  }
  return "unknown";
}

PcpClient::PcpClient(PcpClientConfig config) : config_(std::move(config)) {}

void PcpClient::enter_state(State next, TimePoint deadline, Outbox& out) {
  if (next != state_) {
    log(out, LogLevel::kInfo, std::string(state_name(state_)) + " -> " + state_name(next));
  }
  state_ = next;
  deadline_ = deadline;
}

void PcpClient::drop(uint64_t& counter, const std::string& reason, Outbox& out) {
  ++counter;
  log(out, LogLevel::kDebug, "dropped: " + reason);
}

TimePoint PcpClient::cap_by_expiry(TimePoint at) const {
  return mapping_ ? std::min(at, mapping_->expires_at()) : at;
}

void PcpClient::lose_mapping(const std::string& reason, Outbox& out) {
  if (!mapping_) return;
  log(out, LogLevel::kNotice,
      "mapping " + mapping_->address.to_string() + " ports " + describe_ports(mapping_->ports) +
          " lost: " + reason);
  mapping_.reset();
  out.push_back(Withdraw{"PCP: " + reason});
}

void PcpClient::set_source(std::optional<Ipv6Address> source, TimePoint now, Random& random,
                           Outbox& out) {
  if (source == source_) return;
  // RFC 6887 §8.1: the mapping belongs to the Client IP Address it was
  // made for; another address is another mapping.
  lose_mapping(source ? "source address changed to " + source->to_string()
                      : std::string("no source address"),
               out);
  source_ = source;
  have_nonce_ = false;
  if (!source_) {
    enter_state(State::kIdle, kNever, out);
    return;
  }
  if (running_) begin_request(now, random, out);
}

void PcpClient::start(TimePoint now, Random& random, Outbox& out) {
  if (running_) return;
  running_ = true;
  if (source_) begin_request(now, random, out);
}

void PcpClient::renew(TimePoint now, Random& random, Outbox& out) {
  if (!running_ || !source_ || state_ == State::kRequesting) return;
  begin_request(now, random, out);
}

void PcpClient::begin_request(TimePoint now, Random& random, Outbox& out) {
  if (!have_nonce_) {
    // RFC 6887 §11.1: a random nonce per mapping, kept for its renewals.
    for (size_t i = 0; i < nonce_.size(); i += 4) {
      uint32_t v = random.next_u32();
      for (size_t j = 0; j < 4; ++j)
        nonce_[i + j] = static_cast<uint8_t>(v >> (24 - 8 * j));
    }
    have_nonce_ = true;
  }
  rt_ = random.jitter_10pct(kPcpIrt);  // RT = (1 + RAND) * IRT, RFC 6887 §8.1.1
  send_map(config_.requested_lifetime, now, out);
  retransmit_at_ = now + rt_;
  enter_state(State::kRequesting, cap_by_expiry(retransmit_at_), out);
}

void PcpClient::send_map(uint32_t lifetime, TimePoint now, Outbox& out) {
  pcp::Request request;
  request.requested_lifetime = lifetime;
  request.client_address = *source_;  // RFC 6887 §8.1: the source address
  pcp::MapPayload map;
  map.nonce = nonce_;
  map.protocol = pcp::kProtocolAll;
  // RFC 7753 §4: First Internal Port equals the Internal Port.
  map.internal_port = kPcpInternalPort;
  // RFC 6887 §11.1: ::ffff:0.0.0.0 asks for an IPv4 address, no preference;
  // renewals suggest the current address and port (§11.2.1).
  map.external_address = pcp::to_mapped(Ipv4Address{});
  if (mapping_ && suggest_) {
    map.external_port = mapping_->first_port;
    map.external_address = pcp::to_mapped(mapping_->address);
  }
  request.payload = map;
  // RFC 7753 §4, §5: every request (refresh and delete included) carries it.
  request.options.port_set =
      pcp::PortSetOption{config_.port_count, kPcpInternalPort, config_.parity};
  ++counters_.sent;
  last_sent_ = now;
  out.push_back(Transmit{*source_, config_.server, kPcpServerPort, pcp::encode(request)});
}

TimePoint PcpClient::next_renewal(Random& random) const {
  // RFC 6887 §11.2.1: slot i starts at (1 - 2^-(i+1)) of the lifetime and
  // is 2^-(i+3) of it wide: 1/2..5/8, 3/4..3/4+1/16, 7/8..7/8+1/32, ...;
  // attempts at least 4 s apart; none past the expiry.
  int64_t lifetime = std::chrono::duration_cast<Millis>(mapping_->lifetime).count();
  unsigned shift = std::min(renew_attempt_ + 1, kMaxRenewShift);
  int64_t start = lifetime - (lifetime >> shift);
  int64_t width = lifetime >> std::min(shift + 2, kMaxRenewShift);
  TimePoint at = mapping_->granted_at + Millis(start) + random.uniform(Millis(0), Millis(width));
  at = std::max(at, last_sent_ + kPcpMinRenewGap);
  return std::min(at, mapping_->expires_at());
}

void PcpClient::stop(TimePoint now, Outbox& out) {
  // RFC 6887 §15: lifetime 0 deletes; sent once, the process is going away.
  if (source_ && have_nonce_ && state_ != State::kIdle) {
    log(out, LogLevel::kInfo, "deleting the mapping (lifetime 0)");
    send_map(0, now, out);
  }
  lose_mapping("stopped", out);
  running_ = false;
  have_nonce_ = false;
  enter_state(State::kIdle, kNever, out);
}

void PcpClient::on_timer(TimePoint now, Random& random, Outbox& out) {
  if (state_ == State::kIdle || now < deadline_) return;
  if (mapping_ && now >= mapping_->expires_at()) {
    lose_mapping("its lifetime ran out (RFC 6887 §11.2.1)", out);
    if (state_ == State::kMapped || state_ == State::kRenewing) {
      begin_request(now, random, out);
      return;
    }
    deadline_ = retransmit_at_;
    if (now < deadline_) return;
  }
  switch (state_) {
    case State::kIdle:
      return;
    case State::kRequesting:
      // RT = (1 + RAND) * MIN(2 * RTprev, MRT), MRC 0, MRD 0: RFC 6887 §8.1.1.
      rt_ = random.jitter_10pct(std::min<Millis>(2 * rt_, kPcpMrt));
      send_map(config_.requested_lifetime, now, out);
      retransmit_at_ = now + rt_;
      deadline_ = cap_by_expiry(retransmit_at_);
      return;
    case State::kMapped:
    case State::kRenewing:
      send_map(config_.requested_lifetime, now, out);
      ++renew_attempt_;
      enter_state(State::kRenewing, next_renewal(random), out);
      return;
    case State::kWaiting:
      begin_request(now, random, out);
      return;
  }
}

void PcpClient::on_datagram(wire::Bytes payload, const Ipv6Address& from, TimePoint now,
                            Random& random, Outbox& out) {
  ++counters_.received;
  // RFC 6887 §8.3: only from the server the request went to.
  if (from != config_.server) {
    drop(counters_.dropped_unexpected, "from " + from.to_string() + ", not the server", out);
    return;
  }
  auto response = pcp::decode_response(payload);
  if (!response) {
    drop(counters_.dropped_malformed, response.error().reason(), out);
    return;
  }
  if (!running_ || !source_) {
    drop(counters_.dropped_unexpected, "not running", out);
    return;
  }
  if (response.value().opcode() == pcp::Opcode::kAnnounce) {
    on_announce(response.value(), now, random, out);
  } else {
    on_map_response(response.value(), now, random, out);
  }
}

void PcpClient::on_announce(const pcp::Response& response, TimePoint now, Random& random,
                            Outbox& out) {
  if (response.result != pcp::ResultCode::kSuccess) {
    drop(counters_.dropped_invalid,
         std::string("ANNOUNCE with result ") + pcp::to_string(response.result), out);
    return;
  }
  // RFC 6887 §14.1.3: an ANNOUNCE is acted on through the epoch check.
  if (epoch_.check_and_update(response.epoch_time, now)) {
    log(out, LogLevel::kInfo,
        "ANNOUNCE: epoch " + std::to_string(response.epoch_time) + " consistent, nothing lost");
    return;
  }
  ++counters_.epoch_resets;
  if (state_ == State::kRequesting) {
    log(out, LogLevel::kNotice, "ANNOUNCE: server state lost; a request is already under way");
    return;
  }
  // RFC 6887 §14.1.3: re-create the mappings after a random 0..5 s, so
  // that clients told by one multicast ANNOUNCE do not answer at once.
  Millis delay = random.uniform(Millis(0), kPcpAnnounceMaxDelay);
  log(out, LogLevel::kNotice,
      "ANNOUNCE: epoch " + std::to_string(response.epoch_time) +
          " fails the RFC 6887 §8.5 check; re-mapping in " + std::to_string(delay.count()) + " ms");
  retransmit_at_ = now + delay;
  enter_state(State::kWaiting, cap_by_expiry(retransmit_at_), out);
}

void PcpClient::on_map_response(const pcp::Response& response, TimePoint now, Random& random,
                                Outbox& out) {
  if (state_ != State::kRequesting && state_ != State::kRenewing) {
    drop(counters_.dropped_unexpected, "MAP response with no request outstanding", out);
    return;
  }
  // RFC 6887 §11.4: a response matches by nonce, protocol and internal port.
  const pcp::MapPayload& map = *response.map();
  if (map.nonce != nonce_) {
    drop(counters_.dropped_unexpected, "MAP response nonce " + hex(map.nonce) + " is not ours",
         out);
    return;
  }
  if (map.protocol != pcp::kProtocolAll || map.internal_port != kPcpInternalPort) {
    drop(counters_.dropped_unexpected,
         "MAP response for protocol " + std::to_string(map.protocol) + " internal port " +
             std::to_string(map.internal_port) + ", not ours",
         out);
    return;
  }
  if (response.result != pcp::ResultCode::kSuccess) {
    on_error(response, now, out);
    return;
  }
  if (response.lifetime == 0) {
    drop(counters_.dropped_invalid, "MAP success with lifetime 0", out);
    return;
  }
  std::optional<Ipv4Address> address = pcp::mapped_ipv4(map.external_address);
  if (!address || address->is_zero()) {
    drop(counters_.dropped_invalid,
         "assigned external address " + map.external_address.to_string() + " is not IPv4", out);
    return;
  }
  // RFC 7753 §5: without PORT_SET the server granted one port.
  uint32_t granted = response.options.port_set ? response.options.port_set->size : 1;
  auto ports = PortSet::contiguous(map.external_port, granted);
  if (!ports) {
    drop(counters_.dropped_invalid, ports.error().reason(), out);
    return;
  }

  if (!epoch_.check_and_update(response.epoch_time, now)) {
    // RFC 6887 §8.5: the server lost its state; this response re-created
    // the one mapping this client holds.
    ++counters_.epoch_resets;
    log(out, LogLevel::kNotice,
        "epoch " + std::to_string(response.epoch_time) +
            " fails the RFC 6887 §8.5 check: server state was lost");
  }

  PcpMapping next;
  next.address = *address;
  next.first_port = map.external_port;
  next.granted = granted;
  next.ports = ports.value();
  next.lifetime = std::min<Seconds>(Seconds(response.lifetime), kPcpMaxLifetime);
  next.granted_at = now;
  next.epoch = response.epoch_time;
  bool changed = !mapping_ || mapping_->address != next.address || mapping_->ports != next.ports;
  if (changed) {
    std::string text = "mapped " + next.address.to_string() + " ports " +
                       describe_range(next.first_port, granted) + " (" + std::to_string(granted) +
                       " of " + std::to_string(config_.port_count) + " asked";
    if (!response.options.port_set) text += ", no PORT_SET in the answer";
    text += "), lifetime " + std::to_string(next.lifetime.count()) + " s, epoch " +
            std::to_string(next.epoch);
    log(out, LogLevel::kNotice, text);
  }
  mapping_ = next;
  last_error_.reset();
  suggest_ = true;
  if (changed) {
    DesiredState state;
    state.mode = Mode::kPcp;
    state.ipv4 = next.address;
    state.ports = next.ports;
    state.br = config_.server;
    state.softwire_source = *source_;
    state.source_is_constructed = false;
    out.push_back(Apply{std::move(state)});
  }
  renew_attempt_ = 0;
  enter_state(State::kMapped, next_renewal(random), out);
}

void PcpClient::on_error(const pcp::Response& response, TimePoint now, Outbox& out) {
  ++counters_.errors;
  last_error_ = response.result;
  bool short_error = is_short_error(response.result);
  // RFC 6887 §7.4: not the same request again within the error's lifetime;
  // a server that gives none gets the suggested one.
  Seconds wait = response.lifetime != 0
                     ? std::min<Seconds>(Seconds(response.lifetime), kPcpMaxLifetime)
                     : (short_error ? kPcpShortErrorLifetime : kPcpLongErrorLifetime);
  // RFC 6887 §8.5 on an error answer: nothing to re-create beyond this one.
  if (!epoch_.check_and_update(response.epoch_time, now)) ++counters_.epoch_resets;
  // §11.3: the suggestion could not be honoured; ask without one next time.
  if (response.result == pcp::ResultCode::kCannotProvideExternal) suggest_ = false;
  log(out, LogLevel::kWarning,
      std::string("MAP refused: ") + pcp::to_string(response.result) + " (" +
          (short_error ? "short" : "long") + "-lifetime error), retrying in " +
          std::to_string(wait.count()) + " s");
  // A long-lifetime error says the server will not keep this mapping; a
  // short one leaves the current mapping valid until it expires.
  if (!short_error)
    lose_mapping(std::string("server answered ") + pcp::to_string(response.result), out);
  retransmit_at_ = now + wait;
  enter_state(State::kWaiting, cap_by_expiry(retransmit_at_), out);
}

}  // namespace lwb4::client
