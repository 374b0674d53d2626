#include "nft/conntrack_flush.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "nft/netlink_attrs.hpp"

namespace lwb4::nft {
namespace {

struct SocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using SocketPtr = std::unique_ptr<mnl_socket, SocketCloser>;

// One entry to delete: its original tuple as the kernel sent it, and its
// zone when it has one.
struct Entry {
  std::vector<uint8_t> orig;  // the CTA_TUPLE_ORIG payload
  bool has_zone = false;
  uint16_t zone = 0;  // network order
};

struct DumpState {
  Ipv4Address address;
  std::vector<Entry> entries;
};

nlmsghdr* put_header(char* buf, uint8_t type, uint16_t flags, uint32_t seq) {
  nlmsghdr* h = mnl_nlmsg_put_header(buf);
  h->nlmsg_type = static_cast<uint16_t>(NFNL_SUBSYS_CTNETLINK << 8 | type);
  h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
  h->nlmsg_seq = seq;
  auto* g = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(nfgenmsg)));
  g->nfgen_family = AF_INET;
  g->version = NFNETLINK_V0;
  g->res_id = 0;
  return h;
}

// The destination address of a CTA_TUPLE_* nest.
bool tuple_destination(const nlattr* tuple, uint32_t& out) {
  bool found = false;
  for_each_nested(tuple, [&](const nlattr* a) {
    if (mnl_attr_get_type(a) != CTA_TUPLE_IP) return;
    for_each_nested(a, [&](const nlattr* b) {
      if (mnl_attr_get_type(b) == CTA_IP_V4_DST && mnl_attr_get_payload_len(b) == 4) {
        std::memcpy(&out, mnl_attr_get_payload(b), 4);
        found = true;
      }
    });
  });
  return found;
}

int on_entry(const nlmsghdr* h, void* data) {
  auto* state = static_cast<DumpState*>(data);
  const nlattr* orig = nullptr;
  const nlattr* reply = nullptr;
  const nlattr* zone = nullptr;
  for_each_attr(h, sizeof(nfgenmsg), [&](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case CTA_TUPLE_ORIG:
        orig = a;
        break;
      case CTA_TUPLE_REPLY:
        reply = a;
        break;
      case CTA_ZONE:
        if (mnl_attr_get_payload_len(a) == 2) zone = a;
        break;
    }
  });
  if (!orig || !reply) return MNL_CB_OK;
  uint32_t want;
  std::memcpy(&want, state->address.bytes.data(), 4);
  uint32_t orig_dst = 0, reply_dst = 0;
  bool match = (tuple_destination(orig, orig_dst) && orig_dst == want) ||
               (tuple_destination(reply, reply_dst) && reply_dst == want);
  if (!match) return MNL_CB_OK;
  Entry e;
  const auto* p = static_cast<const uint8_t*>(mnl_attr_get_payload(orig));
  e.orig.assign(p, p + mnl_attr_get_payload_len(orig));
  if (zone) {
    e.has_zone = true;
    e.zone = mnl_attr_get_u16(zone);
  }
  state->entries.push_back(std::move(e));
  return MNL_CB_OK;
}

Status receive_acks(mnl_socket* sock, uint32_t portid, uint32_t first_seq, uint32_t end_seq,
                    size_t& deleted) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  size_t pending = end_seq - first_seq;
  while (pending > 0) {
    ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("reading conntrack acks: %s", std::strerror(errno));
    }
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_pid != portid) continue;
      if (h->nlmsg_seq < first_seq || h->nlmsg_seq >= end_seq) continue;
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
      --pending;
      if (err->error == 0) {
        ++deleted;
      } else if (err->error != -ENOENT) {
        return make_error("deleting a conntrack entry: %s", std::strerror(-err->error));
      }
    }
  }
  return {};
}

}  // namespace

Result<size_t> flush_conntrack(Ipv4Address address) {
  SocketPtr sock(mnl_socket_open(NETLINK_NETFILTER));
  if (!sock) return make_error("ctnetlink socket: %s", std::strerror(errno));
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return make_error("ctnetlink bind: %s", std::strerror(errno));
  }
  uint32_t portid = mnl_socket_get_portid(sock.get());
  uint32_t seq = static_cast<uint32_t>(::getpid()) << 12;

  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* h = put_header(buf.data(), IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq);
  if (mnl_socket_sendto(sock.get(), h, h->nlmsg_len) < 0) {
    return make_error("ctnetlink dump request: %s", std::strerror(errno));
  }
  DumpState state{address, {}};
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("ctnetlink dump: %s", std::strerror(errno));
    }
    int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, on_entry, &state);
    if (rc == MNL_CB_STOP) break;
    if (rc < 0) return make_error("ctnetlink dump: %s", std::strerror(errno));
  }

  // Deletes, many to a datagram, each acknowledged.
  size_t deleted = 0;
  size_t at = 0;
  while (at < state.entries.size()) {
    uint32_t first = ++seq;
    size_t used = 0;
    for (; at < state.entries.size(); ++at) {
      const Entry& e = state.entries[at];
      size_t need = MNL_ALIGN(sizeof(nlmsghdr)) + MNL_ALIGN(sizeof(nfgenmsg)) +
                    MNL_ALIGN(sizeof(nlattr) + e.orig.size()) + MNL_ALIGN(sizeof(nlattr) + 2);
      if (used + need > buf.size()) break;
      nlmsghdr* d = put_header(buf.data() + used, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, seq++);
      mnl_attr_put(d, CTA_TUPLE_ORIG | NLA_F_NESTED, e.orig.size(), e.orig.data());
      if (e.has_zone) mnl_attr_put_u16(d, CTA_ZONE, e.zone);
      used += d->nlmsg_len;
    }
    if (mnl_socket_sendto(sock.get(), buf.data(), used) < 0) {
      return make_error("ctnetlink delete: %s", std::strerror(errno));
    }
    if (Status st = receive_acks(sock.get(), portid, first, seq, deleted); !st) {
      return st.error();
    }
  }
  return deleted;
}

}  // namespace lwb4::nft
