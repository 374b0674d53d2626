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

// A client socket bound to one address, as dhclient and dhcpcd bind theirs:
// [address]:546 on wan0 with SO_REUSEADDR. Invalid when the bind fails.
UniqueFd specific_client_socket(const char* address) {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, "wan0", 4);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(kDhcp6ClientPort);
  std::memcpy(&a.sin6_addr, ip(address).bytes.data(), 16);
  a.sin6_scope_id = if_nametoindex("wan0");
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd.reset();
  return fd;
}

// The next datagram on a plain UDP socket (within 2 s), or "" when none.
std::string next_on(int fd, int timeout_ms = 2000) {
  if (!wait_readable(fd, timeout_ms)) return "";
  char b[256];
  ssize_t n = ::recv(fd, b, sizeof b, MSG_DONTWAIT);
  return n > 0 ? std::string(b, static_cast<size_t>(n)) : "";
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
  DhcpSocketSet* set_ = nullptr;  // AnotherClientKeepsEveryReply's current set
  int set_fd_ = -1;
  bool shared_ = false;
};

TEST_F(DhcpSocketTest, MulticastFromTheLinkLocalAndReplies) {
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set) << set.error().reason();
  FakeServer server;
  ASSERT_TRUE(server.ok());

  // RFC 7341 §6.1: multicast to ff02::1:2 from the link-local address.
  client::Transmit query{ip("fe80::1"), ip("ff02::1:2"), kServerPort, {0x0b, 0x12, 0x34, 0x56}};
  ASSERT_TRUE(set->send(query));
  auto got = server.receive();
  EXPECT_EQ(got.payload, query.payload);
  EXPECT_EQ(got.from, ip("fe80::1"));
  EXPECT_EQ(got.port, kDhcp6ClientPort);
  EXPECT_EQ(set->size(), 1u);
  EXPECT_TRUE(set->guarded(ip("fe80::1")));

  server.send_to("fe80::1", kDhcp6ClientPort, {0x0c, 0x12, 0x34, 0x56, 0x00});
  ASSERT_TRUE(wait_readable(set->fd()));
  std::vector<uint8_t> buffer(1500);
  auto d = set->receive(buffer);
  ASSERT_TRUE(d) << d.error().reason();
  ASSERT_TRUE(*d);
  EXPECT_EQ((*d)->size, 5u);
  EXPECT_EQ((*d)->from, ip("fe80::2"));
  EXPECT_EQ((*d)->from_port, kServerPort);
  EXPECT_EQ((*d)->to, ip("fe80::1"));
  EXPECT_EQ((*d)->ifindex, ifindex_);
  EXPECT_FALSE((*d)->shared);
  EXPECT_EQ(buffer[0], 0x0c);
  EXPECT_EQ(buffer[4], 0x00);
  auto none = set->receive(buffer);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(DhcpSocketTest, UnicastFromTheChosenGlobalSource) {
  ASSERT_TRUE(rtnl_.add_address("wan0", "2001:db8:1::9", 64));
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set) << set.error().reason();
  FakeServer server;
  ASSERT_TRUE(server.ok());
  for (const char* source : {"2001:db8:1::2", "2001:db8:1::9"}) {
    ASSERT_TRUE(set->send({ip(source), ip("2001:db8:1::547"), kServerPort, {1, 2, 3}}));
    auto got = server.receive();
    EXPECT_EQ(got.from, ip(source));
    EXPECT_EQ(got.port, kDhcp6ClientPort);
    EXPECT_EQ(got.payload, (std::vector<uint8_t>{1, 2, 3}));
  }
  EXPECT_EQ(set->size(), 2u);
}

// A datagram to an address nobody else holds: the guard keeps the kernel
// from answering port unreachable, and takes nothing away from us.
TEST_F(DhcpSocketTest, TheGuardTakesTheAddressWhenNobodyHoldsIt) {
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set);
  ASSERT_TRUE(set->send({ip("2001:db8:1::2"), ip("2001:db8:1::547"), kServerPort, {1}}));
  EXPECT_TRUE(set->guarded(ip("2001:db8:1::2")));
  // A client that binds the same address later (SO_REUSEADDR) still can,
  // and being bound last, it is the one the kernel delivers to.
  UniqueFd later = specific_client_socket("2001:db8:1::2");
  ASSERT_TRUE(later.valid());
  FakeServer server;
  server.send_to("2001:db8:1::2", kDhcp6ClientPort, {0x07, 9});
  EXPECT_EQ(next_on(later.get()), std::string("\x07\x09", 2));
  ASSERT_TRUE(wait_readable(set->fd()));
  std::vector<uint8_t> buffer(64);
  auto d = set->receive(buffer);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ(buffer[1], 9);
}

// The coexistence property: whichever way the other client bound port 546
// (odhcp6c: [::]:546; dhclient and dhcpcd: one link-local, possibly ours),
// and whether before or after lwb4d, it receives every datagram sent to
// it, and lwb4d receives a copy of those sent to its own sources.
TEST_F(DhcpSocketTest, AnotherClientKeepsEveryReply) {
  ASSERT_TRUE(rtnl_.add_address("wan0", "fe80::46", 64));
  ASSERT_TRUE(rtnl_.wait_running("wan0"));
  FakeServer server;
  ASSERT_TRUE(server.ok());
  std::vector<uint8_t> buffer(64);
  auto ours = [&]() -> std::optional<uint8_t> {
    if (!wait_readable(set_fd_, 1000)) return std::nullopt;
    auto d = set_->receive(buffer);
    if (!d || !*d) return std::nullopt;
    shared_ = (*d)->shared;
    return buffer[1];
  };

  for (const char* order :
       {"wildcard before", "wildcard after", "same address before", "same address after"}) {
    SCOPED_TRACE(order);
    const std::string o = order;
    UniqueFd other;
    if (o == "wildcard before") other = wildcard_client_socket();
    if (o == "same address before") other = specific_client_socket("fe80::46");
    auto set = DhcpSocketSet::open("wan0", ifindex_);
    ASSERT_TRUE(set);
    set_ = &*set;
    set_fd_ = set->fd();
    ASSERT_TRUE(set->send({ip("fe80::46"), ip("ff02::1:2"), kServerPort, {0x0b, 0}}));
    ASSERT_TRUE(set->send({ip("2001:db8:1::2"), ip("2001:db8:1::547"), kServerPort, {0x0b, 0}}));
    server.receive();
    server.receive();
    if (o == "wildcard after") other = wildcard_client_socket();
    if (o == "same address after") other = specific_client_socket("fe80::46");
    ASSERT_TRUE(other.valid());
    // Bound before us, the other client keeps the address: no guard.
    EXPECT_EQ(set->guarded(ip("fe80::46")), o.find("before") == std::string::npos);

    server.send_to("fe80::46", kDhcp6ClientPort, {0x07, 1});
    if (o != "wildcard after") {
      // The other client listens on our link-local: it gets the datagram.
      EXPECT_EQ(next_on(other.get()), std::string("\x07\x01", 2));
    }
    EXPECT_EQ(ours(), std::optional<uint8_t>(1));
    EXPECT_EQ(shared_, o.find("before") != std::string::npos);

    // A reply to the link's other link-local is the other client's alone
    // (when it listens there).
    server.send_to("fe80::1", kDhcp6ClientPort, {0x07, 3});
    if (o.find("wildcard") != std::string::npos) {
      EXPECT_EQ(next_on(other.get()), std::string("\x07\x03", 2));
    }
    EXPECT_EQ(ours(), std::nullopt);
    server.send_to("2001:db8:1::2", kDhcp6ClientPort, {0x07, 4});
    EXPECT_EQ(ours(), std::optional<uint8_t>(4));
    while (!next_on(other.get(), 100).empty()) {
    }
  }
}

// The kernel checks the UDP checksum of what the raw socket receives
// (IPV6_CHECKSUM): a corrupted reply never reaches the engine.
TEST_F(DhcpSocketTest, BadChecksumsNeverArrive) {
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set);
  ASSERT_TRUE(set->send({ip("fe80::1"), ip("ff02::1:2"), kServerPort, {0x0b}}));
  UniqueFd raw(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP));
  ASSERT_TRUE(raw.valid());
  ::setsockopt(raw.get(), SOL_SOCKET, SO_BINDTODEVICE, "peer0", 5);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(&to.sin6_addr, ip("fe80::1").bytes.data(), 16);
  to.sin6_scope_id = if_nametoindex("peer0");
  // UDP 547 -> 546, length 10, checksum 0x1234 (wrong), payload 07 05.
  const uint8_t bad[] = {0x02, 0x23, 0x02, 0x22, 0x00, 0x0a, 0x12, 0x34, 0x07, 0x05};
  ASSERT_EQ(::sendto(raw.get(), bad, sizeof bad, 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(sizeof bad));
  FakeServer server;
  server.send_to("fe80::1", kDhcp6ClientPort, {0x07, 6});
  std::vector<uint8_t> buffer(64);
  std::vector<uint8_t> got;
  for (int i = 0; i < 5 && got.empty(); ++i) {
    if (!wait_readable(set->fd(), 1000)) break;
    auto d = set->receive(buffer);
    if (d && *d) got.assign(buffer.begin(), buffer.begin() + static_cast<long>((*d)->size));
  }
  EXPECT_EQ(got, (std::vector<uint8_t>{0x07, 6}));
}

TEST_F(DhcpSocketTest, SetRetainsAndResets) {
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set);
  const int fd = set->fd();
  ASSERT_TRUE(set->send({ip("fe80::1"), ip("ff02::1:2"), kServerPort, {1}}));
  ASSERT_TRUE(set->send({ip("fe80::1"), ip("ff02::1:2"), kServerPort, {2}}));
  EXPECT_EQ(set->size(), 1u);
  ASSERT_TRUE(set->send({ip("2001:db8:1::2"), ip("2001:db8:1::547"), kServerPort, {3}}));
  EXPECT_EQ(set->size(), 2u);
  const Ipv6Address keep[] = {ip("2001:db8:1::2")};
  set->retain(keep);
  EXPECT_EQ(set->size(), 1u);
  EXPECT_FALSE(set->guarded(ip("fe80::1")));
  EXPECT_TRUE(set->guarded(ip("2001:db8:1::2")));
  // The released guard frees the address for others at once.
  UniqueFd exclusive(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(kDhcp6ClientPort);
  std::memcpy(&a.sin6_addr, ip("fe80::1").bytes.data(), 16);
  a.sin6_scope_id = static_cast<uint32_t>(ifindex_);
  EXPECT_EQ(::bind(exclusive.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_TRUE(set->reset(ifindex_ + 1));
  EXPECT_EQ(set->size(), 0u);
  EXPECT_EQ(set->ifindex(), ifindex_ + 1);
  EXPECT_EQ(set->fd(), fd);
}

TEST_F(DhcpSocketTest, SetRefusesAddressesItCannotUse) {
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set);
  auto none = set->send({Ipv6Address{}, ip("ff02::1:2"), kServerPort, {1}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason(), "no source address to send from");
  auto foreign = set->send({ip("2001:db8:1::77"), ip("2001:db8:1::547"), kServerPort, {1}});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().reason(),
            "bind [2001:db8:1::77]:546 on wan0: Cannot assign requested address");
  EXPECT_EQ(set->size(), 0u);
}

TEST_F(DhcpSocketTest, OversizedDatagramIsAnErrorAndConsumed) {
  auto set = DhcpSocketSet::open("wan0", ifindex_);
  ASSERT_TRUE(set);
  ASSERT_TRUE(set->send({ip("fe80::1"), ip("ff02::1:2"), kServerPort, {1}}));
  FakeServer server;
  server.send_to("fe80::1", kDhcp6ClientPort, std::vector<uint8_t>(100, 0xaa));
  ASSERT_TRUE(wait_readable(set->fd()));
  std::vector<uint8_t> small(64);
  auto d = set->receive(small);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason(), "datagram of 100 bytes from fe80::2 is larger than 64");
  auto none = set->receive(small);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(DhcpSocketTest, OpenErrors) {
  auto missing = DhcpSocketSet::open("nosuch0", 99);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason(), "SO_BINDTODEVICE nosuch0: No such device");
}

}  // namespace
}  // namespace lwb4::platform
