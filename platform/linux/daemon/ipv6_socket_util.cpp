#include "daemon/ipv6_socket_util.hpp"

#include <cerrno>
#include <cstring>

namespace lwb4::platform {

std::string errno_text() {
  return std::strerror(errno);
}

bool link_scoped(const Ipv6Address& a) {
  return a.is_link_local() || (a.is_multicast() && (a.bytes[1] & 0x0f) == 0x02);
}

sockaddr_in6 socket_address(const Ipv6Address& address, uint16_t port, int ifindex) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  std::memcpy(&a.sin6_addr, address.bytes.data(), 16);
  if (link_scoped(address)) a.sin6_scope_id = static_cast<uint32_t>(ifindex);
  return a;
}

void set_pktinfo(msghdr& msg, PktinfoControl& control, const Ipv6Address& source, int ifindex) {
  receive_pktinfo(msg, control);
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = IPPROTO_IPV6;
  cm->cmsg_type = IPV6_PKTINFO;
  cm->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  in6_pktinfo info{};
  std::memcpy(&info.ipi6_addr, source.bytes.data(), 16);
  info.ipi6_ifindex = static_cast<unsigned>(ifindex);
  std::memcpy(CMSG_DATA(cm), &info, sizeof info);
}

void receive_pktinfo(msghdr& msg, PktinfoControl& control) {
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof control.bytes;
}

std::optional<in6_pktinfo> pktinfo_of(msghdr& msg) {
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
        cm->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
      in6_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(cm), sizeof info);
      return info;
    }
  }
  return std::nullopt;
}

}  // namespace lwb4::platform
