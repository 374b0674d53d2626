// lwb4-nft-apply: a test tool for tests/nat. Plans the port-set NAT table and
// applies it, prints it, or removes the table.
//   lwb4-nft-apply apply|print --address A --oif DEV [--offset a --psid-len k
//                  --psid p] [--reserve PORT]... [--egress-hook postrouting|netdev]
//   lwb4-nft-apply remove
//   lwb4-nft-apply flush-conntrack --address A
// Exit status: 0 done, 1 the kernel refused, 2 bad arguments.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "nft/conntrack_flush.hpp"
#include "nft/nat_plan.hpp"
#include "nft/nft_batch.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int usage(const char* reason) {
  std::fprintf(stderr,
               "lwb4-nft-apply: %s\nusage: lwb4-nft-apply apply|print --address A --oif DEV "
               "[--offset a --psid-len k --psid p | --first P --count N] [--reserve PORT]... "
               "[--egress-hook postrouting|netdev]\n"
               "       lwb4-nft-apply remove\n"
               "       lwb4-nft-apply flush-conntrack --address A\n",
               reason);
  return kExitUsage;
}

bool parse_uint(const char* text, unsigned long max, unsigned long& out) {
  char* end = nullptr;
  out = std::strtoul(text, &end, 0);
  return end != text && *end == '\0' && out <= max;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lwb4;
  if (argc < 2) return usage("missing command");
  std::string_view command = argv[1];
  if (command == "remove") {
    // Its netdev table too, when the kernel has the family.
    Status st = nft::remove_table(nft::kDefaultTable, true);
    if (!st) st = nft::remove_table(nft::kDefaultTable, false);
    if (!st) {
      std::fprintf(stderr, "lwb4-nft-apply: %s\n", st.error().reason().c_str());
      return kExitFailure;
    }
    return 0;
  }
  if (command == "flush-conntrack") {
    if (argc != 4 || std::string_view(argv[2]) != "--address") return usage("needs --address A");
    auto a = Ipv4Address::parse(argv[3]);
    if (!a) return usage(a.error().reason().c_str());
    auto n = nft::flush_conntrack(*a);
    if (!n) {
      std::fprintf(stderr, "lwb4-nft-apply: %s\n", n.error().reason().c_str());
      return kExitFailure;
    }
    std::printf("flushed %zu conntrack entries of %s\n", *n, a->to_string().c_str());
    return 0;
  }
  if (command != "apply" && command != "print") return usage("unknown command");

  nft::NatConfig config;
  unsigned long offset = 0, psid_len = 0, psid = 0, range_first = 0, range_count = 0;
  bool have_address = false;
  for (int i = 2; i < argc; i += 2) {
    std::string_view opt = argv[i];
    if (i + 1 >= argc) return usage("option without a value");
    const char* value = argv[i + 1];
    unsigned long n = 0;
    if (opt == "--address") {
      auto a = Ipv4Address::parse(value);
      if (!a) return usage(a.error().reason().c_str());
      config.address = *a;
      have_address = true;
    } else if (opt == "--oif") {
      config.oifname = value;
    } else if (opt == "--offset" && parse_uint(value, 15, n)) {
      offset = n;
    } else if (opt == "--psid-len" && parse_uint(value, 16, n)) {
      psid_len = n;
    } else if (opt == "--psid" && parse_uint(value, 0xffff, n)) {
      psid = n;
    } else if (opt == "--first" && parse_uint(value, 0xffff, n)) {
      range_first = n;
    } else if (opt == "--count" && parse_uint(value, 0xffff, n)) {
      range_count = n;
    } else if (opt == "--reserve" && parse_uint(value, 0xffff, n)) {
      config.reserved.push_back(static_cast<uint16_t>(n));
    } else if (opt == "--egress-hook" &&
               (std::string_view(value) == "netdev" || std::string_view(value) == "postrouting")) {
      config.egress_on_device = std::string_view(value) == "netdev";
    } else {
      return usage("bad option or value");
    }
  }
  if (!have_address) return usage("missing --address");
  if (range_count > 0) {
    // A contiguous range, as PCP PORT_SET grants it (RFC 7753 §4).
    auto set =
        PortSet::contiguous(static_cast<uint32_t>(range_first), static_cast<uint32_t>(range_count));
    if (!set) return usage(set.error().reason().c_str());
    config.ports = *set;
  } else if (psid_len > 0) {
    auto set = PortSet::create(static_cast<unsigned>(offset), static_cast<unsigned>(psid_len),
                               static_cast<unsigned>(psid));
    if (!set) return usage(set.error().reason().c_str());
    config.ports = *set;
  }
  auto plan = nft::plan_nat(config);
  if (!plan) return usage(plan.error().reason().c_str());
  if (command == "print") {
    std::fputs(plan->to_text().c_str(), stdout);
    return 0;
  }
  // Replaces a netdev table left by an earlier --egress-hook netdev, when
  // the kernel has the family.
  Status st = nft::apply_plan(*plan, true);
  if (!st && !plan->device) st = nft::apply_plan(*plan, false);
  if (!st) {
    std::fprintf(stderr, "lwb4-nft-apply: %s\n", st.error().reason().c_str());
    return kExitFailure;
  }
  if (plan->virtual_count == 0) {
    std::printf("applied: %s, plain SNAT\n", config.ports.describe().c_str());
  } else {
    std::printf("applied: %s, pool %u-%u (%u ports)\n", config.ports.describe().c_str(),
                plan->virtual_first, plan->virtual_first + plan->virtual_count - 1,
                plan->virtual_count);
  }
  return 0;
}
