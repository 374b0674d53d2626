#include "daemon/pcp_driver.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "daemon/getrandom_random.hpp"
#include "netns_support.hpp"
#include "test_support.hpp"

namespace lwb4::platform {
namespace {

// The ANNOUNCE socket ([::]:5350, bound to the uplink) must follow the uplink
// when it is deleted and created again under the same name: a socket bound
// to the old device hears nothing on the new one.
class PcpDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!netns_.ok()) GTEST_SKIP() << "no CAP_SYS_ADMIN for a network namespace";
    ASSERT_TRUE(rtnl_.ok());
    if (!create_link()) GTEST_SKIP() << "no veth support";
  }

  bool create_link() {
    if (!rtnl_.add_veth("wan0", "peer0")) return false;
    return rtnl_.set_up("wan0") && rtnl_.set_up("peer0") &&
           rtnl_.add_address("wan0", "fe80::1", 64) && rtnl_.add_address("peer0", "fe80::2", 64) &&
           rtnl_.wait_running("wan0") && rtnl_.wait_running("peer0");
  }

  // An ANNOUNCE-sized datagram from the server's port to [fe80::1]:5350.
  static bool announce_from_peer() {
    int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 from{};
    from.sin6_family = AF_INET6;
    from.sin6_port = htons(client::kPcpServerPort);
    from.sin6_scope_id = if_nametoindex("peer0");
    inet_pton(AF_INET6, "fe80::2", &from.sin6_addr);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0;
    sockaddr_in6 to = from;
    to.sin6_port = htons(client::kPcpClientPort);
    inet_pton(AF_INET6, "fe80::1", &to.sin6_addr);
    uint8_t announce[24] = {2, 0x80};  // version 2, response, opcode 0
    ok = ok && ::sendto(fd, announce, sizeof announce, 0, reinterpret_cast<sockaddr*>(&to),
                        sizeof to) == static_cast<ssize_t>(sizeof announce);
    ::close(fd);
    return ok;
  }

  // A fresh veth may lose the first datagrams (neighbour discovery): sends
  // again every 100 ms, for up to 2 s, until `fd` has one.
  static bool announce_reaches(int fd) {
    uint8_t buf[64];
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) >= 0) {
    }  // what earlier resends left
    for (int i = 0; i < 20; ++i) {
      if (!announce_from_peer()) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) == 24) return true;
    }
    return false;
  }

  testing::ScopedNetns netns_;
  testing::Rtnl rtnl_;
};

TEST_F(PcpDriverTest, AnnounceSocketFollowsARecreatedUplink) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop) << loop.error().reason();
  GetrandomRandom random;
  Logger log("test", LogLevel::kError);
  client::PcpClientConfig config;
  config.server = *Ipv6Address::parse("fe80::2");
  int first = static_cast<int>(if_nametoindex("wan0"));
  PcpDriver driver(config, std::nullopt, "wan0", first, random, log);
  ASSERT_TRUE(driver.open(*loop, 1));
  ASSERT_GE(driver.announce_fd(), 0);
  EXPECT_TRUE(announce_reaches(driver.announce_fd()));

  ASSERT_TRUE(rtnl_.remove_link("wan0"));
  ASSERT_TRUE(create_link());
  int second = static_cast<int>(if_nametoindex("wan0"));
  ASSERT_NE(second, first);
  client::UplinkState uplink;
  uplink.up = true;
  driver.on_uplink(uplink, second, client::TimePoint{});
  ASSERT_GE(driver.announce_fd(), 0);
  int bound = 0;
  socklen_t len = sizeof bound;
  ASSERT_EQ(::getsockopt(driver.announce_fd(), SOL_SOCKET, SO_BINDTOIFINDEX, &bound, &len), 0);
  EXPECT_EQ(bound, second);
  EXPECT_TRUE(announce_reaches(driver.announce_fd()));
}

}  // namespace
}  // namespace lwb4::platform
