// A test tool, not installed: runs one NetlinkStateSink apply or withdraw
// from command-line values, prints the operations performed and the time
// taken. Exit 0 on success, 1 when the kernel step failed, 2 on bad usage.
//   lwb4-kernel-apply --uplink wan0 --ipv4 192.0.2.100 --br 2001:db8:ffff::1
//                     --source 2001:db8:1::100 [--constructed] apply
//   lwb4-kernel-apply --uplink wan0 [--owned 2001:db8:1::100] withdraw
// Also: --softwire NAME --mtu N --encaplimit none|N --route-metric N
// --route-table N. --dry-run plans without changing anything.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/logger.hpp"
#include "netlink/netlink_kernel.hpp"
#include "netlink/netlink_state_sink.hpp"

namespace {

using namespace lwb4;
using namespace lwb4::platform;

int usage(const char* why) {
  std::fprintf(stderr, "lwb4-kernel-apply: %s\n", why);
  return 2;
}

bool parse_number(std::string_view text, uint32_t max, uint32_t& out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

double elapsed_ms(const timespec& from) {
  timespec to;
  ::clock_gettime(CLOCK_MONOTONIC, &to);
  return static_cast<double>(to.tv_sec - from.tv_sec) * 1e3 +
         static_cast<double>(to.tv_nsec - from.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  KernelConfig config;
  client::DesiredState state;
  std::vector<Ipv6Address> owned;
  std::string command;
  bool dry_run = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--constructed") {
      state.source_is_constructed = true;
      continue;
    }
    if (arg == "--dry-run") {
      dry_run = true;
      continue;
    }
    if (arg == "apply" || arg == "withdraw") {
      command = arg;
      continue;
    }
    if (i + 1 == argc) return usage("an option needs a value");
    std::string_view value = argv[++i];
    uint32_t n = 0;
    if (arg == "--uplink") {
      config.uplink = value;
    } else if (arg == "--softwire") {
      config.softwire = value;
    } else if (arg == "--mtu") {
      if (!parse_number(value, 65535, n)) return usage("bad --mtu");
      config.mtu = n;
    } else if (arg == "--encaplimit") {
      if (value == "none") {
        config.encap_limit.reset();
      } else if (parse_number(value, 255, n)) {
        config.encap_limit = static_cast<uint8_t>(n);
      } else {
        return usage("bad --encaplimit");
      }
    } else if (arg == "--route-metric") {
      if (!parse_number(value, 0xffffffffu, config.route_metric))
        return usage("bad --route-metric");
    } else if (arg == "--route-table") {
      if (!parse_number(value, 0xffffffffu, config.route_table)) return usage("bad --route-table");
    } else if (arg == "--ipv4") {
      auto a = Ipv4Address::parse(value);
      if (!a) return usage("bad --ipv4");
      state.ipv4 = *a;
    } else if (arg == "--br" || arg == "--source" || arg == "--owned") {
      auto a = Ipv6Address::parse(value);
      if (!a) return usage("bad IPv6 address");
      if (arg == "--br") state.br = *a;
      if (arg == "--source") state.softwire_source = *a;
      if (arg == "--owned") owned.push_back(*a);
    } else {
      return usage("unknown option");
    }
  }
  if (config.uplink.empty() || command.empty()) return usage("needs --uplink and apply|withdraw");
  if (config.softwire.empty()) config.softwire = default_softwire_name(config.uplink);

  Logger log("lwb4-kernel-apply", LogLevel::kWarning);
  if (dry_run) {
    auto kernel = NetlinkKernel::open();
    if (!kernel) return usage(kernel.error().reason().c_str());
    auto snapshot = (*kernel)->snapshot(config);
    if (!snapshot) return usage(snapshot.error().reason().c_str());
    auto ops = command == "apply"
                   ? plan_apply(state, config, *snapshot, owned)
                   : Result<std::vector<KernelOp>>(plan_withdraw(config, *snapshot, owned));
    if (!ops) {
      std::printf("error: %s\n", ops.error().reason().c_str());
      return 1;
    }
    for (const KernelOp& op : *ops)
      std::printf("  %s\n", describe(op).c_str());
    std::printf("plan: %zu operations\n", ops->size());
    return 0;
  }

  auto sink = NetlinkStateSink::open(config, log);
  if (!sink) return usage(sink.error().reason().c_str());
  (*sink)->set_owned_sources(owned);
  timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  Status st = command == "apply" ? (*sink)->apply(state) : (*sink)->withdraw("lwb4-kernel-apply");
  std::vector<KernelOp> done = (*sink)->last_operations();
  // The sink does not block on DAD; this tool polls where lwb4d waits for
  // the address's netlink notification.
  double dad_ms = 0;
  while (st && (*sink)->pending_dad()) {
    timespec pause{0, 5'000'000};
    ::nanosleep(&pause, nullptr);
    auto more = (*sink)->reconcile();
    if (!more) st = more.error();
    if ((*sink)->pending_dad() && std::chrono::steady_clock::now() - (*sink)->pending_dad()->since >
                                      NetlinkStateSink::kDadTimeout) {
      st = make_error("DAD of the source still pending after %lld ms",
                      static_cast<long long>(NetlinkStateSink::kDadTimeout.count()));
    }
    if (!(*sink)->pending_dad()) {
      dad_ms = elapsed_ms(start);
      for (const KernelOp& op : (*sink)->last_operations()) {
        if (!std::holds_alternative<WaitDad>(op)) done.push_back(op);
      }
    }
  }
  double ms = elapsed_ms(start);
  for (const KernelOp& op : done)
    std::printf("  %s\n", describe(op).c_str());
  std::printf("%s: %zu operations in %.3f ms\n", command.c_str(), done.size(), ms);
  if (dad_ms > 0) std::printf("(of which waiting for DAD: up to %.3f ms)\n", dad_ms);
  if (!st) {
    std::printf("error: %s\n", st.error().reason().c_str());
    return 1;
  }
  return 0;
}
