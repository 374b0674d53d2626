// Building a small network inside a ScopedNetns for the socket and netlink
// tests: interfaces up, veth pairs, addresses without DAD.
#pragma once

#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/socket.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "lwb4/wire/ip.hpp"

namespace lwb4::platform::testing {

class Rtnl {
 public:
  Rtnl() : sock_(nl_socket_alloc()) { ok_ = sock_ && nl_connect(sock_, NETLINK_ROUTE) == 0; }
  ~Rtnl() {
    if (sock_) nl_socket_free(sock_);
  }
  Rtnl(const Rtnl&) = delete;
  Rtnl& operator=(const Rtnl&) = delete;

  bool ok() const { return ok_; }

  // A veth pair in this namespace; false when the kernel has no veth.
  bool add_veth(const char* name, const char* peer) {
    return rtnl_link_veth_add(sock_, name, peer, ::getpid()) == 0;
  }

  bool set_up(const char* name, bool up = true) {
    int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    if (ok) {
      ifr.ifr_flags = static_cast<short>(up ? (ifr.ifr_flags | IFF_UP) : (ifr.ifr_flags & ~IFF_UP));
      ok = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    }
    ::close(fd);
    return ok;
  }

  // Carrier changes reach the qdisc through linkwatch, up to a second
  // later; until IFF_RUNNING shows, the kernel drops what is sent.
  bool wait_running(const char* name) {
    int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool running = false;
    for (int i = 0; i < 300 && !running; ++i) {
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
      running = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
      if (!running) ::usleep(10'000);
    }
    ::close(fd);
    return running;
  }

  // IFA_F_NODAD: usable at once, no DAD wait in the tests.
  bool add_address(const char* ifname, const char* address, int prefix_length, bool nodad = true) {
    return change_address(ifname, address, prefix_length, nodad, true);
  }
  bool remove_address(const char* ifname, const char* address, int prefix_length) {
    return change_address(ifname, address, prefix_length, false, false);
  }

  bool remove_link(const char* name) {
    rtnl_link* link = rtnl_link_alloc();
    rtnl_link_set_name(link, name);
    bool ok = rtnl_link_delete(sock_, link) == 0;
    rtnl_link_put(link);
    return ok;
  }

 private:
  bool change_address(const char* ifname, const char* text, int prefix_length, bool nodad,
                      bool add) {
    auto parsed = Ipv6Address::parse(text);
    if (!parsed) return false;
    rtnl_addr* addr = rtnl_addr_alloc();
    nl_addr* local = nl_addr_build(AF_INET6, parsed->bytes.data(), 16);
    rtnl_addr_set_local(addr, local);
    nl_addr_put(local);
    rtnl_addr_set_ifindex(addr, static_cast<int>(if_nametoindex(ifname)));
    rtnl_addr_set_prefixlen(addr, prefix_length);
    if (nodad) rtnl_addr_set_flags(addr, IFA_F_NODAD);
    int err = add ? rtnl_addr_add(sock_, addr, 0) : rtnl_addr_delete(sock_, addr, 0);
    rtnl_addr_put(addr);
    return err == 0;
  }

  nl_sock* sock_;
  bool ok_ = false;
};

}  // namespace lwb4::platform::testing
