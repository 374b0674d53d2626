#include "nft/nft_batch.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace lwb4::nft {
namespace {

constexpr size_t kMessageRoom = 64 * 1024;  // the largest single message we build
constexpr size_t kElementsPerMessage = 256;
constexpr uint32_t kTypeInetService = 13;  // nft's datatype id, shown by `nft list`

template <class T, void (*Free)(const T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using TablePtr = std::unique_ptr<nftnl_table, Deleter<nftnl_table, nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain, nftnl_chain_free>>;
using SetPtr = std::unique_ptr<nftnl_set, Deleter<nftnl_set, nftnl_set_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule, nftnl_rule_free>>;
using ObjPtr = std::unique_ptr<nftnl_obj, Deleter<nftnl_obj, nftnl_obj_free>>;
using FlowtablePtr =
    std::unique_ptr<nftnl_flowtable, Deleter<nftnl_flowtable, nftnl_flowtable_free>>;
struct SocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using SocketPtr = std::unique_ptr<mnl_socket, SocketCloser>;

class BatchWriter {
 public:
  BatchWriter(std::string table, uint32_t first_seq) : table_(std::move(table)), seq_(first_seq) {
    batch_.first_seq = first_seq;
    nlmsghdr* h = nftnl_batch_begin(room(), next("batch begin"));
    commit(h);
  }

  // A message header of `type` for the next sequence number.
  nlmsghdr* header(uint16_t type, uint16_t flags, const std::string& what) {
    return nftnl_nlmsg_build_hdr(room(), type, static_cast<uint16_t>(family_), flags | NLM_F_ACK,
                                 next(what));
  }
  // The family of the messages that follow (NFPROTO_IPV4 at first).
  void set_family(uint32_t family) { family_ = family; }
  uint32_t family() const { return family_; }
  void commit(nlmsghdr* h) { batch_.bytes.resize(used_ += h->nlmsg_len); }
  const char* table() const { return table_.c_str(); }

  Batch finish() {
    commit(nftnl_batch_end(room(), next("batch end")));
    return std::move(batch_);
  }

 private:
  char* room() {
    batch_.bytes.resize(used_ + kMessageRoom);
    return reinterpret_cast<char*>(batch_.bytes.data() + used_);
  }
  uint32_t next(const std::string& what) {
    batch_.what.push_back(what);
    return seq_++;
  }

  std::string table_;
  Batch batch_;
  size_t used_ = 0;
  uint32_t seq_;
  uint32_t family_ = NFPROTO_IPV4;
};

TablePtr make_table(const char* name, uint32_t family) {
  TablePtr t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name);
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, family);
  return t;
}

void add_table_message(BatchWriter& w, uint16_t type, uint16_t flags, const char* what) {
  TablePtr t = make_table(w.table(), w.family());
  const char* family = w.family() == NFPROTO_NETDEV ? "table netdev " : "table ip ";
  nlmsghdr* h = w.header(type, flags, std::string(family) + w.table() + what);
  nftnl_table_nlmsg_build_payload(h, t.get());
  w.commit(h);
}

void set_data(nftnl_expr* e, uint16_t attr, const Bytes& b) {
  nftnl_expr_set(e, attr, b.data(), static_cast<uint32_t>(b.size()));
}

struct ExprEncoder {
  nftnl_expr* operator()(const MetaExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, x.key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, x.dreg);
    return e;
  }
  nftnl_expr* operator()(const PayloadExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, x.base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, x.offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, x.len);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, x.dreg);
    return e;
  }
  nftnl_expr* operator()(const PayloadWriteExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, x.base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, x.offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, x.len);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, x.sreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE, x.csum_type);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET, x.csum_offset);
    return e;
  }
  nftnl_expr* operator()(const CmpExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, x.sreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, x.op);
    set_data(e, NFTNL_EXPR_CMP_DATA, x.data);
    return e;
  }
  nftnl_expr* operator()(const BitwiseExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("bitwise");
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, x.sreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, x.dreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, static_cast<uint32_t>(x.mask.size()));
    set_data(e, NFTNL_EXPR_BITWISE_MASK, x.mask);
    set_data(e, NFTNL_EXPR_BITWISE_XOR, x.xor_);
    return e;
  }
  nftnl_expr* operator()(const RangeExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("range");
    nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, x.sreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, x.op);
    set_data(e, NFTNL_EXPR_RANGE_FROM_DATA, x.from);
    set_data(e, NFTNL_EXPR_RANGE_TO_DATA, x.to);
    return e;
  }
  nftnl_expr* operator()(const CtExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("ct");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, x.key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, x.dreg);
    return e;
  }
  nftnl_expr* operator()(const LookupExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("lookup");
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, x.sreg);
    nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, x.set.c_str());
    if (x.has_dreg) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, x.dreg);
    return e;
  }
  nftnl_expr* operator()(const ImmediateExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, x.dreg);
    set_data(e, NFTNL_EXPR_IMM_DATA, x.data);
    return e;
  }
  nftnl_expr* operator()(const VerdictExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(x.code));
    if (!x.chain.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, x.chain.c_str());
    return e;
  }
  nftnl_expr* operator()(const CounterRefExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("objref");
    nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
    nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, x.name.c_str());
    return e;
  }
  nftnl_expr* operator()(const NatExpr& x) const {
    nftnl_expr* e = nftnl_expr_alloc("nat");
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, x.type);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, x.family);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, x.reg_addr);
    if (x.reg_proto_min != 0) {
      nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, x.reg_proto_min);
      nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, x.reg_proto_max);
    }
    if (x.flags != 0) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, x.flags);
    return e;
  }
};

void add_counter(BatchWriter& w, const std::string& name) {
  ObjPtr o(nftnl_obj_alloc());
  nftnl_obj_set_str(o.get(), NFTNL_OBJ_TABLE, w.table());
  nftnl_obj_set_str(o.get(), NFTNL_OBJ_NAME, name.c_str());
  nftnl_obj_set_u32(o.get(), NFTNL_OBJ_FAMILY, w.family());
  nftnl_obj_set_u32(o.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
  nlmsghdr* h = w.header(NFT_MSG_NEWOBJ, NLM_F_CREATE, "counter " + name);
  nftnl_obj_nlmsg_build_payload(h, o.get());
  w.commit(h);
}

SetPtr make_set(const BatchWriter& w, const PortMap& m, uint32_t id) {
  SetPtr s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, w.table());
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, m.name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, w.family());
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  return s;
}

void add_map(BatchWriter& w, const PortMap& m, uint32_t id) {
  SetPtr s = make_set(w, m, id);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_MAP | NFT_SET_CONSTANT);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, kTypeInetService);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, 2);
  nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, kTypeInetService);
  nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, 2);
  nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, static_cast<uint32_t>(m.elements.size()));
  nlmsghdr* h = w.header(NFT_MSG_NEWSET, NLM_F_CREATE, "map " + m.name);
  nftnl_set_nlmsg_build_payload(h, s.get());
  w.commit(h);

  for (size_t at = 0; at < m.elements.size(); at += kElementsPerMessage) {
    SetPtr chunk = make_set(w, m, id);
    size_t end = std::min(m.elements.size(), at + kElementsPerMessage);
    for (size_t i = at; i < end; ++i) {
      nftnl_set_elem* e = nftnl_set_elem_alloc();
      uint8_t key[2] = {static_cast<uint8_t>(m.elements[i].first >> 8),
                        static_cast<uint8_t>(m.elements[i].first)};
      uint8_t data[2] = {static_cast<uint8_t>(m.elements[i].second >> 8),
                         static_cast<uint8_t>(m.elements[i].second)};
      nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, 2);
      nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, 2);
      nftnl_set_elem_add(chunk.get(), e);
    }
    nlmsghdr* eh = w.header(
        NFT_MSG_NEWSETELEM, NLM_F_CREATE,
        "map " + m.name + " elements " + std::to_string(at) + ".." + std::to_string(end - 1));
    nftnl_set_elems_nlmsg_build_payload(eh, chunk.get());
    w.commit(eh);
  }
}

void add_chain(BatchWriter& w, const Chain& c) {
  ChainPtr ch(nftnl_chain_alloc());
  nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TABLE, w.table());
  nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_NAME, c.name.c_str());
  nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_FAMILY, w.family());
  if (!c.type.empty()) {
    nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TYPE, c.type.c_str());
    nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_HOOKNUM, c.hook);
    nftnl_chain_set_s32(ch.get(), NFTNL_CHAIN_PRIO, c.priority);
    nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    if (!c.device.empty()) nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_DEV, c.device.c_str());
  }
  nlmsghdr* h = w.header(NFT_MSG_NEWCHAIN, NLM_F_CREATE, "chain " + c.name);
  nftnl_chain_nlmsg_build_payload(h, ch.get());
  w.commit(h);

  for (size_t i = 0; i < c.rules.size(); ++i) {
    RulePtr r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, w.table());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, c.name.c_str());
    nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, w.family());
    for (const Expr& x : c.rules[i].exprs)
      nftnl_rule_add_expr(r.get(), std::visit(ExprEncoder{}, x));
    nlmsghdr* rh = w.header(
        NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
        "rule " + std::to_string(i + 1) + " of chain " + c.name + " (" + c.rules[i].text + ")");
    nftnl_rule_nlmsg_build_payload(rh, r.get());
    w.commit(rh);
  }
}

// The kernel's answer to one message: 0 (ack) or a negative errno, plus the
// extended-ack text when the kernel gave one.
struct Verdict {
  uint32_t seq = 0;
  int error = 0;
  std::string message;
};

Verdict parse_error(const nlmsghdr* h) {
  Verdict v;
  v.seq = h->nlmsg_seq;
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
    v.error = -EBADMSG;
    return v;
  }
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
  v.error = err->error;
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return v;
  // With NETLINK_CAP_ACK only the header of our message is echoed.
  size_t tlv_at = sizeof(nlmsgerr);
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) tlv_at += err->msg.nlmsg_len - sizeof(nlmsghdr);
  const auto* base = static_cast<const uint8_t*>(mnl_nlmsg_get_payload(h));
  size_t total = h->nlmsg_len - NLMSG_HDRLEN;
  for (size_t at = tlv_at; at + sizeof(nlattr) <= total;) {
    const auto* a = reinterpret_cast<const nlattr*>(base + at);
    if (a->nla_len < sizeof(nlattr) || at + a->nla_len > total) break;
    if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && a->nla_len > sizeof(nlattr)) {
      const char* text = reinterpret_cast<const char*>(a) + NLA_HDRLEN;
      v.message.assign(text, strnlen(text, a->nla_len - NLA_HDRLEN));
    }
    at += NLA_ALIGN(a->nla_len);
  }
  return v;
}

}  // namespace

namespace {

// Add, delete: the delete never fails.
void delete_table(BatchWriter& w) {
  add_table_message(w, NFT_MSG_NEWTABLE, NLM_F_CREATE, " (ensure)");
  add_table_message(w, NFT_MSG_DELTABLE, 0, " (delete)");
}

// Delete, add: the swap is one transaction.
void replace_table(BatchWriter& w, const std::vector<std::string>& counters,
                   const std::vector<PortMap>& maps, const std::vector<Chain>& chains) {
  delete_table(w);
  add_table_message(w, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, "");
  for (const std::string& c : counters)
    add_counter(w, c);
  uint32_t id = 1;
  for (const PortMap& m : maps)
    add_map(w, m, id++);
  for (const Chain& c : chains)
    add_chain(w, c);
}

}  // namespace

Result<Batch> encode_replace(const NatPlan& plan, uint32_t first_seq, bool device_table_exists) {
  BatchWriter w(plan.table, first_seq);
  replace_table(w, plan.counters, plan.maps, plan.chains);
  if (plan.device) {
    w.set_family(NFPROTO_NETDEV);
    replace_table(w, plan.device->counters, plan.device->maps, plan.device->chains);
  } else if (device_table_exists) {
    w.set_family(NFPROTO_NETDEV);
    delete_table(w);
  }
  return w.finish();
}

Result<Batch> encode_remove(const std::string& table, uint32_t first_seq,
                            bool device_table_exists) {
  BatchWriter w(table, first_seq);
  delete_table(w);
  if (device_table_exists) {
    w.set_family(NFPROTO_NETDEV);
    delete_table(w);
  }
  return w.finish();
}

namespace {
// A NETLINK_NETFILTER socket bound to a port of the kernel's choosing.
Result<SocketPtr> open_netfilter_socket() {
  SocketPtr sock(mnl_socket_open(NETLINK_NETFILTER));
  if (!sock) return make_error("netlink socket: %s", std::strerror(errno));
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return make_error("netlink bind: %s", std::strerror(errno));
  }
  return sock;
}

// The ports of the last batch sockets (closed after each batch; the monitor
// reads their notifications afterwards).
std::array<uint32_t, 8> recent_portids{};
size_t next_portid = 0;
}  // namespace

bool sent_from_here(uint32_t portid) {
  return portid != 0 &&
         std::find(recent_portids.begin(), recent_portids.end(), portid) != recent_portids.end();
}

Status send_batch(const Batch& batch) {
  Result<SocketPtr> opened = open_netfilter_socket();
  if (!opened) return opened.error();
  SocketPtr sock = std::move(*opened);
  recent_portids[next_portid++ % recent_portids.size()] = mnl_socket_get_portid(sock.get());
  int fd = mnl_socket_get_fd(sock.get());
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  // The batch is one datagram; the kernel processes it inside sendmsg.
  int size = static_cast<int>(batch.bytes.size()) + 4096;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  // An ACK costs about 1 KiB of receive buffer (its skb), whatever its size.
  int rcv = static_cast<int>(batch.what.size()) * 1024 + 65536;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  }
  if (mnl_socket_sendto(sock.get(), batch.bytes.data(), batch.bytes.size()) < 0) {
    return make_error("sending the nftables batch (%zu bytes): %s", batch.bytes.size(),
                      std::strerror(errno));
  }
  // Messages between BEGIN and END each asked for an ack.
  size_t expected = batch.what.size() - 2;
  size_t acked = 0;
  std::vector<uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  while (acked < expected) {
    ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;  // the kernel answered everything it will
      return make_error("reading the nftables verdict: %s", std::strerror(errno));
    }
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(n);
    for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      Verdict v = parse_error(h);
      if (v.error == 0) {
        ++acked;
        continue;
      }
      uint32_t index = v.seq - batch.first_seq;
      std::string what = index < batch.what.size() ? batch.what[index] : "message";
      std::string reason = std::strerror(-v.error);
      if (!v.message.empty()) reason += " (" + v.message + ")";
      return make_error("nftables refused %s: %s", what.c_str(), reason.c_str());
    }
  }
  if (acked < expected) {
    return make_error("nftables acknowledged %zu of %zu messages", acked, expected);
  }
  return {};
}

Status apply_plan(const NatPlan& plan, bool device_table_exists) {
  Result<Batch> batch =
      encode_replace(plan, static_cast<uint32_t>(::getpid()) << 12, device_table_exists);
  if (!batch) return batch.error();
  return send_batch(*batch);
}

Status remove_table(const std::string& table, bool device_table_exists) {
  Result<Batch> batch =
      encode_remove(table, static_cast<uint32_t>(::getpid()) << 12, device_table_exists);
  if (!batch) return batch.error();
  return send_batch(*batch);
}

}  // namespace lwb4::nft

namespace lwb4::nft {
namespace {

struct CounterDump {
  std::string table;
  std::vector<std::pair<std::string, uint64_t>> counters;
};

int on_counter(const nlmsghdr* h, void* data) {
  ObjPtr o(nftnl_obj_alloc());
  if (nftnl_obj_nlmsg_parse(h, o.get()) < 0) return MNL_CB_OK;
  auto* dump = static_cast<CounterDump*>(data);
  if (nftnl_obj_get_u32(o.get(), NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER) return MNL_CB_OK;
  if (dump->table != nftnl_obj_get_str(o.get(), NFTNL_OBJ_TABLE)) return MNL_CB_OK;
  uint32_t family = nftnl_obj_get_u32(o.get(), NFTNL_OBJ_FAMILY);
  if (family != NFPROTO_IPV4 && family != NFPROTO_NETDEV) return MNL_CB_OK;
  // A counter of the same name in both tables (inbound_dropped: the guard
  // in ip, from_softwire in netdev) is one figure.
  std::string name = nftnl_obj_get_str(o.get(), NFTNL_OBJ_NAME);
  uint64_t packets = nftnl_obj_get_u64(o.get(), NFTNL_OBJ_CTR_PKTS);
  for (auto& [n, p] : dump->counters) {
    if (n == name) {
      p += packets;
      return MNL_CB_OK;
    }
  }
  dump->counters.emplace_back(std::move(name), packets);
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<std::pair<std::string, uint64_t>>> read_counters(const std::string& table) {
  Result<SocketPtr> opened = open_netfilter_socket();
  if (!opened) return opened.error();
  SocketPtr sock = std::move(*opened);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  uint32_t seq = static_cast<uint32_t>(::getpid()) << 12;
  // Both families: the egress counters are in the netdev table when there
  // is one (NatPlan::device).
  nlmsghdr* h = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETOBJ, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
  ObjPtr filter(nftnl_obj_alloc());
  nftnl_obj_set_str(filter.get(), NFTNL_OBJ_TABLE, table.c_str());
  nftnl_obj_set_u32(filter.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
  nftnl_obj_nlmsg_build_payload(h, filter.get());
  if (mnl_socket_sendto(sock.get(), h, h->nlmsg_len) < 0) {
    return make_error("reading the nftables counters: %s", std::strerror(errno));
  }
  CounterDump dump{table, {}};
  uint32_t portid = mnl_socket_get_portid(sock.get());
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock.get(), buf.data(), buf.size());
    if (n < 0) return make_error("reading the nftables counters: %s", std::strerror(errno));
    int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, on_counter, &dump);
    if (rc == MNL_CB_STOP) break;
    if (rc < 0) {
      if (errno == ENOENT) break;
      return make_error("reading the nftables counters: %s", std::strerror(errno));
    }
  }
  return dump.counters;
}

namespace {

const char* family_name(uint32_t family) {
  switch (family) {
    case NFPROTO_INET:
      return "inet";
    case NFPROTO_IPV4:
      return "ip";
    case NFPROTO_IPV6:
      return "ip6";
    case NFPROTO_NETDEV:
      return "netdev";
    case NFPROTO_BRIDGE:
      return "bridge";
    default:
      return "?";
  }
}

struct FlowtableDump {
  std::vector<std::string> names;
};

int on_flowtable(const nlmsghdr* h, void* data) {
  auto* dump = static_cast<FlowtableDump*>(data);
  FlowtablePtr ft(nftnl_flowtable_alloc());
  if (!ft || nftnl_flowtable_nlmsg_parse(h, ft.get()) < 0) return MNL_CB_OK;
  if (!nftnl_flowtable_is_set(ft.get(), NFTNL_FLOWTABLE_DEVICES)) return MNL_CB_OK;
  const char* const* devices = nftnl_flowtable_get_array(ft.get(), NFTNL_FLOWTABLE_DEVICES);
  if (!devices || !devices[0]) return MNL_CB_OK;
  dump->names.push_back(
      std::string(family_name(nftnl_flowtable_get_u32(ft.get(), NFTNL_FLOWTABLE_FAMILY))) + " " +
      nftnl_flowtable_get_str(ft.get(), NFTNL_FLOWTABLE_TABLE) + " " +
      nftnl_flowtable_get_str(ft.get(), NFTNL_FLOWTABLE_NAME));
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<std::string>> flowtables_with_devices() {
  Result<SocketPtr> opened = open_netfilter_socket();
  if (!opened) return opened.error();
  SocketPtr sock = std::move(*opened);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  uint32_t seq = static_cast<uint32_t>(::getpid()) << 12 | 1;
  nlmsghdr* h =
      nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETFLOWTABLE, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
  if (mnl_socket_sendto(sock.get(), h, h->nlmsg_len) < 0) {
    return make_error("listing the nftables flowtables: %s", std::strerror(errno));
  }
  FlowtableDump dump;
  uint32_t portid = mnl_socket_get_portid(sock.get());
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock.get(), buf.data(), buf.size());
    if (n < 0) return make_error("listing the nftables flowtables: %s", std::strerror(errno));
    int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, on_flowtable, &dump);
    if (rc == MNL_CB_STOP) break;
    if (rc < 0) {
      // A kernel without flowtable support has none to list.
      if (errno == ENOENT || errno == EOPNOTSUPP) break;
      return make_error("listing the nftables flowtables: %s", std::strerror(errno));
    }
  }
  return dump.names;
}

Result<bool> table_exists(uint32_t family, const std::string& name) {
  Result<SocketPtr> opened = open_netfilter_socket();
  if (!opened) return opened.error();
  SocketPtr sock = std::move(*opened);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  uint32_t seq = static_cast<uint32_t>(::getpid()) << 12 | 2;
  nlmsghdr* h = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETTABLE, static_cast<uint16_t>(family),
                                      NLM_F_ACK, seq);
  TablePtr t(nftnl_table_alloc());
  if (!t) return make_error("out of memory");
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name.c_str());
  nftnl_table_nlmsg_build_payload(h, t.get());
  if (mnl_socket_sendto(sock.get(), h, h->nlmsg_len) < 0) {
    return make_error("looking up table %s %s: %s", family_name(family), name.c_str(),
                      std::strerror(errno));
  }
  bool found = false;
  uint32_t portid = mnl_socket_get_portid(sock.get());
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock.get(), buf.data(), buf.size());
    if (n < 0) {
      return make_error("looking up table %s %s: %s", family_name(family), name.c_str(),
                        std::strerror(errno));
    }
    int rc = mnl_cb_run(
        buf.data(), static_cast<size_t>(n), seq, portid,
        [](const nlmsghdr*, void* data) {
          *static_cast<bool*>(data) = true;
          return MNL_CB_OK;
        },
        &found);
    if (rc == MNL_CB_STOP) break;  // the ACK
    if (rc < 0) {
      // No such table, or a kernel without that family.
      if (errno == ENOENT || errno == EAFNOSUPPORT || errno == EOPNOTSUPP) return false;
      return make_error("looking up table %s %s: %s", family_name(family), name.c_str(),
                        std::strerror(errno));
    }
  }
  return found;
}

}  // namespace lwb4::nft
