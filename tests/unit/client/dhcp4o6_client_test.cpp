#include "lwb4/client/dhcp4o6_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "dhcp4o6_test_support.hpp"

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
using testing::ip6;
using testing::kAllServers;
using testing::kBr;
using testing::kDns;
using testing::kFallbackBr;
using testing::kGlobal;
using testing::kKeaPorts;
using testing::kLinkLocal;
using testing::kOffered;
using testing::kOtherServerId;
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

// Replaces the first occurrence of `needle` in `bytes`.
void patch(std::vector<uint8_t>& bytes, const std::vector<uint8_t>& needle,
           const std::vector<uint8_t>& replacement) {
  auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  ASSERT_NE(it, bytes.end());
  std::copy(replacement.begin(), replacement.end(), it);
}

// The DHCPv4 header up to and including the magic cookie.
ByteBuilder& bootrequest_header(ByteBuilder& b, std::initializer_list<uint8_t> xid,
                                std::initializer_list<uint8_t> secs,
                                std::initializer_list<uint8_t> ciaddr) {
  return b
      .add({0x01, 0x01, 0x06, 0x00})  // op BOOTREQUEST, htype 1, hlen 6, hops 0
      .add(xid)                       // xid
      .add(secs)                      // secs
      .add({0x00, 0x00})              // flags: B=0
      .add(ciaddr)                    // ciaddr
      .zeros(12)                      // yiaddr, siaddr, giaddr
      .add({0x02, 0x00, 0x5e, 0x00, 0x53, 0x01})
      .zeros(10)                       // chaddr = MAC, padded to 16
      .zeros(64)                       // sname
      .zeros(128)                      // file
      .add({0x63, 0x82, 0x53, 0x63});  // magic cookie
}

ByteBuilder& prl_and_client_id(ByteBuilder& b) {
  return b
      .add({0x37, 0x08, 0x01, 0x03, 0x06, 0x33, 0x36, 0x3a, 0x3b,
            0x9f})                                 // 55: 1 3 6 51 54 58 59 159
      .add({0x3d, 0x0f, 0xff,                      // 61, len 15, type 255
            0x00, 0x00, 0x00, 0x01,                // IAID 1
            0x00, 0x03, 0x00, 0x01,                // DUID-LL, Ethernet
            0x02, 0x00, 0x5e, 0x00, 0x53, 0x01});  // MAC
}

std::vector<uint8_t> query_bytes(uint8_t flags0, const ByteBuilder& dhcpv4) {
  ByteBuilder q;
  q.add({0x14, flags0, 0x00, 0x00})                           // DHCPV4-QUERY, flags (U)
      .add({0x00, 0x06, 0x00, 0x04, 0x00, 0x5a, 0x00, 0x89})  // ORO: 90, 137
      .add({0x00, 0x57, static_cast<uint8_t>(dhcpv4.size() >> 8),
            static_cast<uint8_t>(dhcpv4.size())})  // option 87, len
      .add(dhcpv4.bytes());
  return q.bytes();
}

// --- the full DORA, byte for byte -------------------------------------------

TEST_F(Dhcp4o6Fixture, DoraBytesFieldByField) {
  (void)set_source(kSoftwire);
  Outbox out = start();
  EXPECT_EQ(client().state(), Dhcp4State::kInit);
  EXPECT_TRUE(has_log(out, LogLevel::kInfo, "STOPPED -> INIT"));
  EXPECT_EQ(client().next_deadline(), at_ms(0));  // init delay pinned low: 0 s

  // DHCPDISCOVER.
  out = fire();
  EXPECT_EQ(client().state(), Dhcp4State::kSelecting);
  std::vector<Transmit> sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kServer);
  EXPECT_EQ(sent[0].source, kGlobal);  // unicast server: global source
  EXPECT_EQ(sent[0].port, 547);
  ByteBuilder discover;
  bootrequest_header(discover, {0x00, 0x00, 0x10, 0x00}, {0x00, 0x00}, {0, 0, 0, 0})
      .add({0x35, 0x01, 0x01});             // 53: DHCPDISCOVER
  prl_and_client_id(discover).add({0xff});  // End
  ASSERT_EQ(discover.size(), 271u);
  EXPECT_EQ(sent[0].payload, query_bytes(0x00, discover));
  EXPECT_EQ(client().next_deadline(), at_ms(3000));  // 4 s - 1 s

  // DHCPOFFER with Kea's 159 "6, 52/6" opens the 1 s offer window.
  advance(Millis(100));
  const dhcp4::Message d = inner_of(sent[0]);
  out = receive(response(offer_to(d, kOffered, kKeaPorts)));
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_EQ(client().state(), Dhcp4State::kSelecting);
  EXPECT_EQ(client().next_deadline(), at_ms(1100));

  // DHCPREQUEST (SELECTING).
  out = fire();
  EXPECT_EQ(client().state(), Dhcp4State::kRequesting);
  sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  ByteBuilder request;
  bootrequest_header(request, {0x00, 0x00, 0x10, 0x00},  // the OFFER's xid
                     {0x00, 0x01},                       // secs 1 since DISCOVER
                     {0, 0, 0, 0})                       // ciaddr 0
      .add({0x35, 0x01, 0x03})                           // 53: DHCPREQUEST
      .add({0x32, 0x04, 0xc0, 0x00, 0x02, 0x0a})         // 50: 192.0.2.10
      .add({0x36, 0x04, 0xc0, 0x00, 0x02, 0x01});        // 54: 192.0.2.1
  prl_and_client_id(request)
      .add({0x6d, 0x10,                                       // 109, len 16
            0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x01,   // 2001:db8:46:1::
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01})  // ::1
      .add({0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00})              // 159 echoed verbatim
      .add({0xff});                                           // End
  ASSERT_EQ(request.size(), 307u);
  EXPECT_EQ(sent[0].payload, query_bytes(0x00, request));  // U=0 in SELECTING
  EXPECT_EQ(client().next_deadline(), at_ms(1100 + 3000));

  // DHCPACK → Apply + StoreLease, BOUND until T1.
  advance(Millis(50));
  const dhcp4::Message r = inner_of(sent[0]);
  out = receive(response(ack_to(r, kOffered, kKeaPorts)));
  EXPECT_EQ(client().state(), Dhcp4State::kBound);
  EXPECT_TRUE(transmits(out).empty());
  DesiredState want;
  want.mode = Mode::kDhcp4o6;
  want.ipv4 = kOffered;
  want.ports = kKeaPorts;
  want.br = kBr;
  want.softwire_source = kSoftwire;
  want.source_is_constructed = false;
  want.dns_servers = {kDns};
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state, want);
  Lease lease;
  lease.address = kOffered;
  lease.ports = kKeaPorts;
  lease.server_id = kServerId;
  lease.transport_source = kGlobal;
  lease.softwire_source = kSoftwire;
  lease.br = kBr;
  lease.dns_servers = {kDns};
  lease.acquired = at_ms(1100);  // the DHCPREQUEST's time, not the ACK's (RFC 2131 §4.4.1)
  lease.lease_time = Seconds(3600);
  lease.t1 = Seconds(1800);  // 0.5 of the lease
  lease.t2 = Seconds(3150);  // 0.875 of the lease
  ASSERT_EQ(stores(out).size(), 1u);
  EXPECT_EQ(stores(out)[0].lease, lease);
  EXPECT_EQ(client().lease(), lease);
  EXPECT_EQ(client().next_deadline(), at_ms(1100 + 1'800'000));
  // Apply comes before StoreLease.
  auto apply_at = std::find_if(out.begin(), out.end(),
                               [](const Action& a) { return std::holds_alternative<Apply>(a); });
  auto store_at = std::find_if(out.begin(), out.end(), [](const Action& a) {
    return std::holds_alternative<StoreLease>(a);
  });
  EXPECT_LT(apply_at, store_at);
  EXPECT_EQ(client().counters().sent, 2u);
  EXPECT_EQ(client().counters().received, 2u);
}

// --- transport ----------------------------------------------------------------

TEST_F(Dhcp4o6Fixture, EveryDestinationOnceWithItsSource) {
  // RFC 7341 §7.2: duplicates ignored; §6.1: link-local source for multicast.
  client().set_servers({kAllServers, kServer, kAllServers, ip6("fe80::1")});
  (void)start();
  const std::vector<Transmit> sent = transmits(fire());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].destination, kAllServers);
  EXPECT_EQ(sent[0].source, kLinkLocal);
  EXPECT_EQ(sent[1].destination, kServer);
  EXPECT_EQ(sent[1].source, kGlobal);
  EXPECT_EQ(sent[2].destination, ip6("fe80::1"));
  EXPECT_EQ(sent[2].source, kLinkLocal);
  EXPECT_EQ(sent[0].payload, sent[1].payload);
  EXPECT_EQ(sent[0].payload, sent[2].payload);
  EXPECT_EQ(client().counters().sent, 3u);
  EXPECT_EQ(client().transport_source(), kLinkLocal);  // first destination's
}

TEST_F(Dhcp4o6Fixture, UnicastServerWaitsForAGlobalSourceAndGetsItAtOnce) {
  // RFC 7341 §6.1: unicast from an address of appropriate scope obtained
  // beforehand; a link-local source would not be routed to the server.
  client().set_servers({kAllServers, kServer});
  client().set_transport_sources(kLinkLocal, std::nullopt);
  (void)start();
  Outbox out = fire();
  ASSERT_EQ(transmits(out).size(), 1u);  // the multicast one only
  EXPECT_EQ(transmits(out)[0].destination, kAllServers);
  EXPECT_EQ(transmits(out)[0].source, kLinkLocal);
  EXPECT_TRUE(has_log(out, LogLevel::kWarning, "no global IPv6 source"));
  out = fire();  // DISCOVER retransmission: still none, no second warning
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_FALSE(has_log(out, LogLevel::kWarning, "no global IPv6 source"));
  const TimePoint backoff = client().next_deadline();
  ASSERT_GT(backoff, now_ + Millis(4000));
  client().set_transport_sources(kLinkLocal, kGlobal);
  EXPECT_LE(client().next_deadline(), now_);  // due now, not after the backoff
  out = fire();
  ASSERT_EQ(transmits(out).size(), 2u);
  EXPECT_EQ(transmits(out)[1].destination, kServer);
  EXPECT_EQ(transmits(out)[1].source, kGlobal);
  EXPECT_EQ(inner_of(transmits(out)[1]).message_type, dhcp4::MessageType::kDiscover);
}

TEST_F(Dhcp4o6Fixture, OnlyAUnicastServerAndNoGlobalSourceSendsNothing) {
  client().set_transport_sources(kLinkLocal, std::nullopt);
  (void)start();
  Outbox out = fire();
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_EQ(client().counters().sent, 0u);
  EXPECT_EQ(client().state(), Dhcp4State::kSelecting);  // the schedule runs
}

TEST_F(Dhcp4o6Fixture, NoServerMeansNothingSentButTheScheduleRuns) {
  client().set_servers({});
  (void)start();
  Outbox out = fire();
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(has_log(out, LogLevel::kWarning, "no DHCP 4o6 server"));
  EXPECT_EQ(client().state(), Dhcp4State::kSelecting);
  EXPECT_EQ(client().next_deadline(), at_ms(3000));
}

TEST_F(Dhcp4o6Fixture, QueryNeverAsksFor88AndAsksFor90And137) {
  (void)start();
  const dhcp6::Dhcpv4Query q = query_of(transmits(fire())[0]);
  EXPECT_EQ(q.oro, (std::vector<uint16_t>{90, 137}));
  EXPECT_FALSE(q.unicast);
}

// --- offer selection ------------------------------------------------------------

class OfferSelection : public Dhcp4o6Fixture {
 protected:
  // DISCOVER, the offers in order, the window, and the REQUEST.
  dhcp4::Message select(OfferPolicy policy, const std::vector<dhcp4::Message>& offers) {
    Dhcp4o6ClientConfig config = default_config();
    config.offer_policy = policy;
    make_client(config);
    (void)set_source(kSoftwire);
    (void)start();
    const dhcp4::Message d = fire_until_sent();
    for (dhcp4::Message o : offers) {
      o.xid = d.xid;
      o.chaddr = d.chaddr;
      Outbox out = receive(response(o));
      EXPECT_TRUE(transmits(out).empty());
      advance(Millis(10));
    }
    EXPECT_EQ(client().state(), Dhcp4State::kSelecting);
    return fire_until_sent();
  }
  static dhcp4::Message offer(Ipv4Address server, Ipv4Address yiaddr,
                              std::optional<PortSet> params) {
    dhcp4::Message discover;
    return offer_to(discover, yiaddr, params, server);
  }
};

TEST_F(OfferSelection, PreferFullTakesTheOfferWithout159) {
  // RFC 7618 §7: a full address wins over a (larger) shared one.
  const dhcp4::Message r =
      select(OfferPolicy::kPreferFull, {offer(kServerId, kOffered, ports(6, 2, 1)),
                                        offer(kOtherServerId, ip4("198.51.100.7"), std::nullopt)});
  EXPECT_EQ(r.server_id, kOtherServerId);
  EXPECT_EQ(r.requested_ip, ip4("198.51.100.7"));
  EXPECT_FALSE(r.port_params.has_value());  // nothing to echo
}

TEST_F(OfferSelection, PreferFullThenTheLargestSetThenTheFirst) {
  const dhcp4::Message r = select(OfferPolicy::kPreferFull,
                                  {offer(kServerId, kOffered, ports(6, 8, 0x34)),
                                   offer(kOtherServerId, ip4("192.0.2.20"), kKeaPorts),
                                   offer(ip4("192.0.2.3"), ip4("192.0.2.30"), ports(6, 6, 7))});
  EXPECT_EQ(r.server_id, kOtherServerId);  // k=6 beats k=8; the later k=6 ties
  EXPECT_EQ(r.port_params, kKeaPorts);
}

TEST_F(OfferSelection, FirstPolicyTakesTheFirstValidOffer) {
  const dhcp4::Message r =
      select(OfferPolicy::kFirst, {offer(kServerId, kOffered, ports(6, 8, 0x34)),
                                   offer(kOtherServerId, ip4("192.0.2.20"), std::nullopt)});
  EXPECT_EQ(r.server_id, kServerId);
  EXPECT_EQ(r.port_params, ports(6, 8, 0x34));
}

TEST_F(OfferSelection, LargestPortSetCountsPorts) {
  const dhcp4::Message r = select(OfferPolicy::kLargestPortSet,
                                  {offer(kServerId, kOffered, ports(6, 8, 0x34)),
                                   offer(kOtherServerId, ip4("192.0.2.20"), ports(0, 4, 3))});
  EXPECT_EQ(r.server_id, kOtherServerId);  // 4096 ports beat 252
}

TEST_F(OfferSelection, OfferWithoutBrIsDiscardedWithoutFallbackAndUsesTheFallbackOtherwise) {
  make_client();
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  const TimePoint deadline = client().next_deadline();
  Outbox out = receive(response(offer_to(d, kOffered, kKeaPorts), {}));
  expect_ignored(out, Dhcp4State::kSelecting, deadline);
  EXPECT_TRUE(has_log(out, LogLevel::kDebug, "BR"));
  EXPECT_EQ(client().counters().dropped_invalid, 1u);

  client().set_fallback_br(kFallbackBr);
  (void)receive(response(offer_to(d, kOffered, kKeaPorts), {}));
  const dhcp4::Message r = fire_until_sent();
  out = receive(response(ack_to(r, kOffered, kKeaPorts), {}));
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.br, kFallbackBr);

  // A response's own option 90 beats the fallback.
  client().set_fallback_br(kFallbackBr);
  Outbox renew_out;
  client().renew(now_, renew_out);
  const dhcp4::Message renew = inner_of(transmits(renew_out)[0]);
  out = receive(response(ack_to(renew, kOffered, kKeaPorts), {kBr}));
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.br, kBr);
}

TEST_F(OfferSelection, ZeroWindowRequestsAtOnceAndKeepsTheBindPrefix) {
  Dhcp4o6ClientConfig config = default_config();
  config.offer_window = Millis(0);
  make_client(config);
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  const Ipv6Prefix prefix = Ipv6Prefix::parse("2001:db8:46:1::/64").value();
  Outbox out = receive(response(offer_to(d, kOffered, kKeaPorts), {kBr}, prefix));
  EXPECT_EQ(client().state(), Dhcp4State::kRequesting);
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_EQ(inner_of(transmits(out)[0]).message_type, MessageType::kRequest);
  EXPECT_EQ(client().bind_prefix(), prefix);
}

TEST_F(OfferSelection, OffersWithout54OrWithUnusableAddressesAreIgnored) {
  make_client();
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  const TimePoint deadline = client().next_deadline();

  dhcp4::Message no54 = offer_to(d, kOffered, kKeaPorts);
  no54.server_id.reset();
  Outbox out = receive(response(no54));
  expect_ignored(out, Dhcp4State::kSelecting, deadline);
  EXPECT_TRUE(has_log(out, LogLevel::kDebug, "without server identifier (54)"));

  for (const char* bad : {"0.0.0.0", "169.254.1.1", "127.0.0.1", "224.0.0.1", "255.255.255.255"}) {
    out = receive(response(offer_to(d, ip4(bad), kKeaPorts)));
    expect_ignored(out, Dhcp4State::kSelecting, deadline);
    EXPECT_TRUE(has_log(out, LogLevel::kDebug, "unusable address")) << bad;
  }
  EXPECT_EQ(client().counters().dropped_invalid, 6u);
  // Still collecting: the DISCOVER retransmission comes at the old deadline.
  EXPECT_EQ(inner_of(transmits(fire())[0]).message_type, MessageType::kDiscover);
}

TEST_F(OfferSelection, OfferWithInvalid159IsIgnored) {
  make_client();
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  const TimePoint deadline = client().next_deadline();
  std::vector<uint8_t> bad = response(offer_to(d, kOffered, kKeaPorts));
  patch(bad, {0x9f, 0x04, 0x06, 0x06, 0xd0, 0x00},
        {0x9f, 0x04, 0x06, 0x06, 0xd0, 0x01});  // bit past PSID-len set
  Outbox out = receive(bad);
  expect_ignored(out, Dhcp4State::kSelecting, deadline);
  EXPECT_TRUE(has_log(out, LogLevel::kDebug, "non-zero bits past PSID-len"));
  EXPECT_EQ(client().counters().dropped_malformed, 1u);
}

TEST_F(OfferSelection, OfferWithoutPortParamsGivesAFullAddress) {
  // RFC 7618 §7: no 159 in OFFER and ACK → full, unshared address.
  make_client();
  const dhcp4::Message r = bind(std::nullopt);
  EXPECT_FALSE(r.port_params.has_value());
  ASSERT_EQ(applies(last_bind_).size(), 1u);
  EXPECT_EQ(applies(last_bind_)[0].state.ports, PortSet::full());
  EXPECT_EQ(client().lease()->ports, PortSet::full());
}

TEST_F(OfferSelection, AckPortSetWinsOverTheOffered) {
  // RFC 7618 §5: the explicit PSID of the ACK MUST be used.
  make_client();
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
  const dhcp4::Message r = fire_until_sent();
  Outbox out = receive(response(ack_to(r, kOffered, ports(6, 6, 53))));
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(applies(out)[0].state.ports, ports(6, 6, 53));
}

// --- retransmission ---------------------------------------------------------------

TEST_F(Dhcp4o6Fixture, DiscoverRetransmissionAtBothEndsOfRand) {
  // RFC 2131 §4.1: 4 s, 8 s, ... 64 s, each +-1 s; the xid is kept.
  struct Case {
    Pin pin;
    std::vector<int64_t> at_ms;
  };
  for (const Case& c : {Case{Pin::kLow, {0, 3000, 10'000, 25'000, 56'000, 119'000, 182'000}},
                        Case{Pin::kHigh, {1000, 6000, 15'000, 32'000, 65'000, 130'000, 195'000}}}) {
    make_client(default_config(), c.pin);
    now_ = at_ms(0);
    (void)start();
    std::vector<int64_t> times;
    uint32_t xid = 0;
    for (size_t i = 0; i < c.at_ms.size(); ++i) {
      Outbox out = fire();
      ASSERT_EQ(transmits(out).size(), 1u);
      const dhcp4::Message m = inner_of(transmits(out)[0]);
      EXPECT_EQ(m.message_type, MessageType::kDiscover);
      if (i == 0) xid = m.xid;
      EXPECT_EQ(m.xid, xid);
      times.push_back(now_.time_since_epoch().count());
    }
    EXPECT_EQ(times, c.at_ms);
  }
}

TEST_F(Dhcp4o6Fixture, RequestingGivesUpAfterFourTransmissionsAtBothEndsOfRand) {
  // RFC 2131 §4.4.1: about 60 s of REQUESTs, then INIT and a new DISCOVER.
  struct Case {
    Pin pin;
    std::vector<int64_t> offsets;  // REQUEST sends after the first, then give-up
  };
  for (const Case& c : {Case{Pin::kLow, {3000, 10'000, 25'000, 56'000}},
                        Case{Pin::kHigh, {5000, 14'000, 31'000, 64'000}}}) {
    make_client(default_config(), c.pin);
    now_ = at_ms(0);
    (void)set_source(kSoftwire);
    (void)start();
    const dhcp4::Message d = fire_until_sent();
    (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
    const dhcp4::Message first = fire_until_sent();
    const TimePoint t0 = now_;
    for (size_t i = 0; i < 3; ++i) {
      Outbox out = fire();
      ASSERT_EQ(transmits(out).size(), 1u);
      const dhcp4::Message m = inner_of(transmits(out)[0]);
      EXPECT_EQ(m.message_type, MessageType::kRequest);
      EXPECT_EQ(m.xid, first.xid);
      EXPECT_EQ((now_ - t0).count(), c.offsets[i]);
    }
    Outbox out = fire();
    EXPECT_EQ((now_ - t0).count(), c.offsets[3]);
    EXPECT_TRUE(transmits(out).empty());
    EXPECT_EQ(client().state(), Dhcp4State::kInit);
    EXPECT_TRUE(stores(out).empty());
    const dhcp4::Message again = fire_until_sent();
    EXPECT_EQ(again.message_type, MessageType::kDiscover);
    EXPECT_NE(again.xid, first.xid);
  }
}

TEST_F(Dhcp4o6Fixture, InitDelayIsConfigurable) {
  Dhcp4o6ClientConfig config = default_config();
  config.init_delay_min = Millis(1000);  // RFC 2131 §4.4.1's 1..10 s
  config.init_delay_max = Millis(10'000);
  make_client(config, Pin::kHigh);
  (void)start();
  EXPECT_EQ(client().next_deadline(), at_ms(10'000));
  make_client(config, Pin::kLow);
  (void)start();
  EXPECT_EQ(client().next_deadline(), at_ms(1000));
  Outbox out;
  client().on_timer(at_ms(999), out);  // early: nothing
  EXPECT_TRUE(out.empty());
}

// --- malformed, unsolicited and mismatched responses ---------------------------------

class BadResponses : public Dhcp4o6Fixture {
 protected:
  // Each packet leaves state, deadline and actions untouched and bumps the
  // named counter by one.
  void expect_dropped(const std::vector<uint8_t>& packet, uint64_t EngineCounters::*counter,
                      const std::string& reason) {
    const Dhcp4State state = client().state();
    const TimePoint deadline = client().next_deadline();
    const uint64_t before = client().counters().*counter;
    Outbox out = receive(packet);
    expect_ignored(out, state, deadline);
    EXPECT_EQ(client().counters().*counter, before + 1) << reason;
    EXPECT_TRUE(has_log(out, LogLevel::kDebug, reason)) << reason;
  }
};

TEST_F(BadResponses, InSelecting) {
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  const dhcp4::Message good = offer_to(d, kOffered, kKeaPorts);
  const std::vector<uint8_t> br = {0x00, 0x5a, 0x00, 0x10,  // option 90, len 16
                                   0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb4};
  const auto m = &EngineCounters::dropped_malformed;
  const auto u = &EngineCounters::dropped_unexpected;
  const auto i = &EngineCounters::dropped_invalid;

  expect_dropped({}, m, "");
  expect_dropped({0x15, 0x00, 0x00}, m, "");             // truncated DHCPv6 header
  std::vector<uint8_t> no87 = {0x15, 0x00, 0x00, 0x00};  // DHCPV4-RESPONSE, flags 0
  no87.insert(no87.end(), br.begin(), br.end());         // only option 90
  expect_dropped(no87, m, "missing option 87");
  std::vector<uint8_t> query = response(good);
  query[0] = 0x14;  // a DHCPV4-QUERY, not a response
  expect_dropped(query, m, "not a DHCPV4-RESPONSE");
  std::vector<uint8_t> truncated_header = dhcp4::encode_message(good);
  truncated_header.resize(100);
  dhcp6::Dhcpv4Response wrapped;
  wrapped.dhcpv4 = truncated_header;
  wrapped.s46_brs = {kBr};
  expect_dropped(dhcp6::encode_dhcpv4_response(wrapped).value(), m, "DHCPv4: ");
  std::vector<uint8_t> cut = response(good);
  cut.resize(cut.size() - 30);  // option 87 runs past the end
  expect_dropped(cut, m, "");

  dhcp4::Message wrong_xid = good;
  wrong_xid.xid ^= 1;
  expect_dropped(response(wrong_xid), u, "xid 0x00001001, expected 0x00001000");
  dhcp4::Message request_op = good;
  request_op.op = dhcp4::kOpBootRequest;
  expect_dropped(response(request_op), u, "not BOOTREPLY");
  dhcp4::Message other_mac = good;
  other_mac.chaddr[5] ^= 1;
  expect_dropped(response(other_mac), u, "chaddr is not ours");
  dhcp4::Message other_id = good;
  other_id.client_id = {0x01, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x02};
  expect_dropped(response(other_id), u, "client identifier (61) is not ours");
  dhcp4::Message ack = reply_to(d, MessageType::kAck);
  ack.yiaddr = kOffered;
  ack.lease_time = 3600;
  expect_dropped(response(ack), u, "DHCPACK not expected in SELECTING");
  dhcp4::Message nak = reply_to(d, MessageType::kNak);
  expect_dropped(response(nak), u, "DHCPNAK not expected in SELECTING");
  dhcp4::Message untyped = good;
  untyped.message_type.reset();
  expect_dropped(response(untyped), i, "no DHCP message type (53)");

  // After all that, the good offer still works.
  (void)receive(response(good));
  EXPECT_EQ(client().counters().dropped_malformed, 6u);
  EXPECT_EQ(client().counters().dropped_unexpected, 6u);
  EXPECT_EQ(client().counters().dropped_invalid, 1u);
}

TEST_F(BadResponses, InRequestingAndBound) {
  (void)set_source(kSoftwire);
  (void)start();
  const dhcp4::Message d = fire_until_sent();
  (void)receive(response(offer_to(d, kOffered, kKeaPorts)));
  const dhcp4::Message r = fire_until_sent();
  const auto u = &EngineCounters::dropped_unexpected;
  const auto i = &EngineCounters::dropped_invalid;

  // A late second OFFER (same xid) is no longer wanted.
  expect_dropped(response(offer_to(d, ip4("192.0.2.11"), kKeaPorts)), u,
                 "DHCPOFFER not expected in REQUESTING");
  // An ACK or NAK from a server we did not choose.
  dhcp4::Message other = ack_to(r, kOffered, kKeaPorts);
  other.server_id = kOtherServerId;
  expect_dropped(response(other), u, "not the chosen server");
  dhcp4::Message other_nak = reply_to(r, MessageType::kNak, kOtherServerId);
  expect_dropped(response(other_nak), u, "not the chosen server");
  // ACKs missing what RFC 2131 Table 3 requires.
  dhcp4::Message no51 = ack_to(r, kOffered, kKeaPorts);
  no51.lease_time.reset();
  expect_dropped(response(no51), i, "without lease time (51)");
  dhcp4::Message no54 = ack_to(r, kOffered, kKeaPorts);
  no54.server_id.reset();
  expect_dropped(response(no54), i, "without server identifier (54)");
  expect_dropped(response(ack_to(r, kOffered, kKeaPorts, 2)), i, "shorter than 3 s");
  expect_dropped(response(ack_to(r, ip4("169.254.0.7"), kKeaPorts)), i, "unusable address");
  expect_dropped(response(ack_to(r, kOffered, kKeaPorts), {}), i, "BR");

  (void)receive(response(ack_to(r, kOffered, kKeaPorts)));
  ASSERT_EQ(client().state(), Dhcp4State::kBound);
  // Unsolicited in BOUND: a repeated ACK, an OFFER.
  expect_dropped(response(ack_to(r, kOffered, kKeaPorts)), u, "unsolicited in BOUND");
  expect_dropped(response(offer_to(d, kOffered, kKeaPorts)), u, "unsolicited in BOUND");
}

TEST_F(BadResponses, UnsolicitedBeforeStart) {
  dhcp4::Message d;
  d.xid = 0x1000;
  d.chaddr[0] = 0x02;
  expect_dropped(response(offer_to(d, kOffered, kKeaPorts)), &EngineCounters::dropped_unexpected,
                 "unsolicited in STOPPED");
}

// --- RFC 7618 §5: never a 169.254/16 address -------------------------------------------

TEST_F(Dhcp4o6Fixture, NoApplyEverCarriesALinkLocalAddress) {
  Outbox all;
  auto keep = [&all](const Outbox& out) { all.insert(all.end(), out.begin(), out.end()); };
  (void)set_source(kSoftwire);
  keep(start());
  // Nothing answers for ten minutes: no fallback address appears.
  while (now_ < at_ms(600'000))
    keep(fire());
  EXPECT_TRUE(applies(all).empty());
  // A server offering 169.254/16 is ignored; a real offer binds.
  const dhcp4::Message d = fire_until_sent();
  keep(receive(response(offer_to(d, ip4("169.254.10.1"), kKeaPorts))));
  keep(receive(response(offer_to(d, kOffered, kKeaPorts))));
  const dhcp4::Message r = fire_until_sent();
  keep(receive(response(ack_to(r, ip4("169.254.10.1"), kKeaPorts))));
  keep(receive(response(ack_to(r, kOffered, kKeaPorts))));
  // Expiry without renewal.
  while (client().state() != Dhcp4State::kInit)
    keep(fire());
  ASSERT_FALSE(applies(all).empty());
  ASSERT_FALSE(withdraws(all).empty());
  for (const Apply& a : applies(all)) {
    EXPECT_NE(a.state.ipv4.to_u32() >> 16, 0xa9feu) << a.state.ipv4.to_string();
    EXPECT_EQ(a.state.ipv4, kOffered);
  }
}

}  // namespace
}  // namespace lwb4::client
