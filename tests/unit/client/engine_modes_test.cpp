// The engine's mechanism choice (RFC 8026) and the lw4o6 (RFC 7596) and
// MAP-E (RFC 7597) paths, from Information-reply bytes to the Apply, with
// fake time; plus the hand-off configuration that skips the
// Information-request.
#include <gtest/gtest.h>

#include "dhcp4o6_test_support.hpp"
#include "lwb4/client/engine.hpp"
#include "lwb4/client/s46_provision.hpp"
#include "lwb4/dhcp6/message.hpp"

namespace lwb4::client {
namespace {

using namespace testing;  // NOLINT: test support names

const Ipv6Prefix kEndUser = Ipv6Prefix::parse("2001:db8:12:3400::/56").value();
const Ipv6Address kMapBr = ip6("2001:db8:ffff::1");
const Ipv4Address kBound = ip4("192.0.2.3");

// RFC 7597 Appendix A: BMR 2001:db8::/40, 192.0.2.0/24, EA-len 16, F set.
s46::Rule appendix_a_rule() {
  s46::Rule r;
  r.fmr = true;
  r.ea_len = 16;
  r.ipv4_prefix = Ipv4Prefix::parse("192.0.2.0/24").value();
  r.ipv6_prefix = Ipv6Prefix::parse("2001:db8::/40").value();
  return r;
}

s46::Container map_e_container() {
  s46::Container c;
  c.mechanism = s46::Mechanism::kMapE;
  c.rules = {appendix_a_rule()};
  c.brs = {kMapBr};
  return c;
}

// An lw4o6 binding on the uplink's /64 (kGlobal is 2001:db8:46::2/64).
s46::Container lw_container(const char* bind_prefix = "2001:db8:46::/64",
                            PortSet set = ports(0, 6, 52)) {
  s46::Container c;
  c.mechanism = s46::Mechanism::kLw4o6;
  s46::V4V6Bind b;
  b.ipv4 = kBound;
  b.bind_prefix = Ipv6Prefix::parse(bind_prefix).value();
  b.ports = set;
  c.bind = b;
  c.brs = {kBr};
  return c;
}

class EngineModesTest : public ::testing::Test {
 protected:
  EngineModesTest() : random_(PinnedRandom::Pin::kLow) {}

  static EngineConfig base_config() {
    EngineConfig c;
    c.duid = dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kMac).value();
    c.mac = kMac;
    c.start_delays = false;
    c.offer_window = Millis(0);
    return c;
  }

  static UplinkState uplink() {
    UplinkState u;
    u.up = true;
    u.link_local = kLinkLocal;
    u.global = {{kGlobal, 64}};
    return u;
  }

  void make(EngineConfig c) { engine_ = std::make_unique<Engine>(std::move(c), random_); }

  // Starts the engine; returns what it emitted while its due timers ran.
  Outbox start() {
    engine_->on_uplink(uplink(), now_);
    engine_->start(now_, std::nullopt);
    Outbox all = engine_->take_actions();
    run_due(all);
    return all;
  }

  void run_due(Outbox& all) {
    while (engine_->next_deadline() <= now_) {
      engine_->on_timer(now_);
      Outbox out = engine_->take_actions();
      all.insert(all.end(), out.begin(), out.end());
    }
  }

  // Advances to the next deadline and runs it.
  Outbox advance() {
    now_ = engine_->next_deadline();
    Outbox all;
    run_due(all);
    return all;
  }

  // A Reply to `request` with the given content (encoded by the codec).
  static std::vector<uint8_t> reply(const Transmit& request, dhcp6::Message r) {
    dhcp6::Message q = dhcp6::decode_message(request.payload).value();
    r.type = dhcp6::MessageType::kReply;
    r.transaction_id = q.transaction_id;
    r.server_id = dhcp6::Duid::make_en(2495, std::vector<uint8_t>{1, 2, 3}).value();
    r.client_id = q.client_id;
    return dhcp6::encode_message(r).value();
  }

  static dhcp6::Message content(std::vector<s46::Container> containers,
                                std::optional<std::vector<uint16_t>> priority = std::nullopt,
                                bool with_88 = false) {
    dhcp6::Message m;
    m.containers = std::move(containers);
    m.s46_priority = std::move(priority);
    if (with_88) m.dhcp4o6_servers = std::vector<Ipv6Address>{kServer};
    m.information_refresh_time = 600;
    return m;
  }

  // The single Information-request of `out`.
  static Transmit the_request(const Outbox& out) {
    auto sent = transmits(out);
    EXPECT_EQ(sent.size(), 1u);
    if (sent.empty()) return {};
    EXPECT_EQ(sent[0].payload[0], 11);  // INFORMATION-REQUEST
    return sent[0];
  }

  Outbox deliver(const std::vector<uint8_t>& packet) {
    engine_->on_datagram(packet, kServer, now_);
    Outbox out = engine_->take_actions();
    run_due(out);
    return out;
  }

  // Starts and answers the first Information-request with `m`.
  Outbox provision(EngineConfig c, dhcp6::Message m) {
    make(std::move(c));
    Transmit request = the_request(start());
    return deliver(reply(request, std::move(m)));
  }

  PinnedRandom random_;
  std::unique_ptr<Engine> engine_;
  TimePoint now_ = at_ms(1000);
};

bool is_dhcpv4_query(const Transmit& t) {
  return !t.payload.empty() && t.payload[0] == 20;
}

// --- RFC 7597 Appendix A through the whole path ------------------------------

TEST_F(EngineModesTest, AppendixAVectorFromReplyBytesToApply) {
  EngineConfig c = base_config();
  c.s46.end_user_prefix = kEndUser;
  make(c);
  Transmit request = the_request(start());
  dhcp6::Message q = dhcp6::decode_message(request.payload).value();
  std::vector<uint8_t> packet = {
      0x07,                                          // REPLY
      static_cast<uint8_t>(q.transaction_id >> 16),  // transaction-id
      static_cast<uint8_t>(q.transaction_id >> 8),   //
      static_cast<uint8_t>(q.transaction_id),        //
      0x00,
      0x01,
      0x00,
      0x0a,  // CLIENTID, 10 bytes: DUID-LL of kMac
      0x00,
      0x03,
      0x00,
      0x01,
      0x02,
      0x00,
      0x5e,
      0x00,
      0x53,
      0x01,  //
      0x00,
      0x02,
      0x00,
      0x07,  // SERVERID, 7 bytes: DUID-EN
      0x00,
      0x02,
      0x00,
      0x00,
      0x09,
      0xbf,
      0x01,  //
      0x00,
      0x5e,
      0x00,
      0x25,  // S46_CONT_MAPE, 37 bytes
      0x00,
      0x59,
      0x00,
      0x0d,  //   S46_RULE, 13 bytes
      0x01,
      0x10,
      0x18,  //   F=1, EA-len 16, IPv4 /24
      0xc0,
      0x00,
      0x02,
      0x00,  //   192.0.2.0
      0x28,
      0x20,
      0x01,
      0x0d,
      0xb8,
      0x00,  //   /40 2001:db8:00::
      0x00,
      0x5a,
      0x00,
      0x10,  //   S46_BR, 16 bytes
      0x20,
      0x01,
      0x0d,
      0xb8,
      0xff,
      0xff,
      0x00,
      0x00,  //   2001:db8:ffff::1
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x01,  //
  };
  Outbox out = deliver(packet);
  auto applied = applies(out);
  ASSERT_EQ(applied.size(), 1u);
  const DesiredState& s = applied[0].state;
  EXPECT_EQ(s.mode, Mode::kMapE);
  EXPECT_EQ(s.ipv4, ip4("192.0.2.18"));
  EXPECT_EQ(s.ports, ports(6, 8, 0x34));
  EXPECT_EQ(s.ports.count(), 252u);
  auto ranges = s.ports.ranges();
  ASSERT_EQ(ranges.size(), 63u);
  EXPECT_EQ(ranges.front(), (PortRange{1232, 1235}));
  EXPECT_EQ(ranges.back(), (PortRange{64720, 64723}));
  EXPECT_EQ(s.softwire_source, ip6("2001:db8:12:3400:0:c000:212:34"));
  EXPECT_TRUE(s.source_is_constructed);
  EXPECT_EQ(s.br, kMapBr);
  ASSERT_TRUE(s.map);
  EXPECT_EQ(s.map->end_user_prefix, kEndUser);
  EXPECT_EQ(s.map->bmr, appendix_a_rule());
  EXPECT_EQ(s.map->ea_bits, 0x1234u);
  EXPECT_EQ(s.map->fmrs.size(), 1u);  // F=1: the BMR is also an FMR
  // MAP-E needs no DHCPv4: nothing else is sent.
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_EQ(engine_->status().mode, Mode::kMapE);
  EXPECT_EQ(engine_->status().dhcp4_state, "STOPPED");
}

TEST_F(EngineModesTest, LegacyMapPutsTheIpv4OneByteEarlierAndDefaultsToOffset4) {
  EngineConfig c = base_config();
  c.s46.end_user_prefix = kEndUser;
  c.s46.legacy_map = true;
  auto applied = applies(provision(c, content({map_e_container()})));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].state.softwire_source, ip6("2001:db8:12:3400:c0:2:1200:3400"));
  EXPECT_EQ(applied[0].state.ports, ports(4, 8, 0x34));
}

TEST_F(EngineModesTest, MapEWithoutEndUserPrefixIsNotUsable) {
  auto out = provision(base_config(), content({map_e_container()}));
  EXPECT_TRUE(applies(out).empty());
  EXPECT_TRUE(has_log(out, LogLevel::kNotice, "map-e: no End-user prefix"));
  EXPECT_FALSE(engine_->status().mode);
}

// --- PSID length precedence (RFC 7597 §5.2, RFC 7598 §4.5) ------------------

TEST(MapEState, ServerPsidLenWinsOverTheFlagWhichWinsOverEaBits) {
  S46Settings settings;
  settings.end_user_prefix = kEndUser;
  s46::Container c = map_e_container();
  // EA bits alone: q = 16 - 8 = 8.
  EXPECT_EQ(map_e_state({&c, 1}, settings)->ports, ports(6, 8, 0x34));
  // --psid-len 4: the last 4 EA bits.
  settings.psid_len = 4;
  EXPECT_EQ(map_e_state({&c, 1}, settings)->ports, ports(6, 4, 0x4));
  // The server's S46_PORTPARAMS PSID-len 6 (PSID 0: from the EA bits).
  c.rules[0].ports = ports(6, 6, 0);
  EXPECT_EQ(map_e_state({&c, 1}, settings)->ports, ports(6, 6, 0x34));
}

TEST(MapEState, PsidLenWithoutEaPsidBitsIsAnError) {
  S46Settings settings;
  settings.end_user_prefix = kEndUser;
  settings.psid_len = 6;
  s46::Container c = map_e_container();
  c.rules[0].ea_len = 8;  // o + r = 32: a full address
  auto s = map_e_state({&c, 1}, settings);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().reason().find("--psid-len 6"), std::string::npos);
  settings.psid_len.reset();
  EXPECT_TRUE(map_e_state({&c, 1}, settings)->ports.is_full());
}

TEST(MapEState, LongestMatchAcrossDomainsAndAnIpv4PrefixIsRefused) {
  S46Settings settings;
  settings.end_user_prefix = kEndUser;
  s46::Container wide = map_e_container();
  s46::Container narrow = map_e_container();
  narrow.rules[0].ipv6_prefix = Ipv6Prefix::parse("2001:db8:12::/48").value();
  narrow.rules[0].ea_len = 8;  // 192.0.2.0/24 + 8 bits = a full address 192.0.2.0x34
  narrow.rules[0].fmr = false;
  narrow.brs = {kBr};
  std::vector<s46::Container> both = {wide, narrow};
  auto s = map_e_state(both, settings);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ipv4, ip4("192.0.2.52"));
  EXPECT_EQ(s->br, kBr);
  EXPECT_TRUE(s->map->fmrs.empty());
  narrow.rules[0].ea_len = 4;  // o + r = 28: an IPv4 prefix
  auto p = map_e_state({&narrow, 1}, settings);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().reason().find("IPv4 prefix"), std::string::npos);
}

// --- lw4o6 (RFC 7596 §5.1) ----------------------------------------------------

TEST_F(EngineModesTest, Lw4o6FromOption96BuildsTheSourceOnTheUplinkPrefix) {
  auto out = provision(base_config(), content({lw_container()}));
  auto applied = applies(out);
  ASSERT_EQ(applied.size(), 1u);
  const DesiredState& s = applied[0].state;
  EXPECT_EQ(s.mode, Mode::kLw4o6);
  EXPECT_EQ(s.ipv4, kBound);
  EXPECT_EQ(s.ports, ports(0, 6, 52));
  EXPECT_EQ(s.br, kBr);
  // prefix | 16 bits 0 | IPv4 | PSID (RFC 7596 §5.1 via RFC 7597 §6).
  EXPECT_EQ(s.softwire_source, ip6("2001:db8:46::c000:203:34"));
  EXPECT_TRUE(s.source_is_constructed);
  EXPECT_FALSE(s.map);
  EXPECT_TRUE(transmits(out).empty());
  EngineStatus st = engine_->status();
  EXPECT_EQ(st.mode, Mode::kLw4o6);
  ASSERT_TRUE(st.applied);
  EXPECT_EQ(*st.applied, s);
}

TEST_F(EngineModesTest, Lw4o6BindingToAnAddressTheUplinkHasUsesIt) {
  auto applied = applies(provision(base_config(), content({lw_container("2001:db8:46::2/128")})));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].state.softwire_source, kGlobal);
  EXPECT_FALSE(applied[0].state.source_is_constructed);
}

TEST_F(EngineModesTest, Lw4o6WithoutPortParamsIsAFullAddress) {
  s46::Container lw = lw_container();
  lw.bind->ports.reset();
  auto applied = applies(provision(base_config(), content({lw})));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_TRUE(applied[0].state.ports.is_full());
  EXPECT_EQ(applied[0].state.softwire_source, ip6("2001:db8:46::c000:203:0"));
}

// --- RFC 8026 choice ----------------------------------------------------------

TEST_F(EngineModesTest, PriorityOrderPicksTheFirstValidMechanism) {
  EngineConfig c = base_config();
  c.s46.end_user_prefix = kEndUser;
  auto a = applies(provision(
      c, content({lw_container(), map_e_container()}, std::vector<uint16_t>{94, 96, 88}, true)));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state.mode, Mode::kMapE);

  auto b = applies(provision(
      c, content({lw_container(), map_e_container()}, std::vector<uint16_t>{96, 94, 88}, true)));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].state.mode, Mode::kLw4o6);
}

TEST_F(EngineModesTest, UnknownCodesAndAnInvalidFirstMechanismAreSkipped) {
  // 95 (MAP-T) and 64 (DS-Lite) are not implemented; 94 is unusable without
  // an End-user prefix; 88 is next.
  auto out = provision(base_config(),
                       content({map_e_container()}, std::vector<uint16_t>{95, 64, 94, 88}, true));
  EXPECT_TRUE(applies(out).empty());
  auto sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(is_dhcpv4_query(sent[0]));
  EXPECT_EQ(inner_of(sent[0]).message_type, dhcp4::MessageType::kDiscover);
  EXPECT_EQ(engine_->status().mode, Mode::kDhcp4o6);
}

TEST_F(EngineModesTest, NoListedMatchFallsBackToTheDefaultOrder) {
  // 95 is not implemented and 94 is unusable without an End-user prefix:
  // RFC 8026 §1.4 lets the client take another provisioned mechanism.
  auto out = provision(base_config(), content({lw_container(), map_e_container()},
                                              std::vector<uint16_t>{95, 94}, false));
  auto a = applies(out);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state.mode, Mode::kLw4o6);
  EXPECT_TRUE(has_log(out, LogLevel::kInfo, "lw4o6 chosen; passed over map-e: no End-user prefix"));
}

TEST_F(EngineModesTest, NoValidMechanismAtAllConfiguresNothing) {
  s46::Container br_only = lw_container();
  br_only.bind.reset();  // a 96 that only names the BR (as Kea sends it for 4o6)
  auto out = provision(base_config(), content({br_only, map_e_container()},
                                              std::vector<uint16_t>{94, 96, 88}, false));
  EXPECT_TRUE(applies(out).empty());
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(has_log(out, LogLevel::kNotice,
                      "no usable mechanism (mode auto; map-e: no End-user prefix (--prefix); "
                      "lw4o6: S46_CONT_LW without S46_V4V6BIND; dhcp4o6: option 88 absent)"));
  EXPECT_FALSE(engine_->status().mode);
  EXPECT_FALSE(engine_->status().applied);
  // Only the refresh (option 32 = 600 s) is scheduled.
  EXPECT_EQ(engine_->next_deadline(), now_ + Seconds(600));
}

TEST_F(EngineModesTest, WithoutOption111TheDefaultOrderPrefersLw4o6) {
  auto a = applies(provision(base_config(), content({lw_container()}, std::nullopt, true)));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state.mode, Mode::kLw4o6);
  EXPECT_EQ(mechanism_order(ModeChoice::kAuto, std::nullopt),
            (std::vector<s46::Mechanism>{s46::Mechanism::kLw4o6, s46::Mechanism::kMapE,
                                         s46::Mechanism::kDhcp4o6}));
}

TEST_F(EngineModesTest, ForcedModeIgnoresThePriority) {
  EngineConfig c = base_config();
  c.mode = ModeChoice::kDhcp4o6;
  auto out = provision(c, content({lw_container()}, std::vector<uint16_t>{96, 88}, true));
  EXPECT_TRUE(applies(out).empty());
  ASSERT_EQ(transmits(out).size(), 1u);
  EXPECT_TRUE(is_dhcpv4_query(transmits(out)[0]));

  c.mode = ModeChoice::kLw4o6;
  auto none = provision(c, content({map_e_container()}, std::nullopt, true));
  EXPECT_TRUE(transmits(none).empty());
  EXPECT_TRUE(has_log(none, LogLevel::kNotice, "lw4o6: option 96 absent"));
}

TEST(MechanismOrder, FollowsOption111AndForcedModes) {
  using M = s46::Mechanism;
  EXPECT_EQ(mechanism_order(ModeChoice::kAuto, std::vector<uint16_t>{88, 95, 96, 64, 94, 7}),
            (std::vector<M>{M::kDhcp4o6, M::kLw4o6, M::kMapE}));
  EXPECT_EQ(mechanism_order(ModeChoice::kAuto, std::vector<uint16_t>{95, 88}),
            (std::vector<M>{M::kDhcp4o6, M::kLw4o6, M::kMapE}));
  EXPECT_EQ(mechanism_order(ModeChoice::kMapE, std::vector<uint16_t>{88}),
            (std::vector<M>{M::kMapE}));
}

// --- Lifetime: refresh, change, withdrawal, mode switches --------------------

TEST_F(EngineModesTest, RefreshWithANewBindingPrefixReprovisions) {
  Outbox first = provision(base_config(), content({lw_container()}));
  ASSERT_EQ(applies(first).size(), 1u);
  const TimePoint informed = now_;
  // Nothing is sent before the refresh time.
  EXPECT_EQ(engine_->next_deadline(), informed + Seconds(600));
  Transmit refresh = the_request(advance());
  EXPECT_EQ(now_, informed + Seconds(600));
  // Same content: nothing is applied again.
  Outbox same = deliver(reply(refresh, content({lw_container()})));
  EXPECT_TRUE(applies(same).empty());
  EXPECT_TRUE(withdraws(same).empty());

  Transmit again = the_request(advance());
  Outbox moved = deliver(reply(again, content({lw_container("2001:db8:46::2/128")})));
  // The source moves (RFC 7596 §5.1: re-provision): withdraw, then apply.
  ASSERT_EQ(moved.size() >= 2, true);
  auto w = withdraws(moved);
  auto a = applies(moved);
  ASSERT_EQ(w.size(), 1u);
  ASSERT_EQ(a.size(), 1u);
  size_t wi = 0, ai = 0;
  for (size_t i = 0; i < moved.size(); ++i) {
    if (std::holds_alternative<Withdraw>(moved[i])) wi = i;
    if (std::holds_alternative<Apply>(moved[i])) ai = i;
  }
  EXPECT_LT(wi, ai);
  EXPECT_EQ(a[0].state.softwire_source, kGlobal);

  // A new port set on the same source is applied in place.
  Transmit third = the_request(advance());
  Outbox ported =
      deliver(reply(third, content({lw_container("2001:db8:46::2/128", ports(0, 6, 53))})));
  EXPECT_TRUE(withdraws(ported).empty());
  ASSERT_EQ(applies(ported).size(), 1u);
  EXPECT_EQ(applies(ported)[0].state.ports, ports(0, 6, 53));
}

TEST_F(EngineModesTest, RefreshWithoutOption96Withdraws) {
  ASSERT_EQ(applies(provision(base_config(), content({lw_container()}))).size(), 1u);
  Transmit refresh = the_request(advance());
  Outbox out = deliver(reply(refresh, content({})));
  ASSERT_EQ(withdraws(out).size(), 1u);
  EXPECT_TRUE(applies(out).empty());
  EXPECT_FALSE(engine_->status().applied);
  EXPECT_FALSE(engine_->status().mode);
}

TEST_F(EngineModesTest, SwitchingFromLw4o6ToDhcp4o6WithdrawsFirst) {
  ASSERT_EQ(applies(provision(base_config(), content({lw_container()}, std::nullopt, true))).size(),
            1u);
  Transmit refresh = the_request(advance());
  // The binding is gone; option 88 remains.
  Outbox out = deliver(reply(refresh, content({}, std::nullopt, true)));
  ASSERT_EQ(withdraws(out).size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Withdraw>(out.front()) ||
              std::holds_alternative<Log>(out.front()));
  auto sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(is_dhcpv4_query(sent[0]));
  EXPECT_EQ(engine_->status().mode, Mode::kDhcp4o6);
}

TEST_F(EngineModesTest, SwitchingFromDhcp4o6ToLw4o6ReleasesTheLeaseFirst) {
  EngineConfig c = base_config();
  make(c);
  Transmit request = the_request(start());
  Outbox out = deliver(reply(request, content({}, std::nullopt, true)));
  Transmit discover = transmits(out).at(0);
  out = deliver(response(offer_to(inner_of(discover), kOffered, kKeaPorts)));
  Transmit req = transmits(out).at(0);
  out = deliver(response(ack_to(inner_of(req), kOffered, kKeaPorts)));
  ASSERT_EQ(applies(out).size(), 1u);
  EXPECT_EQ(engine_->status().dhcp4_state, "BOUND");

  // The DHCPv6 refresh (600 s) comes before the lease's T1.
  EXPECT_GT(engine_->status().lease->t1, Seconds(600));
  Transmit refresh = the_request(advance());
  Outbox sw = deliver(reply(refresh, content({lw_container()}, std::nullopt, true)));
  auto w = withdraws(sw);
  auto a = applies(sw);
  ASSERT_EQ(w.size(), 1u);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state.mode, Mode::kLw4o6);
  // Option 88 is still offered: the address goes back with a DHCPRELEASE,
  // before the lw4o6 state is applied.
  auto sent = transmits(sw);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(inner_of(sent[0]).message_type, dhcp4::MessageType::kRelease);
  size_t released = 0, applied = 0;
  for (size_t i = 0; i < sw.size(); ++i) {
    if (std::holds_alternative<Transmit>(sw[i])) released = i;
    if (std::holds_alternative<Apply>(sw[i])) applied = i;
  }
  EXPECT_LT(released, applied);
  EXPECT_EQ(engine_->status().dhcp4_state, "STOPPED");
  EXPECT_FALSE(engine_->status().lease);
}

TEST_F(EngineModesTest, UplinkRenumberingMovesTheLw4o6Source) {
  // A /48 binding prefix; the uplink's /64 inside it carries the source.
  auto first = applies(provision(base_config(), content({lw_container("2001:db8:46::/48")})));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].state.softwire_source, ip6("2001:db8:46::c000:203:34"));
  UplinkState u = uplink();
  u.global = {{ip6("2001:db8:46:7::2"), 64}};
  engine_->on_uplink(u, now_);
  Outbox out = engine_->take_actions();
  ASSERT_EQ(withdraws(out).size(), 1u);
  auto moved = applies(out);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].state.softwire_source, ip6("2001:db8:46:7:0:c000:203:34"));
  EXPECT_TRUE(transmits(out).empty());  // same link-local: no new request
}

TEST_F(EngineModesTest, BadRepliesLeaveTheLw4o6StateAlone) {
  ASSERT_EQ(applies(provision(base_config(), content({lw_container()}))).size(), 1u);
  Transmit refresh = the_request(advance());
  const TimePoint deadline = engine_->next_deadline();
  const EngineStatus before = engine_->status();
  std::vector<uint8_t> wrong_xid = reply(refresh, content({}));
  wrong_xid[3] ^= 0x01;
  Outbox out = deliver(wrong_xid);
  std::vector<uint8_t> truncated = reply(refresh, content({}));
  truncated.resize(truncated.size() - 3);
  Outbox out2 = deliver(truncated);
  out.insert(out.end(), out2.begin(), out2.end());
  EXPECT_TRUE(applies(out).empty());
  EXPECT_TRUE(withdraws(out).empty());
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_EQ(engine_->next_deadline(), deadline);
  EngineStatus after = engine_->status();
  EXPECT_EQ(after.applied, before.applied);
  EXPECT_EQ(after.mode, Mode::kLw4o6);
  EXPECT_EQ(after.counters.dropped_unexpected, before.counters.dropped_unexpected + 1);
  EXPECT_EQ(after.counters.dropped_malformed, before.counters.dropped_malformed + 1);
}

// --- Hand-off configuration ---------------------------------------------------

TEST_F(EngineModesTest, S46RulesHandOffProvisionsWithoutAnyRequest) {
  EngineConfig c = base_config();
  c.s46.end_user_prefix = kEndUser;
  c.s46_rules = s46::parse_rule_strings(
                    "fmr,type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,"
                    "ipv6prefix=2001:db8::,br=2001:db8:ffff::1, ")
                    .value();
  c.dhcp4o6_servers = std::vector<Ipv6Address>{};  // "multicast": 88 handed over too
  make(c);
  Outbox out = start();
  EXPECT_TRUE(transmits(out).empty());
  auto a = applies(out);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state.ipv4, ip4("192.0.2.18"));
  EXPECT_EQ(a[0].state.softwire_source, ip6("2001:db8:12:3400:0:c000:212:34"));
  EXPECT_EQ(a[0].state.br, kMapBr);
  EXPECT_EQ(engine_->next_deadline(), kNever);
  EXPECT_EQ(engine_->status().dhcp6_state, "handed-over");
}

TEST_F(EngineModesTest, Lw4o6RuleHandOff) {
  EngineConfig c = base_config();
  c.mode = ModeChoice::kLw4o6;
  c.s46_rules = s46::parse_rule_strings(
                    "type=lw4o6,prefix4len=32,prefix6len=64,ipv4prefix=192.0.2.3,"
                    "ipv6prefix=2001:db8:46::,offset=0,psidlen=6,psid=53248,br=2001:db8:46::b4,")
                    .value();
  make(c);
  Outbox out = start();
  EXPECT_TRUE(transmits(out).empty());
  auto a = applies(out);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state.mode, Mode::kLw4o6);
  EXPECT_EQ(a[0].state.ports, ports(0, 6, 52));  // 53248 = 52 << 10
  EXPECT_EQ(a[0].state.softwire_source, ip6("2001:db8:46::c000:203:34"));
}

TEST_F(EngineModesTest, Dhcp4o6ServersHandOffGoesStraightToDiscover) {
  EngineConfig c = base_config();
  c.mode = ModeChoice::kDhcp4o6;
  c.dhcp4o6_servers = std::vector<Ipv6Address>{kServer};
  make(c);
  Outbox out = start();
  auto sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(is_dhcpv4_query(sent[0]));  // no Information-request first
  EXPECT_EQ(sent[0].destination, kServer);

  c.dhcp4o6_servers = std::vector<Ipv6Address>{};  // multicast
  make(c);
  sent = transmits(start());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(is_dhcpv4_query(sent[0]));
  EXPECT_EQ(sent[0].destination, kAllServers);
  EXPECT_EQ(sent[0].source, kLinkLocal);
}

TEST_F(EngineModesTest, PartialHandOffStillAsksForTheRest) {
  // auto with only option 88 handed over: S46 still comes from a Reply, and
  // the handed-over 88 wins over the Reply's.
  EngineConfig c = base_config();
  c.dhcp4o6_servers = std::vector<Ipv6Address>{kServer};
  make(c);
  Transmit request = the_request(start());
  dhcp6::Message m = content({});
  m.dhcp4o6_servers = std::vector<Ipv6Address>{ip6("2001:db8:46::99")};
  auto sent = transmits(deliver(reply(request, m)));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].destination, kServer);
}

TEST(ContainersFromRules, GroupsMapERulesAndKeepsLwBindings) {
  auto rules = s46::parse_rule_strings(
                   "type=lw4o6,prefix4len=32,prefix6len=64,ipv4prefix=192.0.2.3,"
                   "ipv6prefix=2001:db8:46::,br=2001:db8:46::b4, "
                   "type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,"
                   "ipv6prefix=2001:db8::,br=2001:db8:ffff::1, "
                   "fmr,type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=198.51.100.0,"
                   "ipv6prefix=2001:db8:100::,br=2001:db8:ffff::1, "
                   "type=map-t,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=203.0.113.0,"
                   "ipv6prefix=2001:db8:200::,dmr=2001:db8:300::/64, ")
                   .value();
  auto c = containers_from_rules(rules);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].mechanism, s46::Mechanism::kMapE);
  EXPECT_EQ(c[0].rules.size(), 2u);
  EXPECT_EQ(c[0].brs, std::vector<Ipv6Address>{kMapBr});
  EXPECT_EQ(c[1].mechanism, s46::Mechanism::kLw4o6);
  EXPECT_EQ(c[1].bind->ipv4, kBound);
}

}  // namespace
}  // namespace lwb4::client
