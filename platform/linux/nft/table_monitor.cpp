#include "nft/table_monitor.hpp"

#include "nft/nft_batch.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "nft/netlink_attrs.hpp"

namespace lwb4::nft {
namespace {

// A replace of a 1008-port table notifies ~2,100 messages; room for a few.
constexpr int kReceiveBuffer = 8 << 20;
// Attribute 1 of every table object message (NFTA_TABLE_NAME,
// NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE,
// NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE) is the table's name.
constexpr uint16_t kTableNameAttr = 1;

}  // namespace

Result<TableMonitor> TableMonitor::open(std::string table) {
  mnl_socket* sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (!sock) return make_error("nftables monitor socket: %s", std::strerror(errno));
  TableMonitor m(std::move(table), sock);
  if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    return make_error("nftables monitor bind: %s", std::strerror(errno));
  }
  int group = NFNLGRP_NFTABLES;
  if (mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
    return make_error("nftables monitor (NFNLGRP_NFTABLES): %s", std::strerror(errno));
  }
  int size = kReceiveBuffer;
  int fd = mnl_socket_get_fd(sock);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  return m;
}

TableMonitor::TableMonitor(TableMonitor&& other) noexcept
    : table_(std::move(other.table_)), sock_(other.sock_), touched_(other.touched_) {
  other.sock_ = nullptr;
}

TableMonitor::~TableMonitor() {
  if (sock_) mnl_socket_close(sock_);
}

int TableMonitor::fd() const {
  return mnl_socket_get_fd(sock_);
}

Result<ForeignChange> TableMonitor::read() {
  ForeignChange out;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  const uint32_t self = static_cast<uint32_t>(::getpid());
  for (;;) {
    ssize_t n = recv(fd(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return out;
      if (errno == ENOBUFS) {
        out.lost = true;
        touched_ = false;
        continue;
      }
      return make_error("nftables monitor: %s", std::strerror(errno));
    }
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg))) continue;
      uint16_t type = h->nlmsg_type & 0xff;
      const auto* g = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(h));
      if (type == NFT_MSG_NEWGEN) {
        uint32_t pid = 0;
        std::string name;
        for_each_attr(h, sizeof(nfgenmsg), [&](const nlattr* a) {
          if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID && mnl_attr_get_payload_len(a) == 4) {
            pid = ntohl(mnl_attr_get_u32(a));
          } else if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME) {
            const char* s = static_cast<const char*>(mnl_attr_get_payload(a));
            name.assign(s, strnlen(s, mnl_attr_get_payload_len(a)));
          }
        });
        if (touched_ && pid != self && !sent_from_here(h->nlmsg_pid)) {
          out.changed = true;
          out.pid = pid;
          out.process = std::move(name);
        }
        touched_ = false;
        continue;
      }
      if (type == NFT_MSG_NEWFLOWTABLE || type == NFT_MSG_DELFLOWTABLE ||
          type == NFT_MSG_DELTABLE) {
        out.flowtables = true;
      }
      if (g->nfgen_family != NFPROTO_IPV4 && g->nfgen_family != NFPROTO_NETDEV) continue;
      for_each_attr(h, sizeof(nfgenmsg), [&](const nlattr* a) {
        if (mnl_attr_get_type(a) != kTableNameAttr) return;
        const char* s = static_cast<const char*>(mnl_attr_get_payload(a));
        if (table_ == std::string(s, strnlen(s, mnl_attr_get_payload_len(a)))) touched_ = true;
      });
    }
  }
}

}  // namespace lwb4::nft
