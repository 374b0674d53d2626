#include <gtest/gtest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "nft/nat_plan.hpp"

namespace lwb4::nft {
namespace {

bool mentions(const Error& e, const std::string& what) {
  return e.reason().find(what) != std::string::npos;
}

PortSet must_set(unsigned a, unsigned k, unsigned psid) {
  auto r = PortSet::create(a, k, psid);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : PortSet::full();
}

Ipv4Address shared_address() {
  return Ipv4Address{{192, 0, 2, 2}};
}

NatConfig config(PortSet set, std::vector<uint16_t> reserved = {}) {
  return NatConfig{shared_address(), set, "sw0", std::move(reserved), {}, kDefaultTable};
}

NatPlan must_plan(const NatConfig& c) {
  auto r = plan_nat(c);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason());
  return r.ok() ? *r : NatPlan{};
}

const Chain* chain(const NatPlan& p, const std::string& name) {
  for (const Chain& c : p.chains) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const PortMap* port_map(const NatPlan& p, const std::string& name) {
  for (const PortMap& m : p.maps) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

bool has_rule(const Chain* c, const std::string& text) {
  if (!c) return false;
  return std::any_of(c->rules.begin(), c->rules.end(),
                     [&](const Rule& r) { return r.text == text; });
}

// Index of the rule with `text` in `c`, or -1.
int rule_index(const Chain* c, const std::string& text) {
  for (size_t i = 0; c && i < c->rules.size(); ++i) {
    if (c->rules[i].text == text) return static_cast<int>(i);
  }
  return -1;
}

// The checksum handling of the rule's port write: {csum_type, csum_offset}.
std::pair<uint32_t, uint32_t> write_checksum(const Chain* c, const std::string& text) {
  int i = rule_index(c, text);
  if (i < 0) return {~0u, ~0u};
  for (const Expr& e : c->rules[static_cast<size_t>(i)].exprs) {
    if (const auto* w = std::get_if<PayloadWriteExpr>(&e)) return {w->csum_type, w->csum_offset};
  }
  return {~0u, ~0u};
}

TEST(NatPlan, UdpWithoutChecksumKeepsItsZeroBothWays) {
  // RFC 768: 0 means no checksum; an incremental update would make it a
  // wrong non-zero one, and the receiver would drop the datagram.
  NatPlan p = must_plan(config(must_set(6, 6, 52)));
  struct Case {
    const char* chain;
    std::string zero, checked;
  };
  const Case cases[] = {
      {"to_softwire", "meta l4proto udp udp checksum 0 udp sport set udp sport map @v2p accept",
       "ip protocol udp ip saddr 192.0.2.2 udp checksum != 0 udp sport set udp sport map @v2p "
       "accept"},
      {"from_softwire", "meta l4proto udp udp checksum 0 udp dport set udp dport map @p2v accept",
       "ip protocol udp udp checksum != 0 udp dport set udp dport map @p2v accept"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.chain);
    const Chain* ch = chain(p, c.chain);
    ASSERT_NE(ch, nullptr);
    int zero = rule_index(ch, c.zero), checked = rule_index(ch, c.checked);
    ASSERT_GE(zero, 0);
    ASSERT_GE(checked, 0);
    // The checksummed rule leaves a 0 alone: its compare is "not equal".
    const auto& checked_exprs = ch->rules[static_cast<size_t>(checked)].exprs;
    bool skips_zero = false;
    for (size_t i = 0; i + 1 < checked_exprs.size(); ++i) {
      const auto* load = std::get_if<PayloadExpr>(&checked_exprs[i]);
      const auto* cmp = std::get_if<CmpExpr>(&checked_exprs[i + 1]);
      if (load && cmp && load->base == NFT_PAYLOAD_TRANSPORT_HEADER && load->offset == 6 &&
          load->len == 2 && cmp->op == NFT_CMP_NEQ && cmp->data == Bytes{0, 0}) {
        skips_zero = true;
      }
    }
    EXPECT_TRUE(skips_zero);
    EXPECT_EQ(write_checksum(ch, c.zero), std::make_pair(uint32_t{NFT_PAYLOAD_CSUM_NONE}, 0u));
    EXPECT_EQ(write_checksum(ch, c.checked),
              std::make_pair(uint32_t{NFT_PAYLOAD_CSUM_INET}, 6u));  // UDP checksum offset
  }
}

// Offset 6, PSID-len 6, PSID 52: 63 ranges of 16, 1856-1871 ... 65344-65359.
TEST(NatPlan, VirtualPoolCoversTheWholeSet) {
  NatPlan p = must_plan(config(must_set(6, 6, 52)));
  EXPECT_EQ(p.family, uint32_t{NFPROTO_IPV4});
  EXPECT_EQ(p.virtual_count, 1008u);
  EXPECT_EQ(p.virtual_first, 64528);  // 65535 - 1008 + 1: the highest window

  const PortMap* v2p = port_map(p, "v2p");
  const PortMap* p2v = port_map(p, "p2v");
  ASSERT_NE(v2p, nullptr);
  ASSERT_NE(p2v, nullptr);
  ASSERT_EQ(v2p->elements.size(), 1008u);
  ASSERT_EQ(p2v->elements.size(), 1008u);
  EXPECT_EQ(v2p->elements.front(), (std::pair<uint16_t, uint16_t>{64528, 1856}));
  EXPECT_EQ(v2p->elements[15], (std::pair<uint16_t, uint16_t>{64543, 1871}));
  EXPECT_EQ(v2p->elements[16], (std::pair<uint16_t, uint16_t>{64544, 2880}));
  EXPECT_EQ(v2p->elements.back(), (std::pair<uint16_t, uint16_t>{65535, 65359}));

  // The two maps are inverse bijections between the pool and the set.
  std::map<uint16_t, uint16_t> back(p2v->elements.begin(), p2v->elements.end());
  for (const auto& [virt, real] : v2p->elements) {
    EXPECT_EQ(real & 0x03f0, 0x0340) << real;
    EXPECT_GE(real, 1024);
    ASSERT_EQ(back.count(real), 1u) << real;
    EXPECT_EQ(back[real], virt);
  }
}

TEST(NatPlan, SnatChainPreemptsFirewall4) {
  NatPlan p = must_plan(config(must_set(6, 6, 52)));
  const Chain* snat = chain(p, "snat");
  ASSERT_NE(snat, nullptr);
  EXPECT_EQ(snat->type, "nat");
  EXPECT_EQ(snat->hook, uint32_t{NF_INET_POST_ROUTING});
  EXPECT_EQ(snat->priority, 99);  // srcnat - 1
  ASSERT_EQ(snat->rules.size(), 3u);
  EXPECT_EQ(snat->rules[0].text,
            "oifname \"sw0\" meta l4proto tcp snat ip to 192.0.2.2:64528-65535");
  EXPECT_EQ(snat->rules[1].text,
            "oifname \"sw0\" meta l4proto udp snat ip to 192.0.2.2:64528-65535");
  EXPECT_EQ(snat->rules[2].text,
            "oifname \"sw0\" meta l4proto icmp snat ip to 192.0.2.2:64528-65535");

  // The expressions behind the tcp rule.
  const auto& e = snat->rules[0].exprs;
  ASSERT_EQ(e.size(), 8u);
  auto* ifname = std::get_if<CmpExpr>(&e[1]);
  ASSERT_NE(ifname, nullptr);
  EXPECT_EQ(ifname->data, (Bytes{'s', 'w', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  auto* proto = std::get_if<CmpExpr>(&e[3]);
  ASSERT_NE(proto, nullptr);
  EXPECT_EQ(proto->data, Bytes{6});
  auto* addr = std::get_if<ImmediateExpr>(&e[4]);
  ASSERT_NE(addr, nullptr);
  EXPECT_EQ(addr->data, (Bytes{192, 0, 2, 2}));
  auto* lo = std::get_if<ImmediateExpr>(&e[5]);
  auto* hi = std::get_if<ImmediateExpr>(&e[6]);
  ASSERT_TRUE(lo && hi);
  EXPECT_EQ(lo->data, (Bytes{0xfc, 0x10}));  // 64528, network order
  EXPECT_EQ(hi->data, (Bytes{0xff, 0xff}));  // 65535
  auto* nat = std::get_if<NatExpr>(&e[7]);
  ASSERT_NE(nat, nullptr);
  EXPECT_EQ(nat->type, uint32_t{NFT_NAT_SNAT});
  EXPECT_EQ(nat->reg_addr, addr->dreg);
  EXPECT_EQ(nat->reg_proto_min, lo->dreg);
  EXPECT_EQ(nat->reg_proto_max, hi->dreg);
  EXPECT_EQ(nat->flags, uint32_t{NF_NAT_RANGE_PROTO_SPECIFIED});
}

TEST(NatPlan, EgressMapsVirtualToRealThenGuards) {
  NatPlan p = must_plan(config(must_set(6, 6, 52)));
  const Chain* base = chain(p, "egress");
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(base->hook, uint32_t{NF_INET_POST_ROUTING});
  EXPECT_EQ(base->priority, 150);  // after srcnat
  // One rule for every packet; only the softwire's enter the work.
  ASSERT_EQ(base->rules.size(), 1u);
  EXPECT_EQ(base->rules[0].text, "oifname \"sw0\" jump to_softwire");
  const Chain* egress = chain(p, "to_softwire");
  ASSERT_NE(egress, nullptr);
  EXPECT_TRUE(egress->type.empty());  // a regular chain
  EXPECT_TRUE(has_rule(egress,
                       "meta l4proto != { icmp, tcp, udp } counter name "
                       "\"egress_protocol_dropped\" drop"));
  // Every packet of a flow runs this chain: the common case first.
  ASSERT_GE(egress->rules.size(), 2u);
  EXPECT_EQ(egress->rules[0].text,
            "ip protocol tcp ip saddr 192.0.2.2 tcp sport set tcp sport map @v2p accept");
  EXPECT_EQ(egress->rules[1].text,
            "ip protocol udp ip saddr 192.0.2.2 udp checksum != 0 udp sport set udp sport map "
            "@v2p accept");
  // `ip protocol tcp`: the IPv4 header's byte 9 (RFC 791), compared with 6.
  const auto& fast = egress->rules[0].exprs;
  ASSERT_GE(fast.size(), 2u);
  const auto* proto = std::get_if<PayloadExpr>(&fast[0]);
  const auto* is_tcp = std::get_if<CmpExpr>(&fast[1]);
  ASSERT_TRUE(proto && is_tcp);
  EXPECT_EQ(proto->base, uint32_t{NFT_PAYLOAD_NETWORK_HEADER});
  EXPECT_EQ(proto->offset, 9u);
  EXPECT_EQ(proto->len, 1u);
  EXPECT_EQ(is_tcp->op, uint32_t{NFT_CMP_EQ});
  EXPECT_EQ(is_tcp->data, Bytes{6});
  // The checksum-0 rule has no source test of its own: it must come after
  // the drop of every other source.
  int foreign =
      rule_index(egress, "ip saddr != 192.0.2.2 counter name \"egress_port_dropped\" drop");
  int zero =
      rule_index(egress, "meta l4proto udp udp checksum 0 udp sport set udp sport map @v2p accept");
  ASSERT_GE(foreign, 0);
  EXPECT_GT(zero, foreign);
  // An ICMP error about an inbound UDP datagram quotes it to the shared
  // address: its virtual destination port goes back to the real one.
  EXPECT_TRUE(has_rule(egress,
                       "meta l4proto icmp icmp type 3 @th,64,8 69 @th,136,8 17 @th,192,32 "
                       "192.0.2.2 @th,240,16 set @th,240,16 map @v2p"));
  EXPECT_TRUE(
      has_rule(egress, "meta l4proto icmp icmp type 8 icmp id set icmp id map @v2p accept"));
  EXPECT_TRUE(has_rule(egress,
                       "meta l4proto tcp th sport & 0x03f0 != 0x0340 counter name "
                       "\"egress_port_dropped\" drop"));
  EXPECT_TRUE(has_rule(egress,
                       "meta l4proto udp th sport < 1024 counter name "
                       "\"egress_port_dropped\" drop"));
  EXPECT_TRUE(has_rule(egress,
                       "meta l4proto icmp icmp type 0 icmp id & 0x03f0 != 0x0340 "
                       "counter name \"egress_port_dropped\" drop"));
  EXPECT_TRUE(has_rule(egress,
                       "ip saddr != 192.0.2.2 counter name "
                       "\"egress_port_dropped\" drop"));

  // The mapping rewrites the field in place and fixes the TCP checksum.
  const Rule* map_rule = nullptr;
  for (const Rule& r : egress->rules) {
    if (r.text.find("tcp sport set") != std::string::npos) map_rule = &r;
  }
  ASSERT_NE(map_rule, nullptr);
  // ... and ends the chain for the packet: a mapped port is in the set.
  auto* lookup = std::get_if<LookupExpr>(&map_rule->exprs[map_rule->exprs.size() - 3]);
  auto* write = std::get_if<PayloadWriteExpr>(&map_rule->exprs[map_rule->exprs.size() - 2]);
  auto* verdict = std::get_if<VerdictExpr>(&map_rule->exprs.back());
  ASSERT_TRUE(lookup && write && verdict);
  EXPECT_EQ(verdict->code, NF_ACCEPT);
  EXPECT_EQ(lookup->set, "v2p");
  EXPECT_TRUE(lookup->has_dreg);
  EXPECT_EQ(write->offset, 0u);
  EXPECT_EQ(write->len, 2u);
  EXPECT_EQ(write->csum_type, uint32_t{NFT_PAYLOAD_CSUM_INET});
  EXPECT_EQ(write->csum_offset, 16u);  // RFC 9293 checksum
}

TEST(NatPlan, IngressFiltersWithOneMaskAndMapsRealToVirtual) {
  NatPlan p = must_plan(config(must_set(6, 6, 52)));
  const Chain* base = chain(p, "ingress");
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(base->hook, uint32_t{NF_INET_PRE_ROUTING});
  EXPECT_EQ(base->priority, -300);  // raw: before conntrack
  ASSERT_EQ(base->rules.size(), 1u);
  // The address first: a header compare, cheaper for the packets that only
  // pass by (everything leaving through the softwire) than reading a name.
  EXPECT_EQ(base->rules[0].text, "ip daddr 192.0.2.2 iifname \"sw0\" jump from_softwire");
  const Chain* ingress = chain(p, "from_softwire");
  ASSERT_NE(ingress, nullptr);
  const std::string head;
  EXPECT_TRUE(has_rule(ingress, head + "meta l4proto tcp th dport & 0x03f0 != 0x0340 counter name "
                                       "\"inbound_dropped\" drop"));
  EXPECT_TRUE(has_rule(
      ingress, head + "meta l4proto udp th dport < 1024 counter name \"inbound_dropped\" drop"));
  EXPECT_TRUE(has_rule(ingress, head + "meta l4proto icmp icmp type 8 icmp id & 0x03f0 != 0x0340 "
                                       "counter name \"inbound_dropped\" drop"));
  EXPECT_TRUE(has_rule(ingress, head + "meta l4proto != { icmp, tcp, udp } counter name "
                                       "\"inbound_dropped\" drop"));
  ASSERT_GE(ingress->rules.size(), 2u);
  EXPECT_EQ(ingress->rules[0].text, "ip protocol tcp tcp dport set tcp dport map @p2v accept");
  EXPECT_EQ(ingress->rules[1].text,
            "ip protocol udp udp checksum != 0 udp dport set udp dport map @p2v accept");
  EXPECT_TRUE(has_rule(ingress,
                       head + "meta l4proto icmp icmp type 0 icmp id set icmp id map @p2v accept"));
  // The quoted header of a "fragmentation needed" (type 3) about our UDP.
  EXPECT_TRUE(has_rule(ingress, head + "meta l4proto icmp icmp type 3 @th,64,8 69 @th,136,8 17 "
                                       "@th,160,32 192.0.2.2 @th,224,16 set @th,224,16 map @p2v"));
  EXPECT_TRUE(has_rule(ingress, head + "meta l4proto icmp icmp type 11 @th,64,8 69 @th,136,8 1 "
                                       "@th,160,32 192.0.2.2 @th,224,8 8 @th,256,16 set @th,256,16 "
                                       "map @p2v"));

  // The O(1) test: one bitwise AND and one compare, whatever the range count.
  const Rule* filter = nullptr;
  for (const Rule& r : ingress->rules) {
    if (r.text.find("tcp th dport & ") != std::string::npos) filter = &r;
  }
  ASSERT_NE(filter, nullptr);
  auto* bitwise = std::get_if<BitwiseExpr>(&filter->exprs[3]);
  auto* cmp = std::get_if<CmpExpr>(&filter->exprs[4]);
  ASSERT_TRUE(bitwise && cmp);
  EXPECT_EQ(bitwise->mask, (Bytes{0x03, 0xf0}));
  EXPECT_EQ(bitwise->xor_, (Bytes{0x00, 0x00}));
  EXPECT_EQ(cmp->op, uint32_t{NFT_CMP_NEQ});
  EXPECT_EQ(cmp->data, (Bytes{0x03, 0x40}));
}

TEST(NatPlan, UnsolicitedPacketsToThePoolAreDropped) {
  NatPlan p = must_plan(config(must_set(6, 6, 52)));
  const Chain* guard = chain(p, "guard");
  ASSERT_NE(guard, nullptr);
  // Only what is delivered to the CPE can reach a service on a pool port;
  // forwarded packets (every NAT'd flow) do not pass this hook.
  EXPECT_EQ(guard->hook, uint32_t{NF_INET_LOCAL_IN});
  EXPECT_EQ(guard->priority, -1);  // ahead of fw4's input filter
  for (const Chain& c : p.chains) {
    if (c.hook == NF_INET_PRE_ROUTING && !c.type.empty()) {
      EXPECT_EQ(c.name, "ingress");
    }
  }
  EXPECT_TRUE(has_rule(guard,
                       "iifname \"sw0\" ip daddr 192.0.2.2 meta l4proto tcp ct state new th dport "
                       "64528-65535 counter name \"inbound_dropped\" drop"));
}

TEST(NatPlan, ReservedPortsStayOutOfThePoolAndTheMaps) {
  // 1856: first port of the set; 65359: its last.
  NatPlan p = must_plan(config(must_set(6, 6, 52), {65359, 1856, 1856}));
  EXPECT_EQ(p.virtual_count, 1006u);
  // 65360..65535 is too small; the window ends just below 65359.
  EXPECT_EQ(p.virtual_first, 65358 - 1006 + 1);
  const PortMap* v2p = port_map(p, "v2p");
  const PortMap* p2v = port_map(p, "p2v");
  ASSERT_TRUE(v2p && p2v);
  ASSERT_EQ(v2p->elements.size(), 1006u);
  EXPECT_EQ(v2p->elements.front().second, 1857);
  EXPECT_EQ(v2p->elements.back().second, 65358);
  for (const auto& [real, virt] : p2v->elements) {
    EXPECT_NE(real, 1856);
    EXPECT_NE(real, 65359);
    EXPECT_LT(virt, 65359);
  }
}

TEST(NatPlan, Offset4PsidLen8UsesAll240Ports) {
  NatPlan p = must_plan(config(must_set(4, 8, 0x12)));
  EXPECT_EQ(p.virtual_count, 240u);
  EXPECT_EQ(p.virtual_first, 65296);
  const PortMap* v2p = port_map(p, "v2p");
  ASSERT_NE(v2p, nullptr);
  // A = 1: 0x1000 | 0x12 << 4 = 4384.
  EXPECT_EQ(v2p->elements.front().second, 4384);
}

TEST(NatPlan, FullAddressIsPlainSnat) {
  NatPlan p = must_plan(config(PortSet::full(), {80}));
  EXPECT_EQ(p.virtual_count, 0u);
  EXPECT_TRUE(p.maps.empty());
  EXPECT_TRUE(p.counters.empty());
  ASSERT_EQ(p.chains.size(), 1u);
  ASSERT_EQ(p.chains[0].rules.size(), 1u);
  EXPECT_EQ(p.chains[0].priority, 99);
  EXPECT_EQ(p.chains[0].rules[0].text, "oifname \"sw0\" snat ip to 192.0.2.2");
  auto* nat = std::get_if<NatExpr>(&p.chains[0].rules[0].exprs.back());
  ASSERT_NE(nat, nullptr);
  EXPECT_EQ(nat->reg_proto_min, 0);
  EXPECT_EQ(nat->flags, 0u);
}

TEST(NatPlan, RejectsBadInterfaceNames) {
  NatConfig c = config(must_set(6, 6, 52));
  c.oifname = "";
  auto r = plan_nat(c);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "interface name '': must be 1..15 characters"));
  c.oifname = "0123456789abcdef";
  r = plan_nat(c);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "interface name '0123456789abcdef'"));
}

TEST(NatPlan, RejectsReservedPortOutsideTheSet) {
  auto r = plan_nat(config(must_set(6, 6, 52), {1856, 80}));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(
      mentions(r.error(), "reserved port 80 is outside the port set (offset 6, PSID-len 6"));
}

TEST(NatPlan, RejectsReservingEveryPort) {
  PortSet set = must_set(4, 8, 0x12);
  std::vector<uint16_t> all;
  for (uint32_t i = 0; i < set.count(); ++i)
    all.push_back(set.port_at(i));
  auto r = plan_nat(config(set, all));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "the 240 reserved ports leave no port for NAT"));
}

TEST(NatPlan, RejectsReservedPortsThatSplitEveryWindow) {
  // Offset 6, PSID-len 1, PSID 0: 32256 ports; 21845 and 43008 (both in the
  // set) leave gaps of at most 22527 ports.
  auto r = plan_nat(config(must_set(6, 1, 0), {21845, 43008}));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "no window of 32254 contiguous ports"));
}

TEST(NatPlan, TextListsTheTable) {
  std::string t = must_plan(config(must_set(6, 6, 52))).to_text();
  EXPECT_EQ(t.rfind("table ip lwb4 {\n", 0), 0u);
  EXPECT_NE(t.find("\tcounter inbound_dropped {\n"), std::string::npos);
  EXPECT_NE(t.find("elements = { 1008 elements, 64528 : 1856, ... }"), std::string::npos);
  EXPECT_NE(t.find("\tchain snat {\n\t\ttype nat hook postrouting priority 99; policy accept;\n"),
            std::string::npos);
}

// A PCP grant that is no PSID set: 100 ports from 50000 (0xc350..0xc3b3).
TEST(NatPlan, ContiguousRangeIsBoundedOnBothSides) {
  auto set = PortSet::contiguous(50000, 100);
  ASSERT_TRUE(set.ok());
  NatPlan p = must_plan(config(*set));
  EXPECT_EQ(p.virtual_count, 100u);
  const PortMap* v2p = port_map(p, "v2p");
  ASSERT_NE(v2p, nullptr);
  ASSERT_EQ(v2p->elements.size(), 100u);
  EXPECT_EQ(v2p->elements.front().second, 50000);
  EXPECT_EQ(v2p->elements.back().second, 50099);
  const std::string head = "meta l4proto tcp th dport ";
  const Chain* ingress = chain(p, "from_softwire");
  EXPECT_TRUE(has_rule(ingress, head + "& 0xff00 != 0xc300 counter name \"inbound_dropped\" drop"));
  EXPECT_TRUE(has_rule(ingress, head + "< 50000 counter name \"inbound_dropped\" drop"));
  EXPECT_TRUE(has_rule(ingress, head + "> 50099 counter name \"inbound_dropped\" drop"));
  EXPECT_TRUE(has_rule(chain(p, "to_softwire"),
                       "meta l4proto udp th sport > 50099 counter name "
                       "\"egress_port_dropped\" drop"));
  // A PSID set has no upper-bound rule.
  NatPlan psid = must_plan(config(must_set(6, 6, 52)));
  for (const Chain& c : psid.chains) {
    for (const Rule& r : c.rules)
      EXPECT_EQ(r.text.find(" > "), std::string::npos) << r.text;
  }
}

Forward forward(uint8_t proto, uint16_t ext, uint16_t lan_port) {
  return Forward{proto, ext, Ipv4Address{{198, 51, 100, 2}}, lan_port};
}

TEST(NatPlan, ForwardsAreDnatAndReserved) {
  NatConfig c = config(must_set(6, 6, 52));
  c.forwards = {forward(6, 1857, 22), forward(17, 1857, 53)};
  NatPlan p = must_plan(c);
  EXPECT_EQ(p.virtual_count, 1007u);  // 1857 is out of the pool for both protocols
  const Chain* dnat = chain(p, "dnat");
  ASSERT_NE(dnat, nullptr);
  EXPECT_EQ(dnat->hook, static_cast<uint32_t>(NF_INET_PRE_ROUTING));
  EXPECT_EQ(dnat->priority, -101);  // ahead of fw4's dstnat
  EXPECT_TRUE(has_rule(dnat,
                       "iifname \"sw0\" ip daddr 192.0.2.2 meta l4proto tcp tcp dport 1857 "
                       "dnat ip to 198.51.100.2:22"));
  EXPECT_TRUE(has_rule(dnat,
                       "iifname \"sw0\" ip daddr 192.0.2.2 meta l4proto udp udp dport 1857 "
                       "dnat ip to 198.51.100.2:53"));
  const PortMap* p2v = port_map(p, "p2v");
  ASSERT_NE(p2v, nullptr);
  EXPECT_TRUE(std::none_of(p2v->elements.begin(), p2v->elements.end(),
                           [](const auto& e) { return e.first == 1857; }));
  // The DNAT expression: address in reg 1, port in reg 2.
  const Rule& r = dnat->rules.front();
  const auto* nat = std::get_if<NatExpr>(&r.exprs.back());
  ASSERT_NE(nat, nullptr);
  EXPECT_EQ(nat->type, static_cast<uint32_t>(NFT_NAT_DNAT));
  EXPECT_EQ(nat->reg_proto_min, kReg2);
  EXPECT_EQ(nat->flags, static_cast<uint32_t>(NF_NAT_RANGE_PROTO_SPECIFIED));
}

TEST(NatPlan, ForwardsOnAFullAddress) {
  NatConfig c = config(PortSet::full());
  c.forwards = {forward(6, 80, 8080)};
  NatPlan p = must_plan(c);
  EXPECT_TRUE(has_rule(chain(p, "dnat"),
                       "iifname \"sw0\" ip daddr 192.0.2.2 meta l4proto tcp tcp dport 80 "
                       "dnat ip to 198.51.100.2:8080"));
}

TEST(NatPlan, RejectsBadForwards) {
  NatConfig c = config(must_set(6, 6, 52));
  c.forwards = {forward(6, 1872, 22)};
  auto r = plan_nat(c);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(),
                       "forward tcp:1872:198.51.100.2:22: external port 1872 is "
                       "outside the port set"));
  c.forwards = {forward(6, 1857, 22), forward(6, 1857, 23)};
  r = plan_nat(c);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.error(), "forwarded twice"));
  c.forwards = {forward(1, 1857, 22)};
  EXPECT_FALSE(plan_nat(c).ok());
}

TEST(NatPlan, TableName) {
  NatConfig c = config(must_set(6, 6, 52));
  c.table = "lwb4_wan";
  NatPlan p = must_plan(c);
  EXPECT_EQ(p.table, "lwb4_wan");
  EXPECT_EQ(p.to_text().rfind("table ip lwb4_wan {\n", 0), 0u);
  for (const char* bad : {"", "4wan", "a b", "x\"y", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    c.table = bad;
    EXPECT_FALSE(plan_nat(c).ok()) << bad;
  }
  EXPECT_TRUE(is_table_name("abcdefghijklmnopqrstuvwxyz012345"));
}

}  // namespace
}  // namespace lwb4::nft

namespace lwb4::nft {
namespace {

bool has_chain(const std::vector<Chain>& chains, const std::string& name) {
  return std::any_of(chains.begin(), chains.end(), [&](const Chain& c) { return c.name == name; });
}

TEST(NatPlan, OnTheDeviceMovesTheRewriteToANetdevTable) {
  NatConfig c = config(must_set(6, 6, 52));
  NatPlan ip = must_plan(c);
  EXPECT_FALSE(ip.device.has_value());
  c.egress_on_device = true;
  NatPlan p = must_plan(c);
  ASSERT_TRUE(p.device.has_value());
  // The ip table keeps SNAT, the guard and its counter...
  EXPECT_TRUE(has_chain(p.chains, "snat"));
  EXPECT_TRUE(has_chain(p.chains, "guard"));
  EXPECT_TRUE(p.maps.empty());
  EXPECT_EQ(p.counters, std::vector<std::string>{kCounterInbound});
  for (const char* moved : {"to_softwire", "from_softwire", "egress", "ingress"})
    EXPECT_FALSE(has_chain(p.chains, moved)) << moved;
  // ...the netdev table has both rewrites, unchanged, behind a base chain on
  // each of the device's hooks.
  const TablePart& d = *p.device;
  ASSERT_EQ(d.maps.size(), 2u);
  for (const PortMap& m : d.maps) {
    ASSERT_NE(port_map(ip, m.name), nullptr) << m.name;
    EXPECT_EQ(m.elements, port_map(ip, m.name)->elements) << m.name;
  }
  EXPECT_EQ(d.counters, (std::vector<std::string>{kCounterEgressProtocol, kCounterEgressPort,
                                                  kCounterInbound}));
  ASSERT_EQ(d.chains.size(), 4u);
  for (const char* name : {"from_softwire", "to_softwire"}) {
    SCOPED_TRACE(name);
    const Chain* before = nullptr;
    const Chain* after = nullptr;
    for (const Chain& ch : ip.chains)
      if (ch.name == name) before = &ch;
    for (const Chain& ch : d.chains)
      if (ch.name == name) after = &ch;
    ASSERT_NE(before, nullptr);
    ASSERT_NE(after, nullptr);
    ASSERT_EQ(after->rules.size(), before->rules.size());
    for (size_t i = 0; i < before->rules.size(); ++i)
      EXPECT_EQ(after->rules[i].text, before->rules[i].text);
  }
  const Chain& in = d.chains[2];
  EXPECT_EQ(in.name, "ingress");
  EXPECT_EQ(in.hook, static_cast<uint32_t>(NF_NETDEV_INGRESS));
  EXPECT_EQ(in.priority, -500);  // ahead of a flowtable (fw4: priority filter, 0)
  EXPECT_EQ(in.device, "sw0");
  ASSERT_EQ(in.rules.size(), 1u);
  EXPECT_EQ(in.rules[0].text, "meta protocol ip ip daddr 192.0.2.2 jump from_softwire");
  const Chain& out = d.chains[3];
  EXPECT_EQ(out.name, "egress");
  EXPECT_EQ(out.type, "filter");
  EXPECT_EQ(out.hook, static_cast<uint32_t>(NF_NETDEV_EGRESS));
  EXPECT_EQ(out.device, "sw0");
  ASSERT_EQ(out.rules.size(), 1u);
  EXPECT_EQ(out.rules[0].text, "meta protocol ip jump to_softwire");
  std::string text = p.to_text();
  EXPECT_NE(text.find("table netdev lwb4 {"), std::string::npos) << text;
  EXPECT_NE(text.find("type filter hook egress device \"sw0\" priority 0; policy accept;"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("type filter hook ingress device \"sw0\" priority -500; policy accept;"),
            std::string::npos)
      << text;
}

TEST(NatPlan, EgressOnTheDeviceLeavesAFullAddressAlone) {
  NatConfig c = config(PortSet::full());
  c.egress_on_device = true;
  EXPECT_FALSE(must_plan(c).device.has_value());
}

}  // namespace
}  // namespace lwb4::nft
