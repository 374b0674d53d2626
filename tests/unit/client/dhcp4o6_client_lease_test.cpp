// Dhcp4o6Client after the first DHCPACK: T1/T2, RENEWING, REBINDING,
// expiry, DHCPNAK, INIT-REBOOT, option 109, release and stop.
#include <gtest/gtest.h>

#include "dhcp4o6_test_support.hpp"
#include "lwb4/client/dhcp4o6_client.hpp"

namespace lwb4::client {
namespace {

using testing::ack_to;
using testing::applies;
using testing::ByteBuilder;
using testing::default_config;
using testing::Dhcp4o6Fixture;
using testing::has_log;
using testing::inner_of;
using testing::ip4;
using testing::kAllServers;
using testing::kBr;
using testing::kGlobal;
using testing::kKeaPorts;
using testing::kLinkLocal;
using testing::kNewSoftwire;
using testing::kOffered;
using testing::kServer;
using testing::kServerId;
using testing::kSoftwire;
using testing::offer_to;
using testing::ports;
using testing::query_of;
using testing::reply_to;
using testing::response;
using testing::stores;
using testing::transmits;
using testing::withdraws;
using MessageType = dhcp4::MessageType;

constexpr int64_t kSec = 1000;

class LeaseTest : public Dhcp4o6Fixture {
 protected:
  // Binds at t = 0 exactly (zero offer window) with a 3600 s lease: T1 at
  // 1800 s, T2 at 3150 s, expiry at 3600 s.
  void bind_at_zero(std::optional<PortSet> params = kKeaPorts, uint32_t lease = 3600) {
    request_at_zero(params);
    // The REQUEST went out in on_response; answer it.
    request_ = last_request();
    last_bind_ = receive(response(ack_to(request_, kOffered, params, lease)));
    ASSERT_EQ(client().state(), Dhcp4State::kBound);
  }
  // Up to the SELECTING REQUEST, sent at t = 0 (zero offer window).
  void request_at_zero(std::optional<PortSet> params = kKeaPorts) {
    Dhcp4o6ClientConfig config = default_config();
    config.offer_window = Millis(0);
    make_client(config, pin_);
    now_ = at_ms(0);
    (void)set_source(kSoftwire);
    (void)start();
    const dhcp4::Message d = fire_until_sent();
    (void)receive(response(offer_to(d, kOffered, params)));
    ASSERT_EQ(client().state(), Dhcp4State::kRequesting);
  }
  // The REQUEST of the current exchange, rebuilt from a fresh renew() or
  // from the DISCOVER's xid: the client keeps the OFFER's xid.
  dhcp4::Message last_request() {
    dhcp4::Message m;
    m.xid = 0x1000;
    m.chaddr = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
    m.client_id = {0xff, 0, 0, 0, 1, 0, 3, 0, 1, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
    m.s46_source_address = kSoftwire;
    return m;
  }
  // Fires the timer and returns the one message sent.
  dhcp4::Message fire_one(bool* unicast = nullptr) {
    Outbox out = fire();
    std::vector<Transmit> t = transmits(out);
    EXPECT_EQ(t.size(), 1u);
    if (t.empty()) return {};
    if (unicast) *unicast = query_of(t[0]).unicast;
    return inner_of(t[0]);
  }

  Pin pin_ = Pin::kLow;
  dhcp4::Message request_;
};

// --- T1, RENEWING, REBINDING, expiry ------------------------------------------

TEST_F(LeaseTest, NothingIsSentBeforeT1) {
  bind_at_zero();
  EXPECT_EQ(client().next_deadline(), at_ms(1800 * kSec));
  for (int64_t t : {int64_t{1}, 60 * kSec, 900 * kSec, 1800 * kSec - 1}) {
    Outbox out = timer_at(at_ms(t));
    EXPECT_TRUE(out.empty()) << t;
    EXPECT_EQ(client().state(), Dhcp4State::kBound);
    EXPECT_EQ(client().next_deadline(), at_ms(1800 * kSec));
  }
  bool unicast = false;
  const dhcp4::Message m = fire_one(&unicast);
  EXPECT_EQ(now_, at_ms(1800 * kSec));
  EXPECT_EQ(client().state(), Dhcp4State::kRenewing);
  EXPECT_EQ(m.message_type, MessageType::kRequest);
  EXPECT_TRUE(unicast);
}

TEST_F(LeaseTest, RenewingRequestContentsAndRetrySchedule) {
  bind_at_zero();
  Outbox out = fire();
  ASSERT_EQ(transmits(out).size(), 1u);
  const Transmit t = transmits(out)[0];
  EXPECT_EQ(t.payload[0], 0x14);
  EXPECT_EQ(t.payload[1], 0x80);      // U=1: RENEWING would unicast (RFC 7341 §6.3)
  EXPECT_EQ(t.destination, kServer);  // the 4o6 server, not an IPv4 unicast
  const dhcp4::Message m = inner_of(t);
  // RFC 2131 §4.3.2 RENEWING: ciaddr, no 50, no 54.
  EXPECT_EQ(m.ciaddr, kOffered);
  EXPECT_FALSE(m.requested_ip.has_value());
  EXPECT_FALSE(m.server_id.has_value());
  EXPECT_EQ(m.port_params, kKeaPorts);         // RFC 7618 §5
  EXPECT_EQ(m.s46_source_address, kSoftwire);  // RFC 8539
  EXPECT_EQ(m.parameter_request_list, (std::vector<uint8_t>{1, 3, 6, 51, 54, 58, 59, 159}));
  EXPECT_NE(m.xid, 0x1000u);  // a new exchange
  EXPECT_EQ(m.secs, 0);

  // RFC 2131 §4.4.5: half the time left to T2, never under 60 s, capped at T2.
  const int64_t want[] = {2475'000, 2812'500, 2981'250, 3065'625, 3125'625, 3150'000};
  for (int64_t w : want) {
    EXPECT_EQ(client().next_deadline(), at_ms(w));
    out = fire();
    ASSERT_EQ(transmits(out).size(), 1u);
    const dhcp4::Message retry = inner_of(transmits(out)[0]);
    EXPECT_EQ(retry.xid, m.xid);
    if (w < 3150'000) {
      EXPECT_EQ(client().state(), Dhcp4State::kRenewing);
      EXPECT_TRUE(query_of(transmits(out)[0]).unicast);
    } else {
      EXPECT_EQ(client().state(), Dhcp4State::kRebinding);
      EXPECT_FALSE(query_of(transmits(out)[0]).unicast);  // U=0 in REBINDING
      EXPECT_EQ(retry.ciaddr, kOffered);
      EXPECT_FALSE(retry.server_id.has_value());
      EXPECT_EQ(retry.s46_source_address, kSoftwire);
      EXPECT_EQ(retry.port_params, kKeaPorts);
    }
  }
  // REBINDING: half the time left to the lease end, >= 60 s, capped.
  for (int64_t w : {3375'000, 3487'500, 3547'500}) {
    EXPECT_EQ(client().next_deadline(), at_ms(w));
    out = fire();
    EXPECT_EQ(transmits(out).size(), 1u);
    EXPECT_EQ(client().state(), Dhcp4State::kRebinding);
  }
  EXPECT_EQ(client().next_deadline(), at_ms(3600'000));
  out = fire();
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  ASSERT_EQ(withdraws(out).size(), 1u);
  EXPECT_EQ(withdraws(out)[0].reason, "lease expired");
  ASSERT_EQ(stores(out).size(), 1u);
  EXPECT_FALSE(stores(out)[0].lease.has_value());
  EXPECT_FALSE(client().lease().has_value());
  EXPECT_FALSE(client().applied().has_value());
  // And a new DISCOVER follows.
  EXPECT_EQ(fire_one().message_type, MessageType::kDiscover);
}

TEST_F(LeaseTest, ALeaseRunsFromTheFirstTransmissionOfItsRequest) {
  // RFC 2131 §4.4.1: the ACK answers the third transmission of the
  // SELECTING REQUEST; the lease still runs from the first.
  request_at_zero();
  const TimePoint first = now_;  // the REQUEST's first transmission
  EXPECT_EQ(fire_one().message_type, MessageType::kRequest);
  EXPECT_EQ(fire_one().message_type, MessageType::kRequest);
  ASSERT_GT(now_ - first, Millis(8 * kSec));
  advance(Millis(300));
  (void)receive(response(ack_to(last_request(), kOffered, kKeaPorts)));
  ASSERT_EQ(client().state(), Dhcp4State::kBound);
  EXPECT_EQ(client().lease()->acquired, first);
  EXPECT_EQ(client().next_deadline(), first + Millis(1800 * kSec));
}

TEST_F(LeaseTest, AckInRenewingExtendsWithoutApplyWhenNothingChanged) {
  bind_at_zero();
  const dhcp4::Message renew = fire_one();
  advance(Millis(20 * kSec));
  Outbox out = receive(response(ack_to(renew, kOffered, kKeaPorts)));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  EXPECT_TRUE(applies(out).empty());
  ASSERT_EQ(stores(out).size(), 1u);
  ASSERT_TRUE(stores(out)[0].lease.has_value());
  // RFC 2131 §4.4.1: the new lease runs from the renewal's DHCPREQUEST (at
  // T1), not from the ACK 20 s later.
  EXPECT_EQ(stores(out)[0].lease->acquired, at_ms(1800 * kSec));
  EXPECT_EQ(client().next_deadline(), at_ms((1800 + 1800) * kSec));
}

TEST_F(LeaseTest, AckInRenewingWithANewPsidAppliesIt) {
  bind_at_zero();
  const dhcp4::Message renew = fire_one();
  Outbox out = receive(response(ack_to(renew, kOffered, ports(6, 6, 9))));
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.ports, ports(6, 6, 9));
  EXPECT_EQ(client().lease()->ports, ports(6, 6, 9));
  // The next renewal echoes the new 159.
  EXPECT_EQ(fire_one().port_params, ports(6, 6, 9));
}

TEST_F(LeaseTest, AckInRebindingExtends) {
  bind_at_zero();
  (void)timer_at(at_ms(3150 * kSec - 1));  // RENEWING
  const dhcp4::Message rebind = fire_one();
  EXPECT_EQ(client().state(), Dhcp4State::kRebinding);
  Outbox out = receive(response(ack_to(rebind, kOffered, kKeaPorts)));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  EXPECT_TRUE(applies(out).empty());
  EXPECT_EQ(stores(out).size(), 1u);
}

TEST_F(LeaseTest, TimerJumpPastT2GoesStraightToRebindingAndPastExpiryToInit) {
  bind_at_zero();
  Outbox out = timer_at(at_ms(3200 * kSec));  // suspended through T1 and T2
  EXPECT_EQ(client().state(), Dhcp4State::kRebinding);
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_FALSE(query_of(transmits(out)[0]).unicast);
  out = timer_at(at_ms(4000 * kSec));
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_EQ(withdraws(out).size(), 1u);
}

TEST_F(LeaseTest, ServerT1AndT2AreKeptAndTheMissingOneDerived) {
  // RFC 2131 §4.4.5 defaults 0.5 / 0.875 of 3600 s = 1800 / 3150 s. A
  // server value inside the lease is kept; the other is the default when
  // that keeps T1 < T2, else derived in the defaults' proportions.
  struct Case {
    std::optional<uint32_t> t1, t2;
    int64_t want_t1, want_t2;
  };
  const Case cases[] = {
      {600, 1200, 600, 1200},                    // in order: used as sent
      {std::nullopt, std::nullopt, 1800, 3150},  // absent: defaults
      {3000, std::nullopt, 3000, 3150},          // T1 below the default T2
      {3200, std::nullopt, 3200, 3500},          // T1 past it: 3/4 of the rest
      {600, 3600, 600, 3150},                    // T2 = lease: default T2
      {600, 0, 600, 3150},                       // T2 = 0: default T2
      {0, 2400, 1800, 2400},                     // T1 = 0: default T1
      {std::nullopt, 1200, 685, 1200},           // T2 below the default T1: 4/7
      {0, 1200, 685, 1200},                      // the same with T1 = 0
      {2000, 1000, 571, 1000},                   // T1 > T2: T2 kept
  };
  for (const Case& c : cases) {
    Dhcp4o6ClientConfig config = default_config();
    config.offer_window = Millis(0);
    make_client(config);
    now_ = at_ms(0);
    (void)set_source(kSoftwire);
    (void)start();
    const dhcp4::Message d = fire_until_sent();
    (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
    dhcp4::Message ack = ack_to(last_request(), kOffered, kKeaPorts);
    ack.renewal_time = c.t1;
    ack.rebinding_time = c.t2;
    (void)receive(response(ack));
    ASSERT_TRUE(client().lease().has_value());
    const Lease& l = *client().lease();
    EXPECT_EQ(l.t1, Seconds(c.want_t1)) << c.want_t1;
    EXPECT_EQ(l.t2, Seconds(c.want_t2)) << c.want_t2;
    EXPECT_EQ(client().next_deadline(), at_ms(c.want_t1 * kSec));
  }
}

TEST_F(LeaseTest, ShortestLeaseStillOrdersTheTimers) {
  bind_at_zero(kKeaPorts, 3);
  const Lease& l = *client().lease();
  EXPECT_EQ(l.t1, Seconds(1));
  EXPECT_EQ(l.t2, Seconds(2));
  EXPECT_EQ(l.lease_time, Seconds(3));
}

TEST_F(LeaseTest, RenewNowFromBound) {
  bind_at_zero();
  advance(Millis(100 * kSec));
  Outbox out;
  client().renew(now_, out);
  EXPECT_EQ(client().state(), Dhcp4State::kRenewing);
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_TRUE(query_of(transmits(out)[0]).unicast);
  EXPECT_EQ(client().next_deadline(), at_ms((100 + 1525) * kSec));  // (3150-100)/2
}

// --- DHCPNAK ----------------------------------------------------------------------

TEST_F(LeaseTest, NakInRequestingRestartsWithoutWithdraw) {
  Dhcp4o6ClientConfig config = default_config();
  config.offer_window = Millis(0);
  make_client(config);
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
  dhcp4::Message nak = reply_to(last_request(), MessageType::kNak);
  nak.other.push_back({dhcp4::kOptMessage, {'n', 'o', 'p', 'e'}});
  Outbox out = receive(response(nak, {}));  // a NAK needs no BR
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_TRUE(withdraws(out).empty());
  ASSERT_EQ(stores(out).size(), 1u);
  EXPECT_FALSE(stores(out)[0].lease.has_value());
  EXPECT_TRUE(has_log(out, LogLevel::kNotice, "DHCPNAK in REQUESTING: nope"));
  // Restart after the NAK backoff (4 s - 1 s), not at once.
  EXPECT_EQ(client().next_deadline(), now_ + Millis(3000));
}

TEST_F(LeaseTest, NakInRenewingWithdraws) {
  bind_at_zero();
  const dhcp4::Message renew = fire_one();
  Outbox out = receive(response(reply_to(renew, MessageType::kNak, ip4("192.0.2.99"))));
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  ASSERT_EQ(withdraws(out).size(), 1u);
  EXPECT_EQ(withdraws(out)[0].reason, "DHCPNAK");
  ASSERT_EQ(stores(out).size(), 1u);
  EXPECT_FALSE(stores(out)[0].lease.has_value());
  EXPECT_FALSE(client().lease().has_value());
}

TEST_F(LeaseTest, NakInRebindingWithdraws) {
  bind_at_zero();
  (void)timer_at(at_ms(3150 * kSec));
  ASSERT_EQ(client().state(), Dhcp4State::kRebinding);
  Outbox renew_out;
  client().renew(now_, renew_out);  // resend to learn the xid
  const dhcp4::Message rebind = inner_of(transmits(renew_out)[0]);
  Outbox out = receive(response(reply_to(rebind, MessageType::kNak)));
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_EQ(withdraws(out).size(), 1u);
}

TEST_F(LeaseTest, ConsecutiveNaksBackOff) {
  Dhcp4o6ClientConfig config = default_config();
  config.offer_window = Millis(0);
  make_client(config, Pin::kHigh);
  (void)set_source(kSoftwire);
  (void)start();
  const int64_t want_s[] = {5, 9, 17, 33, 65, 65};
  for (int64_t w : want_s) {
    const dhcp4::Message d = fire_until_sent();
    Outbox out = receive(response(offer_to(d, kOffered, kKeaPorts)));
    const dhcp4::Message r = inner_of(transmits(out)[0]);
    (void)receive(response(reply_to(r, MessageType::kNak)));
    EXPECT_EQ(client().next_deadline() - now_, Millis(w * kSec));
  }
  // A successful bind resets the backoff.
  const dhcp4::Message d = fire_until_sent();
  Outbox out = receive(response(offer_to(d, kOffered, kKeaPorts)));
  const dhcp4::Message r = inner_of(transmits(out)[0]);
  (void)receive(response(ack_to(r, kOffered, kKeaPorts)));
  ASSERT_EQ(client().state(), Dhcp4State::kBound);
  out = fire();  // RENEWING
  (void)receive(response(reply_to(inner_of(transmits(out)[0]), MessageType::kNak)));
  EXPECT_EQ(client().next_deadline() - now_, Millis(5 * kSec));
}

// --- INIT-REBOOT -------------------------------------------------------------------

class RebootTest : public LeaseTest {
 protected:
  Lease stored() const {
    Lease l;
    l.address = kOffered;
    l.ports = kKeaPorts;
    l.server_id = kServerId;
    l.transport_source = kGlobal;  // unicast server 2001:db8:46::1
    l.softwire_source = kSoftwire;
    l.br = kBr;
    l.acquired = at_ms(0);
    l.lease_time = Seconds(3600);
    l.t1 = Seconds(1800);
    l.t2 = Seconds(3150);
    return l;
  }
};

TEST_F(RebootTest, AcceptedRequestBytesAndAck) {
  (void)set_source(kSoftwire);
  now_ = at_ms(100 * kSec);
  Outbox out = start(stored());
  EXPECT_EQ(client().state(), Dhcp4State::kInitReboot);
  EXPECT_TRUE(applies(out).empty());  // the cached lease is not applied unconfirmed
  out = fire();
  EXPECT_EQ(client().state(), Dhcp4State::kRebooting);
  ASSERT_EQ(transmits(out).size(), 1u);
  ByteBuilder dhcpv4;
  dhcpv4
      .add({0x01, 0x01, 0x06, 0x00})  // op BOOTREQUEST, htype 1, hlen 6, hops 0
      .add({0x00, 0x00, 0x10, 0x00})  // xid
      .add({0x00, 0x00})              // secs
      .add({0x00, 0x00})              // flags
      .zeros(16)                      // ciaddr 0 (RFC 2131 §4.3.2), yiaddr, siaddr, giaddr
      .add({0x02, 0x00, 0x5e, 0x00, 0x53, 0x01})
      .zeros(10)                                  // chaddr
      .zeros(192)                                 // sname, file
      .add({0x63, 0x82, 0x53, 0x63})              // magic cookie
      .add({0x35, 0x01, 0x03})                    // 53: DHCPREQUEST
      .add({0x32, 0x04, 0xc0, 0x00, 0x02, 0x0a})  // 50: the old address; no 54
      .add({0x37, 0x08, 0x01, 0x03, 0x06, 0x33, 0x36, 0x3a, 0x3b, 0x9f})  // 55
      .add({0x3d, 0x0f, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e,
            0x00, 0x53, 0x01})  // 61
      .add({0x6d, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x01})              // 109
      .add({0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00})  // 159 of the stored lease (RFC 7618 §5)
      .add({0xff});                               // End
  ByteBuilder q;
  q.add({0x14, 0x00, 0x00, 0x00})                             // DHCPV4-QUERY, U=0 (broadcast)
      .add({0x00, 0x06, 0x00, 0x04, 0x00, 0x5a, 0x00, 0x89})  // ORO 90, 137
      .add({0x00, 0x57, 0x01, 0x2d})                          // option 87, len 301
      .add(dhcpv4.bytes());
  EXPECT_EQ(transmits(out)[0].payload, q.bytes());

  const dhcp4::Message r = inner_of(transmits(out)[0]);
  out = receive(response(ack_to(r, kOffered, kKeaPorts)));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.ipv4, kOffered);
  EXPECT_EQ(stores(out).size(), 1u);
}

TEST_F(RebootTest, RefusedByNak) {
  (void)set_source(kSoftwire);
  (void)start(stored());
  Outbox out = fire();
  const dhcp4::Message r = inner_of(transmits(out)[0]);
  out = receive(response(reply_to(r, MessageType::kNak)));
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_TRUE(withdraws(out).empty());
  ASSERT_EQ(stores(out).size(), 1u);
  EXPECT_FALSE(stores(out)[0].lease.has_value());
  EXPECT_EQ(fire_until_sent().message_type, MessageType::kDiscover);
}

TEST_F(RebootTest, SkippedWhenTheTransportSourceChanged) {
  // RFC 7618 §5: a changed 4o6 IPv6 source means DISCOVER.
  client().set_servers({kAllServers});  // now sent from the link-local address
  (void)set_source(kSoftwire);
  Outbox out = start(stored());
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_TRUE(has_log(out, LogLevel::kInfo, "4o6 IPv6 source changed"));
  EXPECT_EQ(fire_until_sent().message_type, MessageType::kDiscover);

  make_client();
  client().set_transport_sources(kLinkLocal, testing::ip6("2001:db8:46::99"));
  out = start(stored());
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
}

TEST_F(RebootTest, SkippedWhenExpired) {
  now_ = at_ms(3600 * kSec);
  Outbox out = start(stored());
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_TRUE(has_log(out, LogLevel::kInfo, "expired"));
}

TEST_F(RebootTest, NoAnswerFallsBackToDiscover) {
  (void)set_source(kSoftwire);
  (void)start(stored());
  for (int i = 0; i < 4; ++i) {
    Outbox out = fire();
    ASSERT_EQ(transmits(out).size(), 1u);
    EXPECT_EQ(client().state(), Dhcp4State::kRebooting);
  }
  Outbox out = fire();
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_TRUE(applies(out).empty());
  EXPECT_EQ(fire_until_sent().message_type, MessageType::kDiscover);
}

TEST_F(RebootTest, FullAddressLeaseSendsNo159) {
  (void)set_source(kSoftwire);
  Lease l = stored();
  l.ports = PortSet::full();
  (void)start(l);
  const dhcp4::Message r = fire_until_sent();
  EXPECT_FALSE(r.port_params.has_value());
  EXPECT_EQ(r.requested_ip, kOffered);
}

// --- option 109 (RFC 8539) -----------------------------------------------------------

TEST_F(LeaseTest, AckWithAnotherSoftwireSourceIsNotBoundAndRetriedAfter60s) {
  Dhcp4o6ClientConfig config = default_config();
  config.offer_window = Millis(0);
  make_client(config);
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
  const TimePoint sent_at = now_;
  dhcp4::Message ack = ack_to(last_request(), kOffered, kKeaPorts);
  ack.s46_source_address = kNewSoftwire;
  advance(Millis(200));
  Outbox out = receive(response(ack));
  EXPECT_EQ(client().state(), Dhcp4State::kRequesting);
  EXPECT_TRUE(applies(out).empty());
  EXPECT_TRUE(stores(out).empty());
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(has_log(out, LogLevel::kWarning, "RFC 8539"));
  EXPECT_EQ(client().next_deadline(), now_ + Millis(60'000));
  // Nothing before 60 s.
  EXPECT_TRUE(timer_at(sent_at + Millis(3000)).empty());
  const dhcp4::Message again = fire_until_sent();
  EXPECT_EQ(now_, sent_at + Millis(60'200));
  EXPECT_EQ(again.s46_source_address, kSoftwire);
  out = receive(response(ack_to(again, kOffered, kKeaPorts)));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  EXPECT_EQ(applies(out).size(), 1u);
}

TEST_F(LeaseTest, AckWithAnotherSoftwireSourceInRenewingKeepsRenewing) {
  bind_at_zero();
  const dhcp4::Message renew = fire_one();
  dhcp4::Message ack = ack_to(renew, kOffered, kKeaPorts);
  ack.s46_source_address = kNewSoftwire;
  const TimePoint deadline = client().next_deadline();
  Outbox out = receive(response(ack));
  EXPECT_EQ(client().state(), Dhcp4State::kRenewing);
  EXPECT_TRUE(applies(out).empty());
  EXPECT_TRUE(stores(out).empty());
  EXPECT_EQ(client().next_deadline(), deadline);  // already >= 60 s away
  EXPECT_EQ(client().lease()->acquired, at_ms(0));
}

TEST_F(LeaseTest, AckWithout109IsAcceptedAndLogged) {
  Dhcp4o6ClientConfig config = default_config();
  config.offer_window = Millis(0);
  make_client(config);
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
  dhcp4::Message ack = ack_to(last_request(), kOffered, kKeaPorts);
  ack.s46_source_address.reset();
  Outbox out = receive(response(ack));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.softwire_source, kSoftwire);
  EXPECT_TRUE(has_log(out, LogLevel::kNotice, "without option 109"));
}

TEST_F(LeaseTest, RequestIsHeldUntilASoftwireSourceIsKnown) {
  Dhcp4o6ClientConfig config = default_config();
  config.offer_window = Millis(0);
  make_client(config);
  (void)start();  // no softwire source yet
  const dhcp4::Message d = fire_until_sent();
  const Ipv6Prefix prefix = Ipv6Prefix::parse("2001:db8:46:1::/64").value();
  Outbox out = receive(response(offer_to(d, kOffered, kKeaPorts), {kBr}, prefix));
  EXPECT_EQ(client().state(), Dhcp4State::kRequesting);
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(client().awaiting_softwire_source());
  EXPECT_EQ(client().bind_prefix(), prefix);  // for the engine to pick the source
  // A stray ACK cannot bind without a REQUEST.
  dhcp4::Message stray = ack_to(last_request(), kOffered, kKeaPorts);
  out = receive(response(stray));
  EXPECT_EQ(client().state(), Dhcp4State::kRequesting);
  EXPECT_TRUE(applies(out).empty());

  advance(Millis(500));
  out = set_source(kSoftwire);
  EXPECT_FALSE(client().awaiting_softwire_source());
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_EQ(inner_of(transmits(out)[0]).s46_source_address, kSoftwire);
  EXPECT_EQ(client().next_deadline(), now_ + Millis(3000));  // a fresh schedule
}

TEST_F(LeaseTest, SoftwireSourceChangeWhileBoundRequestsAndApplies) {
  bind_at_zero();
  advance(Millis(100 * kSec));
  Outbox out = set_source(kNewSoftwire);
  EXPECT_EQ(client().state(), Dhcp4State::kRenewing);
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_TRUE(query_of(transmits(out)[0]).unicast);
  const dhcp4::Message r = inner_of(transmits(out)[0]);
  EXPECT_EQ(r.s46_source_address, kNewSoftwire);
  EXPECT_EQ(r.ciaddr, kOffered);
  EXPECT_TRUE(applies(out).empty());  // nothing changes before the ACK
  out = receive(response(ack_to(r, kOffered, kKeaPorts)));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.softwire_source, kNewSoftwire);
  EXPECT_EQ(client().lease()->softwire_source, kNewSoftwire);
  // The same source again changes nothing.
  out = set_source(kNewSoftwire);
  EXPECT_TRUE(out.empty());
}

TEST_F(LeaseTest, SoftwireSourceChangeNakWithdraws) {
  bind_at_zero();
  Outbox out = set_source(kNewSoftwire);
  const dhcp4::Message r = inner_of(transmits(out)[0]);
  out = receive(response(reply_to(r, MessageType::kNak)));
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  ASSERT_EQ(withdraws(out).size(), 1u);
}

TEST_F(LeaseTest, SoftwireSourceChangeWhileRenewingSendsAtOnce) {
  bind_at_zero();
  const dhcp4::Message renew = fire_one();
  advance(Millis(10 * kSec));
  Outbox out = set_source(kNewSoftwire);
  ASSERT_EQ(transmits(out).size(), 1u);
  const dhcp4::Message r = inner_of(transmits(out)[0]);
  EXPECT_EQ(r.xid, renew.xid);
  EXPECT_EQ(r.s46_source_address, kNewSoftwire);
  EXPECT_EQ(client().next_deadline(), now_ + Millis((3150 - 1810) * kSec / 2));
}

// --- release and stop ------------------------------------------------------------------

TEST_F(LeaseTest, ReleaseBytes) {
  bind_at_zero();
  advance(Millis(500 * kSec));
  Outbox out;
  client().release(now_, out);
  EXPECT_EQ(client().state(), Dhcp4State::kStopped);
  EXPECT_EQ(client().next_deadline(), kNever);
  ASSERT_EQ(transmits(out).size(), 1u);
  ByteBuilder dhcpv4;
  dhcpv4
      .add({0x01, 0x01, 0x06, 0x00})  // op BOOTREQUEST, htype 1, hlen 6, hops 0
      .add({0x00, 0x00, 0x10, 0x01})  // a new xid
      .add({0x00, 0x00})              // secs 0
      .add({0x00, 0x00})              // flags 0
      .add({0xc0, 0x00, 0x02, 0x0a})  // ciaddr = the address
      .zeros(12)                      // yiaddr, siaddr, giaddr
      .add({0x02, 0x00, 0x5e, 0x00, 0x53, 0x01})
      .zeros(10)                                  // chaddr
      .zeros(192)                                 // sname, file
      .add({0x63, 0x82, 0x53, 0x63})              // magic cookie
      .add({0x35, 0x01, 0x07})                    // 53: DHCPRELEASE
      .add({0x36, 0x04, 0xc0, 0x00, 0x02, 0x01})  // 54: server id; no 50, no 55
      .add({0x3d, 0x0f, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e,
            0x00, 0x53, 0x01})                    // 61
      .add({0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00})  // 159 (RFC 7618 §5); no 109 (RFC 8539)
      .add({0xff});                               // End
  ByteBuilder q;
  q.add({0x14, 0x80, 0x00, 0x00})                             // DHCPV4-QUERY, U=1
      .add({0x00, 0x06, 0x00, 0x04, 0x00, 0x5a, 0x00, 0x89})  // ORO 90, 137
      .add({0x00, 0x57, 0x01, 0x11})                          // option 87, len 273
      .add(dhcpv4.bytes());
  ASSERT_EQ(dhcpv4.size(), 273u);
  EXPECT_EQ(transmits(out)[0].payload, q.bytes());
  ASSERT_EQ(withdraws(out).size(), 1u);
  EXPECT_EQ(withdraws(out)[0].reason, "released");
  ASSERT_EQ(stores(out).size(), 1u);
  EXPECT_FALSE(stores(out)[0].lease.has_value());
  EXPECT_FALSE(client().lease().has_value());
  // Stopped: timers and responses do nothing.
  Outbox later;
  client().on_timer(at_ms(10'000 * kSec), later);
  EXPECT_TRUE(later.empty());
}

TEST_F(LeaseTest, ReleaseWhenNotBoundSendsNothing) {
  (void)start();
  (void)fire();  // SELECTING
  Outbox out;
  client().release(now_, out);
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(withdraws(out).empty());
  EXPECT_EQ(client().state(), Dhcp4State::kStopped);
}

TEST_F(LeaseTest, StopWithdrawsWithoutSendingAndKeepsTheStoredLease) {
  bind_at_zero();
  Outbox out;
  client().stop(now_, out);
  EXPECT_EQ(client().state(), Dhcp4State::kStopped);
  EXPECT_EQ(client().next_deadline(), kNever);
  EXPECT_TRUE(transmits(out).empty());
  ASSERT_EQ(withdraws(out).size(), 1u);
  EXPECT_TRUE(stores(out).empty());
  // start() again works.
  out = start();
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
}

TEST_F(LeaseTest, StopBeforeBindWithdrawsNothing) {
  (void)start();
  Outbox out;
  client().stop(now_, out);
  EXPECT_TRUE(withdraws(out).empty());
  EXPECT_EQ(client().state(), Dhcp4State::kStopped);
}

TEST(Dhcp4StateName, AllStates) {
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kStopped), "STOPPED");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kInit), "INIT");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kSelecting), "SELECTING");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kRequesting), "REQUESTING");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kBound), "BOUND");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kRenewing), "RENEWING");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kRebinding), "REBINDING");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kInitReboot), "INIT-REBOOT");
  EXPECT_STREQ(dhcp4_state_name(Dhcp4State::kRebooting), "REBOOTING");
}

}  // namespace
}  // namespace lwb4::client
