#include "lwb4/client/dhcp6_info_client.hpp"

#include <algorithm>
#include <cinttypes>
#include <utility>

#include "lwb4/dhcp6/message.hpp"
#include "lwb4/dhcp6/options.hpp"
#include "lwb4/util/result.hpp"

namespace lwb4::client {
namespace {

constexpr const char* kLogPrefix = "dhcp6-info: ";

const char* status_name(uint16_t code) {
  switch (code) {
    case dhcp6::kStatusSuccess:
      return "Success";
    case dhcp6::kStatusUnspecFail:
      return "UnspecFail";
    case dhcp6::kStatusNoAddrsAvail:
      return "NoAddrsAvail";
    case dhcp6::kStatusNoBinding:
      return "NoBinding";
    case dhcp6::kStatusNotOnLink:
      return "NotOnLink";
    case dhcp6::kStatusUseMulticast:
      return "UseMulticast";
    case dhcp6::kStatusNoPrefixAvail:
      return "NoPrefixAvail";
  }
  return "unknown";
}

void log(Outbox& out, LogLevel level, std::string text) {
  out.push_back(Log{level, kLogPrefix + std::move(text)});
}

std::optional<Seconds> effective_refresh(std::optional<uint32_t> raw) {
  if (!raw) return kIrtDefault;                          // RFC 8415 §21.23
  if (*raw == kRefreshInfinity) return std::nullopt;     // RFC 8415 §21.23
  return std::max<Seconds>(Seconds(*raw), kIrtMinimum);  // RFC 8415 §21.23
}

std::string join(const std::vector<Ipv6Address>& addresses) {
  std::string text;
  for (const Ipv6Address& a : addresses) {
    if (!text.empty()) text += ",";
    text += a.to_string();
  }
  return text;
}

std::string describe(const Dhcp6Info& info) {
  std::string text = "server " + info.server_address.to_string() + " (" +
                     info.server_id.to_string() + "), 4o6 servers ";
  if (!info.dhcp4o6_servers) {
    text += "absent";
  } else if (info.dhcp4o6_servers->empty()) {
    text += "[] (multicast)";
  } else {
    text += "[" + join(*info.dhcp4o6_servers) + "]";
  }
  text += ", BRs [" + join(info.s46_brs) + "]";
  text += ", containers " + std::to_string(info.containers.size());
  text += ", refresh ";
  text += info.refresh_time ? std::to_string(info.refresh_time->count()) + " s" : "never";
  return text;
}

}  // namespace

std::vector<Ipv6Address> dhcp4o6_destinations(const Dhcp6Info& info) {
  if (!info.dhcp4o6_servers) return {};  // RFC 7341 §7.2: no 88, no 4o6
  if (info.dhcp4o6_servers->empty()) {
    return {Dhcp6InfoClient::kAllDhcpRelayAgentsAndServers};  // RFC 7341 §7.2
  }
  std::vector<Ipv6Address> unique;
  for (const Ipv6Address& a : *info.dhcp4o6_servers) {
    // RFC 7341 §7.2: duplicates MUST be ignored.
    if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(a);
  }
  return unique;
}

const char* Dhcp6InfoClient::state_name(State state) {
  switch (state) {
    case State::kIdle:
      return "idle";
    case State::kDelaying:
      return "delaying";
    case State::kRequesting:
      return "requesting";
    case State::kInformed:
      return "informed";
  }
  return "unknown";
}

Dhcp6InfoClient::Dhcp6InfoClient(Dhcp6InfoConfig config) : config_(std::move(config)) {
  // RFC 8415 §18.2.6: the ORO MUST include INF_MAX_RT and
  // INFORMATION_REFRESH_TIME.
  for (uint16_t code : {dhcp6::kOptInformationRefreshTime, dhcp6::kOptInfMaxRt}) {
    if (std::find(config_.oro.begin(), config_.oro.end(), code) == config_.oro.end()) {
      config_.oro.push_back(code);
    }
  }
}

void Dhcp6InfoClient::enter_state(State next, TimePoint deadline, Outbox& out) {
  if (next != state_) {
    log(out, LogLevel::kInfo, std::string(state_name(state_)) + " -> " + state_name(next));
  }
  state_ = next;
  deadline_ = deadline;
}

void Dhcp6InfoClient::start(TimePoint now, Random& random, Outbox& out) {
  if (running_ && state_ != State::kIdle) return;
  restart(now, random, out);
}

void Dhcp6InfoClient::restart(TimePoint now, Random& random, Outbox& out) {
  running_ = true;
  if (!source_) {
    log(out, LogLevel::kDebug, "waiting for a link-local source address");
    enter_state(State::kIdle, kNever, out);
    return;
  }
  begin_delay(now, random, out);
}

void Dhcp6InfoClient::stop(Outbox& out) {
  running_ = false;
  enter_state(State::kIdle, kNever, out);
}

void Dhcp6InfoClient::begin_delay(TimePoint now, Random& random, Outbox& out) {
  // RFC 8415 §18.2.6: the first Information-request, also after a refresh,
  // MUST wait a random 0..INF_MAX_DELAY.
  enter_state(State::kDelaying, now + random.uniform(Millis(0), config_.max_start_delay), out);
}

void Dhcp6InfoClient::on_timer(TimePoint now, Random& random, Outbox& out) {
  if (now < deadline_) return;
  switch (state_) {
    case State::kIdle:
      return;
    case State::kDelaying: {
      // RFC 8415 §15: a fresh transaction id per exchange, kept across
      // retransmissions.
      xid_ = random.next_u32() & dhcp6::kMaxTransactionId;
      Rfc8415Params params = kInformationRequestParams;
      params.mrt = inf_max_rt_;  // RFC 8415 §21.25
      retransmit_.start(params, now, random);
      transmit(now, out);
      enter_state(State::kRequesting, retransmit_.deadline(), out);
      return;
    }
    case State::kRequesting:
      // MRC and MRD are 0 for Information-request (RFC 8415 §18.2.6), so
      // the exchange never fails; a new one is the fallback all the same.
      if (!retransmit_.next(now, random)) {
        begin_delay(now, random, out);
        return;
      }
      transmit(now, out);
      deadline_ = retransmit_.deadline();
      return;
    case State::kInformed:
      // RFC 8415 §18.2.6 / RFC 4242: the refresh is a new exchange with a
      // new initial delay; info_ stays in use meanwhile.
      begin_delay(now, random, out);
      return;
  }
}

void Dhcp6InfoClient::transmit(TimePoint now, Outbox& out) {
  if (!source_) return;
  dhcp6::Message m;
  m.type = dhcp6::MessageType::kInformationRequest;
  m.transaction_id = xid_;
  m.client_id = config_.duid;                              // RFC 8415 §18.2.6 SHOULD
  m.oro = config_.oro;                                     // RFC 8415 §18.2.6 MUST
  m.elapsed_time = retransmit_.elapsed_centiseconds(now);  // RFC 8415 §21.9 MUST
  auto bytes = dhcp6::encode_message(m);
  if (!bytes) {
    log(out, LogLevel::kError, "cannot encode Information-request: " + bytes.error().reason());
    return;
  }
  ++counters_.sent;
  Transmit t;
  t.source = *source_;  // RFC 7341 §6.1: multicast from a link-local source
  t.destination = kAllDhcpRelayAgentsAndServers;
  t.port = kServerPort;
  t.payload = std::move(*bytes);
  out.push_back(std::move(t));
}

void Dhcp6InfoClient::drop(uint64_t& counter, const std::string& reason, Outbox& out) {
  ++counter;
  log(out, LogLevel::kDebug, "dropped: " + reason);
}

void Dhcp6InfoClient::on_reply(wire::Bytes payload, const Ipv6Address& from, TimePoint now,
                               Outbox& out) {
  ++counters_.received;
  auto decoded = dhcp6::decode_message(payload);
  if (!decoded) {
    drop(counters_.dropped_malformed, decoded.error().reason(), out);
    return;
  }
  const dhcp6::Message& m = *decoded;
  // RFC 8415 §16: a client discards message types it does not expect.
  if (m.type != dhcp6::MessageType::kReply) {
    drop(counters_.dropped_unexpected,
         std::string(dhcp6::message_type_name(m.type)) + " is not a REPLY", out);
    return;
  }
  if (state_ != State::kRequesting) {
    drop(counters_.dropped_unexpected,
         std::string("REPLY while ") + state_name(state_) + ", no exchange outstanding", out);
    return;
  }
  // RFC 8415 §16.10: discard a Reply whose transaction-id does not match.
  if (m.transaction_id != xid_) {
    drop(counters_.dropped_unexpected,
         make_error("REPLY transaction-id 0x%06" PRIx32 " does not match 0x%06" PRIx32,
                    m.transaction_id, xid_)
             .reason(),
         out);
    return;
  }
  // RFC 8415 §16.10: discard a Reply without a Server Identifier.
  if (!m.server_id) {
    drop(counters_.dropped_invalid, "REPLY without SERVERID", out);
    return;
  }
  // RFC 8415 §16.10: we sent CLIENTID, so it must come back, unchanged.
  if (!m.client_id) {
    drop(counters_.dropped_invalid, "REPLY without CLIENTID", out);
    return;
  }
  if (*m.client_id != config_.duid) {
    drop(counters_.dropped_invalid,
         "REPLY CLIENTID " + m.client_id->to_string() + " is not ours (" +
             config_.duid.to_string() + ")",
         out);
    return;
  }

  // RFC 8415 §18.2.10: INF_MAX_RT is processed even when the status is a
  // failure; §21.25: values outside 60..86400 are ignored.
  if (m.inf_max_rt) {
    if (dhcp6::max_rt_acceptable(*m.inf_max_rt)) {
      inf_max_rt_ = Seconds(*m.inf_max_rt);
      retransmit_.set_mrt(inf_max_rt_);
    } else {
      log(out, LogLevel::kDebug,
          "ignoring INF_MAX_RT " + std::to_string(*m.inf_max_rt) + " (not in 60..86400)");
    }
  }

  if (m.status && m.status->code != dhcp6::kStatusSuccess) {
    ++counters_.dropped_invalid;
    log(out, LogLevel::kNotice,
        std::string("REPLY status ") + status_name(m.status->code) + " (" +
            std::to_string(m.status->code) + ") \"" + m.status->message +
            "\"; retrying (RFC 8415 §18.2.10.1)");
    return;
  }

  for (const std::string& note : m.ignored)
    log(out, LogLevel::kDebug, "ignored in REPLY: " + note);

  Dhcp6Info info;
  info.server_id = *m.server_id;
  info.server_address = from;
  info.dhcp4o6_servers = m.dhcp4o6_servers;
  info.s46_brs = m.s46_brs;
  info.containers = m.containers;
  info.s46_priority = m.s46_priority;
  info.dns_servers = m.dns_servers.value_or(std::vector<Ipv6Address>{});
  info.domains = m.domain_list.value_or(std::vector<std::string>{});
  info.bind_prefix = m.s46_bind_prefix;
  info.refresh_time = effective_refresh(m.information_refresh_time);

  if (!info_ || *info_ != info) {
    ++generation_;
    log(out, LogLevel::kInfo,
        "configuration " + std::to_string(generation_) + ": " + describe(info));
  }
  info_ = std::move(info);
  informed_at_ = now;
  TimePoint refresh_at = info_->refresh_time ? now + *info_->refresh_time : kNever;
  enter_state(State::kInformed, refresh_at, out);
}

}  // namespace lwb4::client
