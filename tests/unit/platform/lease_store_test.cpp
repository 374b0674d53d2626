#include "daemon/lease_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace lwb4::platform {
namespace {

using client::at_ms;
using testing::contains;
using testing::sample_lease;
using testing::TempDir;

// Boot 100 s ago at wall 1700000000.000: boot time 40 s is wall 1699999940.
constexpr ClockSample kClocks{at_ms(100'000), 1'700'000'000'000};

constexpr char kSampleFile[] =
    "# lwb4d DHCPv4 lease; acquired is wall-clock Unix seconds\n"
    "version=1\n"
    "address=192.0.2.18\n"
    "offset=6\n"
    "psid-len=8\n"
    "psid=52\n"
    "server-id=192.0.2.1\n"
    "transport-source=2001:db8:1::2\n"
    "softwire-source=2001:db8:1::3\n"
    "br=2001:db8:ffff::1\n"
    "dns=192.0.2.53,192.0.2.54\n"
    "lease-time=3600\n"
    "t1=1800\n"
    "t2=3150\n"
    "acquired=1699999940\n";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

std::string parse_error(const std::string& text) {
  auto r = parse_lease(text, kClocks);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "(parsed)" : r.error().reason();
}

TEST(LeaseFile, FormatIsOneKeyPerLine) {
  EXPECT_EQ(format_lease(sample_lease(at_ms(40'000)), kClocks), kSampleFile);
}

TEST(LeaseFile, ParseGivesTheLeaseBack) {
  auto lease = parse_lease(kSampleFile, kClocks);
  ASSERT_TRUE(lease) << lease.error().reason();
  EXPECT_EQ(*lease, sample_lease(at_ms(40'000)));
}

TEST(LeaseFile, FullAddressAndNoDnsRoundTrip) {
  client::Lease l = sample_lease(at_ms(99'000));
  l.ports = PortSet::full();
  l.dns_servers.clear();
  l.lease_time = l.t1 = l.t2 = client::Seconds(0xffffffff);  // RFC 2131 §3.3 infinity
  std::string text = format_lease(l, kClocks);
  EXPECT_TRUE(contains(text, "\ndns=\n"));
  EXPECT_TRUE(contains(text, "\npsid-len=0\n"));
  auto back = parse_lease(text, kClocks);
  ASSERT_TRUE(back) << back.error().reason();
  EXPECT_EQ(*back, l);
}

TEST(LeaseFile, AcquiredSurvivesAReboot) {
  // Written 100 s after boot A; read 30 s after boot B, 1000 s later on the
  // wall clock: the lease was acquired 1060 s before now, before this boot.
  std::string text = format_lease(sample_lease(at_ms(40'000)), kClocks);
  ClockSample after_reboot{at_ms(30'000), kClocks.wall_ms + 1'000'000};
  auto lease = parse_lease(text, after_reboot);
  ASSERT_TRUE(lease) << lease.error().reason();
  EXPECT_EQ(lease->acquired, at_ms(30'000 - 1'060'000));
}

TEST(LeaseFile, SubSecondAcquisitionRoundsOlder) {
  std::string text = format_lease(sample_lease(at_ms(40'999)), kClocks);
  EXPECT_TRUE(contains(text, "\nacquired=1699999940\n"));
  auto lease = parse_lease(text, kClocks);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->acquired, at_ms(40'000));
}

TEST(LeaseFile, Rejections) {
  const std::string good = kSampleFile;
  EXPECT_EQ(parse_error(""), "empty file");
  EXPECT_EQ(parse_error(good.substr(0, good.size() - 4)), "truncated: no newline at the end");
  EXPECT_EQ(parse_error(good.substr(0, good.find("t2="))), "missing t2");
  EXPECT_EQ(parse_error(replace(good, "psid=52\n", "psid 52\n")), "line 6: no '='");
  EXPECT_EQ(parse_error(good + "colour=blue\n"), "line 16: unknown key 'colour'");
  EXPECT_EQ(parse_error(good + "t1=5\n"), "line 16: t1 given twice");
  EXPECT_EQ(parse_error(replace(good, "version=1", "version=2")),
            "version 2 is not supported (expected 1)");
  EXPECT_EQ(parse_error(replace(good, "address=192.0.2.18", "address=192.0.2")),
            "address '192.0.2' is not an IPv4 address");
  EXPECT_EQ(parse_error(replace(good, "server-id=192.0.2.1\n", "server-id=\n")),
            "server-id '' is not an IPv4 address");
  EXPECT_EQ(parse_error(replace(good, "br=2001:db8:ffff::1", "br=2001:db8:ffff::g")),
            "br '2001:db8:ffff::g' is not an IPv6 address");
  EXPECT_EQ(parse_error(replace(good, "transport-source=2001:db8:1::2", "transport-source=x")),
            "transport-source 'x' is not an IPv6 address");
  EXPECT_EQ(parse_error(replace(good, "softwire-source=2001:db8:1::3", "softwire-source=::1::")),
            "softwire-source '::1::' is not an IPv6 address");
  EXPECT_EQ(parse_error(replace(good, "lease-time=3600", "lease-time=4294967296")),
            "lease-time '4294967296' is not a number in range");
  EXPECT_EQ(parse_error(replace(good, "t1=1800", "t1=-1")), "t1 '-1' is not a number in range");
  EXPECT_EQ(parse_error(replace(good, "t2=3150", "t2=31x")), "t2 '31x' is not a number in range");
  EXPECT_EQ(parse_error(replace(good, "offset=6", "offset=")),
            "offset '' is not a number in range");
  EXPECT_EQ(parse_error(replace(good, "psid=52", "psid=256")),
            "port set: PSID 256 does not fit in PSID-len 8 (max 255)");
  EXPECT_EQ(parse_error(replace(good, "dns=192.0.2.53,192.0.2.54", "dns=192.0.2.53,,")),
            "dns '' is not an IPv4 address");
  EXPECT_EQ(parse_error(replace(good, "dns=192.0.2.53,192.0.2.54", "dns=192.0.2.53,")),
            "dns '192.0.2.53,' ends in ','");
  EXPECT_EQ(parse_error(replace(good, "acquired=1699999940", "acquired=1700000061")),
            "acquired 1700000061 is 61 s in the future (was the clock set back?)");
  EXPECT_TRUE(parse_lease(replace(good, "acquired=1699999940", "acquired=1700000060"), kClocks));
}

TEST(LeaseStore, MissingFileIsNoLease) {
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  EXPECT_EQ(store.path(), dir.file("wan0.lease"));
  auto lease = store.load(kClocks);
  ASSERT_TRUE(lease) << lease.error().reason();
  EXPECT_FALSE(*lease);
}

TEST(LeaseStore, ASymlinkOrAFifoInPlaceOfTheLeaseIsRefusedWithoutBlocking) {
  // The state directory may belong to --user while root loads the lease.
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  std::ofstream(dir.file("elsewhere")) << kSampleFile;
  ASSERT_EQ(::symlink(dir.file("elsewhere").c_str(), store.path().c_str()), 0);
  auto lease = store.load(kClocks);
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().reason(), store.path() + ": a symbolic link, not read");
  ASSERT_EQ(::unlink(store.path().c_str()), 0);
  ASSERT_EQ(::mkfifo(store.path().c_str(), 0644), 0);
  lease = store.load(kClocks);  // a blocking open would hang here
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().reason(), store.path() + ": not a regular file, not read");
}

TEST(LeaseStore, StoreThenLoadInANewStore) {
  TempDir dir;
  std::string state_dir = dir.file("var/lib/lwb4");  // created on the first store
  LeaseStore store(state_dir, "wan0");
  auto outcome = store.store(sample_lease(at_ms(40'000)), kClocks);
  ASSERT_TRUE(outcome) << outcome.error().reason();
  EXPECT_EQ(*outcome, StoreOutcome::kWritten);
  EXPECT_EQ(read(state_dir + "/wan0.lease"), kSampleFile);
  EXPECT_EQ(stat_of(state_dir + "/wan0.lease").st_mode & 0777, 0644u);

  LeaseStore again(state_dir, "wan0");
  auto lease = again.load(kClocks);
  ASSERT_TRUE(lease) << lease.error().reason();
  ASSERT_TRUE(*lease);
  EXPECT_EQ(**lease, sample_lease(at_ms(40'000)));
}

TEST(LeaseStore, UnchangedContentIsNotRewritten) {
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  ASSERT_EQ(*store.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kWritten);
  struct stat before = stat_of(store.path());
  // The same lease again, also through a store that has no cache.
  EXPECT_EQ(*store.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kUnchanged);
  LeaseStore fresh(dir.path(), "wan0");
  EXPECT_EQ(*fresh.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kUnchanged);
  struct stat after = stat_of(store.path());
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

TEST(LeaseStore, ReloadedLeaseIsNotRewrittenWhenTheClocksDrift) {
  TempDir dir;
  LeaseStore writer(dir.path(), "wan0");
  ASSERT_EQ(*writer.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kWritten);
  struct stat before = stat_of(writer.path());
  // Restarted 100 s later; by the time the engine hands the lease back the
  // wall clock was slewed 1 ms behind the boot clock, so converting again
  // would give second ...39. The loaded text is kept instead.
  ClockSample at_load{at_ms(200'000), kClocks.wall_ms + 100'000};
  ClockSample at_store{at_ms(300'000), at_load.wall_ms + 100'000 - 1};
  LeaseStore store(dir.path(), "wan0");
  auto lease = store.load(at_load);
  ASSERT_TRUE(lease && *lease);
  EXPECT_TRUE(contains(format_lease(**lease, at_store), "\nacquired=1699999939\n"));
  EXPECT_EQ(*store.store(**lease, at_store), StoreOutcome::kUnchanged);
  EXPECT_EQ(stat_of(store.path()).st_ino, before.st_ino);
  EXPECT_EQ(read(store.path()), kSampleFile);
}

TEST(LeaseStore, ChangedLeaseReplacesTheFileAtomically) {
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  ASSERT_EQ(*store.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kWritten);
  struct stat before = stat_of(store.path());
  client::Lease renewed = sample_lease(at_ms(90'000));
  EXPECT_EQ(*store.store(renewed, kClocks), StoreOutcome::kWritten);
  // rename(2) put a new inode in place: a reader never sees a partial file.
  EXPECT_NE(stat_of(store.path()).st_ino, before.st_ino);
  EXPECT_TRUE(contains(read(store.path()), "\nacquired=1699999990\n"));
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "wan0.lease");
  }
  EXPECT_EQ(files, 1u);
}

TEST(LeaseStore, FailedWriteLeavesTheOldFile) {
  TempDir dir;
  LeaseStore store(dir.file("not-a-dir"), "wan0");
  write(dir.file("not-a-dir"), "x");
  auto outcome = store.store(sample_lease(at_ms(40'000)), kClocks);
  ASSERT_FALSE(outcome);
  EXPECT_TRUE(contains(outcome.error().reason(), "not-a-dir")) << outcome.error().reason();
  EXPECT_EQ(read(dir.file("not-a-dir")), "x");
}

TEST(LeaseStore, ForgetRemovesTheFile) {
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  ASSERT_EQ(*store.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kWritten);
  EXPECT_EQ(*store.store(std::nullopt, kClocks), StoreOutcome::kRemoved);
  EXPECT_FALSE(std::filesystem::exists(store.path()));
  EXPECT_EQ(*store.store(std::nullopt, kClocks), StoreOutcome::kAbsent);
  // Forgetting also drops the cache: storing the lease again writes it.
  EXPECT_EQ(*store.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kWritten);
}

TEST(LeaseStore, CorruptFileIsReportedNotLoaded) {
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  std::string good = kSampleFile;
  for (const std::string& bad : {good.substr(0, 100), std::string("\0\1\2garbage", 10),
                                 replace(good, "version=1", "version=9")}) {
    write(store.path(), bad);
    auto lease = store.load(kClocks);
    ASSERT_FALSE(lease);
    EXPECT_TRUE(contains(lease.error().reason(), store.path() + ": ")) << lease.error().reason();
  }
  // A corrupt file is then replaced by the next store.
  EXPECT_EQ(*store.store(sample_lease(at_ms(40'000)), kClocks), StoreOutcome::kWritten);
  EXPECT_EQ(read(store.path()), kSampleFile);
}

TEST(LeaseStore, OversizedFileIsRejected) {
  TempDir dir;
  LeaseStore store(dir.path(), "wan0");
  write(store.path(), std::string(20000, '#'));
  auto lease = store.load(kClocks);
  ASSERT_FALSE(lease);
  EXPECT_TRUE(contains(lease.error().reason(), "larger than 16384 bytes"));
}

TEST(LeaseStore, LoadRemovesTempFilesOfACrashedWrite) {
  TempDir dir;
  write(dir.file(".wan0.lease.a1B2c3"), "partial");
  write(dir.file(".wan1.lease.a1B2c3"), "another uplink's");
  LeaseStore store(dir.path(), "wan0");
  ASSERT_TRUE(store.load(kClocks));
  EXPECT_FALSE(std::filesystem::exists(dir.file(".wan0.lease.a1B2c3")));
  EXPECT_TRUE(std::filesystem::exists(dir.file(".wan1.lease.a1B2c3")));
}

}  // namespace
}  // namespace lwb4::platform
