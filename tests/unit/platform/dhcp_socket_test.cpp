#include "daemon/dhcp_socket.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "netns_support.hpp"
#include "test_support.hpp"

namespace lwb4::platform {
namespace {

constexpr uint16_t kServerPort = 547;

Ipv6Address ip(const char* text) {
  return *Ipv6Address::parse(text);
}

bool wait_readable(int fd, int timeout_ms = 2000) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// A UDP socket on `dev` at [address]:port, for the warm-up exchange.
UniqueFd udp_on(const char* dev, const char* address, uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, dev, static_cast<socklen_t>(strlen(dev)));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  std::memcpy(&a.sin6_addr, ip(address).bytes.data(), 16);
  a.sin6_scope_id = if_nametoindex(dev);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

// Another DHCPv6 client's socket, as odhcp6c opens it: [::]:546 on wan0
// with SO_REUSEADDR. Invalid when the bind fails.
UniqueFd wildcard_client_socket() {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, "wan0", 4);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_port = htons(kDhcp6ClientPort);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) fd.reset();
  return fd;
}

// Sends from `from` to `to` until a datagram arrives (the first ones can
// be lost while the new link settles and neighbours resolve).
bool exchange(int from, const char* to, const char* to_dev, uint16_t to_port, int receiver) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(to_port);
  std::memcpy(&a.sin6_addr, ip(to).bytes.data(), 16);
  a.sin6_scope_id = if_nametoindex(to_dev);
  for (int i = 0; i < 40; ++i) {
    ::sendto(from, "w", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (wait_readable(receiver, 100)) {
      char buf[16];
      while (::recv(receiver, buf, sizeof buf, MSG_DONTWAIT) > 0) {
      }
      return true;
    }
  }
  return false;
}

// A DHCPv6 server's socket on the far end of the veth: [::]:547 on peer0,
// joined to All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1).
class FakeServer {
 public:
  FakeServer() {
    fd_.reset(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const char dev[] = "peer0";
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_BINDTODEVICE, dev, sizeof dev - 1);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(kServerPort);
    ok_ = ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ipv6_mreq m{};
    std::memcpy(&m.ipv6mr_multiaddr, ip("ff02::1:2").bytes.data(), 16);
    m.ipv6mr_interface = if_nametoindex("peer0");
    ok_ = ok_ && ::setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof m) == 0;
  }
  bool ok() const { return ok_; }

  struct Received {
    std::vector<uint8_t> payload;
    Ipv6Address from;
    uint16_t port = 0;
  };
  Received receive() {
    Received r;
    if (!wait_readable(fd_.get())) return r;
    r.payload.resize(2048);
    sockaddr_in6 from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd_.get(), r.payload.data(), r.payload.size(), 0,
                           reinterpret_cast<sockaddr*>(&from), &len);
    r.payload.resize(n > 0 ? static_cast<size_t>(n) : 0);
    std::memcpy(r.from.bytes.data(), &from.sin6_addr, 16);
    r.port = ntohs(from.sin6_port);
    return r;
  }
  void send_to(const char* to, uint16_t port, const std::vector<uint8_t>& payload) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    std::memcpy(&a.sin6_addr, ip(to).bytes.data(), 16);
    a.sin6_scope_id = if_nametoindex("peer0");
    ::sendto(fd_.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&a),
             sizeof a);
  }

 private:
  UniqueFd fd_;
  bool ok_ = false;
};

class DhcpSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!netns_.ok()) GTEST_SKIP() << "no CAP_SYS_ADMIN for a network namespace";
    ASSERT_TRUE(rtnl_.ok());
    if (!rtnl_.add_veth("wan0", "peer0")) GTEST_SKIP() << "no veth support";
    ASSERT_TRUE(rtnl_.set_up("wan0"));
    ASSERT_TRUE(rtnl_.set_up("peer0"));
    ASSERT_TRUE(rtnl_.add_address("wan0", "fe80::1", 64));
    ASSERT_TRUE(rtnl_.add_address("peer0", "fe80::2", 64));
    ASSERT_TRUE(rtnl_.add_address("wan0", "2001:db8:1::2", 64));
    ASSERT_TRUE(rtnl_.add_address("peer0", "2001:db8:1::547", 64));
    ASSERT_TRUE(rtnl_.wait_running("wan0"));
    ASSERT_TRUE(rtnl_.wait_running("peer0"));
    ifindex_ = static_cast<int>(if_nametoindex("wan0"));
    // Both directions once, so the tests below see a settled link.
    UniqueFd near = udp_on("wan0", "fe80::1", 9001);
    UniqueFd far = udp_on("peer0", "fe80::2", 9002);
    ASSERT_TRUE(exchange(near.get(), "fe80::2", "wan0", 9002, far.get()));
    ASSERT_TRUE(exchange(far.get(), "fe80::1", "peer0", 9001, near.get()));
    UniqueFd far_global = udp_on("peer0", "2001:db8:1::547", 9003);
    ASSERT_TRUE(exchange(near.get(), "2001:db8:1::547", "wan0", 9003, far_global.get()));
  }

  testing::ScopedNetns netns_;
  testing::Rtnl rtnl_;
  int ifindex_ = 0;
};

TEST_F(DhcpSocketTest, MulticastFromTheLinkLocalAndReplies) {
  auto sock = DhcpSocket::open("wan0", ifindex_, ip("fe80::1"));
  ASSERT_TRUE(sock) << sock.error().reason();
  FakeServer server;
  ASSERT_TRUE(server.ok());

  // RFC 7341 §6.1: multicast to ff02::1:2 from the link-local address.
  client::Transmit query{ip("fe80::1"), ip("ff02::1:2"), kServerPort, {0x0b, 0x12, 0x34, 0x56}};
  ASSERT_TRUE(sock->send(query));
  auto got = server.receive();
  EXPECT_EQ(got.payload, query.payload);
  EXPECT_EQ(got.from, ip("fe80::1"));
  EXPECT_EQ(got.port, kDhcp6ClientPort);

  server.send_to("fe80::1", kDhcp6ClientPort, {0x0c, 0x12, 0x34, 0x56, 0x00});
  ASSERT_TRUE(wait_readable(sock->fd()));
  std::vector<uint8_t> buffer(1500);
  auto d = sock->receive(buffer);
  ASSERT_TRUE(d) << d.error().reason();
  ASSERT_TRUE(*d);
  EXPECT_EQ((*d)->size, 5u);
  EXPECT_EQ((*d)->from, ip("fe80::2"));
  EXPECT_EQ((*d)->from_port, kServerPort);
  EXPECT_EQ((*d)->ifindex, ifindex_);
  EXPECT_EQ(buffer[0], 0x0c);
  auto none = sock->receive(buffer);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(DhcpSocketTest, UnicastFromTheChosenGlobalSource) {
  ASSERT_TRUE(rtnl_.add_address("wan0", "2001:db8:1::9", 64));
  DhcpSocketSet set("wan0", ifindex_);
  FakeServer server;
  ASSERT_TRUE(server.ok());
  for (const char* source : {"2001:db8:1::2", "2001:db8:1::9"}) {
    bool opened = false;
    auto sock = set.for_source(ip(source), opened);
    ASSERT_TRUE(sock) << sock.error().reason();
    EXPECT_TRUE(opened);
    EXPECT_EQ((*sock)->local(), ip(source));
    ASSERT_TRUE((*sock)->send({ip(source), ip("2001:db8:1::547"), kServerPort, {1, 2, 3}}));
    auto got = server.receive();
    EXPECT_EQ(got.from, ip(source));
    EXPECT_EQ(got.port, kDhcp6ClientPort);
    EXPECT_EQ(got.payload, (std::vector<uint8_t>{1, 2, 3}));
  }
  EXPECT_EQ(set.size(), 2u);
}

// The coexistence property: a socket on a specific address gets exactly
// the datagrams to that address, whether a wildcard [::]:546 socket (the
// uplink's own DHCPv6 client) was bound before or after it.
TEST_F(DhcpSocketTest, SpecificAddressesAndAWildcardShareThePort) {
  ASSERT_TRUE(rtnl_.add_address("wan0", "fe80::46", 64));
  UniqueFd before = wildcard_client_socket();
  ASSERT_TRUE(before.valid());
  auto ours = DhcpSocket::open("wan0", ifindex_, ip("fe80::46"));
  ASSERT_TRUE(ours) << ours.error().reason();
  auto ours_global = DhcpSocket::open("wan0", ifindex_, ip("2001:db8:1::2"));
  ASSERT_TRUE(ours_global) << ours_global.error().reason();
  UniqueFd after = wildcard_client_socket();
  ASSERT_TRUE(after.valid());

  FakeServer server;
  ASSERT_TRUE(server.ok());
  std::vector<uint8_t> buffer(64);
  server.send_to("fe80::46", kDhcp6ClientPort, {0x07, 1});
  ASSERT_TRUE(wait_readable(ours->fd()));
  auto d = ours->receive(buffer);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ(buffer[1], 1);
  server.send_to("2001:db8:1::2", kDhcp6ClientPort, {0x07, 2});
  ASSERT_TRUE(wait_readable(ours_global->fd()));
  d = ours_global->receive(buffer);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ(buffer[1], 2);
  // A reply to the link's other link-local is the other client's.
  server.send_to("fe80::1", kDhcp6ClientPort, {0x07, 3});
  ASSERT_TRUE(wait_readable(after.get()));
  EXPECT_FALSE(wait_readable(ours->fd(), 200));
  EXPECT_FALSE(wait_readable(ours_global->fd(), 0));
  EXPECT_FALSE(wait_readable(before.get(), 0));
  char b[8];
  EXPECT_EQ(::recv(after.get(), b, sizeof b, MSG_DONTWAIT), 2);
  EXPECT_EQ(b[1], 3);
}

TEST_F(DhcpSocketTest, SetReusesClosesAndResets) {
  DhcpSocketSet set("wan0", ifindex_);
  bool opened = false;
  auto a = set.for_source(ip("fe80::1"), opened);
  ASSERT_TRUE(a) << a.error().reason();
  EXPECT_TRUE(opened);
  int fd = (*a)->fd();
  auto again = set.for_source(ip("fe80::1"), opened);
  ASSERT_TRUE(again);
  EXPECT_FALSE(opened);
  EXPECT_EQ((*again)->fd(), fd);
  EXPECT_EQ(set.find_fd(fd), *again);
  EXPECT_EQ(set.find_fd(fd + 1000), nullptr);
  ASSERT_TRUE(set.for_source(ip("2001:db8:1::2"), opened));

  std::vector<int> closed;
  auto hook = [&](int f) { closed.push_back(f); };
  const Ipv6Address keep[] = {ip("2001:db8:1::2")};
  set.retain(keep, hook);
  EXPECT_EQ(closed, std::vector<int>{fd});
  EXPECT_EQ(set.size(), 1u);
  set.reset(ifindex_ + 1, hook);
  EXPECT_EQ(closed.size(), 2u);
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(set.ifindex(), ifindex_ + 1);
}

TEST_F(DhcpSocketTest, SetRefusesAddressesItCannotBind) {
  DhcpSocketSet set("wan0", ifindex_);
  bool opened = true;
  auto none = set.for_source(Ipv6Address{}, opened);
  ASSERT_FALSE(none);
  EXPECT_FALSE(opened);
  EXPECT_EQ(none.error().reason(), "no source address to send from");
  auto foreign = set.for_source(ip("2001:db8:1::77"), opened);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().reason(),
            "bind [2001:db8:1::77]:546 on wan0: Cannot assign requested address");
  EXPECT_EQ(set.size(), 0u);
}

TEST_F(DhcpSocketTest, OversizedDatagramIsAnErrorAndConsumed) {
  auto sock = DhcpSocket::open("wan0", ifindex_, ip("fe80::1"));
  ASSERT_TRUE(sock);
  FakeServer server;
  server.send_to("fe80::1", kDhcp6ClientPort, std::vector<uint8_t>(100, 0xaa));
  ASSERT_TRUE(wait_readable(sock->fd()));
  std::vector<uint8_t> small(64);
  auto d = sock->receive(small);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason(), "datagram of 100 bytes from fe80::2 is larger than 64");
  auto none = sock->receive(small);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(DhcpSocketTest, OpenErrors) {
  auto missing = DhcpSocket::open("nosuch0", 99, ip("fe80::1"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason(), "SO_BINDTODEVICE nosuch0: No such device");
}

}  // namespace
}  // namespace lwb4::platform
