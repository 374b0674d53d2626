// A scripted DHCP 4o6 server and a fixture for the Dhcp4o6Client scenario
// tests: fake time, pinned randomness, decoded views of what the client sent.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fake_random.hpp"
#include "lwb4/client/dhcp4o6_client.hpp"
#include "lwb4/dhcp4/message.hpp"
#include "lwb4/dhcp6/dhcp4o6.hpp"
#include "lwb4/dhcp6/duid.hpp"

namespace lwb4::client::testing {

inline Ipv6Address ip6(const char* text) {
  return Ipv6Address::parse(text).value();
}
inline Ipv4Address ip4(const char* text) {
  return Ipv4Address::parse(text).value();
}
inline PortSet ports(unsigned offset, unsigned psid_len, unsigned psid) {
  return PortSet::create(offset, psid_len, psid).value();
}

// Builds expected byte arrays piece by piece, one annotated field per call.
class ByteBuilder {
 public:
  ByteBuilder& add(std::initializer_list<uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes);
    return *this;
  }
  ByteBuilder& add(const std::vector<uint8_t>& bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  ByteBuilder& add(const std::array<uint8_t, 16>& bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  ByteBuilder& zeros(size_t n) {
    bytes_.insert(bytes_.end(), n, 0);
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

constexpr std::array<uint8_t, 6> kMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
inline const Ipv6Address kServer = ip6("2001:db8:46::1");  // option 88
inline const Ipv6Address kAllServers = ip6("ff02::1:2");   // empty option 88
inline const Ipv6Address kLinkLocal = ip6("fe80::2");
inline const Ipv6Address kGlobal = ip6("2001:db8:46::2");
inline const Ipv6Address kSoftwire = ip6("2001:db8:46:1::1");
inline const Ipv6Address kNewSoftwire = ip6("2001:db8:46:2::1");
inline const Ipv6Address kBr = ip6("2001:db8:46::b4");
inline const Ipv6Address kFallbackBr = ip6("2001:db8:46::b6");
inline const Ipv4Address kServerId = ip4("192.0.2.1");
inline const Ipv4Address kOtherServerId = ip4("192.0.2.2");
inline const Ipv4Address kOffered = ip4("192.0.2.10");
inline const Ipv4Address kDns = ip4("192.0.2.53");
// Kea "v4-portparams": "6, 52/6" → 9f 04 06 06 d0 00.
inline const PortSet kKeaPorts = ports(6, 6, 52);

inline std::vector<Transmit> transmits(const Outbox& out) {
  std::vector<Transmit> t;
  for (const Action& a : out)
    if (const auto* x = std::get_if<Transmit>(&a)) t.push_back(*x);
  return t;
}
inline std::vector<Apply> applies(const Outbox& out) {
  std::vector<Apply> t;
  for (const Action& a : out)
    if (const auto* x = std::get_if<Apply>(&a)) t.push_back(*x);
  return t;
}
inline std::vector<Withdraw> withdraws(const Outbox& out) {
  std::vector<Withdraw> t;
  for (const Action& a : out)
    if (const auto* x = std::get_if<Withdraw>(&a)) t.push_back(*x);
  return t;
}
inline std::vector<StoreLease> stores(const Outbox& out) {
  std::vector<StoreLease> t;
  for (const Action& a : out)
    if (const auto* x = std::get_if<StoreLease>(&a)) t.push_back(*x);
  return t;
}
inline bool has_log(const Outbox& out, LogLevel level, const std::string& text) {
  for (const Action& a : out) {
    if (const auto* x = std::get_if<Log>(&a)) {
      if (x->level == level && x->text.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

inline dhcp6::Dhcpv4Query query_of(const Transmit& t) {
  return dhcp6::decode_dhcpv4_query(t.payload).value();
}
inline dhcp4::Message inner_of(const Transmit& t) {
  return dhcp4::decode_message(query_of(t).dhcpv4).value();
}

// The server's DHCPv4 reply to `request` (RFC 2131 §4.3.1 Table 3 fields).
inline dhcp4::Message reply_to(const dhcp4::Message& request, dhcp4::MessageType type,
                               Ipv4Address server_id = kServerId) {
  dhcp4::Message m;
  m.op = dhcp4::kOpBootReply;
  m.htype = request.htype;
  m.hlen = request.hlen;
  m.xid = request.xid;
  m.flags = request.flags;
  m.chaddr = request.chaddr;
  m.message_type = type;
  m.server_id = server_id;
  return m;
}

inline dhcp4::Message offer_to(const dhcp4::Message& discover, Ipv4Address yiaddr,
                               std::optional<PortSet> params, Ipv4Address server_id = kServerId) {
  dhcp4::Message m = reply_to(discover, dhcp4::MessageType::kOffer, server_id);
  m.yiaddr = yiaddr;
  m.lease_time = 3600;
  m.port_params = params;
  return m;
}

inline dhcp4::Message ack_to(const dhcp4::Message& request, Ipv4Address yiaddr,
                             std::optional<PortSet> params, uint32_t lease_time = 3600) {
  dhcp4::Message m = reply_to(request, dhcp4::MessageType::kAck);
  m.yiaddr = yiaddr;
  m.ciaddr = request.ciaddr;
  m.lease_time = lease_time;
  m.port_params = params;
  m.dns_servers = {kDns};
  m.client_id = request.client_id;                    // RFC 6842 echo
  m.s46_source_address = request.s46_source_address;  // RFC 8539 echo
  return m;
}

// Wraps a DHCPv4 reply in a DHCPV4-RESPONSE with the given top-level BRs.
inline std::vector<uint8_t> response(const dhcp4::Message& m, std::vector<Ipv6Address> brs = {kBr},
                                     std::optional<Ipv6Prefix> bind_prefix = std::nullopt) {
  dhcp6::Dhcpv4Response r;
  r.dhcpv4 = dhcp4::encode_message(m);
  r.s46_brs = std::move(brs);
  r.s46_bind_prefix = bind_prefix;
  return dhcp6::encode_dhcpv4_response(r).value();
}

inline Dhcp4o6ClientConfig default_config() {
  Dhcp4o6ClientConfig c;
  c.duid = dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kMac).value();
  c.iaid = 1;
  c.mac = kMac;
  c.offer_window = Millis(1000);
  return c;
}

class Dhcp4o6Fixture : public ::testing::Test {
 protected:
  using Pin = PinnedRandom::Pin;

  void make_client(Dhcp4o6ClientConfig config = default_config(), Pin pin = Pin::kLow) {
    random_ = std::make_unique<PinnedRandom>(pin);
    client_ = std::make_unique<Dhcp4o6Client>(std::move(config), *random_);
    client_->set_servers({kServer});
    client_->set_transport_sources(kLinkLocal, kGlobal);
  }
  void SetUp() override { make_client(); }

  Dhcp4o6Client& client() { return *client_; }
  PinnedRandom& random() { return *random_; }

  // Each helper returns the actions of that one event.
  Outbox start(std::optional<Lease> stored = std::nullopt) {
    Outbox out;
    client_->start(now_, std::move(stored), out);
    return out;
  }
  Outbox set_source(const Ipv6Address& source) {
    Outbox out;
    client_->set_softwire_source(source, now_, out);
    return out;
  }
  Outbox receive(const std::vector<uint8_t>& packet) {
    Outbox out;
    client_->on_response(packet, now_, out);
    return out;
  }
  // Moves time to the next deadline and fires the timer.
  Outbox fire() {
    now_ = client_->next_deadline();
    Outbox out;
    client_->on_timer(now_, out);
    return out;
  }
  Outbox timer_at(TimePoint t) {
    now_ = t;
    Outbox out;
    client_->on_timer(now_, out);
    return out;
  }
  void advance(Millis d) { now_ += d; }

  // Fires until the client transmits; returns the (single-server) message.
  dhcp4::Message fire_until_sent() {
    for (int i = 0; i < 8; ++i) {
      Outbox out = fire();
      std::vector<Transmit> t = transmits(out);
      if (!t.empty()) return inner_of(t.front());
    }
    ADD_FAILURE() << "nothing sent";
    return {};
  }

  // INIT → BOUND through DORA with one offer; returns the REQUEST.
  dhcp4::Message bind(std::optional<PortSet> params = kKeaPorts, uint32_t lease_time = 3600) {
    if (!client_->softwire_source()) (void)set_source(kSoftwire);
    if (client_->state() == Dhcp4State::kStopped) (void)start();
    const dhcp4::Message discover = fire_until_sent();
    (void)receive(response(offer_to(discover, kOffered, params)));
    const dhcp4::Message request = fire_until_sent();
    last_bind_ = receive(response(ack_to(request, kOffered, params, lease_time)));
    EXPECT_EQ(client_->state(), Dhcp4State::kBound);
    return request;
  }

  // Asserts that an event changed nothing: same state and deadline, nothing
  // sent, applied, withdrawn or stored.
  void expect_ignored(const Outbox& out, Dhcp4State state, TimePoint deadline) {
    EXPECT_EQ(client_->state(), state);
    EXPECT_EQ(client_->next_deadline(), deadline);
    EXPECT_TRUE(transmits(out).empty());
    EXPECT_TRUE(applies(out).empty());
    EXPECT_TRUE(withdraws(out).empty());
    EXPECT_TRUE(stores(out).empty());
  }

  std::unique_ptr<PinnedRandom> random_;
  std::unique_ptr<Dhcp4o6Client> client_;
  TimePoint now_ = at_ms(0);
  Outbox last_bind_;
};

}  // namespace lwb4::client::testing
