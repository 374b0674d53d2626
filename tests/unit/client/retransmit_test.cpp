#include "lwb4/client/retransmit.hpp"

#include <gtest/gtest.h>

#include "fake_random.hpp"

namespace lwb4::client {
namespace {

using testing::PinnedRandom;
using Pin = PinnedRandom::Pin;

TEST(Rfc8415Retransmit, InformationRequestScheduleAtBothEndsOfRand) {
  // RFC 8415 §15: RT1 = IRT + RAND*IRT, RTn = 2 RTn-1 + RAND*RTn-1 (RAND
  // in -0.1..0.1), capped at MRT + RAND*MRT (INF_TIMEOUT 1 s, INF_MAX_RT
  // 3600 s).
  for (Pin pin : {Pin::kLow, Pin::kHigh}) {
    PinnedRandom random(pin);
    Rfc8415Retransmit rt;
    TimePoint now = at_ms(0);
    rt.start(kInformationRequestParams, now, random);
    EXPECT_EQ(rt.rt().count(), pin == Pin::kLow ? 900 : 1100);
    for (int i = 0; i < 20; ++i) {
      const int64_t prev = rt.rt().count();
      now = rt.deadline();
      ASSERT_TRUE(rt.next(now, random));
      const int64_t doubled = 2 * prev + (pin == Pin::kLow ? -1 : 1) * (prev / 10);
      if (doubled <= 3'600'000) {
        EXPECT_EQ(rt.rt().count(), doubled) << i;
      }
    }
    // After 20 doublings the cap applies: MRT + RAND*MRT.
    EXPECT_EQ(rt.rt().count(), pin == Pin::kLow ? 3'240'000 : 3'960'000);
    EXPECT_EQ(rt.transmissions(), 21u);
  }
}

TEST(Rfc8415Retransmit, DoublingWithJitter) {
  PinnedRandom random(Pin::kHigh);
  Rfc8415Retransmit rt;
  rt.start(kInformationRequestParams, at_ms(0), random);
  EXPECT_EQ(rt.rt(), Millis(1100));
  ASSERT_TRUE(rt.next(rt.deadline(), random));
  EXPECT_EQ(rt.rt(), Millis(2310));  // 2 * 1100 + 0.1 * 1100, not 2 * 1100 * 1.1
  EXPECT_EQ(rt.deadline(), at_ms(1100 + 2310));
}

TEST(Rfc8415Retransmit, ANewMrtCapsTheNextTimeoutOfTheExchange) {
  PinnedRandom random(Pin::kMid);
  Rfc8415Retransmit rt;
  rt.start({Millis(1000), Millis(3'600'000), 0, Millis(0)}, at_ms(0), random);
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(rt.next(rt.deadline(), random));
  EXPECT_EQ(rt.rt(), Millis(256'000));
  rt.set_mrt(Millis(60'000));
  EXPECT_EQ(rt.rt(), Millis(256'000));  // the wait under way is kept
  ASSERT_TRUE(rt.next(rt.deadline(), random));
  EXPECT_EQ(rt.rt(), Millis(60'000));
  ASSERT_TRUE(rt.next(rt.deadline(), random));
  EXPECT_EQ(rt.rt(), Millis(60'000));
}

TEST(Rfc8415Retransmit, StopsAfterMrc) {
  PinnedRandom random(Pin::kMid);
  Rfc8415Retransmit rt;
  rt.start({Millis(1000), Millis(30'000), 3, Millis(0)}, at_ms(0), random);
  ASSERT_TRUE(rt.next(rt.deadline(), random));
  ASSERT_TRUE(rt.next(rt.deadline(), random));
  EXPECT_FALSE(rt.next(rt.deadline(), random));
  EXPECT_EQ(rt.transmissions(), 3u);
}

TEST(Rfc8415Retransmit, StopsAtMrdAndClampsTheLastWait) {
  PinnedRandom random(Pin::kMid);
  Rfc8415Retransmit rt;
  rt.start({Millis(10'000), Millis(600'000), 0, Millis(25'000)}, at_ms(0), random);
  EXPECT_EQ(rt.deadline(), at_ms(10'000));
  ASSERT_TRUE(rt.next(at_ms(10'000), random));
  EXPECT_EQ(rt.deadline(), at_ms(25'000));  // 10 s + 20 s, clamped to MRD
  EXPECT_FALSE(rt.next(at_ms(25'000), random));
}

TEST(Rfc8415Retransmit, ElapsedTimeSaturates) {
  PinnedRandom random;
  Rfc8415Retransmit rt;
  rt.start(kInformationRequestParams, at_ms(5000), random);
  EXPECT_EQ(rt.elapsed_centiseconds(at_ms(5000)), 0);
  EXPECT_EQ(rt.elapsed_centiseconds(at_ms(6234)), 123);
  EXPECT_EQ(rt.elapsed_centiseconds(at_ms(5000 + 700'000)), 0xffff);
}

TEST(Dhcp4Retransmit, FourSecondsDoublingToSixtyFourPlusMinusOne) {
  PinnedRandom low(Pin::kLow), high(Pin::kHigh);
  const int64_t base[] = {4, 8, 16, 32, 64, 64, 64};
  for (uint32_t i = 0; i < 7; ++i) {
    EXPECT_EQ(dhcp4_retransmit_delay(i, low), Millis(base[i] * 1000 - 1000)) << i;
    EXPECT_EQ(dhcp4_retransmit_delay(i, high), Millis(base[i] * 1000 + 1000)) << i;
  }
}

TEST(Dhcp4RenewRetry, HalfTheRemainingTimeButAtLeastSixtySeconds) {
  // 1000 s left: retry after 500 s.
  EXPECT_EQ(dhcp4_renew_retry(at_ms(0), at_ms(1'000'000)), at_ms(500'000));
  // 100 s left: half would be 50 s, the floor is 60 s.
  EXPECT_EQ(dhcp4_renew_retry(at_ms(0), at_ms(100'000)), at_ms(60'000));
  // 30 s left: never past the limit.
  EXPECT_EQ(dhcp4_renew_retry(at_ms(0), at_ms(30'000)), at_ms(30'000));
  EXPECT_EQ(dhcp4_renew_retry(at_ms(40'000), at_ms(30'000)), at_ms(30'000));
}

TEST(Random, UniformStaysInRange) {
  struct Counter : Random {
    uint32_t v = 0;
    uint32_t next_u32() override { return v += 0x9e3779b9u; }
  } r;
  for (int i = 0; i < 10000; ++i) {
    uint32_t x = r.uniform(7, 13);
    ASSERT_GE(x, 7u);
    ASSERT_LE(x, 13u);
    Millis j = r.jitter_10pct(Millis(1000));
    ASSERT_GE(j, Millis(900));
    ASSERT_LE(j, Millis(1100));
    Millis p = r.jitter_10pct_positive(Millis(1000));
    ASSERT_GT(p, Millis(1000));
    ASSERT_LE(p, Millis(1100));
  }
}

}  // namespace
}  // namespace lwb4::client
