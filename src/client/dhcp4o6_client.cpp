#include "lwb4/client/dhcp4o6_client.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>

#include "lwb4/client/offer_policy.hpp"
#include "lwb4/client/retransmit.hpp"
#include "lwb4/dhcp4/client_id.hpp"
#include "lwb4/dhcp6/options.hpp"

namespace lwb4::client {
namespace {

using dhcp4::MessageType;

// RFC 7618 §5: 159 MUST be listed; RFC 2131 §4.3.2: the same list in every
// later message.
const std::vector<uint8_t> kParameterRequestList = {
    dhcp4::kOptSubnetMask, dhcp4::kOptRouter,      dhcp4::kOptDnsServers,    dhcp4::kOptLeaseTime,
    dhcp4::kOptServerId,   dhcp4::kOptRenewalTime, dhcp4::kOptRebindingTime, dhcp4::kOptPortParams,
};

// RFC 8539: the DHCPV4-QUERY asks for the BR (90) and the bind prefix (137);
// RFC 7341 §7.2: never 88.
const std::vector<uint16_t> kQueryOro = {dhcp6::kOptS46Br, dhcp6::kOptS46BindIpv6Prefix};

constexpr uint16_t kServerPort = 547;  // RFC 8415 §7.2

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[320];
  va_list args;
  va_start(args, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  if (n <= 0) return {};
  return std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

void log(Outbox& out, LogLevel level, std::string text) {
  out.push_back(Log{level, std::move(text)});
}

// An address a DHCP server may lease to a CE: not 0/8, loopback, 169.254/16
// (RFC 7618 §5: never a link-local address) or multicast and above.
bool usable_ipv4(const Ipv4Address& a) {
  const uint32_t v = a.to_u32();
  const uint32_t top = v >> 24;
  if (top == 0 || top == 127 || top >= 224) return false;
  return (v >> 16) != 0xa9fe;
}

bool usable_br(const Ipv6Address& a) {
  return !a.is_zero() && !a.is_multicast();
}

// PSID-len 0 means every port (RFC 7618 §4), whatever the offset.
PortSet normalized(const std::optional<PortSet>& params) {
  if (!params || params->is_full()) return PortSet::full();
  return *params;
}

std::string describe(const PortSet& ports) {
  return ports.is_full() ? std::string("full address") : ports.describe();
}

}  // namespace

const char* dhcp4_state_name(Dhcp4State state) {
  switch (state) {
    case Dhcp4State::kStopped:
      return "STOPPED";
    case Dhcp4State::kInit:
      return "INIT";
    case Dhcp4State::kSelecting:
      return "SELECTING";
    case Dhcp4State::kRequesting:
      return "REQUESTING";
    case Dhcp4State::kBound:
      return "BOUND";
    case Dhcp4State::kRenewing:
      return "RENEWING";
    case Dhcp4State::kRebinding:
      return "REBINDING";
    case Dhcp4State::kInitReboot:
      return "INIT-REBOOT";
    case Dhcp4State::kRebooting:
      return "REBOOTING";
  }
  return "unknown";
}

Dhcp4o6Client::Dhcp4o6Client(Dhcp4o6ClientConfig config, Random& random)
    : config_(std::move(config)), random_(random) {
  // RFC 7341 §9: the client MUST send an RFC 4361 client identifier.
  dhcp4::ClientId id;
  id.iaid = config_.iaid;
  id.duid.assign(config_.duid.bytes().begin(), config_.duid.bytes().end());
  client_id_ = dhcp4::encode_client_id(id);
  std::copy(config_.mac.begin(), config_.mac.end(), chaddr_.begin());
}

// --- inputs -----------------------------------------------------------------

void Dhcp4o6Client::set_servers(std::vector<Ipv6Address> servers) {
  // RFC 7341 §7.2: duplicates MUST be ignored; keep the first.
  servers_.clear();
  for (const Ipv6Address& s : servers) {
    if (std::find(servers_.begin(), servers_.end(), s) == servers_.end()) servers_.push_back(s);
  }
}

void Dhcp4o6Client::set_transport_sources(const Ipv6Address& link_local,
                                          std::optional<Ipv6Address> global) {
  if (link_local_ != link_local || global_ != global) warned_no_global_ = false;
  if (global && !global_ && unsent_for_global_) {
    // What was held for want of a global source goes out at the next timer
    // check, as a retransmission, instead of after the whole backoff.
    deadline_ = TimePoint{};
    unsent_for_global_ = false;
  }
  link_local_ = link_local;
  global_ = global;
}

void Dhcp4o6Client::set_fallback_br(std::optional<Ipv6Address> br) {
  fallback_br_ = br;
}

void Dhcp4o6Client::set_softwire_source(const Ipv6Address& source, TimePoint now, Outbox& out) {
  const bool changed = softwire_source_ != source;
  softwire_source_ = source;
  if (!changed) return;
  switch (state_) {
    case Dhcp4State::kRequesting:
    case Dhcp4State::kRebooting:
      // RFC 8539: the REQUEST carries the softwire source; restart its
      // retransmissions with the new one.
      attempts_ = 0;
      send_request_attempt(now, out);
      break;
    case Dhcp4State::kBound:
      // RFC 8539: a changed softwire source MUST be sent in a DHCPREQUEST.
      log(out, LogLevel::kInfo,
          "softwire source changed to " + source.to_string() + ": DHCPREQUEST (RFC 8539)");
      start_renewing(now, out);
      break;
    case Dhcp4State::kRenewing:
    case Dhcp4State::kRebinding:
      send_renewal(now, out);
      deadline_ = dhcp4_renew_retry(
          now, state_ == Dhcp4State::kRenewing ? lease_->t2_at() : lease_->expires_at());
      break;
    default:
      break;
  }
}

bool Dhcp4o6Client::awaiting_softwire_source() const {
  return request_held_ && !softwire_source_ &&
         (state_ == Dhcp4State::kRequesting || state_ == Dhcp4State::kRebooting);
}

Ipv6Address Dhcp4o6Client::transport_source() const {
  if (servers_.empty()) return link_local_.value_or(Ipv6Address{});
  return source_for(servers_.front());
}

Ipv6Address Dhcp4o6Client::source_for(const Ipv6Address& destination) const {
  // RFC 7341 §6.1: multicast MUST use a link-local source; unicast an
  // address of appropriate scope.
  if (destination.is_multicast() || destination.is_link_local() || !global_) {
    return link_local_.value_or(Ipv6Address{});
  }
  return *global_;
}

// --- life cycle -------------------------------------------------------------

void Dhcp4o6Client::start(TimePoint now, std::optional<Lease> stored, Outbox& out) {
  if (state_ != Dhcp4State::kStopped) {
    log(out, LogLevel::kDebug, "DHCPv4: start ignored, already running");
    return;
  }
  naks_in_a_row_ = 0;
  if (stored) {
    // RFC 7618 §5: INIT-REBOOT only from an unchanged 4o6 IPv6 source.
    const char* refused = nullptr;
    if (!usable_ipv4(stored->address)) {
      refused = "address unusable";
    } else if (now >= stored->expires_at()) {
      refused = "expired";
    } else if (stored->transport_source != transport_source()) {
      refused = "4o6 IPv6 source changed (RFC 7618 §5)";
    }
    if (refused == nullptr) {
      reboot_lease_ = std::move(stored);
      enter_state(Dhcp4State::kInitReboot, out);
      deadline_ = now + random_.uniform(config_.init_delay_min, config_.init_delay_max);
      return;
    }
    log(out, LogLevel::kInfo,
        format("DHCPv4: stored lease of %s not reused: %s", stored->address.to_string().c_str(),
               refused));
  }
  enter_init(now, out);
}

void Dhcp4o6Client::release(TimePoint now, Outbox& out) {
  const bool bound = lease_ && (state_ == Dhcp4State::kBound || state_ == Dhcp4State::kRenewing ||
                                state_ == Dhcp4State::kRebinding);
  if (bound) {
    // RFC 2131 §4.4.6 / Table 5: ciaddr, 54, 61, a new xid, secs 0, no 50 or
    // 55; RFC 7618 §5: 159; RFC 8539: no 109 (conflict 1 resolved so).
    xid_ = random_.next_u32();
    dhcp4::Message m = make_message(MessageType::kRelease, now);
    m.secs = 0;
    m.ciaddr = lease_->address;
    m.server_id = lease_->server_id;
    if (!lease_->ports.is_full()) m.port_params = lease_->ports;
    log(out, LogLevel::kInfo, "DHCPRELEASE of " + lease_->address.to_string());
    transmit(m, true, out);  // RFC 7341 §6.3: RELEASE would be unicast
  }
  lose_lease("released", out);
  offers_.clear();
  chosen_.reset();
  reboot_lease_.reset();
  request_held_ = false;
  enter_state(Dhcp4State::kStopped, out);
  deadline_ = kNever;
}

void Dhcp4o6Client::stop(TimePoint /*now*/, Outbox& out) {
  if (applied_) out.push_back(Withdraw{"DHCP 4o6 stopped"});
  applied_.reset();
  lease_.reset();
  offers_.clear();
  chosen_.reset();
  reboot_lease_.reset();
  request_held_ = false;
  enter_state(Dhcp4State::kStopped, out);
  deadline_ = kNever;
}

void Dhcp4o6Client::renew(TimePoint now, Outbox& out) {
  switch (state_) {
    case Dhcp4State::kBound:
      start_renewing(now, out);
      break;
    case Dhcp4State::kRenewing:
      send_renewal(now, out);
      deadline_ = dhcp4_renew_retry(now, lease_->t2_at());
      break;
    case Dhcp4State::kRebinding:
      send_renewal(now, out);
      deadline_ = dhcp4_renew_retry(now, lease_->expires_at());
      break;
    default:
      log(out, LogLevel::kDebug, format("DHCPv4: renew ignored in %s", state_name()));
      break;
  }
}

// --- states -----------------------------------------------------------------

void Dhcp4o6Client::enter_state(Dhcp4State next, Outbox& out) {
  if (next != state_) {
    log(out, LogLevel::kInfo,
        format("DHCPv4: %s -> %s", dhcp4_state_name(state_), dhcp4_state_name(next)));
  }
  state_ = next;
}

void Dhcp4o6Client::enter_init(TimePoint now, Outbox& out) {
  offers_.clear();
  chosen_.reset();
  reboot_lease_.reset();
  request_held_ = false;
  enter_state(Dhcp4State::kInit, out);
  // RFC 2131 §4.4.1: a random wait before DHCPDISCOVER; after DHCPNAKs in a
  // row, the RFC 2131 §4.1 backoff instead.
  if (naks_in_a_row_ > 0) {
    deadline_ = now + dhcp4_retransmit_delay(naks_in_a_row_ - 1, random_);
  } else {
    deadline_ = now + random_.uniform(config_.init_delay_min, config_.init_delay_max);
  }
}

void Dhcp4o6Client::begin_exchange(TimePoint now) {
  xid_ = random_.next_u32();
  exchange_started_ = now;
  attempts_ = 0;
}

void Dhcp4o6Client::on_timer(TimePoint now, Outbox& out) {
  if (now < deadline_) return;
  switch (state_) {
    case Dhcp4State::kStopped:
      deadline_ = kNever;
      break;
    case Dhcp4State::kInit:
      begin_exchange(now);
      offers_.clear();
      enter_state(Dhcp4State::kSelecting, out);
      send_discover_attempt(now, out);
      break;
    case Dhcp4State::kSelecting:
      if (!offers_.empty()) {
        select_offer(now, out);
      } else {
        send_discover_attempt(now, out);
      }
      break;
    case Dhcp4State::kInitReboot:
      begin_exchange(now);
      enter_state(Dhcp4State::kRebooting, out);
      send_request_attempt(now, out);
      break;
    case Dhcp4State::kRequesting:
    case Dhcp4State::kRebooting:
      if (attempts_ >= kMaxRequestTransmissions) {
        // RFC 2131 §4.4.1 / §3.2: no DHCPACK or DHCPNAK: back to INIT.
        log(out, LogLevel::kNotice,
            format("DHCPv4: no answer to %u DHCPREQUESTs in %s: restarting",
                   kMaxRequestTransmissions, state_name()));
        enter_init(now, out);
      } else {
        send_request_attempt(now, out);
      }
      break;
    case Dhcp4State::kBound:
    case Dhcp4State::kRenewing:
    case Dhcp4State::kRebinding:
      lease_timer(now, out);
      break;
  }
}

void Dhcp4o6Client::lease_timer(TimePoint now, Outbox& out) {
  if (now >= lease_->expires_at()) {
    // RFC 2131 §4.4.5: at expiry stop using the address and go to INIT.
    log(out, LogLevel::kNotice,
        "DHCPv4: lease of " + lease_->address.to_string() + " expired without renewal");
    lose_lease("lease expired", out);
    enter_init(now, out);
    return;
  }
  if (now >= lease_->t2_at()) {
    if (state_ == Dhcp4State::kBound) begin_exchange(now);
    enter_state(Dhcp4State::kRebinding, out);
    send_renewal(now, out);
    deadline_ = dhcp4_renew_retry(now, lease_->expires_at());  // RFC 2131 §4.4.5
    return;
  }
  if (now >= lease_->t1_at()) {
    if (state_ == Dhcp4State::kBound) {
      start_renewing(now, out);
    } else {
      send_renewal(now, out);
      deadline_ = dhcp4_renew_retry(now, lease_->t2_at());  // RFC 2131 §4.4.5
    }
    return;
  }
  deadline_ = lease_->t1_at();
}

void Dhcp4o6Client::start_renewing(TimePoint now, Outbox& out) {
  begin_exchange(now);
  enter_state(Dhcp4State::kRenewing, out);
  send_renewal(now, out);
  deadline_ = dhcp4_renew_retry(now, lease_->t2_at());  // RFC 2131 §4.4.5
}

void Dhcp4o6Client::select_offer(TimePoint now, Outbox& out) {
  std::vector<PortSet> sets;
  sets.reserve(offers_.size());
  for (const Offer& o : offers_)
    sets.push_back(normalized(o.port_params));
  const size_t pick = choose_offer(config_.offer_policy, sets);
  chosen_ = offers_[pick];
  bind_prefix_ = chosen_->bind_prefix;
  log(out, LogLevel::kInfo,
      format("DHCPv4: chose offer %zu of %zu (%s): %s from %s, %s", pick + 1, offers_.size(),
             offer_policy_name(config_.offer_policy), chosen_->address.to_string().c_str(),
             chosen_->server_id.to_string().c_str(), describe(sets[pick]).c_str()));
  offers_.clear();
  attempts_ = 0;
  enter_state(Dhcp4State::kRequesting, out);
  send_request_attempt(now, out);
}

// --- sending ----------------------------------------------------------------

dhcp4::Message Dhcp4o6Client::make_message(MessageType type, TimePoint now) const {
  dhcp4::Message m;
  m.op = dhcp4::kOpBootRequest;
  m.htype = dhcp4::kHtypeEthernet;
  m.hlen = static_cast<uint8_t>(config_.mac.size());
  m.xid = xid_;
  // RFC 2131 §2: seconds since the client began acquisition or renewal.
  const int64_t secs = std::chrono::duration_cast<Seconds>(now - exchange_started_).count();
  m.secs = static_cast<uint16_t>(std::clamp<int64_t>(secs, 0, 0xffff));
  m.flags = 0;  // RFC 7341 leaves B open; replies come back over DHCPv6
  m.chaddr = chaddr_;
  m.message_type = type;
  m.client_id = client_id_;  // RFC 2131 §4.3.2: the same in every message
  if (type != MessageType::kRelease) m.parameter_request_list = kParameterRequestList;
  return m;
}

void Dhcp4o6Client::transmit(const dhcp4::Message& m, bool unicast, Outbox& out) {
  const char* name = dhcp4::message_type_name(*m.message_type);
  if (servers_.empty()) {
    log(out, LogLevel::kWarning, format("DHCPv4: no DHCP 4o6 server to send %s to", name));
    return;
  }
  dhcp6::Dhcpv4Query query;
  query.unicast = unicast;
  query.dhcpv4 = dhcp4::encode_message(m);
  query.oro = kQueryOro;
  auto bytes = dhcp6::encode_dhcpv4_query(query);
  if (!bytes) {
    log(out, LogLevel::kError,
        format("DHCPv4: cannot encode %s: %s", name, bytes.error().reason().c_str()));
    return;
  }
  size_t sent = 0;
  for (const Ipv6Address& destination : servers_) {
    if (!destination.is_multicast() && !destination.is_link_local() && !global_) {
      // RFC 7341 §6.1: unicast from an address of appropriate scope the
      // client already has; a link-local source would not be routed.
      unsent_for_global_ = true;
      if (!warned_no_global_) {
        warned_no_global_ = true;
        log(out, LogLevel::kWarning,
            "DHCPv4: no global IPv6 source for unicast server " + destination.to_string() +
                ": not sent until the uplink has one");
      }
      continue;
    }
    out.push_back(Transmit{source_for(destination), destination, kServerPort, *bytes});
    ++counters_.sent;
    ++sent;
  }
  log(out, LogLevel::kDebug,
      format("DHCPv4: sent %s xid 0x%08x U=%d to %zu of %zu server(s)", name, m.xid,
             unicast ? 1 : 0, sent, servers_.size()));
}

void Dhcp4o6Client::send_discover_attempt(TimePoint now, Outbox& out) {
  // RFC 7618 §5: 61 and a PRL listing 159; RFC 7341 §6.3: broadcast, U=0.
  transmit(make_message(MessageType::kDiscover, now), false, out);
  deadline_ = now + dhcp4_retransmit_delay(attempts_, random_);  // RFC 2131 §4.1
  ++attempts_;
}

void Dhcp4o6Client::send_request_attempt(TimePoint now, Outbox& out) {
  deadline_ = now + dhcp4_retransmit_delay(attempts_, random_);  // RFC 2131 §4.1
  ++attempts_;
  if (!softwire_source_) {
    // RFC 8539: every DHCPREQUEST MUST carry option 109.
    request_held_ = true;
    log(out, LogLevel::kWarning, "DHCPv4: DHCPREQUEST held: no softwire source for option 109");
    return;
  }
  request_held_ = false;
  note_request_sent(now);
  dhcp4::Message m = make_message(MessageType::kRequest, now);
  m.s46_source_address = softwire_source_;
  if (state_ == Dhcp4State::kRequesting) {
    // RFC 2131 §4.3.2 SELECTING: 50 = yiaddr, 54, ciaddr 0, the OFFER's
    // xid; RFC 7618 §5: the chosen OFFER's 159.
    m.requested_ip = chosen_->address;
    m.server_id = chosen_->server_id;
    m.port_params = chosen_->port_params;
  } else {
    // RFC 2131 §4.3.2 INIT-REBOOT: 50 = the old address, no 54, ciaddr 0;
    // RFC 7618 §5: 159 included.
    m.requested_ip = reboot_lease_->address;
    if (!reboot_lease_->ports.is_full()) m.port_params = reboot_lease_->ports;
  }
  transmit(m, false, out);  // RFC 7341 §6.3: broadcast in SELECTING/INIT-REBOOT
}

void Dhcp4o6Client::note_request_sent(TimePoint now) {
  if (!first_request_ || first_request_->first != xid_) first_request_.emplace(xid_, now);
}

void Dhcp4o6Client::send_renewal(TimePoint now, Outbox& out) {
  // RFC 2131 §4.3.2 RENEWING/REBINDING: ciaddr, no 50, no 54; RFC 7618 §5:
  // 159; RFC 8539: 109.
  note_request_sent(now);
  dhcp4::Message m = make_message(MessageType::kRequest, now);
  m.ciaddr = lease_->address;
  m.s46_source_address = softwire_source_;
  if (!lease_->ports.is_full()) m.port_params = lease_->ports;
  // RFC 7341 §6.3: RENEWING would unicast (U=1), REBINDING broadcast (U=0).
  transmit(m, state_ == Dhcp4State::kRenewing, out);
}

// --- receiving --------------------------------------------------------------

void Dhcp4o6Client::drop(Drop kind, const std::string& reason, Outbox& out) {
  switch (kind) {
    case Drop::kMalformed:
      ++counters_.dropped_malformed;
      break;
    case Drop::kUnexpected:
      ++counters_.dropped_unexpected;
      break;
    case Drop::kInvalid:
      ++counters_.dropped_invalid;
      break;
  }
  log(out, LogLevel::kDebug, "DHCPv4: response dropped: " + reason);
}

void Dhcp4o6Client::on_response(wire::Bytes packet, TimePoint now, Outbox& out) {
  ++counters_.received;
  auto response = dhcp6::decode_dhcpv4_response(packet);
  if (!response) return drop(Drop::kMalformed, response.error().reason(), out);
  for (const std::string& why : response->ignored)
    log(out, LogLevel::kDebug, "DHCPV4-RESPONSE: ignored " + why);
  auto message = dhcp4::decode_message(response->dhcpv4);
  if (!message) return drop(Drop::kMalformed, "DHCPv4: " + message.error().reason(), out);
  const dhcp4::Message& m = *message;

  if (m.op != dhcp4::kOpBootReply) {
    return drop(Drop::kUnexpected, format("op %u is not BOOTREPLY", m.op), out);
  }
  const bool waiting = state_ == Dhcp4State::kSelecting || state_ == Dhcp4State::kRequesting ||
                       state_ == Dhcp4State::kRenewing || state_ == Dhcp4State::kRebinding ||
                       state_ == Dhcp4State::kRebooting;
  if (!waiting) return drop(Drop::kUnexpected, format("unsolicited in %s", state_name()), out);
  // RFC 7341 has no DHCPv6 transaction id: match on the DHCPv4 xid.
  if (m.xid != xid_) {
    return drop(Drop::kUnexpected, format("xid 0x%08x, expected 0x%08x", m.xid, xid_), out);
  }
  if (m.htype != dhcp4::kHtypeEthernet || m.hlen != config_.mac.size() || m.chaddr != chaddr_) {
    return drop(Drop::kUnexpected, "chaddr is not ours", out);
  }
  // RFC 6842: a server that echoes option 61 echoes ours.
  if (!m.client_id.empty() && m.client_id != client_id_) {
    return drop(Drop::kUnexpected, "client identifier (61) is not ours", out);
  }
  if (!m.message_type) return drop(Drop::kInvalid, "no DHCP message type (53)", out);

  switch (*m.message_type) {
    case MessageType::kOffer:
      if (state_ == Dhcp4State::kSelecting) return handle_offer(m, *response, now, out);
      break;
    case MessageType::kAck:
      if (state_ != Dhcp4State::kSelecting) return handle_ack(m, *response, now, out);
      break;
    case MessageType::kNak:
      if (state_ != Dhcp4State::kSelecting) return handle_nak(m, now, out);
      break;
    default:
      break;
  }
  drop(Drop::kUnexpected,
       format("%s not expected in %s", dhcp4::message_type_name(*m.message_type), state_name()),
       out);
}

std::optional<Ipv6Address> Dhcp4o6Client::response_br(const dhcp6::Dhcpv4Response& r) const {
  for (const Ipv6Address& br : r.s46_brs) {
    if (usable_br(br)) return br;
  }
  if (fallback_br_ && usable_br(*fallback_br_)) return fallback_br_;
  return std::nullopt;
}

void Dhcp4o6Client::handle_offer(const dhcp4::Message& m, const dhcp6::Dhcpv4Response& r,
                                 TimePoint now, Outbox& out) {
  if (!usable_ipv4(m.yiaddr)) {
    return drop(Drop::kInvalid, "DHCPOFFER of unusable address " + m.yiaddr.to_string(), out);
  }
  // RFC 2131 §4.3.1 Table 3: the OFFER MUST carry the server identifier.
  if (!m.server_id) return drop(Drop::kInvalid, "DHCPOFFER without server identifier (54)", out);
  std::optional<Ipv6Address> br = response_br(r);
  // RFC 8539: a response without a valid BR MUST be discarded.
  if (!br) return drop(Drop::kInvalid, "DHCPOFFER without a BR (option 90) or fallback BR", out);
  if (offers_.size() >= kMaxOffers) {
    return drop(Drop::kUnexpected, format("more than %zu offers", kMaxOffers), out);
  }
  offers_.push_back(Offer{m.yiaddr, *m.server_id, m.port_params, *br, r.s46_bind_prefix});
  log(out, LogLevel::kInfo,
      format("DHCPOFFER of %s from %s: %s", m.yiaddr.to_string().c_str(),
             m.server_id->to_string().c_str(), describe(normalized(m.port_params)).c_str()));
  if (offers_.size() == 1) {
    // RFC 2131 §4.4.1: the client collects offers for a while.
    deadline_ = now + config_.offer_window;
    if (config_.offer_window.count() <= 0) select_offer(now, out);
  }
}

Result<Lease> Dhcp4o6Client::lease_from_ack(const dhcp4::Message& m, const dhcp6::Dhcpv4Response& r,
                                            TimePoint now) const {
  if (!usable_ipv4(m.yiaddr)) {
    return make_error("DHCPACK of unusable address %s", m.yiaddr.to_string().c_str());
  }
  // RFC 2131 §4.3.1 Table 3: 51 and 54 are MUST in a DHCPACK to a REQUEST.
  if (!m.lease_time) return make_error("DHCPACK without lease time (51)");
  if (*m.lease_time < kMinLeaseSeconds) {
    return make_error("DHCPACK lease time %u s is shorter than %u s", *m.lease_time,
                      kMinLeaseSeconds);
  }
  if (!m.server_id) return make_error("DHCPACK without server identifier (54)");
  std::optional<Ipv6Address> br = response_br(r);
  // RFC 8539: a response without a valid BR MUST be discarded.
  if (!br) return make_error("DHCPACK without a BR (option 90) or fallback BR");

  // RFC 2131 §4.4.5: T1 = 0.5 and T2 = 0.875 of the lease by default. A
  // server value inside the lease is kept; a missing one is derived so that
  // T1 < T2 < lease still holds: the default if it is on the right side of
  // the server's value, else T1 at 4/7 of T2, T2 at 3/4 of the way from T1
  // to the end (the defaults' proportions). A T1 at or past the server's T2
  // is dropped (T2 guards the lease).
  const uint64_t lease = *m.lease_time;
  auto inside = [lease](std::optional<uint32_t> v) -> std::optional<uint64_t> {
    if (v && *v > 0 && *v < lease) return *v;
    return std::nullopt;
  };
  std::optional<uint64_t> t1 = inside(m.renewal_time);
  std::optional<uint64_t> t2 = inside(m.rebinding_time);
  if (t1 && t2 && *t1 >= *t2) t1.reset();
  if (!t2) {
    const uint64_t def = lease * 7 / 8;
    t2 = !t1 || def > *t1 ? def : *t1 + (lease - *t1) * 3 / 4;
  }
  if (!t1) {
    const uint64_t def = lease / 2;
    t1 = def < *t2 ? def : *t2 * 4 / 7;
  }

  Lease out;
  out.address = m.yiaddr;
  // RFC 7618 §5: the explicit PSID of the ACK MUST be used; without 159 the
  // address is full (RFC 7618 §7).
  out.ports = normalized(m.port_params);
  out.server_id = *m.server_id;
  out.transport_source = transport_source();
  out.softwire_source = softwire_source_.value_or(Ipv6Address{});
  out.br = *br;
  out.dns_servers = m.dns_servers;
  // RFC 2131 §4.4.1: from when the original DHCPREQUEST was sent, not
  // when its answer came (T1, T2 and the expiry are never late by the
  // round trip or the retransmissions).
  out.acquired = first_request_ && first_request_->first == m.xid ? first_request_->second : now;
  out.lease_time = Seconds(static_cast<int64_t>(lease));
  out.t1 = Seconds(static_cast<int64_t>(*t1));
  out.t2 = Seconds(static_cast<int64_t>(*t2));
  return out;
}

void Dhcp4o6Client::handle_ack(const dhcp4::Message& m, const dhcp6::Dhcpv4Response& r,
                               TimePoint now, Outbox& out) {
  if (!softwire_source_ || request_held_) {
    return drop(Drop::kUnexpected, "DHCPACK while no DHCPREQUEST is outstanding", out);
  }
  if (state_ == Dhcp4State::kRequesting && m.server_id && *m.server_id != chosen_->server_id) {
    return drop(Drop::kUnexpected,
                "DHCPACK from " + m.server_id->to_string() + ", not the chosen server", out);
  }
  auto lease = lease_from_ack(m, r, now);
  if (!lease) return drop(Drop::kInvalid, lease.error().reason(), out);
  if (m.s46_source_address && *m.s46_source_address != *softwire_source_) {
    return source_mismatch(*m.s46_source_address, now, out);
  }
  if (!m.s46_source_address) {
    // Lenient: Kea 2.2 may not echo 109 although RFC 8539 says it MUST.
    log(out, LogLevel::kNotice,
        "DHCPACK without option 109: assuming softwire source " + softwire_source_->to_string());
  }
  if (r.s46_bind_prefix) bind_prefix_ = r.s46_bind_prefix;
  bind(*lease, out);
}

void Dhcp4o6Client::source_mismatch(const Ipv6Address& acked, TimePoint now, Outbox& out) {
  // RFC 8539: do not use the binding; REQUEST again after a random backoff
  // of at least 60 s.
  log(out, LogLevel::kWarning,
      "DHCPACK binds softwire source " + acked.to_string() + ", not " +
          softwire_source_->to_string() + " (RFC 8539): not bound, DHCPREQUEST again later");
  switch (state_) {
    case Dhcp4State::kRequesting:
    case Dhcp4State::kRebooting: {
      const Millis backoff = dhcp4_retransmit_delay(attempts_ > 0 ? attempts_ - 1 : 0, random_);
      deadline_ = now + std::max(backoff, kSourceMismatchWait);
      break;
    }
    case Dhcp4State::kRenewing:
      deadline_ = dhcp4_renew_retry(now, lease_->t2_at());  // never sooner than 60 s
      break;
    case Dhcp4State::kRebinding:
      deadline_ = dhcp4_renew_retry(now, lease_->expires_at());
      break;
    default:
      break;
  }
}

void Dhcp4o6Client::handle_nak(const dhcp4::Message& m, TimePoint now, Outbox& out) {
  if (state_ == Dhcp4State::kRequesting && m.server_id && *m.server_id != chosen_->server_id) {
    return drop(Drop::kUnexpected,
                "DHCPNAK from " + m.server_id->to_string() + ", not the chosen server", out);
  }
  std::string text;
  if (const dhcp4::RawOption* msg = m.find_other(dhcp4::kOptMessage)) {
    text = ": " + std::string(msg->data.begin(), msg->data.end());
  }
  log(out, LogLevel::kNotice, format("DHCPNAK in %s%s", state_name(), text.c_str()));
  // RFC 2131 §3.1/§3.2 and RFC 8539: a NAK restarts from INIT.
  lose_lease("DHCPNAK", out);
  ++naks_in_a_row_;
  enter_init(now, out);
}

void Dhcp4o6Client::bind(const Lease& lease, Outbox& out) {
  DesiredState desired;
  desired.mode = Mode::kDhcp4o6;
  desired.ipv4 = lease.address;
  desired.ports = lease.ports;
  desired.br = lease.br;
  desired.softwire_source = lease.softwire_source;
  desired.source_is_constructed = false;
  desired.dns_servers = lease.dns_servers;
  if (applied_ != desired) {
    out.push_back(Apply{desired});
    applied_ = desired;
  }
  out.push_back(StoreLease{lease});
  log(out, LogLevel::kInfo,
      format("DHCPACK: %s, %s, lease %lld s, T1 %lld s, T2 %lld s",
             lease.address.to_string().c_str(), describe(lease.ports).c_str(),
             static_cast<long long>(lease.lease_time.count()),
             static_cast<long long>(lease.t1.count()), static_cast<long long>(lease.t2.count())));
  lease_ = lease;
  naks_in_a_row_ = 0;
  chosen_.reset();
  reboot_lease_.reset();
  request_held_ = false;
  enter_state(Dhcp4State::kBound, out);
  deadline_ = lease.t1_at();  // RFC 2131 §4.4.5: nothing until T1
}

void Dhcp4o6Client::lose_lease(const char* reason, Outbox& out) {
  if (applied_) out.push_back(Withdraw{reason});
  applied_.reset();
  lease_.reset();
  out.push_back(StoreLease{std::nullopt});
}

}  // namespace lwb4::client
