// lwb4d's configuration: command-line flags, optionally on top of a
// `--config FILE` of "key value" lines with the same keys (the command line
// wins). Every value is validated; errors name the flag or file line.
//
// SIGHUP re-reads the file and applies `log-level` and `syslog` at once; a
// changed value of any other key is reported and needs a restart (it shapes
// sockets, files or the identity the server knows us by).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/logger.hpp"
#include "lwb4/client/engine.hpp"
#include "lwb4/client/pcp_client.hpp"
#include "lwb4/dhcp6/duid.hpp"
#include "lwb4/portset/port_set.hpp"
#include "lwb4/s46/rule_string.hpp"
#include "lwb4/util/result.hpp"
#include "lwb4/wire/ip.hpp"

namespace lwb4::platform {

constexpr std::string_view kDefaultStateDir = "/var/lib/lwb4";

// Where Apply and Withdraw go: the kernel over rtnetlink, or only the log.
enum class KernelBackend : uint8_t { kNetlink, kNone };

// --forward PROTO:EXT_PORT:LAN_ADDR:PORT, an inbound port forward on the
// shared address.
struct PortForward {
  uint8_t proto = 0;  // IPPROTO_TCP or IPPROTO_UDP
  uint16_t external_port = 0;
  Ipv4Address lan_address;
  uint16_t lan_port = 0;

  bool operator==(const PortForward&) const = default;
};

struct DaemonConfig {
  std::string uplink;                       // required
  std::string state_dir{kDefaultStateDir};  // the lease file lives here
  std::string control_path;                 // default: /var/run/lwb4/<uplink>.sock
  std::optional<dhcp6::Duid> duid;          // default: DUID-LL from the uplink MAC
  uint32_t iaid = 1;                        // RFC 4361 IAID
  client::OfferPolicy offer_policy = client::OfferPolicy::kPreferFull;
  client::Millis offer_window{1000};           // SELECTING collects offers this long
  bool start_delays = true;                    // RFC 8415 / RFC 2131 random waits (tests: off)
  std::optional<Ipv6Address> softwire_source;  // default: chosen by the engine
  std::string softwire;                        // default: "lwb4-" + uplink, cut to 15
  std::optional<uint32_t> mtu;                 // default: the uplink's MTU - 40
  std::optional<uint8_t> encap_limit;          // default: none
  uint32_t route_metric = 0;
  uint32_t route_table = 254;  // RT_TABLE_MAIN
  KernelBackend kernel = KernelBackend::kNetlink;
  client::ModeChoice mode = client::ModeChoice::kAuto;
  // Hand-off from odhcp6c: option 88 (empty = "multicast") and the S46 rules.
  std::optional<std::vector<Ipv6Address>> dhcp4o6_servers;
  std::optional<std::vector<s46::ScriptRule>> s46_rules;
  std::optional<Ipv6Prefix> prefix;  // MAP-E End-user prefix
  std::optional<uint8_t> psid_len;   // MAP-E PSID length when the server sends none
  bool legacy_map = false;           // draft-ietf-softwire-map-03 interface identifier
  // Port-set NAT in nftables; default: on with the netlink kernel backend.
  std::optional<bool> nat;
  std::vector<PortRange> reserve_ports;  // kept out of the SNAT pool
  std::vector<PortForward> forwards;     // --forward, repeatable
  std::string nft_table{"lwb4"};
  LogLevel log_level = LogLevel::kInfo;
  bool syslog = false;
  bool foreground = false;
  std::string script;  // --script: run after every Apply/Withdraw (script_runner.hpp)
  std::string user;    // --user: run as this user once set up (privileges.hpp)
  // --mode pcp: provision by PCP MAP + PORT_SET (RFC 6887, RFC 7753) instead
  // of DHCPv4-over-DHCPv6.
  bool mode_pcp = false;
  std::optional<Ipv6Address> pcp_server;  // required with --mode pcp
  uint16_t pcp_ports = client::kPcpDefaultPortCount;
  bool pcp_parity = false;

  bool operator==(const DaemonConfig&) const = default;
};

// One "key value" from the command line or the file, before validation.
struct Setting {
  std::string key;    // "iaid"
  std::string value;  // "" for a bare boolean
  std::string where;  // "--iaid" or "lwb4d.conf:3: iaid", prefixes errors
};

struct CommandLine {
  bool help = false;
  bool check = false;  // --check: validate the configuration, start nothing
  std::optional<std::string> config_file;
  std::vector<Setting> settings;
};

// `args` exclude argv[0].
Result<CommandLine> parse_command_line(std::span<const std::string_view> args);
// Blank lines and lines starting with '#' are skipped; a value runs from
// the first non-blank after the key to the end of the line.
Result<std::vector<Setting>> parse_config_text(std::string_view text, std::string_view file_name);
// Reads a config file of at most 64 KiB.
Result<std::string> read_config_file(const std::string& path);
// Defaults, then the file's settings, then the command line's.
Result<DaemonConfig> make_config(const std::vector<Setting>& from_file,
                                 const std::vector<Setting>& from_command_line);

// The keys whose new value SIGHUP cannot apply (everything but log-level
// and syslog), in the order of the usage text.
std::vector<std::string_view> keys_needing_restart(const DaemonConfig& running,
                                                   const DaemonConfig& reloaded);

std::string_view daemon_usage();

}  // namespace lwb4::platform
