#include "nft/nat_plan.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4.h>
#include <net/if.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace lwb4::nft {
namespace {

constexpr uint8_t kProtoIcmp = 1;            // RFC 792
constexpr uint8_t kProtoTcp = 6;             // RFC 9293
constexpr uint8_t kProtoUdp = 17;            // RFC 768
constexpr uint8_t kIcmpEchoReply = 0;        // RFC 792
constexpr uint8_t kIcmpUnreachable = 3;      // RFC 792 (incl. fragmentation needed, RFC 1191)
constexpr uint8_t kIcmpEchoRequest = 8;      // RFC 792
constexpr uint8_t kIcmpTimeExceeded = 11;    // RFC 792
constexpr uint32_t kIcmpIdOffset = 4;        // RFC 792: type, code, checksum, identifier
constexpr uint32_t kIcmpChecksumOffset = 2;  // RFC 792
constexpr uint32_t kTcpChecksumOffset = 16;  // RFC 9293 §3.1
constexpr uint32_t kUdpChecksumOffset = 6;   // RFC 768
constexpr uint32_t kIcmpErrorInner = 8;      // RFC 792: the original IP header follows
constexpr uint8_t kInnerVersionIhl = 0x45;   // RFC 791: IPv4 without options
constexpr uint32_t kInnerHeaderLength = 20;  // RFC 791

// Chain priorities (include/uapi/linux/netfilter_ipv4.h).
constexpr int32_t kPrioritySnat = NF_IP_PRI_NAT_SRC - 1;     // pre-empts fw4's srcnat
constexpr int32_t kPriorityEgress = NF_IP_PRI_NAT_SRC + 50;  // after every SNAT
constexpr int32_t kPriorityIngress = NF_IP_PRI_RAW;          // after defrag, before conntrack
constexpr int32_t kPriorityGuard = NF_IP_PRI_FILTER - 1;     // local input, ahead of fw4's filter
constexpr int32_t kPriorityDnat = NF_IP_PRI_NAT_DST - 1;     // pre-empts fw4's dstnat
// The netdev ingress chain runs ahead of a flowtable's hook on the same
// device (firewall4's: priority filter, 0).
constexpr int32_t kPriorityDeviceIngress = -500;
constexpr size_t kMaxTableName = 32;

Bytes be16(uint16_t v) {
  return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}
Bytes u8(uint8_t v) {
  return {v};
}
Bytes host32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}
Bytes ifname_bytes(const std::string& name) {
  Bytes b(IFNAMSIZ, 0);
  std::memcpy(b.data(), name.data(), name.size());
  return b;
}

const char* proto_name(uint8_t proto) {
  switch (proto) {
    case kProtoTcp:
      return "tcp";
    case kProtoUdp:
      return "udp";
    default:
      return "icmp";
  }
}

// Appends expressions and their nft text side by side.
class RuleBuilder {
 public:
  RuleBuilder& iifname(const std::string& name) {
    return ifname(NFT_META_IIFNAME, "iifname", name);
  }
  RuleBuilder& oifname(const std::string& name) {
    return ifname(NFT_META_OIFNAME, "oifname", name);
  }

  RuleBuilder& l4proto(uint8_t proto) {
    add(MetaExpr{NFT_META_L4PROTO}, CmpExpr{kReg1, NFT_CMP_EQ, u8(proto)});
    return text(std::string("meta l4proto ") + proto_name(proto));
  }
  // The IPv4 header's protocol field (RFC 791 §3.1): the same test as
  // `meta l4proto` where the family is ip, read inline by nft_do_chain
  // instead of through a call.
  RuleBuilder& ip_protocol(uint8_t proto) {
    add(PayloadExpr{NFT_PAYLOAD_NETWORK_HEADER, 9, 1}, CmpExpr{kReg1, NFT_CMP_EQ, u8(proto)});
    return text(std::string("ip protocol ") + proto_name(proto));
  }
  RuleBuilder& l4proto_not(std::initializer_list<uint8_t> protos) {
    exprs_.push_back(MetaExpr{NFT_META_L4PROTO});
    std::string names;
    for (uint8_t p : protos) {
      exprs_.push_back(CmpExpr{kReg1, NFT_CMP_NEQ, u8(p)});
      names += names.empty() ? "" : ", ";
      names += proto_name(p);
    }
    return text("meta l4proto != { " + names + " }");
  }
  // Offset 12: source, 16: destination (RFC 791 §3.1).
  RuleBuilder& ip_addr(bool source, Ipv4Address a, bool negate = false) {
    Bytes b(a.bytes.begin(), a.bytes.end());
    add(PayloadExpr{NFT_PAYLOAD_NETWORK_HEADER, source ? 12u : 16u, 4},
        CmpExpr{kReg1, negate ? NFT_CMP_NEQ : NFT_CMP_EQ, b});
    return text(std::string(source ? "ip saddr " : "ip daddr ") + (negate ? "!= " : "") +
                a.to_string());
  }
  RuleBuilder& icmp_type(uint8_t type) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1}, CmpExpr{kReg1, NFT_CMP_EQ, u8(type)});
    return text("icmp type " + std::to_string(type));
  }
  // (field & mask) != value: the O(1) "outside the set" test.
  RuleBuilder& field_outside_mask(uint32_t offset, const std::string& field, const PortMask& m) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2},
        BitwiseExpr{kReg1, kReg1, be16(m.mask), be16(0)},
        CmpExpr{kReg1, NFT_CMP_NEQ, be16(m.value)});
    char buf[64];
    std::snprintf(buf, sizeof buf, " & 0x%04x != 0x%04x", m.mask, m.value);
    return text(field + buf);
  }
  RuleBuilder& field_below(uint32_t offset, const std::string& field, uint16_t min) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2},
        CmpExpr{kReg1, NFT_CMP_LT, be16(min)});
    return text(field + " < " + std::to_string(min));
  }
  RuleBuilder& field_above(uint32_t offset, const std::string& field, uint16_t max) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2},
        CmpExpr{kReg1, NFT_CMP_GT, be16(max)});
    return text(field + " > " + std::to_string(max));
  }
  RuleBuilder& field_in_range(uint32_t offset, const std::string& field, uint16_t lo, uint16_t hi) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2},
        RangeExpr{kReg1, NFT_RANGE_EQ, be16(lo), be16(hi)});
    return text(field + " " + std::to_string(lo) + "-" + std::to_string(hi));
  }
  RuleBuilder& field_eq16(uint32_t offset, const std::string& field, uint16_t v) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2}, CmpExpr{kReg1, NFT_CMP_EQ, be16(v)});
    return text(field + " " + std::to_string(v));
  }
  RuleBuilder& field_ne16(uint32_t offset, const std::string& field, uint16_t v) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2}, CmpExpr{kReg1, NFT_CMP_NEQ, be16(v)});
    return text(field + " != " + std::to_string(v));
  }
  RuleBuilder& field_eq8(uint32_t offset, uint8_t v) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 1}, CmpExpr{kReg1, NFT_CMP_EQ, u8(v)});
    return text("@th," + std::to_string(offset * 8) + ",8 " + std::to_string(v));
  }
  RuleBuilder& field_eq_addr(uint32_t offset, Ipv4Address a) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 4},
        CmpExpr{kReg1, NFT_CMP_EQ, Bytes(a.bytes.begin(), a.bytes.end())});
    return text("@th," + std::to_string(offset * 8) + ",32 " + a.to_string());
  }
  RuleBuilder& ct_new() {
    add(CtExpr{NFT_CT_STATE},
        BitwiseExpr{kReg1, kReg1, host32(NF_CT_STATE_BIT(IP_CT_NEW)), host32(0)});
    exprs_.push_back(CmpExpr{kReg1, NFT_CMP_NEQ, host32(0)});
    return text("ct state new");
  }
  // field set field map @map, fixing the L4 checksum at csum_offset, or
  // leaving it alone (no_checksum: a UDP checksum of 0 means none, RFC 768,
  // and the kernel's incremental update would make it a wrong non-zero one).
  RuleBuilder& map_field(uint32_t offset, uint32_t csum_offset, const std::string& field,
                         const std::string& map, bool no_checksum = false) {
    add(PayloadExpr{NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2}, LookupExpr{kReg1, map, true, kReg1});
    exprs_.push_back(PayloadWriteExpr{
        NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2, kReg1,
        no_checksum ? uint32_t{NFT_PAYLOAD_CSUM_NONE} : uint32_t{NFT_PAYLOAD_CSUM_INET},
        no_checksum ? 0 : csum_offset});
    return text(field + " set " + field + " map @" + map);
  }
  RuleBuilder& counter(const char* name) {
    exprs_.push_back(CounterRefExpr{name});
    return text(std::string("counter name \"") + name + "\"");
  }
  RuleBuilder& drop() {
    exprs_.push_back(VerdictExpr{NF_DROP, {}});
    return text("drop");
  }
  RuleBuilder& jump(const std::string& chain) {
    exprs_.push_back(VerdictExpr{NFT_JUMP, chain});
    return text("jump " + chain);
  }
  RuleBuilder& accept() {
    exprs_.push_back(VerdictExpr{NF_ACCEPT, {}});
    return text("accept");
  }
  RuleBuilder& snat(Ipv4Address a, uint16_t lo, uint16_t hi, bool ports) {
    exprs_.push_back(ImmediateExpr{kReg1, Bytes(a.bytes.begin(), a.bytes.end())});
    NatExpr nat{NFT_NAT_SNAT, NFPROTO_IPV4, kReg1, 0, 0, 0};
    std::string t = "snat ip to " + a.to_string();
    if (ports) {
      exprs_.push_back(ImmediateExpr{kReg2, be16(lo)});
      exprs_.push_back(ImmediateExpr{kReg3, be16(hi)});
      nat.reg_proto_min = kReg2;
      nat.reg_proto_max = kReg3;
      nat.flags = NF_NAT_RANGE_PROTO_SPECIFIED;
      t += ":" + std::to_string(lo) + "-" + std::to_string(hi);
    }
    exprs_.push_back(nat);
    return text(t);
  }

  RuleBuilder& dnat(Ipv4Address a, uint16_t port) {
    exprs_.push_back(ImmediateExpr{kReg1, Bytes(a.bytes.begin(), a.bytes.end())});
    exprs_.push_back(ImmediateExpr{kReg2, be16(port)});
    exprs_.push_back(
        NatExpr{NFT_NAT_DNAT, NFPROTO_IPV4, kReg1, kReg2, kReg2, NF_NAT_RANGE_PROTO_SPECIFIED});
    return text("dnat ip to " + a.to_string() + ":" + std::to_string(port));
  }

  Rule build() { return Rule{std::move(exprs_), std::move(text_)}; }

 private:
  RuleBuilder& ifname(uint32_t key, const char* word, const std::string& name) {
    add(MetaExpr{key}, CmpExpr{kReg1, NFT_CMP_EQ, ifname_bytes(name)});
    return text(std::string(word) + " \"" + name + "\"");
  }
  template <class... E>
  void add(E&&... e) {
    (exprs_.push_back(std::forward<E>(e)), ...);
  }
  RuleBuilder& text(const std::string& t) {
    text_ += text_.empty() ? "" : " ";
    text_ += t;
    return *this;
  }

  std::vector<Expr> exprs_;
  std::string text_;
};

struct Field {
  uint8_t proto;
  uint32_t offset;
  uint32_t csum_offset;
  const char* name;
};
constexpr Field kTcpSport{kProtoTcp, 0, kTcpChecksumOffset, "tcp sport"};
constexpr Field kUdpSport{kProtoUdp, 0, kUdpChecksumOffset, "udp sport"};
constexpr Field kTcpDport{kProtoTcp, 2, kTcpChecksumOffset, "tcp dport"};
constexpr Field kUdpDport{kProtoUdp, 2, kUdpChecksumOffset, "udp dport"};

// The UDP port map for datagrams without a checksum (0 on the wire): the
// port changes, the 0 stays. Ahead of the checksummed rule.
Rule udp_without_checksum(const Field& f, const std::string& map) {
  return RuleBuilder()
      .l4proto(kProtoUdp)
      .field_eq16(kUdpChecksumOffset, "udp checksum", 0)
      .map_field(f.offset, f.csum_offset, f.name, map, true)
      .accept()
      .build();
}
constexpr Field kIcmpId{kProtoIcmp, kIcmpIdOffset, kIcmpChecksumOffset, "icmp id"};

// The per-packet common case: a TCP segment or a checksummed UDP datagram
// whose port the map knows, from the shared address when `source` is set.
Rule fast_map_rule(const Field& f, const std::string& map, const Ipv4Address* source) {
  RuleBuilder b;
  b.ip_protocol(f.proto);
  if (source) b.ip_addr(true, *source);
  if (f.proto == kProtoUdp) b.field_ne16(kUdpChecksumOffset, "udp checksum", 0);
  return b.map_field(f.offset, f.csum_offset, f.name, map).accept().build();
}

// The highest window of n ports in 1..65535 that holds no reserved port, so
// that traffic to and from reserved ports is never mistaken for a mapped
// flow. `reserved` is sorted.
std::optional<uint16_t> virtual_window(uint32_t n, const std::vector<uint16_t>& reserved) {
  uint32_t gap_end = 65535;
  for (auto it = reserved.rbegin();; ++it) {
    uint32_t gap_start = it == reserved.rend() ? 1 : uint32_t{*it} + 1;
    if (gap_end >= gap_start && gap_end - gap_start + 1 >= n) {
      return static_cast<uint16_t>(gap_end - n + 1);
    }
    if (it == reserved.rend()) return std::nullopt;
    if (*it == 0) return std::nullopt;
    gap_end = uint32_t{*it} - 1;
  }
}

// Inbound port forwards: DNAT ahead of fw4. The external ports are reserved,
// so the ingress map and the pool guard leave them alone.
void plan_forwards(const NatConfig& c, NatPlan& plan) {
  if (c.forwards.empty()) return;
  Chain dnat{"dnat", "nat", NF_INET_PRE_ROUTING, kPriorityDnat, {}, {}};
  for (const Forward& f : c.forwards) {
    const Field& port = f.proto == kProtoTcp ? kTcpDport : kUdpDport;
    dnat.rules.push_back(RuleBuilder()
                             .iifname(c.oifname)
                             .ip_addr(false, c.address)
                             .l4proto(f.proto)
                             .field_eq16(port.offset, port.name, f.external_port)
                             .dnat(f.lan_address, f.lan_port)
                             .build());
  }
  plan.chains.push_back(std::move(dnat));
}

void plan_full(const NatConfig& c, NatPlan& plan) {
  Chain snat{"snat", "nat", NF_INET_POST_ROUTING, kPrioritySnat, {}, {}};
  // An unshared address: plain SNAT, every port and protocol (RFC 7596 §5.1).
  snat.rules.push_back(RuleBuilder().oifname(c.oifname).snat(c.address, 0, 0, false).build());
  plan.chains.push_back(std::move(snat));
  plan_forwards(c, plan);
}

// Drops a port or ICMP id outside the set with the O(1) tests of
// PortSet::mask(): the mask/value test, the lower bound and, for a contiguous
// range (PCP PORT_SET), the upper bound. `base` holds the rule's match so
// far; every rule counts into `counter`.
void drop_outside_set(std::vector<Rule>& rules, const RuleBuilder& base, uint32_t offset,
                      const std::string& field, const PortMask& mask, const char* counter) {
  rules.push_back(
      RuleBuilder(base).field_outside_mask(offset, field, mask).counter(counter).drop().build());
  rules.push_back(
      RuleBuilder(base).field_below(offset, field, mask.min_port).counter(counter).drop().build());
  if (mask.max_port < 0xffff) {
    rules.push_back(RuleBuilder(base)
                        .field_above(offset, field, mask.max_port)
                        .counter(counter)
                        .drop()
                        .build());
  }
}

void plan_shared(const NatConfig& c, const std::vector<uint16_t>& reserved, uint16_t first,
                 NatPlan& plan) {
  const PortSet& set = c.ports;
  const PortMask mask = set.mask();
  const std::string& sw = c.oifname;
  const Ipv4Address a = c.address;
  uint16_t last = static_cast<uint16_t>(first + plan.virtual_count - 1);

  PortMap v2p{"v2p", {}};
  PortMap p2v{"p2v", {}};
  uint32_t v = first;
  for (uint32_t i = 0; i < set.count(); ++i) {
    uint16_t port = set.port_at(i);
    if (std::binary_search(reserved.begin(), reserved.end(), port)) continue;
    v2p.elements.emplace_back(static_cast<uint16_t>(v), port);
    p2v.elements.emplace_back(port, static_cast<uint16_t>(v));
    ++v;
  }
  std::sort(p2v.elements.begin(), p2v.elements.end());
  plan.maps.push_back(std::move(v2p));
  plan.maps.push_back(std::move(p2v));
  plan.counters = {kCounterEgressProtocol, kCounterEgressPort, kCounterInbound};

  // SNAT into the virtual pool; the ICMP echo identifier is NAT'd like a
  // port (RFC 5508 §3.1, RFC 7596 §8.2).
  Chain snat{"snat", "nat", NF_INET_POST_ROUTING, kPrioritySnat, {}, {}};
  for (uint8_t proto : {kProtoTcp, kProtoUdp, kProtoIcmp}) {
    snat.rules.push_back(
        RuleBuilder().oifname(sw).l4proto(proto).snat(a, first, last, true).build());
  }

  // Only packets on the softwire (to or from the shared address) enter the
  // per-packet work; everything else passes the base chains with one rule.
  // Each packet of a TCP or UDP flow runs this chain, so the common case
  // comes first with as few expressions as it takes (each costs time on
  // every packet: docs/benchmarks.md, "per packet"); what it leaves is
  // checked in full below.
  Chain egress{"to_softwire", "", 0, 0, {}, {}};
  egress.rules.push_back(fast_map_rule(kTcpSport, "v2p", &a));
  egress.rules.push_back(fast_map_rule(kUdpSport, "v2p", &a));
  // Protocols without ports cannot share the address (RFC 7618 §7.1).
  egress.rules.push_back(RuleBuilder()
                             .l4proto_not({kProtoIcmp, kProtoTcp, kProtoUdp})
                             .counter(kCounterEgressProtocol)
                             .drop()
                             .build());
  egress.rules.push_back(
      RuleBuilder().ip_addr(true, a, true).counter(kCounterEgressPort).drop().build());
  egress.rules.push_back(udp_without_checksum(kUdpSport, "v2p"));
  egress.rules.push_back(RuleBuilder()
                             .l4proto(kProtoIcmp)
                             .icmp_type(kIcmpEchoRequest)
                             .map_field(kIcmpId.offset, kIcmpId.csum_offset, kIcmpId.name, "v2p")
                             .accept()
                             .build());
  // A mapped port is in the set by construction and accepted above; whatever
  // escaped the mapping must still be inside the set (RFC 7597 §5.1).
  for (const Field& f : {kTcpSport, kUdpSport}) {
    drop_outside_set(egress.rules, RuleBuilder().l4proto(f.proto), f.offset, "th sport", mask,
                     kCounterEgressPort);
  }
  for (uint8_t type : {kIcmpEchoRequest, kIcmpEchoReply}) {
    drop_outside_set(egress.rules, RuleBuilder().l4proto(kProtoIcmp).icmp_type(type), kIcmpIdOffset,
                     "icmp id", mask, kCounterEgressPort);
  }
  // An ICMP error from the LAN or the CPE about a packet that came in quotes
  // it as conntrack restores it: to the shared address and the virtual
  // port. The remote sent it to the real port (RFC 5508 §4.1: the embedded
  // header is translated like the outer one).
  for (uint8_t type : {kIcmpUnreachable, kIcmpTimeExceeded}) {
    for (const Field& f : {kTcpDport, kUdpDport}) {
      RuleBuilder b;
      b.l4proto(kProtoIcmp).icmp_type(type);
      b.field_eq8(kIcmpErrorInner, kInnerVersionIhl).field_eq8(kIcmpErrorInner + 9, f.proto);
      b.field_eq_addr(kIcmpErrorInner + 16, a);
      const uint32_t at = kIcmpErrorInner + kInnerHeaderLength + f.offset;
      std::string field = "@th," + std::to_string(at * 8) + ",16";
      egress.rules.push_back(b.map_field(at, kIcmpChecksumOffset, field, "v2p").build());
    }
  }

  Chain ingress{"from_softwire", "", 0, 0, {}, {}};
  // Real port -> virtual port before conntrack looks the reply up. A port
  // the map knows is in the set: accepted at once (the common case first,
  // as on egress). A reserved port misses the map and goes on to the set
  // checks.
  ingress.rules.push_back(fast_map_rule(kTcpDport, "p2v", nullptr));
  ingress.rules.push_back(fast_map_rule(kUdpDport, "p2v", nullptr));
  // Nothing outside the set is accepted on the shared address (RFC 7596 §5.1).
  ingress.rules.push_back(RuleBuilder()
                              .l4proto_not({kProtoIcmp, kProtoTcp, kProtoUdp})
                              .counter(kCounterInbound)
                              .drop()
                              .build());
  ingress.rules.push_back(udp_without_checksum(kUdpDport, "p2v"));
  ingress.rules.push_back(RuleBuilder()
                              .l4proto(kProtoIcmp)
                              .icmp_type(kIcmpEchoReply)
                              .map_field(kIcmpId.offset, kIcmpId.csum_offset, kIcmpId.name, "p2v")
                              .accept()
                              .build());
  for (const Field& f : {kTcpDport, kUdpDport}) {
    drop_outside_set(ingress.rules, RuleBuilder().l4proto(f.proto), f.offset, "th dport", mask,
                     kCounterInbound);
  }
  for (uint8_t type : {kIcmpEchoRequest, kIcmpEchoReply}) {
    drop_outside_set(ingress.rules, RuleBuilder().l4proto(kProtoIcmp).icmp_type(type),
                     kIcmpIdOffset, "icmp id", mask, kCounterInbound);
  }
  // ICMP errors quote our packet: its source port (or echo id) is real on the
  // wire and must be virtual for conntrack to relate the error to the flow
  // (RFC 5508 §4.1; PMTUD needs it, RFC 1191).
  const uint32_t inner = kIcmpErrorInner;
  const uint32_t inner_l4 = inner + kInnerHeaderLength;
  for (uint8_t type : {kIcmpUnreachable, kIcmpTimeExceeded}) {
    for (uint8_t proto : {kProtoTcp, kProtoUdp, kProtoIcmp}) {
      RuleBuilder b;
      b.l4proto(kProtoIcmp).icmp_type(type);
      b.field_eq8(inner, kInnerVersionIhl).field_eq8(inner + 9, proto);
      b.field_eq_addr(inner + 12, a);
      uint32_t at = inner_l4;
      if (proto == kProtoIcmp) {
        b.field_eq8(inner_l4, kIcmpEchoRequest);
        at = inner_l4 + kIcmpIdOffset;
      }
      std::string field = "@th," + std::to_string(at * 8) + ",16";
      ingress.rules.push_back(b.map_field(at, kIcmpChecksumOffset, field, "p2v").build());
    }
  }

  // A packet mapped into the pool without a conntrack entry is unsolicited:
  // it must not reach a CPE service that happens to listen on a virtual port.
  // Only packets for the CPE itself can: the hook is input, so forwarded
  // traffic (every NAT'd flow) does not pay for it.
  Chain guard{"guard", "filter", NF_INET_LOCAL_IN, kPriorityGuard, {}, {}};
  for (const Field& f : {kTcpDport, kUdpDport}) {
    guard.rules.push_back(RuleBuilder()
                              .iifname(sw)
                              .ip_addr(false, a)
                              .l4proto(f.proto)
                              .ct_new()
                              .field_in_range(f.offset, "th dport", first, last)
                              .counter(kCounterInbound)
                              .drop()
                              .build());
  }

  Chain ingress_base{"ingress", "filter", NF_INET_PRE_ROUTING, kPriorityIngress, {}, {}};
  // The address first: what leaves through the softwire passes this hook
  // too, and a header compare costs less than reading the device's name.
  ingress_base.rules.push_back(
      RuleBuilder().ip_addr(false, a).iifname(sw).jump(ingress.name).build());
  Chain egress_base{"egress", "filter", NF_INET_POST_ROUTING, kPriorityEgress, {}, {}};
  egress_base.rules.push_back(RuleBuilder().oifname(sw).jump(egress.name).build());

  // A regular chain exists before the rule that jumps to it.
  plan.chains.push_back(std::move(ingress));
  plan.chains.push_back(std::move(egress));
  plan.chains.push_back(std::move(ingress_base));
  plan.chains.push_back(std::move(guard));
  plan.chains.push_back(std::move(snat));
  plan.chains.push_back(std::move(egress_base));
  plan_forwards(c, plan);
}

const char* hook_name(uint32_t hook) {
  switch (hook) {
    case NF_INET_PRE_ROUTING:
      return "prerouting";
    case NF_INET_LOCAL_IN:
      return "input";
    default:
      return "postrouting";
  }
}

// The port rewrite (to_softwire and from_softwire, both maps, their
// counters) into a netdev table whose base chains sit on the softwire's
// egress and ingress hooks.
constexpr const char* kMapVirtualToPort = "v2p";
constexpr const char* kMapPortToVirtual = "p2v";
constexpr const char* kChainToSoftwire = "to_softwire";
constexpr const char* kChainFromSoftwire = "from_softwire";
constexpr const char* kChainEgress = "egress";
constexpr const char* kChainIngress = "ingress";

void move_rewrite_to_device(const std::string& device, Ipv4Address a, NatPlan& plan) {
  TablePart d;
  auto take = [](auto& from, auto&& is, auto& to) {
    for (auto it = from.begin(); it != from.end();) {
      if (is(*it)) {
        to.push_back(std::move(*it));
        it = from.erase(it);
      } else {
        ++it;
      }
    }
  };
  take(
      plan.counters,
      [](const std::string& c) { return c == kCounterEgressProtocol || c == kCounterEgressPort; },
      d.counters);
  // from_softwire counts into a counter of its own table; the guard, which
  // stays, keeps the ip table's.
  d.counters.push_back(kCounterInbound);
  take(
      plan.maps,
      [](const PortMap& m) { return m.name == kMapVirtualToPort || m.name == kMapPortToVirtual; },
      d.maps);
  take(
      plan.chains,
      [](const Chain& c) { return c.name == kChainToSoftwire || c.name == kChainFromSoftwire; },
      d.chains);
  std::vector<Chain> replaced;
  take(
      plan.chains, [](const Chain& c) { return c.name == kChainEgress || c.name == kChainIngress; },
      replaced);
  const Bytes ip{0x08, 0x00};  // ETH_P_IP
  Chain egress;
  egress.name = kChainEgress;
  egress.type = "filter";
  egress.hook = NF_NETDEV_EGRESS;
  egress.priority = 0;
  egress.device = device;
  Rule out;
  out.exprs = {MetaExpr{NFT_META_PROTOCOL, kReg1}, CmpExpr{kReg1, NFT_CMP_EQ, ip},
               VerdictExpr{NFT_JUMP, kChainToSoftwire}};
  out.text = std::string("meta protocol ip jump ") + kChainToSoftwire;
  egress.rules.push_back(std::move(out));
  Chain ingress;
  ingress.name = kChainIngress;
  ingress.type = "filter";
  ingress.hook = NF_NETDEV_INGRESS;
  ingress.priority = kPriorityDeviceIngress;
  ingress.device = device;
  Rule in;
  in.exprs = {MetaExpr{NFT_META_PROTOCOL, kReg1}, CmpExpr{kReg1, NFT_CMP_EQ, ip},
              PayloadExpr{NFT_PAYLOAD_NETWORK_HEADER, 16, 4, kReg1},
              CmpExpr{kReg1, NFT_CMP_EQ, Bytes(a.bytes.begin(), a.bytes.end())},
              VerdictExpr{NFT_JUMP, kChainFromSoftwire}};
  in.text = "meta protocol ip ip daddr " + a.to_string() + " jump " + kChainFromSoftwire;
  ingress.rules.push_back(std::move(in));
  d.chains.push_back(std::move(ingress));
  d.chains.push_back(std::move(egress));
  plan.device = std::move(d);
}

}  // namespace

std::string describe(const Forward& f) {
  return std::string(f.proto == kProtoTcp ? "tcp" : "udp") + ":" + std::to_string(f.external_port) +
         ":" + f.lan_address.to_string() + ":" + std::to_string(f.lan_port);
}

bool is_table_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxTableName) return false;
  if (!std::isalpha(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
  });
}

Result<NatPlan> plan_nat(const NatConfig& config) {
  if (config.oifname.empty() || config.oifname.size() >= IFNAMSIZ) {
    return make_error("interface name '%s': must be 1..%d characters", config.oifname.c_str(),
                      IFNAMSIZ - 1);
  }
  if (!is_table_name(config.table)) {
    return make_error(
        "table name '%s': must be 1..%zu letters, digits, '_' or '-', starting "
        "with a letter",
        config.table.c_str(), kMaxTableName);
  }
  for (size_t i = 0; i < config.forwards.size(); ++i) {
    const Forward& f = config.forwards[i];
    if ((f.proto != kProtoTcp && f.proto != kProtoUdp) || f.external_port == 0 || f.lan_port == 0) {
      return make_error("forward %s: needs tcp or udp and non-zero ports", describe(f).c_str());
    }
    if (!config.ports.contains(f.external_port)) {
      return make_error("forward %s: external port %u is outside the port set (%s)",
                        describe(f).c_str(), f.external_port, config.ports.describe().c_str());
    }
    for (size_t j = 0; j < i; ++j) {
      if (config.forwards[j].proto == f.proto &&
          config.forwards[j].external_port == f.external_port) {
        return make_error("forward %s: external port %u is forwarded twice", describe(f).c_str(),
                          f.external_port);
      }
    }
  }
  NatPlan plan;
  plan.table = config.table;
  plan.family = NFPROTO_IPV4;
  if (config.ports.is_full()) {
    plan_full(config, plan);
    return plan;
  }
  std::vector<uint16_t> reserved = config.reserved;
  for (const Forward& f : config.forwards)
    reserved.push_back(f.external_port);
  std::sort(reserved.begin(), reserved.end());
  reserved.erase(std::unique(reserved.begin(), reserved.end()), reserved.end());
  for (uint16_t port : reserved) {
    if (!config.ports.contains(port)) {
      return make_error("reserved port %u is outside the port set (%s)", port,
                        config.ports.describe().c_str());
    }
  }
  uint32_t pool = config.ports.count() - static_cast<uint32_t>(reserved.size());
  if (pool == 0) {
    return make_error("the %zu reserved ports leave no port for NAT in %s", reserved.size(),
                      config.ports.describe().c_str());
  }
  std::optional<uint16_t> first = virtual_window(pool, reserved);
  if (!first) {
    return make_error("no window of %u contiguous ports free of reserved ports for the NAT pool",
                      pool);
  }
  plan.virtual_first = *first;
  plan.virtual_count = pool;
  plan_shared(config, reserved, *first, plan);
  if (config.egress_on_device) move_rewrite_to_device(config.oifname, config.address, plan);
  return plan;
}

namespace {

void part_text(const std::string& family, const std::string& table,
               const std::vector<std::string>& counters, const std::vector<PortMap>& maps,
               const std::vector<Chain>& chains, std::string& out) {
  out += "table " + family + " " + table + " {\n";
  for (const std::string& c : counters)
    out += "\tcounter " + c + " {\n\t}\n";
  for (const PortMap& m : maps) {
    out += "\tmap " + m.name + " {\n\t\ttype inet_service : inet_service\n\t\tflags constant\n";
    out += "\t\telements = { " + std::to_string(m.elements.size()) + " elements";
    if (!m.elements.empty()) {
      out += ", " + std::to_string(m.elements.front().first) + " : " +
             std::to_string(m.elements.front().second) + ", ...";
    }
    out += " }\n\t}\n";
  }
  for (const Chain& c : chains) {
    out += "\tchain " + c.name + " {\n";
    if (!c.type.empty()) {
      std::string hook = c.device.empty()
                             ? hook_name(c.hook)
                             : std::string(c.hook == NF_NETDEV_EGRESS ? "egress" : "ingress") +
                                   " device \"" + c.device + "\"";
      out += "\t\ttype " + c.type + " hook " + hook + " priority " + std::to_string(c.priority) +
             "; policy accept;\n";
    }
    for (const Rule& r : c.rules)
      out += "\t\t" + r.text + "\n";
    out += "\t}\n";
  }
  out += "}\n";
}

}  // namespace

std::string NatPlan::to_text() const {
  std::string out;
  part_text("ip", table, counters, maps, chains, out);
  if (device) part_text("netdev", table, device->counters, device->maps, device->chains, out);
  return out;
}

}  // namespace lwb4::nft
