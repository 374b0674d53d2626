#include "daemon/dhcp_socket.hpp"

#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/ipv6_socket_util.hpp"

namespace lwb4::platform {
namespace {

constexpr size_t kUdpHeaderSize = 8;       // RFC 768
constexpr int kUdpChecksumOffset = 6;      // RFC 768: the checksum field
constexpr int kMaxSkippedPerReceive = 64;  // bounds one receive() call

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

Status attach_filter(int fd, std::span<sock_filter> code) {
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) {
    return make_error("SO_ATTACH_FILTER: %s", errno_text().c_str());
  }
  return {};
}

Status bind_to_device(int fd, const std::string& ifname) {
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   static_cast<socklen_t>(ifname.size())) < 0) {
    return make_error("SO_BINDTODEVICE %s: %s", ifname.c_str(), errno_text().c_str());
  }
  return {};
}

Status set_int(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) {
    return make_error("setsockopt %s: %s", what, errno_text().c_str());
  }
  return {};
}

// Reads and discards whatever queued before a filter was attached.
void drain(int fd) {
  std::array<uint8_t, 64> scrap;
  while (::recv(fd, scrap.data(), scrap.size(), MSG_DONTWAIT | MSG_TRUNC) >= 0) {
  }
}

// The guard of [source]:port: a UDP socket that receives nothing. Invalid
// (and no error) when another socket holds the address and port already,
// including a wildcard one ([::]:546 conflicts with every address).
Result<UniqueFd> open_guard(const std::string& ifname, int ifindex, const Ipv6Address& source,
                            uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd.valid()) return make_error("socket(AF_INET6, UDP): %s", errno_text().c_str());
  if (auto st = set_int(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY"); !st) {
    return st.error();
  }
  if (auto st = bind_to_device(fd.get(), ifname); !st) return st.error();
  std::array<sock_filter, 1> drop_all{{BPF_STMT(BPF_RET | BPF_K, 0)}};
  if (auto st = attach_filter(fd.get(), drop_all); !st) return st.error();
  sockaddr_in6 addr = socket_address(source, port, ifindex);
  // Without SO_REUSEADDR: the bind fails if any other socket is there.
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    if (errno == EADDRINUSE) return UniqueFd();
    return make_error("bind [%s]:%u on %s: %s", source.to_string().c_str(), port, ifname.c_str(),
                      errno_text().c_str());
  }
  // Now let others bind it after us; the socket bound last wins.
  if (auto st = set_int(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR"); !st) {
    return st.error();
  }
  return fd;
}

}  // namespace

Result<DhcpSocketSet> DhcpSocketSet::open(const std::string& ifname, int ifindex, uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd.valid()) return make_error("socket(AF_INET6, raw UDP): %s", errno_text().c_str());
  // On an IPv6 raw socket the filter sees the UDP header at offset 0.
  std::array<sock_filter, 4> to_port{{
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),            // destination port
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),  //
      BPF_STMT(BPF_RET | BPF_K, 0xffff),                // keep
      BPF_STMT(BPF_RET | BPF_K, 0),                     // drop
  }};
  if (auto st = attach_filter(fd.get(), to_port); !st) return st.error();
  if (auto st = set_int(fd.get(), IPPROTO_IPV6, IPV6_CHECKSUM, kUdpChecksumOffset, "IPV6_CHECKSUM");
      !st) {
    return st.error();
  }
  if (auto st = set_int(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"); !st) {
    return st.error();
  }
  if (auto st = bind_to_device(fd.get(), ifname); !st) return st.error();
  drain(fd.get());
  return DhcpSocketSet(ifname, ifindex, port, std::move(fd));
}

const DhcpSocketSet::Source* DhcpSocketSet::find(const Ipv6Address& address) const {
  for (const Source& s : sources_) {
    if (s.address == address) return &s;
  }
  return nullptr;
}

bool DhcpSocketSet::guarded(const Ipv6Address& source) const {
  const Source* s = find(source);
  return s && s->guard.valid();
}

Result<const DhcpSocketSet::Source*> DhcpSocketSet::use(const Ipv6Address& source) {
  if (const Source* s = find(source)) return s;
  if (source == Ipv6Address{}) return make_error("no source address to send from");
  auto guard = open_guard(ifname_, ifindex_, source, port_);
  if (!guard) return guard.error();
  sources_.push_back(Source{source, std::move(*guard)});
  return &sources_.back();
}

Status DhcpSocketSet::send(const client::Transmit& t) {
  auto source = use(t.source);
  if (!source) return source.error();
  const size_t length = kUdpHeaderSize + t.payload.size();
  if (length > 0xffff) return make_error("%zu bytes do not fit a UDP datagram", t.payload.size());
  // The kernel fills in the checksum (IPV6_CHECKSUM).
  std::array<uint8_t, kUdpHeaderSize> header{static_cast<uint8_t>(port_ >> 8),
                                             static_cast<uint8_t>(port_),
                                             static_cast<uint8_t>(t.port >> 8),
                                             static_cast<uint8_t>(t.port),
                                             static_cast<uint8_t>(length >> 8),
                                             static_cast<uint8_t>(length),
                                             0,
                                             0};
  // A raw socket takes no port here (the UDP header carries it).
  sockaddr_in6 to = socket_address(t.destination, 0, ifindex_);
  PktinfoControl control;
  std::array<iovec, 2> iov{iovec{header.data(), header.size()},
                           iovec{const_cast<uint8_t*>(t.payload.data()), t.payload.size()}};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  set_pktinfo(msg, control, t.source, ifindex_);

  ssize_t n;
  do {
    n = ::sendmsg(raw_.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return make_error("send %zu bytes from %s to [%s]:%u: %s", t.payload.size(),
                      t.source.to_string().c_str(), t.destination.to_string().c_str(), t.port,
                      errno_text().c_str());
  }
  return {};
}

Result<std::optional<Datagram>> DhcpSocketSet::receive(std::span<uint8_t> buffer) {
  for (int skipped = 0; skipped < kMaxSkippedPerReceive; ++skipped) {
    std::array<uint8_t, kUdpHeaderSize> header{};
    sockaddr_in6 from{};
    PktinfoControl control;
    std::array<iovec, 2> iov{iovec{header.data(), header.size()},
                             iovec{buffer.data(), buffer.size()}};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    receive_pktinfo(msg, control);
    ssize_t n;
    do {
      n = ::recvmsg(raw_.get(), &msg, MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<Datagram>();
      return make_error("receive: %s", errno_text().c_str());
    }
    Datagram d;
    std::memcpy(d.from.bytes.data(), &from.sin6_addr, 16);
    if (auto info = pktinfo_of(msg)) {
      std::memcpy(d.to.bytes.data(), &info->ipi6_addr, 16);
      d.ifindex = static_cast<int>(info->ipi6_ifindex);
    }
    const Source* source = find(d.to);
    if (!source) continue;  // another client's (e.g. to the uplink's own link-local)
    d.shared = !source->guard.valid();
    const auto size = static_cast<size_t>(n);
    if (size < kUdpHeaderSize) {
      return make_error("%zu-byte datagram from %s is shorter than a UDP header", size,
                        d.from.to_string().c_str());
    }
    d.from_port = be16(&header[0]);
    if (be16(&header[4]) != size) {
      return make_error("datagram from %s: UDP length %u, received %zu", d.from.to_string().c_str(),
                        be16(&header[4]), size);
    }
    if (size - kUdpHeaderSize > buffer.size()) {
      return make_error("datagram of %zu bytes from %s is larger than %zu", size - kUdpHeaderSize,
                        d.from.to_string().c_str(), buffer.size());
    }
    d.size = size - kUdpHeaderSize;
    return std::optional<Datagram>(d);
  }
  return std::optional<Datagram>();
}

void DhcpSocketSet::retain(std::span<const Ipv6Address> keep) {
  std::erase_if(sources_, [&](const Source& s) {
    return std::find(keep.begin(), keep.end(), s.address) == keep.end();
  });
}

Status DhcpSocketSet::reset(int ifindex) {
  sources_.clear();
  // SO_BINDTODEVICE resolved the name to the old index; resolve it again.
  // The new index is kept only once that worked, so a failed rebind (the
  // device gone again) is retried on the next uplink change.
  if (auto st = bind_to_device(raw_.get(), ifname_); !st) return st;
  ifindex_ = ifindex;
  return {};
}

}  // namespace lwb4::platform
