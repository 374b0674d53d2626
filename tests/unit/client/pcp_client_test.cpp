#include "lwb4/client/pcp_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_random.hpp"
#include "lwb4/pcp/message.hpp"

namespace lwb4::client {
namespace {

using testing::PinnedRandom;
using Pin = PinnedRandom::Pin;
using Bytes = std::vector<uint8_t>;
using State = PcpClient::State;
using pcp::ResultCode;

Ipv6Address v6(const char* text) {
  return *Ipv6Address::parse(text);
}
Ipv4Address v4(const char* text) {
  return *Ipv4Address::parse(text);
}

const Ipv6Address kServer = v6("2001:db8:ffff::1");
const Ipv6Address kSource = v6("2001:db8:46::2");
const Ipv4Address kShared = v4("192.0.2.3");
// PinnedRandom's next_u32() counts from 0x1000: the nonce is three of them.
const pcp::Nonce kFirstNonce = {0, 0, 0x10, 0x00, 0, 0, 0x10, 0x01, 0, 0, 0x10, 0x02};

template <class T>
std::vector<T> all_of(const Outbox& out) {
  std::vector<T> found;
  for (const Action& a : out) {
    if (const auto* t = std::get_if<T>(&a)) found.push_back(*t);
  }
  return found;
}

bool only_logs(const Outbox& out) {
  for (const Action& a : out) {
    if (!std::get_if<Log>(&a)) return false;
  }
  return true;
}

::testing::AssertionResult HasLog(const Outbox& out, LogLevel level, const std::string& part) {
  std::string seen;
  for (const Action& a : out) {
    if (const auto* l = std::get_if<Log>(&a)) {
      if (l->level == level && l->text.find(part) != std::string::npos) {
        return ::testing::AssertionSuccess();
      }
      seen += "\n  [" + std::to_string(static_cast<int>(l->level)) + "] " + l->text;
    }
  }
  return ::testing::AssertionFailure() << "no log at level " << static_cast<int>(level)
                                       << " containing '" << part << "'; logs:" << seen;
}

pcp::Request decode(const Transmit& t) {
  auto r = pcp::decode_request(t.payload);
  EXPECT_TRUE(r) << r.error().reason();
  return r ? *r : pcp::Request{};
}

// The server's answer to `request`, built with the codec.
pcp::Response answer(const pcp::Request& request, ResultCode result, uint32_t lifetime,
                     uint32_t epoch) {
  pcp::Response response;
  response.result = result;
  response.lifetime = lifetime;
  response.epoch_time = epoch;
  pcp::MapPayload map = *request.map();
  response.payload = map;
  return response;
}

pcp::Response grant(const pcp::Request& request, uint16_t first, std::optional<uint16_t> size,
                    uint32_t lifetime = 7200, uint32_t epoch = 1000) {
  pcp::Response response = answer(request, ResultCode::kSuccess, lifetime, epoch);
  pcp::MapPayload map = *request.map();
  map.external_port = first;
  map.external_address = pcp::to_mapped(kShared);
  response.payload = map;
  if (size) response.options.port_set = pcp::PortSetOption{*size, map.internal_port, false};
  return response;
}

pcp::Response announce(uint32_t epoch) {
  pcp::Response response;
  response.epoch_time = epoch;
  response.payload = pcp::AnnouncePayload{};
  return response;
}

PortSet block(unsigned psid_len, unsigned psid) {
  return *PortSet::create(0, psid_len, psid);
}

class PcpClientTest : public ::testing::Test {
 protected:
  explicit PcpClientTest(PcpClientConfig config = default_config()) : client_(config) {}

  static PcpClientConfig default_config() {
    PcpClientConfig config;
    config.server = kServer;
    return config;
  }

  // Starts the client and returns its first request.
  pcp::Request begin() {
    client_.set_source(kSource, now_, random_, out_);
    client_.start(now_, random_, out_);
    auto sent = all_of<Transmit>(take());
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? pcp::Request{} : decode(sent.back());
  }

  void deliver(const Bytes& bytes, const Ipv6Address& from = kServer) {
    client_.on_datagram(bytes, from, now_, random_, out_);
  }
  void deliver(const pcp::Response& response) { deliver(pcp::encode(response)); }

  // Fires the next deadline; returns what it sent.
  std::vector<Transmit> fire() {
    now_ = client_.next_deadline();
    client_.on_timer(now_, random_, out_);
    return all_of<Transmit>(out_);
  }

  // Begins and maps with a 2048-port aligned grant at 6144.
  pcp::Request mapped(uint32_t lifetime = 7200, uint32_t epoch = 1000) {
    pcp::Request request = begin();
    now_ += Millis(50);
    deliver(grant(request, 6144, 2048, lifetime, epoch));
    EXPECT_EQ(client_.state(), State::kMapped);
    EXPECT_EQ(all_of<Apply>(take()).size(), 1u);
    return request;
  }

  Outbox take() { return std::exchange(out_, {}); }

  PinnedRandom random_{Pin::kLow};
  PcpClient client_;
  Outbox out_;
  TimePoint now_ = at_ms(100'000);
};

TEST(PcpEpochCheck, Rfc6887Section8_5) {
  PcpEpoch e;
  EXPECT_TRUE(e.check_and_update(5000, at_ms(0)));  // the first is valid
  EXPECT_TRUE(e.check_and_update(5100, at_ms(100'000)));
  EXPECT_TRUE(e.check_and_update(5099, at_ms(100'000)));   // one back is tolerated
  EXPECT_FALSE(e.check_and_update(5097, at_ms(100'000)));  // more is a reset
  // 1000 s of client time, 1000 - 1000/16 - 2 = 935.5 s is the least allowed.
  PcpEpoch slow;
  EXPECT_TRUE(slow.check_and_update(0, at_ms(0)));
  EXPECT_TRUE(slow.check_and_update(936, at_ms(1'000'000)));
  PcpEpoch slower;
  EXPECT_TRUE(slower.check_and_update(0, at_ms(0)));
  EXPECT_FALSE(slower.check_and_update(935, at_ms(1'000'000)));
  // And the server running fast: 1000 s of server time in 900 s.
  PcpEpoch fast;
  EXPECT_TRUE(fast.check_and_update(0, at_ms(0)));
  EXPECT_FALSE(fast.check_and_update(1000, at_ms(900'000)));
}

TEST_F(PcpClientTest, NothingWithoutASource) {
  client_.start(now_, random_, out_);
  EXPECT_TRUE(all_of<Transmit>(out_).empty());
  EXPECT_EQ(client_.state(), State::kIdle);
  EXPECT_EQ(client_.next_deadline(), kNever);
}

TEST_F(PcpClientTest, RequestIsAMapWithPortSet) {
  client_.set_source(kSource, now_, random_, out_);
  client_.start(now_, random_, out_);
  auto sent = all_of<Transmit>(out_);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].source, kSource);
  EXPECT_EQ(sent[0].destination, kServer);
  EXPECT_EQ(sent[0].port, 5351);
  pcp::Request r = decode(sent[0]);
  EXPECT_EQ(r.opcode(), pcp::Opcode::kMap);
  EXPECT_EQ(r.requested_lifetime, kPcpDefaultLifetime);
  EXPECT_EQ(r.client_address, kSource);
  ASSERT_TRUE(r.map());
  EXPECT_EQ(r.map()->nonce, kFirstNonce);
  EXPECT_EQ(r.map()->protocol, 0);
  EXPECT_EQ(r.map()->internal_port, 1);  // RFC 7753 §5.2
  EXPECT_EQ(r.map()->external_port, 0);
  EXPECT_EQ(r.map()->external_address, pcp::to_mapped(Ipv4Address{}));
  ASSERT_TRUE(r.options.port_set);
  EXPECT_EQ(*r.options.port_set, (pcp::PortSetOption{2048, 1, false}));
  EXPECT_EQ(client_.state(), State::kRequesting);
}

class PcpParityTest : public PcpClientTest {
 protected:
  static PcpClientConfig parity_config() {
    PcpClientConfig config = default_config();
    config.parity = true;
    config.port_count = 100;
    config.requested_lifetime = 600;
    return config;
  }
  PcpParityTest() : PcpClientTest(parity_config()) {}
};

TEST_F(PcpParityTest, SizeHintAndParityBit) {
  pcp::Request r = begin();
  EXPECT_EQ(r.requested_lifetime, 600u);
  EXPECT_EQ(r.map()->internal_port, 1);
  EXPECT_EQ(*r.options.port_set, (pcp::PortSetOption{100, 1, true}));
}

// RFC 6887 §8.1.1: RT = (1 + RAND) * IRT, then (1 + RAND) * MIN(2 * RTprev,
// MRT), RAND in [-0.1, +0.1], no MRC or MRD: it never gives up.
void check_schedule(Pin pin, std::vector<int64_t> first_gaps, int64_t cap) {
  PcpClientConfig config;
  config.server = kServer;
  PcpClient client(config);
  PinnedRandom random(pin);
  Outbox out;
  TimePoint now = at_ms(0);
  client.set_source(kSource, now, random, out);
  client.start(now, random, out);
  ASSERT_EQ(all_of<Transmit>(out).size(), 1u);
  Bytes first = all_of<Transmit>(out)[0].payload;
  std::vector<int64_t> gaps;
  for (int i = 0; i < 20; ++i) {
    out.clear();
    TimePoint due = client.next_deadline();
    client.on_timer(due - Millis(1), random, out);  // early: nothing
    EXPECT_TRUE(out.empty());
    gaps.push_back((due - now).count());
    now = due;
    client.on_timer(now, random, out);
    auto sent = all_of<Transmit>(out);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].payload, first);  // same nonce, same bytes
  }
  for (size_t i = 0; i < first_gaps.size(); ++i)
    EXPECT_EQ(gaps[i], first_gaps[i]) << i;
  EXPECT_EQ(gaps.back(), cap);
  EXPECT_EQ(client.state(), PcpClient::State::kRequesting);
}

TEST(PcpRetransmit, ScheduleAtLowEnd) {
  // 3000 - 10%, then 2 * RTprev - 10%, up to MRT 1024 s - 10%.
  check_schedule(Pin::kLow, {2700, 4860, 8748, 15747, 28345}, 921'600);
}

TEST(PcpRetransmit, ScheduleAtHighEnd) {
  check_schedule(Pin::kHigh, {3300, 7260, 15972, 35138, 77303}, 1'126'400);
}

TEST_F(PcpClientTest, GrantIsApplied) {
  pcp::Request request = begin();
  now_ += Millis(40);
  deliver(grant(request, 6144, 2048));
  auto applies = all_of<Apply>(out_);
  ASSERT_EQ(applies.size(), 1u);
  const DesiredState& s = applies[0].state;
  EXPECT_EQ(s.mode, Mode::kPcp);
  EXPECT_EQ(s.ipv4, kShared);
  EXPECT_EQ(s.ports, block(5, 3));
  EXPECT_EQ(s.ports.count(), 2048u);
  EXPECT_EQ(s.br, kServer);
  EXPECT_EQ(s.softwire_source, kSource);
  EXPECT_FALSE(s.source_is_constructed);
  EXPECT_TRUE(all_of<Transmit>(out_).empty());
  EXPECT_EQ(client_.state(), State::kMapped);
  ASSERT_TRUE(client_.mapping());
  EXPECT_EQ(client_.mapping()->lifetime, Seconds(7200));
  EXPECT_EQ(client_.mapping()->epoch, 1000u);
  EXPECT_TRUE(HasLog(out_, LogLevel::kNotice, "ports 6144-8191 (2048 of 2048 asked)"));
}

TEST_F(PcpClientTest, FewerPortsThanAsked) {
  // RFC 7753 §4 example: 32 ports granted at 37056.
  pcp::Request request = begin();
  deliver(grant(request, 37056, 32));
  auto applies = all_of<Apply>(out_);
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].state.ports, block(11, 1158));
  EXPECT_EQ(client_.mapping()->granted, 32u);
  EXPECT_TRUE(HasLog(out_, LogLevel::kNotice, "(32 of 2048 asked)"));
}

TEST_F(PcpClientTest, UnalignedGrantIsUsedWhole) {
  pcp::Request request = begin();
  deliver(grant(request, 50000, 100));
  auto applies = all_of<Apply>(out_);
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].state.ports, *PortSet::contiguous(50000, 100));
  EXPECT_TRUE(applies[0].state.ports.is_range());
  EXPECT_EQ(applies[0].state.ports.count(), 100u);
  EXPECT_TRUE(HasLog(out_, LogLevel::kNotice, "ports 50000-50099 (100 of 2048 asked)"));
}

TEST_F(PcpClientTest, Rfc7753Section5_2Answer) {
  // RFC 7753 §5.2's example answer: 2048 ports from 26624.
  pcp::Request request = begin();
  deliver(grant(request, 26624, 2048));
  auto applies = all_of<Apply>(out_);
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].state.ports, block(5, 13));
}

TEST_F(PcpClientTest, SinglePortWithoutPortSet) {
  // RFC 7753 §5: a server that ignores PORT_SET answers with one port.
  pcp::Request request = begin();
  deliver(grant(request, 40000, std::nullopt));
  auto applies = all_of<Apply>(out_);
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].state.ports, block(16, 40000));
  EXPECT_EQ(applies[0].state.ports.count(), 1u);
  EXPECT_TRUE(HasLog(out_, LogLevel::kNotice, "no PORT_SET in the answer"));
}

// Every packet here must leave the client exactly as it was.
TEST_F(PcpClientTest, BadResponsesChangeNothing) {
  pcp::Request request = begin();
  now_ += Millis(500);
  const TimePoint deadline = client_.next_deadline();
  auto check_ignored = [&](const Bytes& bytes, const Ipv6Address& from, const char* what,
                           uint64_t PcpCounters::*counter) {
    uint64_t before = client_.counters().*counter;
    out_.clear();
    deliver(bytes, from);
    EXPECT_TRUE(only_logs(out_)) << what;
    EXPECT_EQ(client_.state(), State::kRequesting) << what;
    EXPECT_EQ(client_.next_deadline(), deadline) << what;
    EXPECT_FALSE(client_.mapping()) << what;
    EXPECT_FALSE(client_.epoch().known) << what;
    EXPECT_EQ(client_.counters().*counter, before + 1) << what;
  };
  Bytes good = pcp::encode(grant(request, 6144, 2048));

  pcp::Response wrong_nonce = grant(request, 6144, 2048);
  std::get<pcp::MapPayload>(wrong_nonce.payload).nonce[11] ^= 1;
  check_ignored(pcp::encode(wrong_nonce), kServer, "nonce", &PcpCounters::dropped_unexpected);

  pcp::Response wrong_port = grant(request, 6144, 2048);
  std::get<pcp::MapPayload>(wrong_port.payload).internal_port = 2;
  check_ignored(pcp::encode(wrong_port), kServer, "internal port",
                &PcpCounters::dropped_unexpected);

  pcp::Response wrong_protocol = grant(request, 6144, 2048);
  std::get<pcp::MapPayload>(wrong_protocol.payload).protocol = pcp::kProtocolTcp;
  check_ignored(pcp::encode(wrong_protocol), kServer, "protocol", &PcpCounters::dropped_unexpected);

  check_ignored(good, v6("2001:db8:ffff::2"), "source", &PcpCounters::dropped_unexpected);

  Bytes version = good;
  version[0] = 1;
  check_ignored(version, kServer, "version", &PcpCounters::dropped_malformed);

  Bytes request_bit = good;
  request_bit[1] &= 0x7f;  // R = 0: our own request reflected
  check_ignored(request_bit, kServer, "R bit", &PcpCounters::dropped_malformed);

  Bytes peer = good;
  peer[1] = 0x80 | 2;  // PEER
  check_ignored(peer, kServer, "opcode", &PcpCounters::dropped_malformed);

  check_ignored(Bytes(good.begin(), good.begin() + 20), kServer, "truncated header",
                &PcpCounters::dropped_malformed);
  check_ignored(Bytes(good.begin(), good.begin() + 48), kServer, "truncated payload",
                &PcpCounters::dropped_malformed);
  check_ignored(Bytes(good.begin(), good.end() - 1), kServer, "not a multiple of 4",
                &PcpCounters::dropped_malformed);

  pcp::Response v6_external = grant(request, 6144, 2048);
  std::get<pcp::MapPayload>(v6_external.payload).external_address = v6("2001:db8::1");
  check_ignored(pcp::encode(v6_external), kServer, "IPv6 external", &PcpCounters::dropped_invalid);

  pcp::Response past_end = grant(request, 65500, 64);
  check_ignored(pcp::encode(past_end), kServer, "range past 65535", &PcpCounters::dropped_invalid);

  pcp::Response zero_lifetime = grant(request, 6144, 2048, 0);
  check_ignored(pcp::encode(zero_lifetime), kServer, "lifetime 0", &PcpCounters::dropped_invalid);

  // And the good one still works afterwards.
  out_.clear();
  deliver(good);
  EXPECT_EQ(client_.state(), State::kMapped);
}

TEST_F(PcpClientTest, DuplicateAnswerWhenMappedIsIgnored) {
  pcp::Request request = mapped();
  TimePoint deadline = client_.next_deadline();
  deliver(grant(request, 6144, 2048));
  EXPECT_TRUE(only_logs(out_));
  EXPECT_EQ(client_.next_deadline(), deadline);
  EXPECT_EQ(client_.counters().dropped_unexpected, 1u);
}

// RFC 6887 §11.2.1: the first renewal in 1/2..5/8 of the lifetime, then
// 3/4..3/4+1/16, 7/8..7/8+1/32, ...; the mapping goes when it expires.
void check_renewals(Pin pin, std::vector<int64_t> offsets_ms) {
  PcpClientConfig config;
  config.server = kServer;
  PcpClient client(config);
  PinnedRandom random(pin);
  Outbox out;
  TimePoint t0 = at_ms(1'000'000);
  client.set_source(kSource, t0, random, out);
  client.start(t0, random, out);
  pcp::Request request = decode(all_of<Transmit>(out).back());
  out.clear();
  client.on_datagram(pcp::encode(grant(request, 6144, 2048, 7200)), kServer, t0, random, out);
  ASSERT_EQ(client.state(), PcpClient::State::kMapped);
  for (int64_t offset : offsets_ms) {
    out.clear();
    TimePoint due = client.next_deadline();
    EXPECT_EQ(due, t0 + Millis(offset)) << offset;
    client.on_timer(due - Millis(1), random, out);
    EXPECT_TRUE(out.empty()) << "nothing sent before " << offset;
    client.on_timer(due, random, out);
    auto sent = all_of<Transmit>(out);
    ASSERT_EQ(sent.size(), 1u);
    pcp::Request renewal = decode(sent[0]);
    EXPECT_EQ(renewal.map()->nonce, request.map()->nonce);
    EXPECT_EQ(renewal.map()->external_port, 6144);  // RFC 6887 §11.2.1 suggestion
    EXPECT_EQ(renewal.map()->external_address, pcp::to_mapped(kShared));
    EXPECT_EQ(*renewal.options.port_set, *request.options.port_set);  // RFC 7753 §5
    EXPECT_TRUE(all_of<Withdraw>(out).empty());
    EXPECT_EQ(client.state(), PcpClient::State::kRenewing);
  }
}

TEST(PcpRenewal, WindowLowEnd) {
  check_renewals(Pin::kLow, {3'600'000, 5'400'000, 6'300'000, 6'750'000, 6'975'000, 7'087'500,
                             7'143'750, 7'171'875, 7'185'938, 7'192'969});
}

TEST(PcpRenewal, WindowHighEnd) {
  // 3600 + 900, 5400 + 450, 6300 + 225, ... seconds
  check_renewals(Pin::kHigh, {4'500'000, 5'850'000, 6'525'000, 6'862'500, 7'031'250});
}

TEST_F(PcpClientTest, ExpiryWithdrawsAndStartsOver) {
  mapped(20);
  TimePoint granted = now_;
  // 20 s: slots at 10 s, then >= 4 s apart: 15 s, 19 s (17.5 s pushed to 19 s).
  EXPECT_EQ(fire().size(), 1u);
  EXPECT_EQ(now_, granted + Seconds(10));
  take();
  EXPECT_EQ(fire().size(), 1u);
  EXPECT_EQ(now_, granted + Seconds(15));
  take();
  EXPECT_EQ(fire().size(), 1u);
  EXPECT_EQ(now_, granted + Seconds(19));
  take();
  EXPECT_EQ(client_.next_deadline(), granted + Seconds(20));
  auto sent = fire();
  ASSERT_EQ(all_of<Withdraw>(out_).size(), 1u);
  EXPECT_FALSE(client_.mapping());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(decode(sent[0]).map()->external_port, 0);  // nothing left to suggest
  EXPECT_EQ(client_.state(), State::kRequesting);
  EXPECT_EQ(client_.next_deadline(), now_ + Millis(2700));
}

TEST_F(PcpClientTest, RenewalAnswerKeepsTheStateAndReschedules) {
  pcp::Request request = mapped();
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  take();
  now_ += Millis(30);
  TimePoint answered = now_;
  deliver(grant(decode(sent[0]), 6144, 2048, 7200, 1000 + 3600));
  EXPECT_TRUE(all_of<Apply>(out_).empty());  // unchanged
  EXPECT_TRUE(all_of<Withdraw>(out_).empty());
  EXPECT_EQ(client_.state(), State::kMapped);
  EXPECT_EQ(client_.next_deadline(), answered + Seconds(3600));
  EXPECT_EQ(client_.counters().epoch_resets, 0u);
}

TEST_F(PcpClientTest, RenewalWithANewRangeReapplies) {
  mapped();
  auto sent = fire();
  take();
  deliver(grant(decode(sent[0]), 8192, 1024, 7200, 1000 + 3600));
  auto applies = all_of<Apply>(out_);
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].state.ports, block(6, 8));
}

TEST_F(PcpClientTest, LongErrorWaitsItsLifetime) {
  pcp::Request request = begin();
  now_ += Millis(100);
  TimePoint at = now_;
  deliver(answer(request, ResultCode::kNotAuthorized, 1800, 1000));
  EXPECT_TRUE(all_of<Apply>(out_).empty());
  EXPECT_EQ(client_.state(), State::kWaiting);
  EXPECT_EQ(client_.last_error(), ResultCode::kNotAuthorized);
  EXPECT_EQ(client_.counters().errors, 1u);
  EXPECT_TRUE(HasLog(out_, LogLevel::kWarning, "NOT_AUTHORIZED (long-lifetime error)"));
  EXPECT_EQ(client_.next_deadline(), at + Seconds(1800));
  take();
  client_.on_timer(at + Seconds(1800) - Millis(1), random_, out_);
  EXPECT_TRUE(out_.empty());  // RFC 6887 §7.4: not again within the lifetime
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(decode(sent[0]).map()->nonce, request.map()->nonce);
  EXPECT_EQ(client_.state(), State::kRequesting);
}

TEST_F(PcpClientTest, ErrorWithoutLifetimeUsesTheSuggestedOne) {
  pcp::Request request = begin();
  TimePoint at = now_;
  deliver(answer(request, ResultCode::kNoResources, 0, 1000));
  EXPECT_EQ(client_.next_deadline(), at + kPcpShortErrorLifetime);
  take();
  pcp::Request again = decode(fire().at(0));
  take();
  deliver(answer(again, ResultCode::kUnsuppOption, 0, 1030));
  EXPECT_EQ(client_.next_deadline(), now_ + kPcpLongErrorLifetime);
  EXPECT_TRUE(HasLog(out_, LogLevel::kWarning, "UNSUPP_OPTION (long-lifetime error)"));
}

TEST_F(PcpClientTest, ShortErrorOnRenewalKeepsTheMapping) {
  mapped(7200);
  TimePoint granted = now_;
  auto sent = fire();
  take();
  deliver(answer(decode(sent[0]), ResultCode::kNoResources, 30, 1000 + 3600));
  EXPECT_TRUE(all_of<Withdraw>(out_).empty());
  EXPECT_TRUE(client_.mapping());
  EXPECT_EQ(client_.state(), State::kWaiting);
  EXPECT_EQ(client_.next_deadline(), granted + Seconds(3630));
}

TEST_F(PcpClientTest, ShortErrorNearExpiryIsCappedByIt) {
  mapped(100);
  TimePoint granted = now_;
  auto sent = fire();  // at 50 s
  take();
  deliver(answer(decode(sent[0]), ResultCode::kUserExQuota, 600, 1000 + 50));
  EXPECT_EQ(client_.next_deadline(), granted + Seconds(100));
  fire();
  EXPECT_EQ(all_of<Withdraw>(out_).size(), 1u);
  EXPECT_TRUE(all_of<Transmit>(out_).empty());  // still inside the error's lifetime
  EXPECT_EQ(client_.next_deadline(), granted + Seconds(50 + 600));
}

TEST_F(PcpClientTest, LongErrorOnRenewalWithdraws) {
  mapped();
  auto sent = fire();
  take();
  deliver(answer(decode(sent[0]), ResultCode::kNotAuthorized, 1800, 1000 + 3600));
  ASSERT_EQ(all_of<Withdraw>(out_).size(), 1u);
  EXPECT_FALSE(client_.mapping());
}

TEST_F(PcpClientTest, CannotProvideExternalDropsTheSuggestion) {
  mapped();
  auto sent = fire();
  take();
  deliver(answer(decode(sent[0]), ResultCode::kCannotProvideExternal, 30, 1000 + 3600));
  EXPECT_TRUE(client_.mapping());
  auto again = fire();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(decode(again[0]).map()->external_port, 0);
  EXPECT_EQ(decode(again[0]).map()->external_address, pcp::to_mapped(Ipv4Address{}));
}

TEST_F(PcpClientTest, EpochRegressionInARenewalAnswerIsCounted) {
  mapped();
  auto sent = fire();
  take();
  deliver(grant(decode(sent[0]), 6144, 2048, 7200, 3));  // server restarted
  EXPECT_EQ(client_.counters().epoch_resets, 1u);
  EXPECT_EQ(client_.state(), State::kMapped);  // this answer re-created it
  EXPECT_TRUE(HasLog(out_, LogLevel::kNotice, "fails the RFC 6887 §8.5 check"));
}

TEST_F(PcpClientTest, AnnounceWithAResetEpochRemaps) {
  pcp::Request request = mapped(7200, 1000);
  now_ += Seconds(600);
  random_.set_pin(Pin::kHigh);
  deliver(announce(2));  // the server restarted
  EXPECT_TRUE(all_of<Transmit>(out_).empty());
  EXPECT_TRUE(all_of<Withdraw>(out_).empty());  // keep forwarding meanwhile
  EXPECT_EQ(client_.state(), State::kWaiting);
  EXPECT_EQ(client_.next_deadline(), now_ + kPcpAnnounceMaxDelay);
  EXPECT_EQ(client_.counters().epoch_resets, 1u);
  take();
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  pcp::Request remap = decode(sent[0]);
  EXPECT_EQ(remap.map()->nonce, request.map()->nonce);
  EXPECT_EQ(remap.map()->external_port, 6144);
  EXPECT_EQ(client_.state(), State::kRequesting);
  take();
  deliver(grant(remap, 6144, 2048, 7200, 8));
  EXPECT_EQ(client_.state(), State::kMapped);
  EXPECT_TRUE(all_of<Apply>(out_).empty());        // same grant
  EXPECT_EQ(client_.counters().epoch_resets, 1u);  // 2 -> 8 in 5 s is consistent
}

TEST_F(PcpClientTest, AnnounceWithASlowEpochRemaps) {
  mapped(7200, 1000);
  now_ += Seconds(1000);
  deliver(announce(1000 + 900));  // 900 s of server time in 1000 s
  EXPECT_EQ(client_.state(), State::kWaiting);
  EXPECT_EQ(client_.next_deadline(), now_);  // PinnedRandom low: no delay
  EXPECT_EQ(client_.counters().epoch_resets, 1u);
}

TEST_F(PcpClientTest, AnnounceWithAConsistentEpochChangesNothing) {
  mapped(7200, 1000);
  TimePoint deadline = client_.next_deadline();
  now_ += Seconds(600);
  deliver(announce(1600));
  EXPECT_TRUE(only_logs(out_));
  EXPECT_EQ(client_.state(), State::kMapped);
  EXPECT_EQ(client_.next_deadline(), deadline);
}

TEST_F(PcpClientTest, AnnounceFromAnotherAddressIsIgnored) {
  mapped(7200, 1000);
  deliver(pcp::encode(announce(0)), v6("2001:db8:ffff::99"));
  EXPECT_EQ(client_.state(), State::kMapped);
  EXPECT_EQ(client_.counters().dropped_unexpected, 1u);
}

TEST_F(PcpClientTest, StopDeletesWithLifetimeZero) {
  pcp::Request request = mapped();
  now_ += Seconds(10);
  client_.stop(now_, out_);
  auto sent = all_of<Transmit>(out_);
  ASSERT_EQ(sent.size(), 1u);
  pcp::Request del = decode(sent[0]);
  EXPECT_EQ(del.requested_lifetime, 0u);  // RFC 6887 §15
  EXPECT_EQ(del.map()->nonce, request.map()->nonce);
  EXPECT_EQ(del.map()->internal_port, request.map()->internal_port);
  EXPECT_TRUE(del.options.port_set);  // RFC 7753 §5
  EXPECT_EQ(all_of<Withdraw>(out_).size(), 1u);
  EXPECT_EQ(client_.state(), State::kIdle);
  EXPECT_EQ(client_.next_deadline(), kNever);
  EXPECT_FALSE(client_.mapping());
}

TEST_F(PcpClientTest, StopBeforeStartSendsNothing) {
  client_.stop(now_, out_);
  EXPECT_TRUE(all_of<Transmit>(out_).empty());
  EXPECT_TRUE(all_of<Withdraw>(out_).empty());
}

TEST_F(PcpClientTest, NewSourceIsANewMapping) {
  pcp::Request request = mapped();
  client_.set_source(v6("2001:db8:46::9"), now_, random_, out_);
  EXPECT_EQ(all_of<Withdraw>(out_).size(), 1u);
  auto sent = all_of<Transmit>(out_);
  ASSERT_EQ(sent.size(), 1u);
  pcp::Request next = decode(sent[0]);
  EXPECT_EQ(next.client_address, v6("2001:db8:46::9"));
  EXPECT_NE(next.map()->nonce, request.map()->nonce);
  take();
  client_.set_source(std::nullopt, now_, random_, out_);
  EXPECT_EQ(client_.state(), State::kIdle);
  EXPECT_EQ(client_.next_deadline(), kNever);
}

TEST_F(PcpClientTest, RenewNowRestartsTheRequest) {
  mapped();
  client_.renew(now_, random_, out_);
  EXPECT_EQ(all_of<Transmit>(out_).size(), 1u);
  EXPECT_EQ(client_.state(), State::kRequesting);
  EXPECT_TRUE(client_.mapping());
}

}  // namespace
}  // namespace lwb4::client
