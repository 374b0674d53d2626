// The nftables ruleset that confines NAT on the softwire to a PSID port set
// (RFC 7597 §5.1), planned without touching the kernel. The plan is a list of
// nf_tables expressions per rule (uapi constants, registers, bytes in network
// order) so that the encoder maps it 1:1 onto libnftnl, plus an nft-syntax
// text per rule for logs and tests.
//
// Design ("virtual", measured in docs of the natlab tool): conntrack SNAT
// allocates from ONE contiguous virtual range of count() - reserved ports, so
// the kernel's own allocator searches the whole set; a stateless 1:1 map
// (virtual index i <-> PortSet::port_at(i)) rewrites the port on the wire
// after SNAT on egress and before conntrack on ingress.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lwb4/portset/port_set.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::nft {

using Bytes = std::vector<uint8_t>;

// nf_tables registers: 0 is the verdict, 1..4 are 16-byte data registers.
constexpr uint8_t kRegVerdict = 0;
constexpr uint8_t kReg1 = 1;
constexpr uint8_t kReg2 = 2;
constexpr uint8_t kReg3 = 3;

struct MetaExpr {
  uint32_t key = 0;  // NFT_META_*
  uint8_t dreg = kReg1;
};
struct PayloadExpr {
  uint32_t base = 0;  // NFT_PAYLOAD_*_HEADER
  uint32_t offset = 0;
  uint32_t len = 0;
  uint8_t dreg = kReg1;
};
struct PayloadWriteExpr {
  uint32_t base = 0;
  uint32_t offset = 0;
  uint32_t len = 0;
  uint8_t sreg = kReg1;
  uint32_t csum_type = 0;  // NFT_PAYLOAD_CSUM_*
  uint32_t csum_offset = 0;
};
struct CmpExpr {
  uint8_t sreg = kReg1;
  uint32_t op = 0;  // NFT_CMP_*
  Bytes data;
};
struct BitwiseExpr {
  uint8_t sreg = kReg1;
  uint8_t dreg = kReg1;
  Bytes mask;  // (reg & mask) ^ xor
  Bytes xor_;
};
struct RangeExpr {
  uint8_t sreg = kReg1;
  uint32_t op = 0;  // NFT_RANGE_EQ / NFT_RANGE_NEQ
  Bytes from;
  Bytes to;
};
struct CtExpr {
  uint32_t key = 0;  // NFT_CT_*
  uint8_t dreg = kReg1;
};
struct LookupExpr {
  uint8_t sreg = kReg1;
  std::string set;
  bool has_dreg = false;  // a map: the value lands in dreg
  uint8_t dreg = kReg1;
};
struct ImmediateExpr {
  uint8_t dreg = kReg1;
  Bytes data;
};
struct VerdictExpr {
  int32_t code = 0;   // NF_ACCEPT, NF_DROP, NFT_JUMP
  std::string chain;  // NFT_JUMP's target
};
struct CounterRefExpr {
  std::string name;  // a named counter object of the table
};
struct NatExpr {
  uint32_t type = 0;  // NFT_NAT_SNAT
  uint32_t family = 0;
  uint8_t reg_addr = kReg1;
  uint8_t reg_proto_min = 0;  // 0: no port range
  uint8_t reg_proto_max = 0;
  uint32_t flags = 0;  // NF_NAT_RANGE_*
};

using Expr = std::variant<MetaExpr, PayloadExpr, PayloadWriteExpr, CmpExpr, BitwiseExpr, RangeExpr,
                          CtExpr, LookupExpr, ImmediateExpr, VerdictExpr, CounterRefExpr, NatExpr>;

struct Rule {
  std::vector<Expr> exprs;
  std::string text;  // the rule in nft syntax
};

struct Chain {
  std::string name;
  std::string type;   // "filter" or "nat"; "": a regular chain (no hook)
  uint32_t hook = 0;  // NF_INET_*, or NF_NETDEV_* with a device
  int32_t priority = 0;
  std::vector<Rule> rules;
  std::string device;  // a netdev base chain's device
};

// A constant inet_service -> inet_service map with exact keys (a hash in the
// kernel: one O(1) lookup per packet).
struct PortMap {
  std::string name;
  std::vector<std::pair<uint16_t, uint16_t>> elements;
};

constexpr const char* kDefaultTable = "lwb4";

// An inbound port forward: PROTO to the shared address's external port goes
// to a LAN host. The external port must be in the set and is kept out of the
// SNAT pool.
struct Forward {
  uint8_t proto = 0;  // IPPROTO_TCP or IPPROTO_UDP
  uint16_t external_port = 0;
  Ipv4Address lan_address;
  uint16_t lan_port = 0;

  bool operator==(const Forward&) const = default;
};

// "tcp:2222:198.51.100.2:22", the form of lwb4d --forward.
std::string describe(const Forward& f);

struct NatConfig {
  Ipv4Address address;  // the shared IPv4 address
  PortSet ports = PortSet::full();
  std::string oifname;  // the softwire device
  // Ports of the set kept out of the SNAT pool and left unmapped (port
  // forwards, services on the CPE).
  std::vector<uint16_t> reserved;
  std::vector<Forward> forwards;  // their external ports are reserved too
  std::string table = kDefaultTable;
  // The port rewrite on the softwire's netdev hooks instead of prerouting
  // and postrouting (NatPlan::device): egress then also sees what a
  // flowtable's fast path sends (it skips postrouting), and ingress maps a
  // real port to its pool port before a flowtable on the softwire looks the
  // flow up (else a real port equal to another flow's pool port would find
  // that flow). Linux >= 5.16, and the device must exist when the plan is
  // applied.
  bool egress_on_device = false;
};

// Counters, maps and chains of one table.
struct TablePart {
  std::vector<std::string> counters;
  std::vector<PortMap> maps;
  std::vector<Chain> chains;
};

struct NatPlan {
  std::string table = kDefaultTable;
  uint32_t family = 0;  // NFPROTO_IPV4
  std::vector<std::string> counters;
  std::vector<PortMap> maps;
  std::vector<Chain> chains;
  // The SNAT pool: [virtual_first, virtual_first + virtual_count); both 0
  // for a full address (plain SNAT, no confinement).
  uint16_t virtual_first = 0;
  uint32_t virtual_count = 0;
  // With NatConfig::egress_on_device and a port set: `table netdev TABLE`
  // with the egress counters and inbound_dropped, both maps, to_softwire and
  // from_softwire, and base chains `egress` and `ingress` on the device's
  // hooks (ingress ahead of a flowtable's); the ip table then keeps the
  // SNAT, the guard, the port forwards and its own inbound_dropped.
  std::optional<TablePart> device;

  // The whole table in nft syntax (like `nft list table ip lwb4`).
  std::string to_text() const;
};

// A table name nftables and nft(8) accept unquoted: 1..32 of [A-Za-z0-9_-],
// starting with a letter.
bool is_table_name(const std::string& name);

// Counter names, for status reports.
constexpr const char* kCounterEgressProtocol = "egress_protocol_dropped";
constexpr const char* kCounterEgressPort = "egress_port_dropped";
constexpr const char* kCounterInbound = "inbound_dropped";

// Fails when the interface or table name is empty or too long, a reserved
// or forwarded port is outside the set, two forwards share an external port,
// or the reserved ports leave no usable port or no contiguous window for the
// virtual range.
Result<NatPlan> plan_nat(const NatConfig& config);

}  // namespace lwb4::nft
