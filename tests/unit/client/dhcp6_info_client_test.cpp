#include "lwb4/client/dhcp6_info_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fake_random.hpp"
#include "lwb4/dhcp6/message.hpp"
#include "lwb4/dhcp6/options.hpp"

namespace lwb4::client {
namespace {

using testing::PinnedRandom;
using Pin = PinnedRandom::Pin;
using Bytes = std::vector<uint8_t>;
using State = Dhcp6InfoClient::State;

Ipv6Address v6(const char* text) {
  return *Ipv6Address::parse(text);
}

const Bytes kMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
const Bytes kServerMac = {0x02, 0x00, 0x5e, 0x00, 0x53, 0xfe};
const Ipv6Address kLinkLocal = v6("fe80::200:5eff:fe00:5301");
const Ipv6Address kServerAddress = v6("fe80::200:5eff:fe00:53fe");
const Ipv6Address kAllServers = v6("ff02::1:2");
constexpr uint32_t kFirstXid = 0x001000;  // PinnedRandom's first next_u32()

dhcp6::Duid client_duid() {
  return *dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kMac);
}
dhcp6::Duid server_duid() {
  return *dhcp6::Duid::make_llt(dhcp6::kHwTypeEthernet, 0x2c9a3f10, kServerMac);
}

std::vector<Transmit> transmits(const Outbox& out) {
  std::vector<Transmit> sent;
  for (const Action& a : out) {
    if (const auto* t = std::get_if<Transmit>(&a)) sent.push_back(*t);
  }
  return sent;
}

// Only Transmit and Log are this client's to emit.
bool only_transmit_and_log(const Outbox& out) {
  for (const Action& a : out) {
    if (!std::get_if<Transmit>(&a) && !std::get_if<Log>(&a)) return false;
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

dhcp6::Message decode(const Transmit& t) {
  auto m = dhcp6::decode_message(t.payload);
  EXPECT_TRUE(m) << m.error().reason();
  return m ? *m : dhcp6::Message{};
}

// A minimal valid Reply to `xid`, as a server built with the codec.
dhcp6::Message reply(uint32_t xid) {
  dhcp6::Message m;
  m.type = dhcp6::MessageType::kReply;
  m.transaction_id = xid;
  m.client_id = client_duid();
  m.server_id = server_duid();
  m.dhcp4o6_servers = std::vector<Ipv6Address>{v6("2001:db8:46::1")};
  return m;
}

Bytes encode(const dhcp6::Message& m) {
  auto bytes = dhcp6::encode_message(m);
  EXPECT_TRUE(bytes) << bytes.error().reason();
  return bytes ? *bytes : Bytes{};
}

// The first Information-request of kFirstXid, field by field
// (RFC 8415 §18.2.6; ORO as configured by default).
const Bytes kFirstInformationRequest = {
    0x0b,                                // msg-type INFORMATION-REQUEST
    0x00, 0x10, 0x00,                    // transaction-id 0x001000
    0x00, 0x01, 0x00, 0x0a,              // CLIENTID, len 10
    0x00, 0x03,                          //   DUID-LL
    0x00, 0x01,                          //   hardware type Ethernet
    0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,  //   link-layer address
    0x00, 0x06, 0x00, 0x12,              // ORO, len 18
    0x00, 0x58,                          //   88 DHCP4_O_DHCP6_SERVER
    0x00, 0x5a,                          //   90 S46_BR
    0x00, 0x60,                          //   96 S46_CONT_LW
    0x00, 0x5e,                          //   94 S46_CONT_MAPE
    0x00, 0x6f,                          //   111 S46_PRIORITY
    0x00, 0x17,                          //   23 DNS_SERVERS
    0x00, 0x18,                          //   24 DOMAIN_LIST
    0x00, 0x20,                          //   32 INFORMATION_REFRESH_TIME
    0x00, 0x53,                          //   83 INF_MAX_RT
    0x00, 0x08, 0x00, 0x02,              // ELAPSED_TIME, len 2
    0x00, 0x00,                          //   0
};

// A Reply as a Kea-like server answers it: 4o6 server and an lw4o6
// container with its BR.
const Bytes kKeaLikeReply = {
    0x07,                                            // msg-type REPLY
    0x00, 0x10, 0x00,                                // transaction-id 0x001000
    0x00, 0x01, 0x00, 0x0a,                          // CLIENTID, len 10
    0x00, 0x03, 0x00, 0x01,                          //   DUID-LL, Ethernet
    0x02, 0x00, 0x5e, 0x00, 0x53, 0x01,              //   link-layer address
    0x00, 0x02, 0x00, 0x0e,                          // SERVERID, len 14
    0x00, 0x01, 0x00, 0x01,                          //   DUID-LLT, Ethernet
    0x2c, 0x9a, 0x3f, 0x10,                          //   time
    0x02, 0x00, 0x5e, 0x00, 0x53, 0xfe,              //   link-layer address
    0x00, 0x58, 0x00, 0x10,                          // DHCP4_O_DHCP6_SERVER, len 16
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x00,  //   2001:db8:46::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
    0x00, 0x60, 0x00, 0x14,                          // S46_CONT_LW, len 20
    0x00, 0x5a, 0x00, 0x10,                          //   S46_BR, len 16
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46, 0x00, 0x00,  //     2001:db8:46::b4
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb4,  //
};

// Plays the server with fake time: the test advances `now` to the client's
// deadline and fires it.
class Dhcp6InfoClientTest : public ::testing::Test {
 protected:
  Dhcp6InfoClientTest() : client(default_config()) {}

  static Dhcp6InfoConfig default_config() {
    Dhcp6InfoConfig c;
    c.duid = client_duid();
    return c;
  }

  void start() {
    client.set_source(kLinkLocal);
    out.clear();
    client.start(now, random, out);
  }

  // Jumps to the deadline and fires it; returns what was sent.
  std::vector<Transmit> fire() {
    EXPECT_NE(client.next_deadline(), kNever);
    now = client.next_deadline();
    out.clear();
    client.on_timer(now, random, out);
    return transmits(out);
  }

  // start(), then through the initial delay to the first send.
  Transmit first_send() {
    start();
    auto sent = fire();
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? Transmit{} : sent[0];
  }

  void deliver(const Bytes& bytes) {
    out.clear();
    client.on_reply(bytes, kServerAddress, now, out);
  }

  // Sends the first Information-request and answers it with `m`.
  void inform(dhcp6::Message m) {
    first_send();
    m.transaction_id = client.transaction_id();
    deliver(encode(m));
    ASSERT_EQ(client.state(), State::kInformed);
  }

  // A dropped packet leaves state, deadline, info and the outbox's
  // Transmit/Apply untouched, bumps one counter and logs the reason.
  void expect_dropped(const Bytes& bytes, uint64_t Dhcp6InfoCounters::*counter,
                      const std::string& reason) {
    const State state = client.state();
    const TimePoint deadline = client.next_deadline();
    const auto info = client.info();
    const uint64_t generation = client.generation();
    Dhcp6InfoCounters expected = client.counters();
    ++expected.received;
    ++(expected.*counter);

    deliver(bytes);

    EXPECT_EQ(client.state(), state);
    EXPECT_EQ(client.next_deadline(), deadline);
    EXPECT_EQ(client.info(), info);
    EXPECT_EQ(client.generation(), generation);
    EXPECT_EQ(client.counters(), expected);
    EXPECT_TRUE(transmits(out).empty());
    EXPECT_TRUE(only_transmit_and_log(out));
    EXPECT_TRUE(HasLog(out, LogLevel::kDebug, reason));
  }

  PinnedRandom random{Pin::kLow};
  Dhcp6InfoClient client;
  Outbox out;
  TimePoint now = at_ms(10'000);
};

// --- start, initial delay, first packet -------------------------------------

TEST_F(Dhcp6InfoClientTest, InitialDelayLowEndIsZero) {
  random.set_pin(Pin::kLow);
  start();
  EXPECT_EQ(client.state(), State::kDelaying);
  EXPECT_EQ(client.next_deadline(), at_ms(10'000));
  EXPECT_TRUE(transmits(out).empty());  // even a 0 delay goes through the timer
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "idle -> delaying"));
  EXPECT_EQ(fire().size(), 1u);
  EXPECT_EQ(client.state(), State::kRequesting);
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "delaying -> requesting"));
}

TEST_F(Dhcp6InfoClientTest, InitialDelayHighEndIsInfMaxDelay) {
  // RFC 8415 §18.2.6: 0..INF_MAX_DELAY (1 s).
  random.set_pin(Pin::kHigh);
  start();
  EXPECT_EQ(client.next_deadline(), at_ms(11'000));
  out.clear();
  client.on_timer(at_ms(10'999), random, out);  // nothing before the delay ends
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(client.state(), State::kDelaying);
  EXPECT_EQ(fire().size(), 1u);
  EXPECT_EQ(now, at_ms(11'000));
}

TEST_F(Dhcp6InfoClientTest, FirstPacketBytesAndAddressing) {
  Transmit t = first_send();
  EXPECT_EQ(t.payload, kFirstInformationRequest);
  EXPECT_EQ(t.source, kLinkLocal);        // RFC 7341 §6.1
  EXPECT_EQ(t.destination, kAllServers);  // RFC 8415 §7.1
  EXPECT_EQ(t.port, 547);
  EXPECT_EQ(client.transaction_id(), kFirstXid);
  EXPECT_EQ(client.counters().sent, 1u);
}

TEST_F(Dhcp6InfoClientTest, NothingIsSentWithoutASource) {
  client.start(now, random, out);
  EXPECT_EQ(client.state(), State::kIdle);
  EXPECT_EQ(client.next_deadline(), kNever);
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(HasLog(out, LogLevel::kDebug, "waiting for a link-local source"));
  // set_source() alone never sends; start() again picks it up.
  client.set_source(kLinkLocal);
  EXPECT_EQ(client.state(), State::kIdle);
  out.clear();
  client.start(now, random, out);
  EXPECT_EQ(client.state(), State::kDelaying);
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].source, kLinkLocal);
}

TEST_F(Dhcp6InfoClientTest, StartWhileRunningChangesNothing) {
  first_send();
  const TimePoint deadline = client.next_deadline();
  out.clear();
  client.start(now, random, out);
  EXPECT_EQ(client.state(), State::kRequesting);
  EXPECT_EQ(client.next_deadline(), deadline);
  EXPECT_TRUE(out.empty());
}

TEST(Dhcp6InfoClientConfig, OroGetsRefreshTimeAndInfMaxRtAppended) {
  // RFC 8415 §18.2.6: the ORO MUST hold 32 and 83.
  Dhcp6InfoConfig c;
  c.duid = client_duid();
  c.oro = {88, 83};
  Dhcp6InfoClient client(c);
  PinnedRandom random(Pin::kLow);
  Outbox out;
  client.set_source(kLinkLocal);
  client.start(at_ms(0), random, out);
  out.clear();
  client.on_timer(at_ms(0), random, out);
  auto sent = transmits(out);
  ASSERT_EQ(sent.size(), 1u);
  auto m = dhcp6::decode_message(sent[0].payload);
  ASSERT_TRUE(m) << m.error().reason();
  EXPECT_EQ(m->oro, (std::vector<uint16_t>{88, 83, 32}));
}

// --- retransmission ---------------------------------------------------------

TEST_F(Dhcp6InfoClientTest, RetransmissionScheduleAtBothEndsOfRandUpToTheCap) {
  // RFC 8415 §15 with INF_TIMEOUT 1 s and INF_MAX_RT 3600 s: RT1 = 1 s +-10 %,
  // RTn = 2 RTn-1 + RAND*RTn-1 (RAND -0.1..0.1), then MRT +-10 %.
  struct Case {
    Pin pin;
    std::vector<int64_t> first_rts;
    int64_t capped;
  };
  const Case cases[] = {
      {Pin::kLow, {900, 1710, 3249, 6174, 11731}, 3'240'000},
      {Pin::kHigh, {1100, 2310, 4851, 10187, 21392}, 3'960'000},
  };
  client.set_source(kLinkLocal);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pin == Pin::kLow ? "low" : "high");
    random.set_pin(c.pin);
    out.clear();
    client.restart(now, random, out);
    auto first = fire();
    ASSERT_EQ(first.size(), 1u);
    const TimePoint t0 = now;
    const uint32_t xid = client.transaction_id();
    int64_t prev_rt = 0;
    for (size_t i = 0; i < 30; ++i) {
      const int64_t rt = (client.next_deadline() - now).count();
      if (i < c.first_rts.size()) {
        EXPECT_EQ(rt, c.first_rts[i]) << i;
      }
      EXPECT_LE(rt, 3'960'000) << i;  // never above MRT + 10 %
      if (prev_rt == c.capped) {
        EXPECT_EQ(rt, c.capped) << i;  // stays capped
      }
      prev_rt = rt;
      auto sent = fire();
      ASSERT_EQ(sent.size(), 1u);
      dhcp6::Message m = decode(sent[0]);
      EXPECT_EQ(m.transaction_id, xid) << i;  // RFC 8415 §15: same xid
      // RFC 8415 §21.9: hundredths of a second since the first send, saturating.
      const int64_t cs = (now - t0).count() / 10;
      EXPECT_EQ(m.elapsed_time, static_cast<uint16_t>(std::min<int64_t>(cs, 0xffff))) << i;
      EXPECT_EQ(client.state(), State::kRequesting);
    }
    EXPECT_EQ(prev_rt, c.capped);
    EXPECT_EQ(decode(first[0]).elapsed_time, 0);
  }
}

TEST_F(Dhcp6InfoClientTest, ElapsedTimeCountsFromTheFirstTransmission) {
  random.set_pin(Pin::kHigh);
  first_send();        // at 11.000 s
  auto sent = fire();  // +1.100 s
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(decode(sent[0]).elapsed_time, 110);
  sent = fire();  // +2.310 s
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(decode(sent[0]).elapsed_time, 341);
}

TEST_F(Dhcp6InfoClientTest, EarlyTimerDoesNothing) {
  first_send();
  const TimePoint deadline = client.next_deadline();
  out.clear();
  client.on_timer(deadline - Millis(1), random, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(client.next_deadline(), deadline);
}

// --- INF_MAX_RT -------------------------------------------------------------

class InfMaxRtTest : public Dhcp6InfoClientTest {
 protected:
  // The RT of the refresh exchange once it stops growing.
  int64_t capped_rt_after_refresh() {
    fire();  // refresh time -> delaying
    fire();  // first send
    int64_t rt = 0;
    for (int i = 0; i < 25; ++i) {
      TimePoint sent_at = now;
      fire();
      rt = (now - sent_at).count();
    }
    return rt;
  }
};

TEST_F(InfMaxRtTest, ValidInfMaxRtReplacesTheCapForLaterExchanges) {
  random.set_pin(Pin::kHigh);
  dhcp6::Message m = reply(0);
  m.inf_max_rt = 60;  // RFC 8415 §21.25 minimum
  m.information_refresh_time = 600;
  inform(m);
  EXPECT_EQ(client.inf_max_rt(), Seconds(60));
  EXPECT_EQ(capped_rt_after_refresh(), 66'000);  // 60 s + 10 %
}

TEST_F(InfMaxRtTest, UpperBoundIsAccepted) {
  dhcp6::Message m = reply(0);
  m.inf_max_rt = 86400;
  inform(m);
  EXPECT_EQ(client.inf_max_rt(), Seconds(86400));
}

TEST_F(InfMaxRtTest, OutOfRangeValuesAreIgnored) {
  client.set_source(kLinkLocal);
  for (uint32_t bad : {0u, 59u, 86401u, 0xffffffffu}) {
    SCOPED_TRACE(bad);
    random.set_pin(Pin::kLow);
    dhcp6::Message m = reply(0);
    m.inf_max_rt = bad;
    m.information_refresh_time = 600;
    out.clear();
    client.restart(now, random, out);
    fire();
    m.transaction_id = client.transaction_id();
    deliver(encode(m));
    ASSERT_EQ(client.state(), State::kInformed);
    EXPECT_EQ(client.inf_max_rt(), Seconds(3600));
    EXPECT_TRUE(HasLog(out, LogLevel::kDebug, "ignoring INF_MAX_RT " + std::to_string(bad)));
  }
  EXPECT_EQ(capped_rt_after_refresh(), 3'240'000);  // still 3600 s - 10 %
}

TEST_F(InfMaxRtTest, AdoptedEvenFromAFailureReply) {
  // RFC 8415 §18.2.10: INF_MAX_RT is processed whatever the status.
  first_send();
  dhcp6::Message m = reply(client.transaction_id());
  m.status = dhcp6::StatusCode{dhcp6::kStatusUnspecFail, "busy"};
  m.inf_max_rt = 120;
  deliver(encode(m));
  EXPECT_EQ(client.state(), State::kRequesting);
  EXPECT_EQ(client.inf_max_rt(), Seconds(120));
}

TEST_F(InfMaxRtTest, AFailureReplysInfMaxRtCapsTheExchangeUnderWay) {
  // The exchange goes on after a failure Reply (no MRC, no MRD): the
  // server's INF_MAX_RT slows it down from the next timeout on, not only
  // the exchanges after a success.
  random.set_pin(Pin::kHigh);
  first_send();
  dhcp6::Message m = reply(client.transaction_id());
  m.status = dhcp6::StatusCode{dhcp6::kStatusUnspecFail, "busy"};
  m.inf_max_rt = 60;
  deliver(encode(m));
  ASSERT_EQ(client.state(), State::kRequesting);
  int64_t rt = 0;
  for (int i = 0; i < 12; ++i) {
    TimePoint sent_at = now;
    ASSERT_EQ(fire().size(), 1u) << i;
    rt = (now - sent_at).count();
    EXPECT_LE(rt, 66'000) << i;
  }
  EXPECT_EQ(rt, 66'000);  // 60 s + 10 %, not 3600 s
}

// --- replies that are dropped -----------------------------------------------

class DroppedReplyTest : public Dhcp6InfoClientTest {
 protected:
  void SetUp() override { first_send(); }
};

TEST_F(DroppedReplyTest, WrongTransactionId) {
  expect_dropped(encode(reply(kFirstXid + 1)), &Dhcp6InfoCounters::dropped_unexpected,
                 "transaction-id 0x001001 does not match 0x001000");
}

TEST_F(DroppedReplyTest, MissingServerId) {
  dhcp6::Message m = reply(kFirstXid);
  m.server_id.reset();
  expect_dropped(encode(m), &Dhcp6InfoCounters::dropped_invalid, "without SERVERID");
}

TEST_F(DroppedReplyTest, WrongClientId) {
  dhcp6::Message m = reply(kFirstXid);
  m.client_id = *dhcp6::Duid::make_ll(dhcp6::kHwTypeEthernet, kServerMac);
  expect_dropped(encode(m), &Dhcp6InfoCounters::dropped_invalid,
                 "CLIENTID 00:03:00:01:02:00:5e:00:53:fe is not ours");
}

TEST_F(DroppedReplyTest, MissingClientId) {
  dhcp6::Message m = reply(kFirstXid);
  m.client_id.reset();
  expect_dropped(encode(m), &Dhcp6InfoCounters::dropped_invalid, "without CLIENTID");
}

TEST_F(DroppedReplyTest, Truncated) {
  Bytes cut(kKeaLikeReply.begin(), kKeaLikeReply.begin() + 30);  // inside SERVERID
  expect_dropped(cut, &Dhcp6InfoCounters::dropped_malformed, "runs past the end");
}

TEST_F(DroppedReplyTest, ShorterThanTheHeader) {
  expect_dropped({0x07, 0x00}, &Dhcp6InfoCounters::dropped_malformed, "message truncated");
}

TEST_F(DroppedReplyTest, WrongType) {
  dhcp6::Message m = reply(kFirstXid);
  m.type = dhcp6::MessageType::kAdvertise;
  expect_dropped(encode(m), &Dhcp6InfoCounters::dropped_unexpected, "ADVERTISE is not a REPLY");
}

TEST_F(DroppedReplyTest, Dhcpv4ResponseIsNotForThisClient) {
  const Bytes response = {
      0x15,              // msg-type DHCPV4-RESPONSE
      0x00, 0x00, 0x00,  // flags
  };
  expect_dropped(response, &Dhcp6InfoCounters::dropped_unexpected, "is not a REPLY");
}

TEST_F(DroppedReplyTest, Garbage) {
  const Bytes garbage = {
      0xde,              // msg-type 222, unknown
      0xad, 0xbe, 0xef,  // transaction-id
      0x01, 0x02,        // a cut option header
  };
  expect_dropped(garbage, &Dhcp6InfoCounters::dropped_malformed, "unknown message type 222");
}

TEST_F(DroppedReplyTest, RelayReply) {
  expect_dropped({0x0d, 0x00, 0x00, 0x00}, &Dhcp6InfoCounters::dropped_malformed, "relay message");
}

TEST_F(DroppedReplyTest, FailureStatusKeepsRetransmitting) {
  // RFC 8415 §18.2.10.1: no usable configuration; retry on the schedule.
  dhcp6::Message m = reply(kFirstXid);
  m.status = dhcp6::StatusCode{dhcp6::kStatusUnspecFail, "try later"};
  const TimePoint deadline = client.next_deadline();
  deliver(encode(m));
  EXPECT_EQ(client.state(), State::kRequesting);
  EXPECT_EQ(client.next_deadline(), deadline);
  EXPECT_FALSE(client.info());
  EXPECT_EQ(client.generation(), 0u);
  EXPECT_EQ(client.counters().dropped_invalid, 1u);
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(HasLog(out, LogLevel::kNotice, "status UnspecFail (1) \"try later\""));
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(decode(sent[0]).transaction_id, kFirstXid);
}

TEST_F(DroppedReplyTest, ExplicitSuccessStatusIsAccepted) {
  dhcp6::Message m = reply(kFirstXid);
  m.status = dhcp6::StatusCode{dhcp6::kStatusSuccess, ""};
  deliver(encode(m));
  EXPECT_EQ(client.state(), State::kInformed);
}

TEST_F(Dhcp6InfoClientTest, ReplyWithNoExchangeOutstandingIsDropped) {
  // While delaying (before the first send) nothing is outstanding.
  start();
  expect_dropped(encode(reply(kFirstXid)), &Dhcp6InfoCounters::dropped_unexpected,
                 "REPLY while delaying");
  // Once informed, a duplicate Reply of the finished exchange is stale.
  fire();
  deliver(encode(reply(kFirstXid)));
  ASSERT_EQ(client.state(), State::kInformed);
  expect_dropped(encode(reply(kFirstXid)), &Dhcp6InfoCounters::dropped_unexpected,
                 "REPLY while informed");
  // And when stopped.
  out.clear();
  client.stop(out);
  expect_dropped(encode(reply(kFirstXid)), &Dhcp6InfoCounters::dropped_unexpected,
                 "REPLY while idle");
}

// --- a valid Reply ----------------------------------------------------------

TEST_F(Dhcp6InfoClientTest, KeaLikeReplyInforms) {
  first_send();
  now += Millis(300);
  deliver(kKeaLikeReply);
  EXPECT_EQ(client.state(), State::kInformed);
  EXPECT_STREQ(client.state_name(), "informed");
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "requesting -> informed"));
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "4o6 servers [2001:db8:46::1]"));
  EXPECT_TRUE(transmits(out).empty());
  EXPECT_TRUE(only_transmit_and_log(out));
  ASSERT_TRUE(client.info());
  const Dhcp6Info& info = *client.info();
  EXPECT_EQ(info.server_id, server_duid());
  EXPECT_EQ(info.server_address, kServerAddress);
  EXPECT_EQ(info.dhcp4o6_servers, (std::vector<Ipv6Address>{v6("2001:db8:46::1")}));
  ASSERT_EQ(info.containers.size(), 1u);
  EXPECT_EQ(info.containers[0].mechanism, s46::Mechanism::kLw4o6);
  EXPECT_EQ(info.containers[0].brs, (std::vector<Ipv6Address>{v6("2001:db8:46::b4")}));
  EXPECT_FALSE(info.containers[0].bind);
  EXPECT_TRUE(info.s46_brs.empty());
  EXPECT_FALSE(info.s46_priority);
  EXPECT_TRUE(info.dns_servers.empty());
  EXPECT_FALSE(info.bind_prefix);
  EXPECT_EQ(info.refresh_time, Seconds(86400));
  EXPECT_EQ(dhcp4o6_destinations(info), (std::vector<Ipv6Address>{v6("2001:db8:46::1")}));
  EXPECT_EQ(client.generation(), 1u);
  EXPECT_EQ(client.informed_at(), now);
  EXPECT_EQ(client.counters().received, 1u);
  EXPECT_EQ(client.counters().dropped_malformed + client.counters().dropped_unexpected +
                client.counters().dropped_invalid,
            0u);
}

TEST_F(Dhcp6InfoClientTest, AllFieldsAreStored) {
  dhcp6::Message m = reply(0);
  m.s46_brs = {v6("2001:db8:ffff::1")};
  m.s46_priority = std::vector<uint16_t>{96, 88};
  m.dns_servers = std::vector<Ipv6Address>{v6("2001:db8::53")};
  m.domain_list = std::vector<std::string>{"example.com"};
  m.s46_bind_prefix = *Ipv6Prefix::parse("2001:db8:12:3400::/56");
  inform(m);
  const Dhcp6Info& info = *client.info();
  EXPECT_EQ(info.s46_brs, (std::vector<Ipv6Address>{v6("2001:db8:ffff::1")}));
  EXPECT_EQ(info.s46_priority, (std::vector<uint16_t>{96, 88}));
  EXPECT_EQ(info.dns_servers, (std::vector<Ipv6Address>{v6("2001:db8::53")}));
  EXPECT_EQ(info.domains, (std::vector<std::string>{"example.com"}));
  EXPECT_EQ(info.bind_prefix, *Ipv6Prefix::parse("2001:db8:12:3400::/56"));
}

TEST_F(Dhcp6InfoClientTest, IgnoredOptionNotesAreLoggedAtDebug) {
  first_send();
  Bytes bytes = encode(reply(kFirstXid));
  const Bytes stray_rule = {
      0x00, 0x59, 0x00, 0x08,  // S46_RULE at top level, len 8 (RFC 7598 §5: ignore)
      0x00,                    //   flags
      0x00,                    //   ea-len 0
      0x00,                    //   prefix4-len 0
      0x00, 0x00, 0x00, 0x00,  //   0.0.0.0
      0x00,                    //   prefix6-len 0
  };
  bytes.insert(bytes.end(), stray_rule.begin(), stray_rule.end());
  deliver(bytes);
  EXPECT_EQ(client.state(), State::kInformed);
  EXPECT_TRUE(HasLog(out, LogLevel::kDebug, "ignored in REPLY: option 89"));
}

// --- refresh (RFC 8415 §21.23, RFC 4242) ------------------------------------

TEST_F(Dhcp6InfoClientTest, RefreshDefaultsToIrtDefault) {
  first_send();
  deliver(kKeaLikeReply);
  const TimePoint informed = now;
  EXPECT_EQ(client.next_deadline(), informed + Seconds(86400));
  // Nothing is sent before the refresh time.
  out.clear();
  client.on_timer(informed + Seconds(86400) - Millis(1), random, out);
  EXPECT_TRUE(out.empty());
  // The refresh waits a new 0..INF_MAX_DELAY, then a new exchange.
  random.set_pin(Pin::kHigh);
  EXPECT_TRUE(fire().empty());
  EXPECT_EQ(client.state(), State::kDelaying);
  EXPECT_EQ(client.next_deadline(), informed + Seconds(86400) + Millis(1000));
  EXPECT_TRUE(client.info());  // still valid while refreshing
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  dhcp6::Message m = decode(sent[0]);
  EXPECT_EQ(m.transaction_id, kFirstXid + 1);
  EXPECT_EQ(m.elapsed_time, 0);
  EXPECT_TRUE(client.info());
}

TEST_F(Dhcp6InfoClientTest, RefreshBelowMinimumIsRaised) {
  client.set_source(kLinkLocal);
  for (uint32_t raw : {0u, 1u, 599u}) {
    SCOPED_TRACE(raw);
    dhcp6::Message m = reply(0);
    m.information_refresh_time = raw;
    out.clear();
    client.restart(now, random, out);
    fire();
    m.transaction_id = client.transaction_id();
    deliver(encode(m));
    ASSERT_EQ(client.state(), State::kInformed);
    EXPECT_EQ(client.info()->refresh_time, Seconds(600));
    EXPECT_EQ(client.next_deadline(), now + Seconds(600));
  }
}

TEST_F(Dhcp6InfoClientTest, RefreshAtOrAboveMinimumIsKept) {
  dhcp6::Message m = reply(0);
  m.information_refresh_time = 600;
  inform(m);
  EXPECT_EQ(client.next_deadline(), now + Seconds(600));
  m.information_refresh_time = 0xfffffffe;
  fire();
  fire();
  m.transaction_id = client.transaction_id();
  deliver(encode(m));
  EXPECT_EQ(client.info()->refresh_time, Seconds(0xfffffffe));
  EXPECT_EQ(client.next_deadline(), now + Seconds(0xfffffffe));
}

TEST_F(Dhcp6InfoClientTest, InfiniteRefreshNeverFires) {
  dhcp6::Message m = reply(0);
  m.information_refresh_time = 0xffffffff;
  inform(m);
  EXPECT_EQ(client.info()->refresh_time, std::nullopt);
  EXPECT_EQ(client.next_deadline(), kNever);
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "refresh never"));
}

TEST_F(Dhcp6InfoClientTest, OptionEightyEightDisappearingOnRefresh) {
  // RFC 7341 §7.2: 88 gone from a renewal, 4o6 MUST stop.
  dhcp6::Message m = reply(0);
  inform(m);
  ASSERT_TRUE(client.info()->dhcp4o6_servers);
  EXPECT_EQ(client.generation(), 1u);
  fire();
  fire();
  m.transaction_id = client.transaction_id();
  m.dhcp4o6_servers.reset();
  deliver(encode(m));
  EXPECT_EQ(client.state(), State::kInformed);
  EXPECT_EQ(client.info()->dhcp4o6_servers, std::nullopt);
  EXPECT_TRUE(dhcp4o6_destinations(*client.info()).empty());
  EXPECT_EQ(client.generation(), 2u);
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "4o6 servers absent"));
}

TEST_F(Dhcp6InfoClientTest, SameContentOnRefreshKeepsTheGeneration) {
  dhcp6::Message m = reply(0);
  inform(m);
  fire();
  fire();
  m.transaction_id = client.transaction_id();
  deliver(encode(m));
  EXPECT_EQ(client.state(), State::kInformed);
  EXPECT_EQ(client.generation(), 1u);
  EXPECT_EQ(client.informed_at(), now);  // confirmed though
  EXPECT_EQ(client.next_deadline(), now + Seconds(86400));
}

// --- option 88 destinations (RFC 7341 §7.2) ---------------------------------

TEST_F(Dhcp6InfoClientTest, EmptyOptionEightyEightMeansAllServersMulticast) {
  dhcp6::Message m = reply(0);
  m.dhcp4o6_servers = std::vector<Ipv6Address>{};
  inform(m);
  EXPECT_EQ(client.info()->dhcp4o6_servers, std::vector<Ipv6Address>{});
  EXPECT_EQ(dhcp4o6_destinations(*client.info()), std::vector<Ipv6Address>{kAllServers});
}

TEST(Dhcp4o6Destinations, DuplicatesRemovedKeepingFirstOccurrences) {
  Dhcp6Info info;
  info.dhcp4o6_servers = std::vector<Ipv6Address>{
      v6("2001:db8::2"), v6("2001:db8::1"), v6("2001:db8::2"),
      v6("ff05::1:3"),   v6("2001:db8::1"), v6("2001:db8::3"),
  };
  EXPECT_EQ(dhcp4o6_destinations(info),
            (std::vector<Ipv6Address>{v6("2001:db8::2"), v6("2001:db8::1"), v6("ff05::1:3"),
                                      v6("2001:db8::3")}));
}

TEST(Dhcp4o6Destinations, AbsentMeansNoFourOverSix) {
  Dhcp6Info info;
  EXPECT_TRUE(dhcp4o6_destinations(info).empty());
}

// --- stop / restart ---------------------------------------------------------

TEST_F(Dhcp6InfoClientTest, StopKeepsInfoAndStopsTimers) {
  inform(reply(0));
  out.clear();
  client.stop(out);
  EXPECT_EQ(client.state(), State::kIdle);
  EXPECT_EQ(client.next_deadline(), kNever);
  EXPECT_TRUE(client.info());
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "informed -> idle"));
  out.clear();
  client.on_timer(now + Seconds(100'000), random, out);
  EXPECT_TRUE(out.empty());
}

TEST_F(Dhcp6InfoClientTest, StopWhileRequestingSendsNothingMore) {
  first_send();
  out.clear();
  client.stop(out);
  EXPECT_EQ(client.next_deadline(), kNever);
  out.clear();
  client.on_timer(now + Seconds(10), random, out);
  EXPECT_TRUE(transmits(out).empty());
}

TEST_F(Dhcp6InfoClientTest, RestartBeginsANewExchangeFromTheNewSource) {
  first_send();
  random.set_pin(Pin::kHigh);
  const Ipv6Address other = v6("fe80::1");
  client.set_source(other);
  now += Millis(200);
  out.clear();
  client.restart(now, random, out);
  EXPECT_EQ(client.state(), State::kDelaying);
  EXPECT_EQ(client.next_deadline(), now + Millis(1000));
  EXPECT_TRUE(HasLog(out, LogLevel::kInfo, "requesting -> delaying"));
  // The old exchange's Reply is no longer accepted.
  expect_dropped(encode(reply(kFirstXid)), &Dhcp6InfoCounters::dropped_unexpected,
                 "REPLY while delaying");
  auto sent = fire();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].source, other);
  dhcp6::Message m = decode(sent[0]);
  EXPECT_EQ(m.transaction_id, kFirstXid + 1);
  EXPECT_EQ(m.elapsed_time, 0);
}

TEST_F(Dhcp6InfoClientTest, RestartAfterStopResumes) {
  inform(reply(0));
  out.clear();
  client.stop(out);
  client.restart(now, random, out);
  EXPECT_EQ(client.state(), State::kDelaying);
  EXPECT_EQ(fire().size(), 1u);
  EXPECT_EQ(client.generation(), 1u);
}

TEST(Dhcp6InfoClientStateNames, AllStatesAreNamed) {
  EXPECT_STREQ(Dhcp6InfoClient::state_name(State::kIdle), "idle");
  EXPECT_STREQ(Dhcp6InfoClient::state_name(State::kDelaying), "delaying");
  EXPECT_STREQ(Dhcp6InfoClient::state_name(State::kRequesting), "requesting");
  EXPECT_STREQ(Dhcp6InfoClient::state_name(State::kInformed), "informed");
}

}  // namespace
}  // namespace lwb4::client
