#include "daemon/udp_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/ipv6_socket_util.hpp"

namespace lwb4::platform {

Result<UdpSocket> UdpSocket::open(const std::string& ifname, int ifindex, const Ipv6Address& local,
                                  uint16_t port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd.valid()) return make_error("socket(AF_INET6, UDP): %s", errno_text().c_str());
  int on = 1;
  struct Option {
    int level;
    int name;
    const char* what;
  };
  for (Option o : {Option{IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY"},
                   Option{SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR"},
                   Option{IPPROTO_IPV6, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO"}}) {
    if (::setsockopt(fd.get(), o.level, o.name, &on, sizeof on) < 0) {
      return make_error("setsockopt %s: %s", o.what, errno_text().c_str());
    }
  }
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   static_cast<socklen_t>(ifname.size())) < 0) {
    return make_error("SO_BINDTODEVICE %s: %s", ifname.c_str(), errno_text().c_str());
  }
  sockaddr_in6 addr = socket_address(local, port, ifindex);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    return make_error("bind [%s]:%u on %s: %s", local.to_string().c_str(), port, ifname.c_str(),
                      errno_text().c_str());
  }
  return UdpSocket(std::move(fd), ifindex, local);
}

Status UdpSocket::send(const client::Transmit& t) {
  sockaddr_in6 to = socket_address(t.destination, t.port, ifindex_);
  PktinfoControl control;
  iovec iov{const_cast<uint8_t*>(t.payload.data()), t.payload.size()};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  set_pktinfo(msg, control, local_, ifindex_);

  ssize_t n;
  do {
    n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return make_error("send %zu bytes from %s to [%s]:%u: %s", t.payload.size(),
                      local_.to_string().c_str(), t.destination.to_string().c_str(), t.port,
                      errno_text().c_str());
  }
  return {};
}

Result<std::optional<UdpDatagram>> UdpSocket::receive(std::span<uint8_t> buffer) {
  sockaddr_in6 from{};
  PktinfoControl control;
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  receive_pktinfo(msg, control);
  ssize_t n;
  do {
    n = ::recvmsg(fd_.get(), &msg, MSG_TRUNC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<UdpDatagram>();
    return make_error("receive: %s", errno_text().c_str());
  }
  UdpDatagram d;
  std::memcpy(d.from.bytes.data(), &from.sin6_addr, 16);
  d.from_port = ntohs(from.sin6_port);
  if (msg.msg_flags & MSG_TRUNC) {
    return make_error("datagram of %zd bytes from %s is larger than %zu", n,
                      d.from.to_string().c_str(), buffer.size());
  }
  d.size = static_cast<size_t>(n);
  if (auto info = pktinfo_of(msg)) d.ifindex = static_cast<int>(info->ipi6_ifindex);
  return std::optional<UdpDatagram>(d);
}

Result<UdpSocket*> UdpSocketSet::for_source(const Ipv6Address& source, bool& opened) {
  opened = false;
  for (UdpSocket& s : sockets_) {
    if (s.local() == source) return &s;
  }
  if (source == Ipv6Address{}) return make_error("no source address to send from");
  auto s = UdpSocket::open(ifname_, ifindex_, source, port_);
  if (!s) return s.error();
  sockets_.push_back(std::move(*s));
  opened = true;
  return &sockets_.back();
}

UdpSocket* UdpSocketSet::find_fd(int fd) {
  for (UdpSocket& s : sockets_) {
    if (s.fd() == fd) return &s;
  }
  return nullptr;
}

void UdpSocketSet::retain(std::span<const Ipv6Address> keep, const CloseHook& before_close) {
  std::erase_if(sockets_, [&](const UdpSocket& s) {
    for (const Ipv6Address& a : keep) {
      if (a == s.local()) return false;
    }
    if (before_close) before_close(s.fd());
    return true;
  });
}

void UdpSocketSet::reset(int ifindex, const CloseHook& before_close) {
  retain({}, before_close);
  ifindex_ = ifindex;
}

}  // namespace lwb4::platform
