// A benchmark design, not part of lwb4d: the per-packet half of lwb4's
// port-set NAT (the stateless map between the virtual pool and the PSID set,
// and the drops of lwb4's from_softwire / to_softwire chains) as a tc
// program on the softwire, JIT-compiled instead of run by the nftables
// interpreter. tests/nat/bench.sh (PARTS=1) builds it with clang when clang
// has the BPF target, loads it with `tc` next to lwb4's SNAT chain and the
// pool guard, and measures it in the same rounds as lwb4's nftables table.
//
// Deliberately smaller than the nftables table it stands in for: the map is
// computed (a set with no reserved ports maps in order, so no lookup) and
// ICMP errors are passed unchanged. It measures what moving the rewrite out
// of nftables would gain; it is not an implementation of it.
//
// Built with -D: SHARED (the shared address, network byte order as a host
// integer), FIRST (the first virtual port), A (PSID offset), K (PSID length),
// PSID, ETH (1 when the device has an Ethernet header).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

static long (*skb_store_bytes)(void* skb, __u32 off, const void* from, __u32 len,
                               __u64 flags) = (void*)BPF_FUNC_skb_store_bytes;
static long (*l4_csum_replace)(void* skb, __u32 off, __u64 from, __u64 to,
                               __u64 flags) = (void*)BPF_FUNC_l4_csum_replace;

// ICMP header fields used here (linux/icmp.h pulls in libc headers).
struct echo {
  __u8 type, code;
  __u16 checksum, id, sequence;
};
enum { kEchoReply = 0, kEcho = 8 };

#define M (16 - A - K)
#define A_MIN (A ? 1 : 0)
#define COUNT (((1 << A) - A_MIN) << M)
#define L2 (ETH ? 14 : 0)

static __always_inline int in_set(__u32 port) {
  return ((port >> M) & ((1 << K) - 1)) == PSID && (A == 0 || (port >> (16 - A)) >= A_MIN);
}

static __always_inline int rewrite(struct __sk_buff* skb, int egress) {
  void* data = (void*)(long)skb->data;
  void* end = (void*)(long)skb->data_end;
  if (ETH) {
    struct ethhdr* eth = data;
    if ((void*)(eth + 1) > end || eth->h_proto != __builtin_bswap16(ETH_P_IP)) return TC_ACT_OK;
  } else if (skb->protocol != __builtin_bswap16(ETH_P_IP)) {
    return TC_ACT_OK;
  }
  struct iphdr* ip = data + L2;
  if ((void*)(ip + 1) > end) return TC_ACT_OK;
  if (egress ? ip->saddr != SHARED : ip->daddr != SHARED) return egress ? TC_ACT_SHOT : TC_ACT_OK;
  __u32 proto = ip->protocol;
  if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_ICMP) return TC_ACT_SHOT;
  if (ip->frag_off & __builtin_bswap16(0x1fff)) return TC_ACT_OK;  // no ports to map
  if (ip->ihl != 5) return TC_ACT_SHOT;                             // not in this sketch
  __u16* field;
  __u32 off, csum;
  if (proto == IPPROTO_ICMP) {
    struct echo* icmp = (void*)(ip + 1);
    if ((void*)(icmp + 1) > end) return TC_ACT_SHOT;
    if (icmp->type != (egress ? kEcho : kEchoReply)) return TC_ACT_OK;
    field = &icmp->id;
    off = L2 + 20 + 4;
    csum = L2 + 20 + 2;
  } else {
    off = L2 + 20 + (egress ? 0 : 2);
    field = (void*)(ip + 1) + (egress ? 0 : 2);
    if ((void*)(field + 1) > end) return TC_ACT_SHOT;
    csum = L2 + 20 + (proto == IPPROTO_TCP ? 16 : 6);
  }
  __u16 from = *field;
  __u32 port = __builtin_bswap16(from), to;
  if (egress) {
    if (port < FIRST || port >= FIRST + COUNT) return TC_ACT_SHOT;
    __u32 i = port - FIRST;
    to = ((A_MIN + (i >> M)) << (16 - A)) | (PSID << M) | (i & ((1 << M) - 1));
  } else {
    if (!in_set(port)) return TC_ACT_SHOT;
    to = FIRST + ((((A ? port >> (16 - A) : 0) - A_MIN) << M) | (port & ((1 << M) - 1)));
  }
  __u16 to16 = __builtin_bswap16((__u16)to);
  __u64 flags = sizeof(__u16);
  if (proto == IPPROTO_UDP) flags |= BPF_F_MARK_MANGLED_0;
  l4_csum_replace(skb, csum, from, to16, flags);
  skb_store_bytes(skb, off, &to16, sizeof(to16), 0);
  return TC_ACT_OK;
}

__attribute__((section("egress"), used)) int to_softwire(struct __sk_buff* skb) {
  return rewrite(skb, 1);
}
__attribute__((section("ingress"), used)) int from_softwire(struct __sk_buff* skb) {
  return rewrite(skb, 0);
}
char license_string[] __attribute__((section("license"), used)) = "GPL";
