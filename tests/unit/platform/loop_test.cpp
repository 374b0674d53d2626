// The loop's pieces: epoll tokens, the CLOCK_BOOTTIME deadline timer, the
// signalfd, the clock conversions and getrandom.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include <set>

#include "daemon/clock_sample.hpp"
#include "daemon/deadline_timer.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/getrandom_random.hpp"
#include "daemon/signal_source.hpp"

namespace lwb4::platform {
namespace {

using client::at_ms;
using client::Millis;

TEST(ClockSample, Conversions) {
  ClockSample c{at_ms(100'000), 1'700'000'000'250};
  EXPECT_EQ(c.wall_seconds_of(at_ms(100'000)), 1'700'000'000);
  EXPECT_EQ(c.wall_seconds_of(at_ms(99'750)), 1'700'000'000);
  EXPECT_EQ(c.wall_seconds_of(at_ms(99'749)), 1'699'999'999);
  EXPECT_EQ(c.boot_of(1'700'000'000), at_ms(99'750));
  // Before this boot: negative boot time, and floor (not truncation) below 0.
  EXPECT_EQ(c.boot_of(1'699'000'000), at_ms(99'750 - 1'000'000'000));
  ClockSample epoch{at_ms(10'000), 500};
  EXPECT_EQ(epoch.wall_seconds_of(at_ms(9'000)), -1);
}

TEST(ClockSample, ReadsBootTime) {
  client::TimePoint a = boot_now();
  ClockSample s = ClockSample::read();
  EXPECT_GE(s.boot, a);
  EXPECT_GT(s.wall_ms, int64_t{1'600'000'000'000});
}

TEST(EventLoop, TokensComeBack) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
  ASSERT_TRUE(loop->add(pair[0], 7));
  auto idle = loop->wait(0);
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->empty());
  ::send(pair[1], "x", 1, 0);
  auto ready = loop->wait(1000);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].token.kind, 7u);
  EXPECT_EQ((*ready)[0].token.fd, pair[0]);
  EXPECT_TRUE((*ready)[0].events & EPOLLIN);
  loop->remove(pair[0]);
  auto removed = loop->wait(0);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->empty());
  auto twice = loop->add(pair[1], 1);
  ASSERT_TRUE(twice);
  auto again = loop->add(pair[1], 1);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().reason().find("epoll_ctl add fd"), std::string::npos);
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST(DeadlineTimer, FiresAtTheAbsoluteBootTime) {
  auto loop = EventLoop::create();
  auto timer = DeadlineTimer::create();
  ASSERT_TRUE(loop && timer);
  ASSERT_TRUE(loop->add(timer->fd(), 1));
  client::TimePoint deadline = boot_now() + Millis(20);
  ASSERT_TRUE(timer->arm(deadline));
  EXPECT_EQ(timer->armed(), deadline);
  auto early = loop->wait(0);
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->empty());
  auto fired = loop->wait(2000);
  ASSERT_TRUE(fired);
  ASSERT_EQ(fired->size(), 1u);
  EXPECT_GE(boot_now(), deadline);
  timer->acknowledge();
  EXPECT_FALSE(timer->armed());
  auto quiet = loop->wait(0);
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->empty());
}

TEST(DeadlineTimer, PastDeadlineFiresAtOnceAndNeverDisarms) {
  auto loop = EventLoop::create();
  auto timer = DeadlineTimer::create();
  ASSERT_TRUE(loop && timer);
  ASSERT_TRUE(loop->add(timer->fd(), 1));
  ASSERT_TRUE(timer->arm(boot_now() - Millis(5)));
  auto fired = loop->wait(1000);
  ASSERT_TRUE(fired);
  EXPECT_EQ(fired->size(), 1u);
  timer->acknowledge();
  ASSERT_TRUE(timer->arm(boot_now() + Millis(5)));
  ASSERT_TRUE(timer->arm(client::kNever));
  EXPECT_EQ(timer->armed(), client::kNever);
  auto none = loop->wait(50);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(SignalSource, BlockedSignalsArriveAsEvents) {
  auto signals = SignalSource::create({SIGUSR1, SIGHUP});
  ASSERT_TRUE(signals);
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  ASSERT_TRUE(loop->add(signals->fd(), 3));
  EXPECT_FALSE(signals->next());
  ASSERT_EQ(::raise(SIGUSR1), 0);  // blocked: no handler runs, the process lives
  ASSERT_EQ(::raise(SIGHUP), 0);
  auto ready = loop->wait(1000);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].token.kind, 3u);
  std::set<int> got;
  while (auto s = signals->next())
    got.insert(*s);
  EXPECT_EQ(got, (std::set<int>{SIGUSR1, SIGHUP}));
}

TEST(GetrandomRandom, DrawsVary) {
  GetrandomRandom random;
  std::set<uint32_t> seen;
  for (int i = 0; i < 100; ++i)
    seen.insert(random.next_u32());  // crosses refills
  EXPECT_GT(seen.size(), 95u);
  for (int i = 0; i < 100; ++i) {
    uint32_t v = random.uniform(10, 20);
    EXPECT_GE(v, 10u);
    EXPECT_LE(v, 20u);
  }
}

}  // namespace
}  // namespace lwb4::platform
