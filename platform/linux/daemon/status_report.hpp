// The control socket's status reply: everything `lwb4ctl status` shows,
// as one JSON object (built with the core's JsonWriter) or as text lines.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/daemon_config.hpp"
#include "lwb4/client/clock.hpp"
#include "lwb4/client/desired_state.hpp"
#include "lwb4/client/engine.hpp"
#include "lwb4/client/pcp_client.hpp"
#include "lwb4/portset/port_set.hpp"

namespace lwb4::platform {

// Port ranges listed per state; a set with more (offset 15 has 32767) says
// "ranges_truncated": true. The count is always exact.
constexpr size_t kMaxRangesListed = 1024;

// A copy of the client's state for the status reply.
struct PcpSnapshot {
  std::string state;
  client::PcpClientConfig config;
  std::optional<Ipv6Address> source;
  std::optional<client::PcpMapping> mapping;
  client::PcpEpoch epoch;
  std::optional<pcp::ResultCode> last_error;
  client::PcpCounters counters;
};

// The port-set NAT table (lwb4d --nat on).
struct NatStatus {
  std::string table;
  bool installed = false;           // the table is in the kernel for the applied state
  std::vector<PortRange> reserved;  // reserved ports inside the current set
  uint16_t pool_first = 0;          // the SNAT pool (virtual ports); 0: plain SNAT
  uint32_t pool_size = 0;
  struct Forward {
    std::string spec;     // "tcp:2222:198.51.100.2:22"
    bool active = false;  // false: refused for the current set
  };
  std::vector<Forward> forwards;
  // Packets the table dropped (RFC 7596 §5.1), by counter name.
  std::vector<std::pair<std::string, uint64_t>> dropped;
  uint64_t restored = 0;           // the table put back after someone else changed it
  uint64_t conntrack_flushed = 0;  // entries deleted on address or port-set changes
  // Flowtables ("inet fw4 ft") holding the softwire. Their fast path skips
  // postrouting: unless the rewrite into the set is on the softwire's netdev
  // egress hook (rewrite_on_device), flows they offload leave outside the set.
  std::vector<std::string> offloading_flowtables;
  bool rewrite_on_device = false;
};

struct DaemonStatus {
  std::string uplink;
  client::UplinkState uplink_state;
  client::EngineStatus engine;
  std::optional<PcpSnapshot> pcp;  // --mode pcp
  // What the StateSink last applied successfully (nullopt: nothing, or
  // withdrawn). When it differs from engine.applied, both are shown.
  std::optional<client::DesiredState> applied;
  std::string tunnel_interface;  // the softwire device; empty: none (see below)
  // DHCPv6 messages to an address shared with the uplink's other DHCPv6
  // client that were its, not ours: seen and left alone, not dropped.
  uint64_t other_clients = 0;
  std::optional<NatStatus> nat;  // nullopt: --nat off
  client::TimePoint now;
};

// The softwire device status names: the ip6tnl device the netlink adapter
// manages (--softwire, default "lwb4-" + uplink cut to 15 characters) while
// a state is applied; empty while nothing is applied and with --kernel none,
// which creates no device.
std::string tunnel_interface(const DaemonConfig& config, bool state_applied);

std::string status_json(const DaemonStatus& status);
std::string status_text(const DaemonStatus& status);

}  // namespace lwb4::platform
