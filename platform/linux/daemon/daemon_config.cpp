#include "daemon/daemon_config.hpp"

#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "daemon/control_protocol.hpp"
#include "daemon/file_util.hpp"

namespace lwb4::platform {
namespace {

constexpr std::string_view kUsage =
    "usage: lwb4d --uplink IFNAME [OPTIONS]\n"
    "\n"
    "The lwB4 client: DHCPv4-over-DHCPv6 (RFC 7341) with port sets (RFC 7618)\n"
    "on the IPv6 uplink IFNAME.\n"
    "\n"
    "  --uplink IFNAME          the IPv6 uplink interface (required)\n"
    "  --state-dir DIR          where the lease is kept (default /var/lib/lwb4;\n"
    "                           /tmp/lwb4 suits OpenWrt flash)\n"
    "  --control PATH           control socket (default /var/run/lwb4/IFNAME.sock)\n"
    "  --duid HEX               DHCPv6 DUID, e.g. 00:03:00:01:02:00:5e:00:53:01\n"
    "                           (default: DUID-LL from the uplink MAC address)\n"
    "  --iaid N                 RFC 4361 IAID (default 1)\n"
    "  --offer-policy POLICY    prefer-full (default), largest or first\n"
    "  --offer-window MS        how long to collect offers (default 1000)\n"
    "  --no-start-delay         skip the random start waits (tests, benchmarks)\n"
    "  --softwire-source ADDR   the IPv6 softwire source to bind (RFC 8539)\n"
    "  --softwire NAME          the ip6tnl device (default lwb4-IFNAME)\n"
    "  --mtu N                  softwire MTU (default: the uplink's MTU - 40)\n"
    "  --encaplimit none|N      tunnel encapsulation limit option (default none)\n"
    "  --route-metric N         metric of the IPv4 default route (default 0)\n"
    "  --route-table N          its routing table (default 254, main)\n"
    "  --kernel netlink|none    configure the kernel (default) or only log\n"
    "  --mode MODE              auto (default: RFC 8026 order), dhcp4o6, lw4o6,\n"
    "                           map-e, or pcp (PCP MAP with PORT_SET, RFC 7753)\n"
    "  --dhcp4o6-servers LIST   option 88 from odhcp6c: comma-separated IPv6\n"
    "                           addresses, or multicast (no own request for 88)\n"
    "  --s46-rules STRING       odhcp6c MAPE/LW4O6 rule strings (no own request\n"
    "                           for S46)\n"
    "  --prefix PREFIX          MAP-E End-user (delegated) IPv6 prefix\n"
    "  --psid-len N             MAP-E PSID length when the server sends none\n"
    "  --legacy-map             MAP-E draft-03 interface identifier\n"
    "  --pcp-server ADDR        the PCP server, the lwAFTR (required with --mode pcp)\n"
    "  --pcp-ports N            ports to ask for, 1..65535 (default 2048;\n"
    "                           65535: as many as possible)\n"
    "  --pcp-parity             ask for port parity preservation (RFC 7753 §4.1)\n"
    "  --nat on|off             confine NAT to the port set in nftables (default\n"
    "                           on with --kernel netlink; with --kernel none it\n"
    "                           only sets up NAT, on the device --softwire names)\n"
    "  --reserve-ports LIST     ports kept out of the NAT pool, e.g. 22,8080-8081\n"
    "  --forward P:EXT:ADDR:PORT  forward tcp|udp port EXT of the shared address\n"
    "                           to ADDR:PORT on the LAN (repeatable)\n"
    "  --nft-table NAME         the nftables table (default lwb4)\n"
    "  --log-level LEVEL        error, warning, notice, info (default) or debug\n"
    "  --syslog                 log to syslog instead of stderr\n"
    "  --foreground             do not detach (logs stay on stderr)\n"
    "  --script PATH            run PATH after every change of the softwire, with\n"
    "                           ACTION=bound|withdrawn, MODE, IPV4, PSID_OFFSET,\n"
    "                           PSID_LEN, PSID, PORT_COUNT, PORT_RANGES, BR,\n"
    "                           SOFTWIRE_SOURCE, DNS, TUNNEL (withdrawn: TUNNEL,\n"
    "                           REASON) added to lwb4d's environment\n"
    "  --user NAME              once set up, run as NAME keeping only CAP_NET_ADMIN,\n"
    "                           CAP_NET_BIND_SERVICE and CAP_NET_RAW\n"
    "  --config FILE            \"key value\" lines with the keys above\n"
    "                           (\"syslog yes\"); the command line wins\n"
    "  --check                  check the configuration (and --user) and exit:\n"
    "                           0 when lwb4d would start with it, 2 otherwise\n"
    "  --help                   this text\n"
    "\n"
    "Signals: SIGTERM/SIGINT release the lease and exit, SIGUSR1 renews,\n"
    "SIGHUP re-reads --config and applies log-level and syslog.\n";

struct KeySpec {
  std::string_view name;
  bool boolean;
  bool repeatable = false;  // each occurrence appends
};

constexpr std::array<KeySpec, 33> kKeys = {{
    {"uplink", false},
    {"state-dir", false},
    {"control", false},
    {"duid", false},
    {"iaid", false},
    {"offer-policy", false},
    {"offer-window", false},
    {"no-start-delay", true},
    {"softwire-source", false},
    {"softwire", false},
    {"mtu", false},
    {"encaplimit", false},
    {"route-metric", false},
    {"route-table", false},
    {"kernel", false},
    {"mode", false},
    {"dhcp4o6-servers", false},
    {"s46-rules", false},
    {"prefix", false},
    {"psid-len", false},
    {"legacy-map", true},
    {"pcp-server", false},
    {"pcp-ports", false},
    {"pcp-parity", true},
    {"nat", false},
    {"reserve-ports", false},
    {"forward", false, true},
    {"nft-table", false},
    {"log-level", false},
    {"syslog", true},
    {"foreground", true},
    {"script", false},
    {"user", false},
}};

constexpr size_t kMaxConfigFile = 64 * 1024;
constexpr size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1

int quote_len(std::string_view s) {
  return static_cast<int>(std::min<size_t>(s.size(), 64));
}

const KeySpec* find_key(std::string_view name) {
  for (const KeySpec& k : kKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Error value_error(const Setting& s, const char* what) {
  return make_error("%s '%.*s' %s", s.where.c_str(), quote_len(s.value), s.value.data(), what);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<uint32_t> parse_u32(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return std::nullopt;
    v = v * base + static_cast<unsigned>(d);
    if (v > 0xffffffffu) return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

// "00:03:00:01:..." (two digits per group) or "00030001...".
std::optional<std::vector<uint8_t>> parse_hex_bytes(std::string_view text) {
  std::vector<uint8_t> out;
  bool separated = text.find(':') != std::string_view::npos;
  size_t i = 0;
  while (i < text.size()) {
    if (i + 2 > text.size()) return std::nullopt;
    int hi = hex_digit(text[i]);
    int lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    i += 2;
    if (separated && i < text.size()) {
      if (text[i] != ':' || i + 1 == text.size()) return std::nullopt;
      ++i;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Status check_path(const Setting& s) {
  if (s.value.empty() || s.value.front() != '/') return value_error(s, "is not an absolute path");
  return {};
}

// The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/',
// ':' or whitespace.
bool is_interface_name(const std::string& v) {
  return !v.empty() && v.size() <= kMaxInterfaceName && v != "." && v != ".." &&
         v.find_first_of("/: \t\n") == std::string::npos;
}

std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  auto n = parse_u32(text);
  if (!n || *n == 0 || *n > 65535) return std::nullopt;
  return static_cast<uint16_t>(*n);
}

// "22,8080-8081"
std::optional<std::vector<PortRange>> parse_port_list(std::string_view text) {
  std::vector<PortRange> out;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    size_t dash = item.find('-');
    auto first = parse_port(item.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parse_port(item.substr(dash + 1));
    if (!first || !last || *last < *first) return std::nullopt;
    out.push_back({*first, *last});
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

// "tcp:2222:198.51.100.2:22"
std::optional<PortForward> parse_forward(std::string_view text) {
  PortForward f;
  size_t c1 = text.find(':');
  size_t c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
  size_t c3 = text.rfind(':');
  if (c2 == std::string_view::npos || c3 <= c2) return std::nullopt;
  std::string_view proto = text.substr(0, c1);
  if (proto == "tcp") {
    f.proto = 6;  // RFC 9293
  } else if (proto == "udp") {
    f.proto = 17;  // RFC 768
  } else {
    return std::nullopt;
  }
  auto ext = parse_port(text.substr(c1 + 1, c2 - c1 - 1));
  auto addr = Ipv4Address::parse(text.substr(c2 + 1, c3 - c2 - 1));
  auto port = parse_port(text.substr(c3 + 1));
  if (!ext || !addr || !port || addr->is_zero()) return std::nullopt;
  f.external_port = *ext;
  f.lan_address = *addr;
  f.lan_port = *port;
  return f;
}

Status apply_setting(DaemonConfig& c, const Setting& s) {
  const std::string& v = s.value;
  if (s.key == "uplink" || s.key == "softwire") {
    if (!is_interface_name(v)) return value_error(s, "is not a valid interface name");
    (s.key == "uplink" ? c.uplink : c.softwire) = v;
  } else if (s.key == "mtu") {
    auto n = parse_u32(v);
    if (!n || *n < 68 || *n > 65535) return value_error(s, "is not an MTU (68..65535)");
    c.mtu = *n;
  } else if (s.key == "encaplimit") {
    if (v == "none") {
      c.encap_limit.reset();
    } else if (auto n = parse_u32(v); n && *n <= 255) {
      c.encap_limit = static_cast<uint8_t>(*n);
    } else {
      return value_error(s, "is not none or 0..255");
    }
  } else if (s.key == "route-metric") {
    auto n = parse_u32(v);
    if (!n) return value_error(s, "is not a number (0..4294967295, or 0x hex)");
    c.route_metric = *n;
  } else if (s.key == "route-table") {
    auto n = parse_u32(v);
    if (!n || *n == 0) return value_error(s, "is not a routing table (1..4294967295)");
    c.route_table = *n;
  } else if (s.key == "kernel") {
    if (v == "netlink") {
      c.kernel = KernelBackend::kNetlink;
    } else if (v == "none") {
      c.kernel = KernelBackend::kNone;
    } else {
      return value_error(s, "is not netlink or none");
    }
  } else if (s.key == "mode") {
    if (v == "auto") {
      c.mode = client::ModeChoice::kAuto;
    } else if (v == "dhcp4o6") {
      c.mode = client::ModeChoice::kDhcp4o6;
    } else if (v == "lw4o6") {
      c.mode = client::ModeChoice::kLw4o6;
    } else if (v == "map-e") {
      c.mode = client::ModeChoice::kMapE;
    } else if (v != "pcp") {
      return value_error(s, "is not a mode (auto, dhcp4o6, lw4o6, map-e, pcp)");
    }
    c.mode_pcp = v == "pcp";
  } else if (s.key == "dhcp4o6-servers") {
    std::vector<Ipv6Address> servers;
    if (v != "multicast") {
      std::string_view rest = v;
      while (true) {
        size_t comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma));
        auto a = Ipv6Address::parse(item);
        if (!a || a->is_zero()) {
          return make_error(
              "%s: '%.*s' is not an IPv6 address (a comma-separated list, or "
              "multicast)",
              s.where.c_str(), quote_len(item), item.data());
        }
        servers.push_back(*a);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    c.dhcp4o6_servers = std::move(servers);
  } else if (s.key == "s46-rules") {
    auto rules = s46::parse_rule_strings(v);
    if (!rules) return make_error("%s: %s", s.where.c_str(), rules.error().reason().c_str());
    if (rules->empty()) return value_error(s, "holds no rule");
    c.s46_rules = std::move(*rules);
  } else if (s.key == "prefix") {
    auto p = Ipv6Prefix::parse(v);
    if (!p || p->length == 0)
      return value_error(s, "is not an IPv6 prefix (2001:db8:12:3400::/56)");
    c.prefix = *p;
  } else if (s.key == "psid-len") {
    auto n = parse_u32(v);
    if (!n || *n == 0 || *n > 16) return value_error(s, "is not a PSID length (1..16)");
    c.psid_len = static_cast<uint8_t>(*n);
  } else if (s.key == "nat") {
    if (v == "on" || v == "yes") {
      c.nat = true;
    } else if (v == "off" || v == "no") {
      c.nat = false;
    } else {
      return value_error(s, "is not on or off");
    }
  } else if (s.key == "reserve-ports") {
    auto list = parse_port_list(v);
    if (!list) return value_error(s, "is not a port list (e.g. 22,8080-8081; ports 1..65535)");
    c.reserve_ports = std::move(*list);
  } else if (s.key == "forward") {
    auto f = parse_forward(v);
    if (!f) return value_error(s, "is not tcp|udp:EXT_PORT:LAN_ADDRESS:PORT");
    for (const PortForward& other : c.forwards) {
      if (other.proto == f->proto && other.external_port == f->external_port) {
        return value_error(s, "forwards an external port that is forwarded already");
      }
    }
    c.forwards.push_back(*f);
  } else if (s.key == "nft-table") {
    bool ok = !v.empty() && v.size() <= 32 && std::isalpha(static_cast<unsigned char>(v[0])) &&
              std::all_of(v.begin(), v.end(), [](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
              });
    if (!ok)
      return value_error(s, "is not a table name (1..32 of A-Z a-z 0-9 _ -, a letter first)");
    c.nft_table = v;
  } else if (s.key == "state-dir") {
    if (auto st = check_path(s); !st) return st;
    c.state_dir = v;
  } else if (s.key == "control") {
    if (auto st = check_path(s); !st) return st;
    if (v.size() >= sizeof(sockaddr_un::sun_path)) {
      return make_error("%s is longer than %zu bytes (a Unix socket path limit)", s.where.c_str(),
                        sizeof(sockaddr_un::sun_path) - 1);
    }
    c.control_path = v;
  } else if (s.key == "duid") {
    auto bytes = parse_hex_bytes(v);
    if (!bytes) return value_error(s, "is not hex bytes (00:03:00:01:... or 00030001...)");
    auto duid = dhcp6::Duid::from_bytes(*bytes);
    if (!duid) {
      return make_error("%s: %s", s.where.c_str(), duid.error().reason().c_str());
    }
    c.duid = *duid;
  } else if (s.key == "iaid") {
    auto n = parse_u32(v);
    if (!n) return value_error(s, "is not a number (0..4294967295, or 0x hex)");
    c.iaid = *n;
  } else if (s.key == "offer-policy") {
    if (v == "prefer-full") {
      c.offer_policy = client::OfferPolicy::kPreferFull;
    } else if (v == "largest" || v == "largest-port-set") {
      c.offer_policy = client::OfferPolicy::kLargestPortSet;
    } else if (v == "first") {
      c.offer_policy = client::OfferPolicy::kFirst;
    } else {
      return value_error(s, "is not an offer policy (prefer-full, largest, first)");
    }
  } else if (s.key == "offer-window") {
    auto n = parse_u32(v);
    if (!n || *n > 60'000) return value_error(s, "is not a number of milliseconds (0..60000)");
    c.offer_window = client::Millis(*n);
  } else if (s.key == "softwire-source") {
    auto a = Ipv6Address::parse(v);
    if (!a) return value_error(s, "is not an IPv6 address");
    Ipv6Address loopback;
    loopback.bytes[15] = 1;
    if (a->is_zero() || a->is_multicast() || a->is_link_local() || *a == loopback) {
      return value_error(s, "is unspecified, loopback, link-local or multicast");
    }
    c.softwire_source = *a;
  } else if (s.key == "script") {
    if (auto st = check_path(s); !st) return st;
    c.script = v;
  } else if (s.key == "user") {
    if (v.empty() || v.size() > 32 || v.find_first_of(":/ \t\n") != std::string::npos) {
      return value_error(s, "is not a user name");
    }
    c.user = v;
  } else if (s.key == "pcp-server") {
    auto a = Ipv6Address::parse(v);
    if (!a) return value_error(s, "is not an IPv6 address");
    if (a->is_zero() || a->is_multicast()) return value_error(s, "is unspecified or multicast");
    c.pcp_server = *a;
  } else if (s.key == "pcp-ports") {
    auto n = parse_u32(v);
    if (!n || *n == 0 || *n > 0xffff) return value_error(s, "is not a number of ports (1..65535)");
    c.pcp_ports = static_cast<uint16_t>(*n);
  } else if (s.key == "log-level") {
    auto level = parse_log_level(v);
    if (!level) return value_error(s, "is not a log level (error, warning, notice, info, debug)");
    c.log_level = *level;
  } else if (s.key == "syslog" || s.key == "foreground" || s.key == "no-start-delay" ||
             s.key == "legacy-map" || s.key == "pcp-parity") {
    bool on;
    if (v.empty() || v == "yes" || v == "on" || v == "true" || v == "1") {
      on = true;
    } else if (v == "no" || v == "off" || v == "false" || v == "0") {
      on = false;
    } else {
      return value_error(s, "is not yes or no");
    }
    if (s.key == "no-start-delay") {
      c.start_delays = !on;
    } else if (s.key == "legacy-map") {
      c.legacy_map = on;
    } else if (s.key == "pcp-parity") {
      c.pcp_parity = on;
    } else {
      (s.key == "syslog" ? c.syslog : c.foreground) = on;
    }
  }
  return {};
}

}  // namespace

std::string_view daemon_usage() {
  return kUsage;
}

Result<CommandLine> parse_command_line(std::span<const std::string_view> args) {
  CommandLine out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      return out;
    }
    if (arg == "--check") {
      out.check = true;
      continue;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return make_error("unexpected argument '%.*s' (try lwb4d --help)", quote_len(arg),
                        arg.data());
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const KeySpec* spec = find_key(name);
    if (!spec && name != "config") {
      return make_error("unknown option '--%.*s' (try lwb4d --help)", quote_len(name), name.data());
    }
    bool seen = name == "config" ? out.config_file.has_value()
                                 : !spec->repeatable &&
                                       std::any_of(out.settings.begin(), out.settings.end(),
                                                   [&](const Setting& s) { return s.key == name; });
    if (seen) return make_error("--%.*s given twice", quote_len(name), name.data());
    if (spec && spec->boolean) {
      if (value) return make_error("--%.*s takes no value", quote_len(name), name.data());
      value = "";
    } else if (!value) {
      if (i + 1 == args.size() || args[i + 1].substr(0, 2) == "--") {
        return make_error("--%.*s needs a value", quote_len(name), name.data());
      }
      value = args[++i];
    }
    if (name == "config") {
      if (value->empty()) return make_error("--config needs a value");
      // SIGHUP re-reads it after daemon(3) has changed to "/".
      if (value->front() != '/') {
        return make_error("--config '%.*s' is not an absolute path", quote_len(*value),
                          value->data());
      }
      out.config_file = std::string(*value);
    } else {
      out.settings.push_back({std::string(name), std::string(*value), "--" + std::string(name)});
    }
  }
  return out;
}

Result<std::vector<Setting>> parse_config_text(std::string_view text, std::string_view file_name) {
  std::vector<Setting> out;
  std::vector<size_t> lines;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    size_t end = line.find_first_of(" \t");
    std::string_view key = line.substr(0, end);
    std::string_view value = end == std::string_view::npos ? "" : trim(line.substr(end));
    std::string where = std::string(file_name) + ":" + std::to_string(line_no) + ": ";
    const KeySpec* spec = find_key(key);
    if (!spec) {
      return make_error("%sunknown key '%.*s'", where.c_str(), quote_len(key), key.data());
    }
    for (size_t i = 0; i < out.size() && !spec->repeatable; ++i) {
      if (out[i].key == key) {
        return make_error("%s%.*s already set on line %zu", where.c_str(), quote_len(key),
                          key.data(), lines[i]);
      }
    }
    if (value.empty() && !spec->boolean) {
      return make_error("%s%.*s needs a value", where.c_str(), quote_len(key), key.data());
    }
    out.push_back({std::string(key), std::string(value), where + std::string(key)});
    lines.push_back(line_no);
  }
  return out;
}

Result<std::string> read_config_file(const std::string& path) {
  auto text = read_file(path, kMaxConfigFile);
  if (!text) return text.error();
  if (!*text) return make_error("%s: %s", path.c_str(), std::strerror(ENOENT));
  return std::move(**text);
}

Result<DaemonConfig> make_config(const std::vector<Setting>& from_file,
                                 const std::vector<Setting>& from_command_line) {
  DaemonConfig c;
  for (const auto* list : {&from_file, &from_command_line}) {
    for (const Setting& s : *list) {
      if (auto st = apply_setting(c, s); !st) return st.error();
    }
  }
  if (c.uplink.empty()) return make_error("missing --uplink (the IPv6 uplink interface)");
  if (c.mode_pcp && !c.pcp_server) {
    return make_error("--mode pcp needs --pcp-server ADDR (the lwAFTR)");
  }
  if (c.control_path.empty()) c.control_path = default_control_path(c.uplink);
  if (c.softwire.empty()) c.softwire = ("lwb4-" + c.uplink).substr(0, kMaxInterfaceName);
  return c;
}

std::vector<std::string_view> keys_needing_restart(const DaemonConfig& running,
                                                   const DaemonConfig& reloaded) {
  std::vector<std::string_view> out;
  if (running.uplink != reloaded.uplink) out.push_back("uplink");
  if (running.state_dir != reloaded.state_dir) out.push_back("state-dir");
  if (running.control_path != reloaded.control_path) out.push_back("control");
  if (running.duid != reloaded.duid) out.push_back("duid");
  if (running.iaid != reloaded.iaid) out.push_back("iaid");
  if (running.offer_policy != reloaded.offer_policy) out.push_back("offer-policy");
  if (running.offer_window != reloaded.offer_window) out.push_back("offer-window");
  if (running.start_delays != reloaded.start_delays) out.push_back("no-start-delay");
  if (running.softwire_source != reloaded.softwire_source) out.push_back("softwire-source");
  if (running.softwire != reloaded.softwire) out.push_back("softwire");
  if (running.mtu != reloaded.mtu) out.push_back("mtu");
  if (running.encap_limit != reloaded.encap_limit) out.push_back("encaplimit");
  if (running.route_metric != reloaded.route_metric) out.push_back("route-metric");
  if (running.route_table != reloaded.route_table) out.push_back("route-table");
  if (running.kernel != reloaded.kernel) out.push_back("kernel");
  if (running.mode != reloaded.mode || running.mode_pcp != reloaded.mode_pcp) {
    out.push_back("mode");
  }
  if (running.dhcp4o6_servers != reloaded.dhcp4o6_servers) out.push_back("dhcp4o6-servers");
  if (running.s46_rules != reloaded.s46_rules) out.push_back("s46-rules");
  if (running.prefix != reloaded.prefix) out.push_back("prefix");
  if (running.psid_len != reloaded.psid_len) out.push_back("psid-len");
  if (running.legacy_map != reloaded.legacy_map) out.push_back("legacy-map");
  if (running.pcp_server != reloaded.pcp_server) out.push_back("pcp-server");
  if (running.pcp_ports != reloaded.pcp_ports) out.push_back("pcp-ports");
  if (running.pcp_parity != reloaded.pcp_parity) out.push_back("pcp-parity");
  if (running.nat != reloaded.nat) out.push_back("nat");
  if (running.reserve_ports != reloaded.reserve_ports) out.push_back("reserve-ports");
  if (running.forwards != reloaded.forwards) out.push_back("forward");
  if (running.nft_table != reloaded.nft_table) out.push_back("nft-table");
  if (running.script != reloaded.script) out.push_back("script");
  if (running.user != reloaded.user) out.push_back("user");
  return out;
}

}  // namespace lwb4::platform
