// NftStateSink's order against the real kernel, in a throw-away namespace
// (skipped without the privilege to make one): the table is in place before
// the softwire is configured and stays until the softwire is gone; a table
// that cannot be planned or applied leaves the softwire alone.
#include <gtest/gtest.h>
#include <poll.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "nft/nft_batch.hpp"
#include "nft/nft_state_sink.hpp"
#include "test_support.hpp"

namespace lwb4::platform {
namespace {

bool table_present() {
  auto c = nft::read_counters("lwb4");
  return c.ok() && !c->empty();
}

// The softwire's sink: records each call and whether the table was there.
class RecordingSink final : public StateSink {
 public:
  Status apply(const client::DesiredState&) override {
    calls.push_back(std::string("apply, table ") + (table_present() ? "present" : "absent"));
    return {};
  }
  Status withdraw(std::string_view) override {
    calls.push_back(std::string("withdraw, table ") + (table_present() ? "present" : "absent"));
    if (fail_withdraw) return make_error("softwire busy");
    return {};
  }
  std::vector<std::string> calls;
  bool fail_withdraw = false;
};

client::DesiredState shared_state(unsigned psid = 52) {
  client::DesiredState s;
  s.ipv4 = Ipv4Address{{192, 0, 2, 2}};
  s.ports = *PortSet::create(6, 6, psid);
  return s;
}

class NftSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ns_.ok()) GTEST_SKIP() << "no network namespace (needs CAP_SYS_ADMIN)";
    log_file_ = std::tmpfile();
    log_.emplace("lwb4d", LogLevel::kInfo, fileno(log_file_));
  }
  void TearDown() override {
    if (log_file_) std::fclose(log_file_);
  }
  std::unique_ptr<NftStateSink> open(NftStateSink::Settings settings) {
    auto inner = std::make_unique<RecordingSink>();
    recorder_ = inner.get();
    auto sink = NftStateSink::open(std::move(settings), std::move(inner), *log_);
    EXPECT_TRUE(sink.ok()) << (sink.ok() ? "" : sink.error().reason());
    return sink.ok() ? std::move(*sink) : nullptr;
  }
  std::string logged() {
    std::fflush(log_file_);
    std::rewind(log_file_);
    std::string out;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, log_file_))
      out.append(buf, n);
    return out;
  }

  testing::ScopedNetns ns_;
  std::FILE* log_file_ = nullptr;
  std::optional<Logger> log_;
  RecordingSink* recorder_ = nullptr;
};

NftStateSink::Settings settings() {
  NftStateSink::Settings s;
  s.softwire = "sw0";
  return s;
}

TEST_F(NftSinkTest, TableBeforeTheSoftwireAndAfterIt) {
  auto sink = open(settings());
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->apply(shared_state()).ok());
  ASSERT_TRUE(sink->withdraw("released").ok());
  EXPECT_EQ(recorder_->calls,
            (std::vector<std::string>{"apply, table present", "withdraw, table present"}));
  EXPECT_FALSE(table_present());
}

TEST_F(NftSinkTest, ANetdevTableLeftByAnEarlierRunIsRemoved) {
  // What an lwb4d killed under flow offloading leaves: table netdev lwb4.
  if (std::system("command -v nft >/dev/null 2>&1") != 0) GTEST_SKIP() << "no nft(8)";
  ASSERT_EQ(std::system("nft add table netdev lwb4 && nft add chain netdev lwb4 to_softwire"), 0);
  auto sink = open(settings());
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->apply(shared_state()).ok());  // no flowtable: postrouting
  EXPECT_NE(std::system("nft list table netdev lwb4 >/dev/null 2>&1"), 0);
  EXPECT_TRUE(table_present());
  // And when the first thing is a withdraw.
  ASSERT_EQ(std::system("nft add table netdev lwb4"), 0);
  auto again = open(settings());
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->withdraw("released").ok());
  EXPECT_NE(std::system("nft list table netdev lwb4 >/dev/null 2>&1"), 0);
  EXPECT_FALSE(table_present());
}

TEST_F(NftSinkTest, FailedSoftwireWithdrawKeepsTheTable) {
  auto sink = open(settings());
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->apply(shared_state()).ok());
  recorder_->fail_withdraw = true;
  EXPECT_FALSE(sink->withdraw("released").ok());
  EXPECT_TRUE(table_present());
}

TEST_F(NftSinkTest, UnplannableTableLeavesTheSoftwireAlone) {
  NftStateSink::Settings s = settings();
  s.reserve_ports = {{1, 65535}};  // nothing left for the pool
  auto sink = open(s);
  ASSERT_TRUE(sink);
  auto st = sink->apply(shared_state());
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(testing::contains(st.error().reason(), "nat: the 1008 reserved ports leave no port"))
      << st.error().reason();
  EXPECT_TRUE(recorder_->calls.empty());
  EXPECT_FALSE(table_present());
}

TEST_F(NftSinkTest, ForwardOutsideTheSetIsRefusedTheRestApplied) {
  NftStateSink::Settings s = settings();
  Ipv4Address lan{{198, 51, 100, 2}};
  s.forwards = {{6, 1857, lan, 22}, {6, 1872, lan, 23}};  // 1872: PSID 53's
  s.reserve_ports = {{1858, 1858}, {60000, 60001}};
  auto sink = open(s);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->apply(shared_state()).ok());
  EXPECT_TRUE(testing::contains(logged(),
                                "forward tcp:1872:198.51.100.2:23 refused: external "
                                "port 1872 is outside the port set"));
  DaemonStatus status;
  sink->fill_status(status);
  ASSERT_TRUE(status.nat);
  EXPECT_TRUE(status.nat->installed);
  ASSERT_EQ(status.nat->forwards.size(), 2u);
  EXPECT_TRUE(status.nat->forwards[0].active);
  EXPECT_FALSE(status.nat->forwards[1].active);
  EXPECT_EQ(status.nat->reserved, (std::vector<PortRange>{{1857, 1858}}));
  EXPECT_EQ(status.nat->pool_size, 1006u);
  EXPECT_EQ(status.nat->dropped.size(), 3u);
}

TEST_F(NftSinkTest, RestoresTheTableAfterAForeignFlush) {
  auto sink = open(settings());
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->apply(shared_state()).ok());
  sink->on_watch_readable();  // our own notifications: nothing to do
  if (std::system("command -v nft >/dev/null 2>&1") != 0) GTEST_SKIP() << "no nft(8)";
  ASSERT_EQ(std::system("nft flush ruleset"), 0);
  EXPECT_FALSE(table_present());
  pollfd p{sink->watch_fd(), POLLIN, 0};
  for (int i = 0; i < 10 && !table_present(); ++i) {
    if (::poll(&p, 1, 200) > 0) sink->on_watch_readable();
  }
  EXPECT_TRUE(table_present());
  DaemonStatus status;
  sink->fill_status(status);
  EXPECT_EQ(status.nat->restored, 1u);
}

}  // namespace
}  // namespace lwb4::platform
