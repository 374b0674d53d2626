// lwb4d's own processing per message, in memory: the engine driven through
// a whole provisioning by a fake server that builds its replies with the
// codecs (DHCPv6 Reply with option 88 and an lw4o6 container; DHCPOFFER and
// DHCPACK with option 159 in DHCPV4-RESPONSEs). Only the client's side is
// timed (manual timing); building the replies is the server's work.
//
//   build/bench/tests/bench/engine_bench [--benchmark_repetitions=N]
//
// Each per-message figure covers what the daemon does for one datagram:
// on_datagram + take_actions, plus the on_timer that sends the next message
// when the engine schedules it "now" (the Reply's DISCOVER).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <variant>
#include <vector>

#include "fake_random.hpp"
#include "lwb4/client/engine.hpp"
#include "lwb4/dhcp4/message.hpp"
#include "lwb4/dhcp6/dhcp4o6.hpp"
#include "lwb4/dhcp6/message.hpp"
#include "lwb4/portset/port_set.hpp"
#include "lwb4/s46/map_rule.hpp"

namespace lwb4::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

Ipv6Address ip6(const char* text) {
  return Ipv6Address::parse(text).value();
}
Ipv4Address ip4(const char* text) {
  return Ipv4Address::parse(text).value();
}

// The namespace lab's values (tests/lab/lab.sh): Kea's "6, 52/6".
const Ipv6Address kServer = ip6("2001:db8:46::1");
const Ipv6Address kLinkLocal = ip6("fe80::2");
const Ipv6Address kGlobal = ip6("2001:db8:46::2");
const Ipv6Address kBr = ip6("2001:db8:46::b4");
const Ipv4Address kServerId = ip4("192.0.2.1");
const Ipv4Address kOffered = ip4("192.0.2.100");
const Ipv4Address kDns = ip4("192.0.2.53");
constexpr std::array<uint8_t, 6> kMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "engine_bench: %s\n", what);
  std::abort();
}

std::optional<Transmit> only_transmit(const Outbox& out) {
  std::optional<Transmit> t;
  for (const Action& a : out) {
    if (const auto* x = std::get_if<Transmit>(&a)) {
      if (t) fail("more than one message sent");
      t = *x;
    }
  }
  return t;
}

bool has_apply(const Outbox& out) {
  for (const Action& a : out)
    if (std::holds_alternative<Apply>(a)) return true;
  return false;
}

// The server: each reply is built from the client's message, as Kea does.
struct FakeServer {
  PortSet ports = PortSet::create(6, 6, 52).value();

  std::vector<uint8_t> info_reply(const Transmit& request) const {
    dhcp6::Message q = dhcp6::decode_message(request.payload).value();
    if (q.type != dhcp6::MessageType::kInformationRequest) fail("expected an Information-request");
    dhcp6::Message r;
    r.type = dhcp6::MessageType::kReply;
    r.transaction_id = q.transaction_id;
    r.server_id = dhcp6::Duid::make_en(2495, std::vector<uint8_t>{1, 2, 3, 4}).value();
    r.client_id = q.client_id;
    r.dhcp4o6_servers = std::vector<Ipv6Address>{kServer};  // option 88
    s46::Container lw;
    lw.mechanism = s46::Mechanism::kLw4o6;
    lw.brs = {kBr};
    r.containers = {lw};
    return dhcp6::encode_message(r).value();
  }

  // A DHCPV4-RESPONSE answering the DHCPV4-QUERY `query` with `type`.
  std::vector<uint8_t> response(const Transmit& query, dhcp4::MessageType type,
                                dhcp4::MessageType expected) const {
    dhcp6::Dhcpv4Query q = dhcp6::decode_dhcpv4_query(query.payload).value();
    dhcp4::Message in = dhcp4::decode_message(q.dhcpv4).value();
    if (in.message_type != expected) fail("unexpected DHCPv4 message type");
    dhcp4::Message m;
    m.op = dhcp4::kOpBootReply;
    m.htype = in.htype;
    m.hlen = in.hlen;
    m.xid = in.xid;
    m.flags = in.flags;
    m.chaddr = in.chaddr;
    m.message_type = type;
    m.server_id = kServerId;
    m.yiaddr = kOffered;
    m.lease_time = 3600;
    m.port_params = ports;  // option 159 (RFC 7618)
    if (type == dhcp4::MessageType::kAck) {
      m.dns_servers = {kDns};
      m.client_id = in.client_id;                    // RFC 6842
      m.s46_source_address = in.s46_source_address;  // RFC 8539
    }
    dhcp6::Dhcpv4Response r;
    r.dhcpv4 = dhcp4::encode_message(m);
    return dhcp6::encode_dhcpv4_response(r).value();
  }
};

EngineConfig bench_config() {
  EngineConfig c;
  c.duid = dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kMac).value();
  c.mac = kMac;
  c.offer_window = Millis(0);  // as lwb4d --offer-window 0
  c.start_delays = false;      // as lwb4d --no-start-delay
  return c;
}

UplinkState bench_uplink() {
  UplinkState u;
  u.up = true;
  u.link_local = kLinkLocal;
  u.global = {{kGlobal, 64}};
  return u;
}

// One client in the lab's situation; time never moves (no waits).
class Client {
 public:
  Client() : random_(testing::PinnedRandom::Pin::kLow), engine_(bench_config(), random_) {}

  // Uplink up and start: the Information-request.
  Transmit start() {
    engine_.on_uplink(bench_uplink(), now_);
    engine_.start(now_, std::nullopt);
    (void)engine_.take_actions();
    return fire_due().value();
  }
  // What the daemon does with one datagram: deliver it, perform the
  // actions, and run the timer if the engine wants it now.
  Outbox deliver(const std::vector<uint8_t>& packet) {
    engine_.on_datagram(packet, kServer, now_);
    Outbox out = engine_.take_actions();
    if (engine_.next_deadline() <= now_) {
      engine_.on_timer(now_);
      Outbox more = engine_.take_actions();
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }
  Engine& engine() { return engine_; }

 private:
  std::optional<Transmit> fire_due() {
    if (engine_.next_deadline() > now_) fail("nothing due");
    engine_.on_timer(now_);
    return only_transmit(engine_.take_actions());
  }

  testing::PinnedRandom random_;
  Engine engine_;
  TimePoint now_ = at_ms(1000);
};

double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// Times `deliver(reply)` on a fresh client brought to the step before.
// step 0: the Reply (→ DISCOVER), 1: the OFFER (→ REQUEST), 2: the ACK (→ Apply).
void per_message(benchmark::State& state, int step) {
  const FakeServer server;
  for (auto _ : state) {
    Client c;
    Transmit sent = c.start();
    std::vector<uint8_t> reply = server.info_reply(sent);
    for (int i = 0; i < step; ++i) {
      sent = only_transmit(c.deliver(reply)).value();
      reply = i == 0
                  ? server.response(sent, dhcp4::MessageType::kOffer, dhcp4::MessageType::kDiscover)
                  : server.response(sent, dhcp4::MessageType::kAck, dhcp4::MessageType::kRequest);
    }
    auto t0 = SteadyClock::now();
    Outbox out = c.deliver(reply);
    state.SetIterationTime(seconds_since(t0));
    bool ok = step == 2 ? has_apply(out) : only_transmit(out).has_value();
    if (!ok) fail("the engine did not answer");
    benchmark::DoNotOptimize(out);
  }
}

void BM_Reply_to_Discover(benchmark::State& state) {
  per_message(state, 0);
}
void BM_Offer_to_Request(benchmark::State& state) {
  per_message(state, 1);
}
void BM_Ack_to_Apply(benchmark::State& state) {
  per_message(state, 2);
}
BENCHMARK(BM_Reply_to_Discover)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Offer_to_Request)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ack_to_Apply)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The whole exchange, client side only: engine construction, start, the
// Information-request, and the three replies handled up to the Apply.
void BM_Start_to_Bound(benchmark::State& state) {
  const FakeServer server;
  for (auto _ : state) {
    double client_time = 0;
    auto t0 = SteadyClock::now();
    auto c = std::make_unique<Client>();
    Transmit info = c->start();
    client_time += seconds_since(t0);
    std::vector<uint8_t> reply = server.info_reply(info);
    t0 = SteadyClock::now();
    Transmit discover = only_transmit(c->deliver(reply)).value();
    client_time += seconds_since(t0);
    reply = server.response(discover, dhcp4::MessageType::kOffer, dhcp4::MessageType::kDiscover);
    t0 = SteadyClock::now();
    Transmit request = only_transmit(c->deliver(reply)).value();
    client_time += seconds_since(t0);
    reply = server.response(request, dhcp4::MessageType::kAck, dhcp4::MessageType::kRequest);
    t0 = SteadyClock::now();
    Outbox out = c->deliver(reply);
    client_time += seconds_since(t0);
    if (!has_apply(out) || c->engine().status().dhcp4_state != "BOUND") fail("not BOUND");
    state.SetIterationTime(client_time);
  }
}
BENCHMARK(BM_Start_to_Bound)->UseManualTime()->Unit(benchmark::kMicrosecond);

// For reference: the codecs alone on the OFFER's DHCPV4-RESPONSE.
std::vector<uint8_t> sample_offer_response() {
  Client c;
  const FakeServer server;
  Transmit sent = only_transmit(c.deliver(server.info_reply(c.start()))).value();
  return server.response(sent, dhcp4::MessageType::kOffer, dhcp4::MessageType::kDiscover);
}

void BM_Decode_Dhcpv4Response(benchmark::State& state) {
  const std::vector<uint8_t> packet = sample_offer_response();
  for (auto _ : state) {
    auto r = dhcp6::decode_dhcpv4_response(packet);
    auto m = dhcp4::decode_message(r.value().dhcpv4);
    if (!m || !m->port_params) fail("decode");
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packet.size()));
}
BENCHMARK(BM_Decode_Dhcpv4Response);

void BM_Encode_Dhcpv4Response(benchmark::State& state) {
  const std::vector<uint8_t> packet = sample_offer_response();
  const dhcp4::Message m =
      dhcp4::decode_message(dhcp6::decode_dhcpv4_response(packet).value().dhcpv4).value();
  for (auto _ : state) {
    dhcp6::Dhcpv4Response r;
    r.dhcpv4 = dhcp4::encode_message(m);
    auto bytes = dhcp6::encode_dhcpv4_response(r);
    if (!bytes) fail("encode");
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_Encode_Dhcpv4Response);

// Port-set arithmetic (RFC 7597 §5.1) for the lab's 6, 52/6: 1008 ports.
void BM_PortSet_Ranges(benchmark::State& state) {
  for (auto _ : state) {
    PortSet p = PortSet::create(6, 6, 52).value();
    auto ranges = p.ranges();
    benchmark::DoNotOptimize(ranges);
  }
}
BENCHMARK(BM_PortSet_Ranges);

void BM_PortSet_Contains_AllPorts(benchmark::State& state) {
  const PortSet p = PortSet::create(6, 6, 52).value();
  for (auto _ : state) {
    uint32_t n = 0;
    for (uint32_t port = 0; port <= 0xffff; ++port)
      n += p.contains(static_cast<uint16_t>(port));
    if (n != 1008) fail("contains");
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 65536);
}
BENCHMARK(BM_PortSet_Contains_AllPorts);

// A MAP-E BMR (RFC 7597 Appendix A, example 1 figures): CE address, PSID
// and MAP IPv6 address from the End-user prefix.
void BM_Map_Derive(benchmark::State& state) {
  s46::Rule bmr;
  bmr.ea_len = 16;
  bmr.ipv4_prefix = Ipv4Prefix::parse("192.0.2.0/24").value();
  bmr.ipv6_prefix = Ipv6Prefix::parse("2001:db8::/40").value();
  const Ipv6Prefix end_user = Ipv6Prefix::parse("2001:db8:12:3400::/56").value();
  for (auto _ : state) {
    auto r = s46::derive(bmr, end_user);
    if (!r || r->kind != s46::AddressKind::kShared) fail("derive");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Map_Derive);

}  // namespace
}  // namespace lwb4::client

BENCHMARK_MAIN();
