// The whole engine against a scripted Kea-like server: DHCPv6
// Information-request, then DHCPv4-over-DHCPv6 DORA, then Apply.
#include "lwb4/client/engine.hpp"

#include <gtest/gtest.h>

#include "dhcp4o6_test_support.hpp"
#include "lwb4/dhcp6/message.hpp"

namespace lwb4::client {
namespace {

using namespace testing;  // NOLINT: test support names

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : random_(PinnedRandom::Pin::kLow), engine_(config(), random_) {}

  static EngineConfig config() {
    EngineConfig c;
    c.duid = dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kMac).value();
    c.mac = kMac;
    return c;
  }

  static UplinkState uplink() {
    UplinkState u;
    u.up = true;
    u.link_local = kLinkLocal;
    u.global = {{kGlobal, 64}};
    return u;
  }

  // Runs timers until something is transmitted; returns everything emitted.
  Outbox run_until_transmit() {
    Outbox all;
    for (int i = 0; i < 10; ++i) {
      if (engine_.next_deadline() == kNever) break;
      now_ = std::max(now_, engine_.next_deadline());
      engine_.on_timer(now_);
      Outbox out = engine_.take_actions();
      bool sent = !transmits(out).empty();
      all.insert(all.end(), out.begin(), out.end());
      if (sent) break;
    }
    return all;
  }

  Outbox deliver(const std::vector<uint8_t>& packet, const Ipv6Address& from = kServer) {
    engine_.on_datagram(packet, from, now_);
    return engine_.take_actions();
  }

  // The server's Reply to an Information-request.
  static std::vector<uint8_t> info_reply(const Transmit& request, bool with_88) {
    dhcp6::Message q = dhcp6::decode_message(request.payload).value();
    dhcp6::Message r;
    r.type = dhcp6::MessageType::kReply;
    r.transaction_id = q.transaction_id;
    r.server_id = dhcp6::Duid::make_en(2495, std::vector<uint8_t>{1, 2, 3}).value();
    r.client_id = q.client_id;
    if (with_88) r.dhcp4o6_servers = std::vector<Ipv6Address>{kServer};
    s46::Container lw;
    lw.mechanism = s46::Mechanism::kLw4o6;
    lw.brs = {kBr};
    r.containers = {lw};
    return dhcp6::encode_message(r).value();
  }

  // Drives the engine from start to BOUND; returns the Apply.
  Apply provision() {
    engine_.on_uplink(uplink(), now_);
    engine_.start(now_, std::nullopt);
    Outbox out = run_until_transmit();
    auto info = transmits(out);
    EXPECT_EQ(info.size(), 1u);
    EXPECT_EQ(info[0].destination, kAllServers);
    EXPECT_EQ(info[0].source, kLinkLocal);  // RFC 7341 §6.1: multicast from link-local
    EXPECT_EQ(info[0].payload[0], 11);      // INFORMATION-REQUEST
    deliver(info_reply(info[0], true));

    out = run_until_transmit();
    auto discover = transmits(out);
    EXPECT_EQ(discover.size(), 1u);
    EXPECT_EQ(discover[0].destination, kServer);
    EXPECT_EQ(discover[0].source, kGlobal);  // unicast 4o6 from a global address
    dhcp4::Message d = inner_of(discover[0]);
    EXPECT_EQ(d.message_type, dhcp4::MessageType::kDiscover);
    // The server sends no option 90 in the DHCPV4-RESPONSE: the BR comes
    // from the lw4o6 container of the DHCPv6 Reply.
    deliver(response(offer_to(d, kOffered, kKeaPorts), {}));

    out = run_until_transmit();  // the offer window closes, REQUEST goes out
    auto request = transmits(out);
    EXPECT_EQ(request.size(), 1u);
    dhcp4::Message q = inner_of(request[0]);
    EXPECT_EQ(q.message_type, dhcp4::MessageType::kRequest);
    EXPECT_EQ(q.s46_source_address, kGlobal);  // RFC 8539: the uplink's global address
    EXPECT_EQ(q.port_params, kKeaPorts);       // RFC 7618 §5: the OFFER's 159 echoed
    out = deliver(response(ack_to(q, kOffered, kKeaPorts), {}));
    auto applied = applies(out);
    EXPECT_EQ(applied.size(), 1u);
    return applied.empty() ? Apply{} : applied[0];
  }

  PinnedRandom random_;
  Engine engine_;
  TimePoint now_ = at_ms(0);
};

TEST_F(EngineTest, ProvisionsFromInformationRequestToBound) {
  Apply a = provision();
  EXPECT_EQ(a.state.mode, Mode::kDhcp4o6);
  EXPECT_EQ(a.state.ipv4, kOffered);
  EXPECT_EQ(a.state.ports, kKeaPorts);
  EXPECT_EQ(a.state.br, kBr);
  EXPECT_EQ(a.state.softwire_source, kGlobal);
  EXPECT_FALSE(a.state.source_is_constructed);

  EngineStatus s = engine_.status();
  EXPECT_EQ(s.dhcp4_state, "BOUND");
  EXPECT_EQ(s.dhcp6_state, "informed");
  EXPECT_EQ(s.dhcp4o6_servers, std::vector<Ipv6Address>{kServer});
  ASSERT_TRUE(s.applied);
  EXPECT_EQ(s.applied->ipv4, kOffered);
  ASSERT_TRUE(s.lease);
  EXPECT_EQ(s.counters.sent, 3u);
  EXPECT_EQ(s.counters.received, 3u);
}

TEST(EngineStartDelays, OffMeansEveryMessageGoesOutWithoutWaiting) {
  PinnedRandom random(PinnedRandom::Pin::kHigh);  // the longest waits, if there were any
  EngineConfig c;
  c.duid = dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kMac).value();
  c.start_delays = false;
  c.offer_window = Millis(0);
  Engine engine(c, random);
  const TimePoint t0 = at_ms(5000);
  UplinkState u;
  u.up = true;
  u.link_local = kLinkLocal;
  u.global = {{kGlobal, 64}};
  engine.on_uplink(u, t0);
  engine.start(t0, std::nullopt);
  // Each deadline is due at once: time never advances past t0.
  auto next = [&] {
    EXPECT_EQ(engine.next_deadline(), t0);
    engine.on_timer(t0);
    auto sent = transmits(engine.take_actions());
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? Transmit{} : sent[0];
  };
  Transmit info = next();
  dhcp6::Message q = dhcp6::decode_message(info.payload).value();
  dhcp6::Message r;
  r.type = dhcp6::MessageType::kReply;
  r.transaction_id = q.transaction_id;
  r.server_id = dhcp6::Duid::make_en(2495, std::vector<uint8_t>{1}).value();
  r.client_id = q.client_id;
  r.dhcp4o6_servers = std::vector<Ipv6Address>{kServer};
  r.s46_brs = {kBr};
  engine.on_datagram(dhcp6::encode_message(r).value(), kServer, t0);
  engine.take_actions();
  dhcp4::Message discover = inner_of(next());
  // With no offer window the REQUEST answers the OFFER at once.
  engine.on_datagram(response(offer_to(discover, kOffered, kKeaPorts)), kServer, t0);
  auto sent = transmits(engine.take_actions());
  ASSERT_EQ(sent.size(), 1u);
  dhcp4::Message request = inner_of(sent[0]);
  EXPECT_EQ(request.message_type, dhcp4::MessageType::kRequest);
  engine.on_datagram(response(ack_to(request, kOffered, kKeaPorts)), kServer, t0);
  EXPECT_EQ(applies(engine.take_actions()).size(), 1u);
  EXPECT_EQ(engine.status().dhcp4_state, "BOUND");
}

TEST_F(EngineTest, NothingIsSentWithoutAnUplink) {
  engine_.start(now_, std::nullopt);
  EXPECT_EQ(engine_.next_deadline(), kNever);
  EXPECT_TRUE(transmits(engine_.take_actions()).empty());
}

TEST_F(EngineTest, NoOption88MeansNoDhcp4o6) {
  engine_.on_uplink(uplink(), now_);
  engine_.start(now_, std::nullopt);
  auto info = transmits(run_until_transmit());
  ASSERT_EQ(info.size(), 1u);
  Outbox out = deliver(info_reply(info[0], false));
  EXPECT_TRUE(has_log(out, LogLevel::kNotice, "option 88 absent"));
  // Only the DHCPv6 refresh remains scheduled, a day away (IRT_DEFAULT).
  EXPECT_EQ(engine_.next_deadline(), now_ + Seconds(86400));
  EXPECT_EQ(engine_.status().dhcp4_state, "STOPPED");
}

TEST_F(EngineTest, UnknownMessageTypesAreCountedAndIgnored) {
  provision();
  EngineStatus before = engine_.status();
  TimePoint deadline = engine_.next_deadline();
  Outbox out = deliver({2, 0, 0, 1});  // ADVERTISE: not ours to take
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(applies(out).empty());
  out = deliver({});
  EXPECT_TRUE(transmits(out).empty());
  EngineStatus after = engine_.status();
  EXPECT_EQ(after.counters.dropped_unexpected, before.counters.dropped_unexpected + 1);
  EXPECT_EQ(after.counters.dropped_malformed, before.counters.dropped_malformed + 1);
  EXPECT_EQ(engine_.next_deadline(), deadline);
  EXPECT_EQ(after.dhcp4_state, "BOUND");
}

// Another DHCPv6 client may listen on our addresses (the daemon's raw
// socket sees its replies): what such a client receives and we do not
// await is its, not an error of ours.
TEST_F(EngineTest, TellsItsOwnRepliesFromAnotherClients) {
  auto bytes = [](std::initializer_list<uint8_t> b) { return std::vector<uint8_t>(b); };
  engine_.on_uplink(uplink(), now_);
  engine_.start(now_, std::nullopt);
  auto info = transmits(run_until_transmit());
  ASSERT_EQ(info.size(), 1u);
  const std::vector<uint8_t> ours = info_reply(info[0], true);
  std::vector<uint8_t> other_xid = ours;
  other_xid[3] ^= 0x01;
  EXPECT_TRUE(engine_.is_ours(ours));                   // REPLY to our Information-request
  EXPECT_FALSE(engine_.is_ours(other_xid));             // REPLY to another transaction
  EXPECT_FALSE(engine_.is_ours(bytes({2, 0, 0, 1})));   // ADVERTISE (RFC 8415 §7.3)
  EXPECT_FALSE(engine_.is_ours(bytes({10, 0, 0, 0})));  // RECONFIGURE
  EXPECT_TRUE(engine_.is_ours(bytes({21, 0, 0, 0})));   // DHCPV4-RESPONSE (RFC 7341 §6.2)
  EXPECT_TRUE(engine_.is_ours(bytes({})));              // malformed: ours to count
  EXPECT_TRUE(engine_.is_ours(bytes({7, 0})));          // a truncated REPLY too
  EXPECT_TRUE(engine_.is_ours(bytes({0, 1, 2, 3})));    // no such type: ours to count
  deliver(ours);
  // Informed: no Information-request outstanding, so no REPLY is ours.
  EXPECT_EQ(engine_.status().dhcp6_state, "informed");
  EXPECT_FALSE(engine_.is_ours(ours));
}

TEST_F(EngineTest, ReleaseSendsDhcpReleaseAndWithdraws) {
  provision();
  engine_.release(now_);
  Outbox out = engine_.take_actions();
  auto sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(inner_of(sent[0]).message_type, dhcp4::MessageType::kRelease);
  EXPECT_EQ(withdraws(out).size(), 1u);
  EXPECT_EQ(engine_.next_deadline(), kNever);
}

TEST_F(EngineTest, Option88DisappearingOnRefreshWithdraws) {
  provision();
  // Run to the DHCPv6 refresh (a day) while renewing the lease on the way.
  for (int i = 0; i < 200 && engine_.status().dhcp6_state != "requesting"; ++i) {
    now_ = engine_.next_deadline();
    engine_.on_timer(now_);
    for (const Transmit& t : transmits(engine_.take_actions())) {
      if (t.payload[0] == 20) {  // DHCPV4-QUERY: the renewal REQUEST
        dhcp4::Message q = inner_of(t);
        deliver(response(ack_to(q, kOffered, kKeaPorts), {}));
      }
    }
  }
  ASSERT_EQ(engine_.status().dhcp6_state, "requesting");
  ASSERT_EQ(engine_.status().dhcp4_state, "BOUND");
  Outbox out = run_until_transmit();
  auto refresh = transmits(out);
  ASSERT_FALSE(refresh.empty());
  out = deliver(info_reply(refresh.back(), false));
  EXPECT_EQ(withdraws(out).size(), 1u);  // RFC 7341: MUST stop using 4o6
  EXPECT_EQ(engine_.status().dhcp4_state, "STOPPED");
}

TEST_F(EngineTest, UplinkDownPausesAndUpRenews) {
  provision();
  UplinkState down = uplink();
  down.up = false;
  engine_.on_uplink(down, now_);
  EXPECT_TRUE(transmits(engine_.take_actions()).empty());
  engine_.on_uplink(uplink(), now_);
  auto sent = transmits(engine_.take_actions());
  // The lease is confirmed at once (RENEWING).
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(inner_of(sent[0]).message_type, dhcp4::MessageType::kRequest);
  EXPECT_EQ(engine_.status().dhcp4_state, "RENEWING");
}

}  // namespace
}  // namespace lwb4::client
