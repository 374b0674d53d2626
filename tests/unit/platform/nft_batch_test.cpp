#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <string>
#include <vector>

#include "nft/nft_batch.hpp"

namespace lwb4::nft {
namespace {

struct Message {
  uint16_t type;
  uint16_t flags;
  uint32_t seq;
};

// Walks the netlink headers of a batch; fails on a malformed length.
std::vector<Message> messages(const Batch& b) {
  std::vector<Message> out;
  size_t at = 0;
  while (at + sizeof(nlmsghdr) <= b.bytes.size()) {
    nlmsghdr h;
    std::memcpy(&h, b.bytes.data() + at, sizeof h);
    EXPECT_GE(h.nlmsg_len, sizeof(nlmsghdr));
    if (h.nlmsg_len < sizeof(nlmsghdr)) break;
    out.push_back({h.nlmsg_type, h.nlmsg_flags, h.nlmsg_seq});
    at += NLMSG_ALIGN(h.nlmsg_len);
  }
  EXPECT_EQ(at, b.bytes.size());
  return out;
}

constexpr uint16_t nft_msg(uint16_t m) {
  return (NFNL_SUBSYS_NFTABLES << 8) | m;
}

NatPlan plan(unsigned a, unsigned k, unsigned psid) {
  auto set = PortSet::create(a, k, psid);
  EXPECT_TRUE(set.ok());
  auto p = plan_nat(NatConfig{Ipv4Address{{192, 0, 2, 2}}, *set, "sw0", {}, {}, kDefaultTable});
  EXPECT_TRUE(p.ok());
  return *p;
}

TEST(NftBatch, ReplaceIsOneTransactionThatRebuildsTheTable) {
  NatPlan p = plan(6, 6, 52);
  auto b = encode_replace(p, 1000);
  ASSERT_TRUE(b.ok());
  std::vector<Message> m = messages(*b);
  ASSERT_EQ(m.size(), b->what.size());
  size_t rules = 0;
  for (const Chain& c : p.chains)
    rules += c.rules.size();
  // begin, 3 table messages, 3 counters, 2 x (set + 4 element chunks of
  // <= 256), chains, rules, end.
  ASSERT_EQ(m.size(), 1 + 3 + 3 + 2 * 5 + p.chains.size() + rules + 1);

  EXPECT_EQ(m.front().type, NFNL_MSG_BATCH_BEGIN);
  EXPECT_EQ(m.back().type, NFNL_MSG_BATCH_END);
  EXPECT_EQ(m[1].type, nft_msg(NFT_MSG_NEWTABLE));
  EXPECT_EQ(m[2].type, nft_msg(NFT_MSG_DELTABLE));
  EXPECT_EQ(m[3].type, nft_msg(NFT_MSG_NEWTABLE));
  EXPECT_TRUE(m[3].flags & NLM_F_EXCL);
  EXPECT_EQ(m[4].type, nft_msg(NFT_MSG_NEWOBJ));
  EXPECT_EQ(m[7].type, nft_msg(NFT_MSG_NEWSET));
  EXPECT_EQ(m[8].type, nft_msg(NFT_MSG_NEWSETELEM));
  EXPECT_EQ(m[12].type, nft_msg(NFT_MSG_NEWSET));
  EXPECT_EQ(m[17].type, nft_msg(NFT_MSG_NEWCHAIN));
  EXPECT_EQ(m[18].type, nft_msg(NFT_MSG_NEWRULE));
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m[i].seq, 1000 + i);
    if (i > 0 && i + 1 < m.size()) {
      EXPECT_TRUE(m[i].flags & NLM_F_ACK) << i;
    }
  }
  EXPECT_EQ(b->what[8], "map v2p elements 0..255");
  EXPECT_EQ(b->what[11], "map v2p elements 768..1007");
  // The regular chains first: a jump needs its target.
  EXPECT_EQ(b->what[17], "chain from_softwire");
  EXPECT_EQ(b->what[18].rfind("rule 1 of chain from_softwire (ip protocol tcp ", 0), 0u);
}

TEST(NftBatch, FullAddressHasOneChainAndOneRule) {
  auto b = encode_replace(plan(0, 0, 0), 1);
  ASSERT_TRUE(b.ok());
  std::vector<Message> m = messages(*b);
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[4].type, nft_msg(NFT_MSG_NEWCHAIN));
  EXPECT_EQ(m[5].type, nft_msg(NFT_MSG_NEWRULE));
  EXPECT_EQ(b->what[5], "rule 1 of chain snat (oifname \"sw0\" snat ip to 192.0.2.2)");
}

TEST(NftBatch, RemoveEnsuresThenDeletes) {
  auto b = encode_remove(kDefaultTable, 7);
  ASSERT_TRUE(b.ok());
  std::vector<Message> m = messages(*b);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1].type, nft_msg(NFT_MSG_NEWTABLE));
  EXPECT_EQ(m[2].type, nft_msg(NFT_MSG_DELTABLE));
  EXPECT_EQ(b->first_seq, 7u);
}

}  // namespace
}  // namespace lwb4::nft
