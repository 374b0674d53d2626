#!/usr/bin/env bash
# Namespace lab: an IPv6-only access network with ISC Kea serving
# DHCPv4-over-DHCPv6 (RFC 7341) and option 159 (RFC 7618) to a CPE.
#
#        lan ---------------- cpe ================ isp ---------------- inet
#   eth0 198.51.100.2   lan0 198.51.100.1    eth-cpe 2001:db8:46::1    eth0 203.0.113.10
#                       wan0 2001:db8:46::2          192.0.2.1
#                                            eth-inet 203.0.113.1
#
# isp runs kea-dhcp6 and kea-dhcp4 (4o6 mode) on eth-cpe. Everything lives in
# network namespaces named <LAB_ID>-{isp,cpe,lan,inet} (LAB_ID defaults to
# lwb4-<pid of the shell that sourced this>) and in the run directory
# ${TMPDIR:-/tmp}/<LAB_ID>.lab; nothing touches the host's own network.
#
# As a library (needs root):
#   . tests/lab/lab.sh
#   lab_up [options]        build the lab and start Kea; installs an EXIT/INT/TERM
#                           trap running lab_down unless the caller set an EXIT trap
#   lab_exec NS CMD...      run CMD in namespace NS (isp, cpe, lan, inet)
#   kea_stop | kea_start [--fresh] [options] | kea_restart [--fresh] [options]
#                           options change the Kea settings, which stay in force
#                           for later starts (--defaults resets them); --fresh
#                           deletes the lease files first (a restart otherwise
#                           keeps them, like a real server reboot)
#   lab_kea_leases [--raw]  Kea's current leases (last record per lease in the
#                           memfile CSVs, deleted ones left out), or the raw files
#   lab_bg NS NAME CMD...   start a background process, killed by lab_down
#   lab_inet_http [PORT]    HTTP file server on 203.0.113.10 (default port 80)
#   lab_inet_echo udp|tcp PORT   echo server on 203.0.113.10 (replies with the peer address)
#   lab_nft_counter NAME    packet count of an nftables counter in the isp namespace
#   lab_down                tear everything down (idempotent)
# As a command:
#   tests/lab/lab.sh up [options] | down [ID|--stale|--all] | status | list
#                    | leases [--raw] | kea-restart [options] | kea-stop | exec NS CMD...
#   (up prints the lab id; the other commands use $LAB_ID or the last lab brought
#   up, and the Kea settings that lab last started Kea with)
#
# Options (also settable as the LAB_* variables below before lab_up):
#   --portparams OFFSET,PSID,PSIDLEN   option 159 contents (default 6,52,6)
#   --full-address                     do not configure option 159 at all
#   --always-send-159                  send 159 even when the client does not ask
#   --valid N --renew N --rebind N     DHCPv4 lease timers in seconds (120/30/60)
#   --pool "FIRST - LAST"              DHCPv4 pool (192.0.2.100 - 192.0.2.110)
#   --br ADDR                          S46_BR inside S46_CONT_LW (2001:db8:46::b4)
#   --no-88                            omit OPTION_DHCP4_O_DHCP6_SERVER
#   --88-empty                         send it empty: clients multicast DHCPV4-QUERY
#                                      to ff02::1:2 (RFC 7341)
#   --4o6-port N                       dhcp4o6-port between the daemons (6767)
#   --s46 none|lw|mape                 S46 provisioning in kea-dhcp6 (default none):
#                                      lw: an S46_CONT_LW with S46_V4V6BIND and
#                                      S46_PORTPARAMS reserved for --s46-duid;
#                                      mape: a global S46_CONT_MAPE (--mape-rule, --mape-br)
#   --s46-duid HEX                     the DUID of the lw4o6 reservation
#                                      (00:03:00:01:02:00:5e:00:53:02)
#   --s46-bind "IPV4, PREFIX"          its S46_V4V6BIND (192.0.2.3, 2001:db8:46::/64)
#   --s46-portparams "OFFSET, PSID/LEN"  its S46_PORTPARAMS (0, 52/6)
#   --mape-rule "F, EA, LEN4, IPV4, PREFIX6"  the S46_RULE (1, 16, 24, 192.0.2.0, 2001:db8::/40)
#   --mape-br ADDR                     the MAP-E S46_BR (2001:db8:ffff::1)
#   --s46-duid2 HEX --s46-bind2 "IPV4, PREFIX" --s46-portparams2 "OFFSET, PSID/LEN"
#                                      with --s46 lw: a second per-DUID reservation
#                                      (none unless --s46-duid2 is given)
#   --second-cpe                       a second CPE: namespaces cpe2 (wan0
#                                      $LAB_CPE2_V6, lan0) and lan2 (eth0), addressed
#                                      as cpe and lan; isp's $LAB_ISP_IF is then a
#                                      bridge over the two access links
#   --debug                            Kea logs at DEBUG level 99
#   --lwaftr                           an lwAFTR in isp (needs ip6_tunnel: tests/vm): see
#                                      lab__lwaftr; lab_aftr_counter NAME, lab_aftr_ports PROTO
#   --defaults                         back to the default settings

# ---- configuration -----------------------------------------------------------
LAB_ID_SET=${LAB_ID:+1}
: "${LAB_ID:=lwb4-$$}"
# Settings of the Kea configuration: the values below are the defaults, the
# environment may preset them, lab_options (--defaults) changes them.
LAB_SETTINGS=(LAB_PSID_OFFSET LAB_PSID LAB_PSID_LEN LAB_FULL_ADDRESS LAB_ALWAYS_SEND_159
  LAB_VALID LAB_RENEW LAB_REBIND LAB_POOL LAB_BR LAB_NO_88 LAB_88_EMPTY LAB_4O6_PORT LAB_KEA_DEBUG
  LAB_S46 LAB_S46_DUID LAB_S46_BIND LAB_S46_PORTPARAMS LAB_MAPE_RULE LAB_MAPE_BR
  LAB_S46_DUID2 LAB_S46_BIND2 LAB_S46_PORTPARAMS2)
lab__defaults() { # [force]
  local force=${1:-0}
  lab__default LAB_PSID_OFFSET 6
  lab__default LAB_PSID 52
  lab__default LAB_PSID_LEN 6
  lab__default LAB_FULL_ADDRESS 0
  lab__default LAB_ALWAYS_SEND_159 0
  lab__default LAB_VALID 120
  lab__default LAB_RENEW 30
  lab__default LAB_REBIND 60
  lab__default LAB_POOL "192.0.2.100 - 192.0.2.110"
  lab__default LAB_BR 2001:db8:46::b4
  lab__default LAB_NO_88 0
  lab__default LAB_88_EMPTY 0
  lab__default LAB_4O6_PORT 6767
  lab__default LAB_KEA_DEBUG 0
  lab__default LAB_S46 none
  lab__default LAB_S46_DUID 00:03:00:01:02:00:5e:00:53:02
  lab__default LAB_S46_BIND "192.0.2.3, 2001:db8:46::/64"
  lab__default LAB_S46_PORTPARAMS "0, 52/6"
  lab__default LAB_MAPE_RULE "1, 16, 24, 192.0.2.0, 2001:db8::/40"
  lab__default LAB_MAPE_BR 2001:db8:ffff::1
  lab__default LAB_S46_DUID2 ""
  lab__default LAB_S46_BIND2 "192.0.2.3, 2001:db8:46::/64"
  lab__default LAB_S46_PORTPARAMS2 "0, 53/6"
}
lab__default() {
  # shellcheck disable=SC2154 # force is lab__defaults' local
  if [ "$force" = 1 ] || [ -z "${!1:-}" ]; then printf -v "$1" '%s' "$2"; fi
}
lab__defaults
: "${LAB_READY_TIMEOUT:=10}"
: "${LAB_LWAFTR:=0}"
: "${LAB_SECOND_CPE:=0}"

# Fixed addressing of the lab (documentation prefixes only).
LAB_ISP_IF=eth-cpe
LAB_ISP_V6=2001:db8:46::1
LAB_ISP_V4=192.0.2.1
LAB_CPE_WAN=wan0
LAB_CPE_V6=2001:db8:46::2
LAB_ACCESS_PREFIX=2001:db8:46::/64
LAB_V4_SUBNET=192.0.2.0/24
LAB_CPE_LAN=lan0
LAB_CPE_LAN_V4=198.51.100.1
LAB_LAN_V4=198.51.100.2
LAB_ISP_INET_IF=eth-inet
LAB_ISP_INET_V4=203.0.113.1
LAB_INET_V4=203.0.113.10
LAB_CPE2_V6=2001:db8:46::22
LAB_NAMESPACES=(isp cpe lan inet)
LAB_DIR_ROOT=${TMPDIR:-/tmp}
if [ -z "${LAB_PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then LAB_PYTHON=/usr/bin/python3; else LAB_PYTHON=python3; fi
fi
LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lab_dir() { printf '%s/%s.lab\n' "$LAB_DIR_ROOT" "$LAB_ID"; }
lab_ns() { printf '%s-%s\n' "$LAB_ID" "$1"; }
lab__log() { printf 'lab[%s]: %s\n' "$LAB_ID" "$*" >&2; }
lab__die() {
  lab__log "ERROR: $*"
  return 1
}

lab_exec() {
  local ns=$1
  shift
  ip netns exec "$(lab_ns "$ns")" "$@"
}

# ---- options -----------------------------------------------------------------
# Parses the options above into LAB_* variables; sets LAB_FRESH for --fresh.
lab_options() {
  LAB_FRESH=0
  local a b c
  while [ $# -gt 0 ]; do
    case $1 in
    --portparams | --valid | --renew | --rebind | --pool | --br | --4o6-port | --s46 | --s46-duid | \
      --s46-bind | --s46-portparams | --mape-rule | --mape-br | --s46-duid2 | --s46-bind2 | --s46-portparams2)
      if [ $# -lt 2 ] || [ -z "$2" ]; then
        lab__die "$1 needs a value"
        return 1
      fi
      ;;
    esac
    case $1 in
    --portparams)
      IFS=, read -r a b c <<<"$2"
      LAB_PSID_OFFSET=$a LAB_PSID=$b LAB_PSID_LEN=$c LAB_FULL_ADDRESS=0
      shift
      ;;
    --full-address) LAB_FULL_ADDRESS=1 ;;
    --always-send-159) LAB_ALWAYS_SEND_159=1 ;;
    --valid) LAB_VALID=$2 && shift ;;
    --renew) LAB_RENEW=$2 && shift ;;
    --rebind) LAB_REBIND=$2 && shift ;;
    --pool) LAB_POOL=$2 && shift ;;
    --br) LAB_BR=$2 && shift ;;
    --no-88) LAB_NO_88=1 ;;
    --88-empty) LAB_88_EMPTY=1 ;;
    --4o6-port) LAB_4O6_PORT=$2 && shift ;;
    --s46)
      case $2 in
      none | lw | mape) LAB_S46=$2 && shift ;;
      *)
        lab__die "--s46 takes none, lw or mape, got '$2'"
        return 1
        ;;
      esac
      ;;
    --s46-duid) LAB_S46_DUID=$2 && shift ;;
    --s46-bind) LAB_S46_BIND=$2 && shift ;;
    --s46-portparams) LAB_S46_PORTPARAMS=$2 && shift ;;
    --mape-rule) LAB_MAPE_RULE=$2 && shift ;;
    --mape-br) LAB_MAPE_BR=$2 && shift ;;
    --s46-duid2) LAB_S46_DUID2=$2 && shift ;;
    --s46-bind2) LAB_S46_BIND2=$2 && shift ;;
    --s46-portparams2) LAB_S46_PORTPARAMS2=$2 && shift ;;
    --second-cpe) LAB_SECOND_CPE=1 ;;
    --debug) LAB_KEA_DEBUG=1 ;;
    --lwaftr) LAB_LWAFTR=1 ;;
    --fresh) LAB_FRESH=1 ;;
    --defaults) lab__defaults 1 ;;
    *)
      lab__die "unknown option: $1"
      return 1
      ;;
    esac
    shift
  done
  local n
  for n in LAB_PSID_OFFSET LAB_PSID LAB_PSID_LEN LAB_VALID LAB_RENEW LAB_REBIND LAB_4O6_PORT; do
    [[ ${!n} =~ ^[0-9]+$ ]] || {
      lab__die "$n must be a number, got '${!n}'"
      return 1
    }
  done
}

# ---- small helpers -------------------------------------------------------------
# True while PID runs (a zombie counts as gone).
lab__alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ]
}

# Ends one process that this lab started: TERM, up to 5 s, then KILL.
lab__kill() {
  local pid=$1 i
  lab__alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    lab__alive "$pid" || break
    sleep 0.05
  done
  lab__alive "$pid" && kill -KILL "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null || true
}

# Polls CMD every 50 ms for up to SECONDS; true once CMD succeeds.
lab__poll() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 20; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  "$@"
}

lab__sysctl() {
  local ns=$1
  shift
  ip netns exec "$(lab_ns "$ns")" sysctl -q -w "$@" >/dev/null
}

lab__has_lladdr() {
  ip -n "$(lab_ns "$1")" -6 addr show dev "$2" scope link 2>/dev/null | grep -q 'inet6 fe80' &&
    ! ip -n "$(lab_ns "$1")" -6 addr show dev "$2" tentative 2>/dev/null | grep -q inet6
}

lab_lladdr() {
  ip -n "$(lab_ns "$1")" -6 addr show dev "$2" scope link |
    sed -n 's/^ *inet6 \(fe80[^/]*\)\/.*/\1/p' | head -n1
}

# ---- topology ------------------------------------------------------------------
lab__netns_create() {
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do
    ip netns add "$(lab_ns "$ns")" || return 1
    ip -n "$(lab_ns "$ns")" link set lo up || return 1
    # No DAD anywhere: Kea must be able to bind at once (kea-4o6-notes pitfall 4).
    lab__sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 || return 1
  done
}

# veth NS1 IF1 NS2 IF2: created inside NS1 with its peer placed directly in NS2.
lab__veth() {
  ip -n "$(lab_ns "$1")" link add "$2" type veth peer name "$4" netns "$(lab_ns "$3")" || return 1
  lab__sysctl "$1" "net.ipv6.conf.$2.accept_dad=0" || return 1
  lab__sysctl "$3" "net.ipv6.conf.$4.accept_dad=0"
}

lab__topology() {
  local isp cpe lan inet
  isp=$(lab_ns isp) cpe=$(lab_ns cpe) lan=$(lab_ns lan) inet=$(lab_ns inet)

  if [ "$LAB_SECOND_CPE" = 1 ]; then
    # One access link shared by both CPEs (multicast to Kea from either):
    # a bridge under the name Kea's configuration uses.
    ip -n "$isp" link add "$LAB_ISP_IF" type bridge mcast_snooping 0 &&
      lab__sysctl isp "net.ipv6.conf.$LAB_ISP_IF.accept_dad=0" &&
      lab__veth isp acc-cpe cpe "$LAB_CPE_WAN" &&
      lab__veth isp acc-cpe2 cpe2 "$LAB_CPE_WAN" &&
      ip -n "$isp" link set acc-cpe master "$LAB_ISP_IF" up &&
      ip -n "$isp" link set acc-cpe2 master "$LAB_ISP_IF" up &&
      lab__veth cpe2 "$LAB_CPE_LAN" lan2 eth0 || return 1
    local cpe2 lan2
    cpe2=$(lab_ns cpe2) lan2=$(lab_ns lan2)
    ip -n "$cpe2" addr add "$LAB_CPE2_V6/64" dev "$LAB_CPE_WAN" nodad &&
      ip -n "$cpe2" addr add "$LAB_CPE_LAN_V4/24" dev "$LAB_CPE_LAN" &&
      ip -n "$cpe2" link set "$LAB_CPE_WAN" up &&
      ip -n "$cpe2" link set "$LAB_CPE_LAN" up &&
      lab__sysctl cpe2 net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
      ip -n "$lan2" addr add "$LAB_LAN_V4/24" dev eth0 &&
      ip -n "$lan2" link set eth0 up &&
      ip -n "$lan2" route add default via "$LAB_CPE_LAN_V4" || return 1
  else
    lab__veth isp "$LAB_ISP_IF" cpe "$LAB_CPE_WAN" || return 1
  fi
  lab__veth cpe "$LAB_CPE_LAN" lan eth0 &&
    lab__veth isp "$LAB_ISP_INET_IF" inet eth0 || return 1

  # isp: the access link is IPv6-only towards the CPE. 192.0.2.1 is there only
  # because kea-dhcp4 needs an IPv4 address on its interface (pitfall 1);
  # noprefixroute keeps 192.0.2.0/24 free for the lwAFTR route below.
  ip -n "$isp" addr add "$LAB_ISP_V6/64" dev "$LAB_ISP_IF" nodad &&
    ip -n "$isp" addr add "$LAB_ISP_V4/24" dev "$LAB_ISP_IF" noprefixroute &&
    ip -n "$isp" addr add "$LAB_ISP_INET_V4/24" dev "$LAB_ISP_INET_IF" &&
    ip -n "$isp" link set "$LAB_ISP_IF" up &&
    ip -n "$isp" link set "$LAB_ISP_INET_IF" up &&
    lab__sysctl isp net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1

  # cpe: WAN towards the isp, LAN towards the lan host; routes between them.
  ip -n "$cpe" addr add "$LAB_CPE_V6/64" dev "$LAB_CPE_WAN" nodad &&
    ip -n "$cpe" addr add "$LAB_CPE_LAN_V4/24" dev "$LAB_CPE_LAN" &&
    ip -n "$cpe" link set "$LAB_CPE_WAN" up &&
    ip -n "$cpe" link set "$LAB_CPE_LAN" up &&
    lab__sysctl cpe net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1

  ip -n "$lan" addr add "$LAB_LAN_V4/24" dev eth0 &&
    ip -n "$lan" link set eth0 up &&
    ip -n "$lan" route add default via "$LAB_CPE_LAN_V4" || return 1

  ip -n "$inet" addr add "$LAB_INET_V4/24" dev eth0 &&
    ip -n "$inet" link set eth0 up &&
    ip -n "$inet" route add default via "$LAB_ISP_INET_V4" || return 1

  # isp firewall: IPv4 arriving natively on the access link is counted and
  # never forwarded; the CPE's IPv4 must come through the softwire.
  ip netns exec "$isp" nft -f - <<EOF || return 1
table inet lwb4lab {
  counter access_v4 {}
  chain access {
    type filter hook forward priority filter; policy accept;
    iifname "$LAB_ISP_IF" meta nfproto ipv4 counter name "access_v4" drop
  }
}
EOF

  # ---- lwAFTR hook -------------------------------------------------------------
  # The lwAFTR (RFC 7596) belongs here, in the isp namespace: add $LAB_BR to
  # $LAB_ISP_IF, create an ip6tnl (mode ipip6) softwire endpoint for it, and
  # route $LAB_V4_SUBNET into the softwire with per-PSID source checks. It
  # needs a kernel with CONFIG_IPV6_TUNNEL (see tests/vm), so it is not built
  # here yet; define lab_lwaftr_hook to add it.
  if [ "$LAB_LWAFTR" = 1 ]; then lab__lwaftr || return 1; fi
  if declare -F lab_lwaftr_hook >/dev/null; then lab_lwaftr_hook || return 1; fi

  # Both ends need their link-local addresses before Kea binds and before a
  # client can multicast from wan0.
  lab__poll 5 lab__has_lladdr isp "$LAB_ISP_IF" || lab__die "no link-local on isp $LAB_ISP_IF" || return 1
  lab__poll 5 lab__has_lladdr cpe "$LAB_CPE_WAN" || lab__die "no link-local on cpe $LAB_CPE_WAN" || return 1
}

# ---- lwAFTR (--lwaftr) ------------------------------------------------------------
# RFC 7596 §6 in the isp namespace, with Linux's ip6tnl: $LAB_BR on the
# access link (answering neighbour solicitations for it), one
# ipip6 softwire endpoint aftr0 towards the CPE's softwire source ($LAB_CPE_V6,
# the uplink address lwb4d binds the softwire to), the pool's addresses routed
# back into it. The leak detector (table inet lwb4aftr) counts every
# decapsulated packet ("decap") and counts and drops ("leak") each whose TCP/UDP
# source port or ICMP echo id lies outside the CPE's port set (RFC 7597 §5.1
# mask/value of the PSID, ports below 2^(16-a) excluded); the sets tcp_seen,
# udp_seen and icmp_seen keep every source port / id that passed.
lab__lwaftr() {
  local isp a k psid mask value min first last i
  isp=$(lab_ns isp)
  ip -n "$isp" -6 addr add "$LAB_BR/128" dev "$LAB_ISP_IF" nodad &&
    ip -n "$isp" -6 tunnel add aftr0 mode ipip6 local "$LAB_BR" remote "$LAB_CPE_V6" encaplimit none &&
    ip -n "$isp" link set aftr0 up || return 1
  read -r first last <<<"${LAB_POOL/-/ }"
  for ((i = ${first##*.}; i <= ${last##*.}; i++)); do
    ip -n "$isp" route add "${first%.*}.$i/32" dev aftr0 || return 1
  done
  if [ "$LAB_FULL_ADDRESS" = 1 ]; then
    a=0 k=0 psid=0
  else
    a=$LAB_PSID_OFFSET k=$LAB_PSID_LEN psid=$LAB_PSID
  fi
  mask=$((((1 << k) - 1) << (16 - a - k))) value=$((psid << (16 - a - k)))
  min=0
  if [ "$a" -gt 0 ]; then min=$((1 << (16 - a))); fi
  ip netns exec "$isp" nft -f - <<EOF
table inet lwb4aftr {
  counter decap {}
  counter leak {}
  set tcp_seen { type inet_service; flags dynamic; size 65535; }
  set udp_seen { type inet_service; flags dynamic; size 65535; }
  set icmp_seen { type inet_service; flags dynamic; size 65535; }
  chain leaks {
    type filter hook forward priority filter - 10; policy accept;
    iifname != "aftr0" accept
    counter name "decap"
    meta l4proto tcp tcp sport & $mask != $value counter name "leak" drop
    meta l4proto tcp tcp sport < $min counter name "leak" drop
    meta l4proto udp udp sport & $mask != $value counter name "leak" drop
    meta l4proto udp udp sport < $min counter name "leak" drop
    icmp type echo-request icmp id & $mask != $value counter name "leak" drop
    icmp type echo-request icmp id < $min counter name "leak" drop
    meta l4proto tcp update @tcp_seen { tcp sport }
    meta l4proto udp update @udp_seen { udp sport }
    icmp type echo-request update @icmp_seen { icmp id }
  }
}
EOF
}

lab_aftr_counter() {
  ip netns exec "$(lab_ns isp)" nft list counter inet lwb4aftr "$1" |
    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# The source ports (ICMP ids) the lwAFTR let through, one a line, sorted.
lab_aftr_ports() {
  ip netns exec "$(lab_ns isp)" nft -j list set inet lwb4aftr "${1:?tcp, udp or icmp}_seen" |
    "$LAB_PYTHON" -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "set" in o:
        for e in sorted(o["set"].get("elem", [])):
            print(e)'
}

# ---- Kea -------------------------------------------------------------------------
lab__kea_logger() { # NAME FILE
  local severity=INFO debuglevel=0
  [ "$LAB_KEA_DEBUG" = 1 ] && severity=DEBUG debuglevel=99
  printf '"loggers": [{"name": "%s", "severity": "%s", "debuglevel": %s,\n' "$1" "$severity" "$debuglevel"
  printf '                 "output_options": [{"output": "%s", "flush": true}]}]\n' "$2"
}

lab__kea_config() {
  local dir opt88="" opt159="" always=false
  dir=$(lab_dir)
  [ "$LAB_NO_88" = 1 ] || opt88="{\"name\": \"dhcp4o6-server-addr\", \"data\": \"$LAB_ISP_V6\"},"
  # An empty address list: csv-format false with no hex digits.
  [ "$LAB_NO_88" = 1 ] || [ "$LAB_88_EMPTY" = 0 ] ||
    opt88='{"name": "dhcp4o6-server-addr", "csv-format": false, "data": ""},'
  local s46opts="" reservations=""
  if [ "$LAB_S46" = mape ]; then
    s46opts=',
    {"name": "s46-cont-mape", "space": "dhcp6"},
    {"name": "s46-rule", "space": "s46-cont-mape-options", "data": "'"$LAB_MAPE_RULE"'"},
    {"name": "s46-br", "space": "s46-cont-mape-options", "data": "'"$LAB_MAPE_BR"'"}'
  elif [ "$LAB_S46" = lw ]; then
    # Per-subscriber: the whole container in the DUID's reservation (Kea
    # answers an Information-request with the reservation's options).
    reservations=',
    "reservations": [{"duid": "'"$LAB_S46_DUID"'", "option-data": [
      {"name": "s46-cont-lw", "space": "dhcp6"},
      {"name": "s46-br", "space": "s46-cont-lw-options", "data": "'"$LAB_BR"'"},
      {"name": "s46-v4v6bind", "space": "s46-cont-lw-options", "data": "'"$LAB_S46_BIND"'"},
      {"name": "s46-portparams", "space": "s46-v4v6bind-options", "data": "'"$LAB_S46_PORTPARAMS"'"}]}'
    [ -z "$LAB_S46_DUID2" ] || reservations+=',
      {"duid": "'"$LAB_S46_DUID2"'", "option-data": [
      {"name": "s46-cont-lw", "space": "dhcp6"},
      {"name": "s46-br", "space": "s46-cont-lw-options", "data": "'"$LAB_BR"'"},
      {"name": "s46-v4v6bind", "space": "s46-cont-lw-options", "data": "'"$LAB_S46_BIND2"'"},
      {"name": "s46-portparams", "space": "s46-v4v6bind-options", "data": "'"$LAB_S46_PORTPARAMS2"'"}]}'
    reservations+=']'
  fi
  [ "$LAB_ALWAYS_SEND_159" = 1 ] && always=true
  [ "$LAB_FULL_ADDRESS" = 1 ] ||
    opt159="{\"name\": \"v4-portparams\", \"data\": \"$LAB_PSID_OFFSET, $LAB_PSID/$LAB_PSID_LEN\", \"always-send\": $always}"

  # The DHCPv6 lifetimes are derived from the DHCPv4 ones (preferred 2x, valid
  # 3x) so the IPv6 configuration outlives every IPv4 lease.
  cat >"$dir/kea-dhcp6.json" <<EOF
{"Dhcp6": {
  "interfaces-config": {"interfaces": ["$LAB_ISP_IF/$LAB_ISP_V6"]},
  "dhcp4o6-port": $LAB_4O6_PORT,
  "data-directory": "$dir",
  "server-id": {"type": "LL", "persist": false},
  "control-socket": {"socket-type": "unix", "socket-name": "$dir/kea6.sock"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$dir/leases6.csv", "lfc-interval": 0},
  "preferred-lifetime": $((LAB_VALID * 2)), "valid-lifetime": $((LAB_VALID * 3)),
  "renew-timer": $LAB_RENEW, "rebind-timer": $LAB_REBIND,
  "option-data": [
    $opt88
    {"name": "s46-cont-lw", "space": "dhcp6"},
    {"name": "s46-br", "space": "s46-cont-lw-options", "data": "$LAB_BR"}$s46opts
  ],
  "subnet6": [{
    "id": 1, "subnet": "$LAB_ACCESS_PREFIX", "interface": "$LAB_ISP_IF",
    "pools": [{"pool": "2001:db8:46::1000 - 2001:db8:46::1fff"}],
    "pd-pools": [{"prefix": "2001:db8:4600::", "prefix-len": 40, "delegated-len": 56}]$reservations
  }],
  $(lab__kea_logger kea-dhcp6 "$dir/kea-dhcp6.log")
}}
EOF

  cat >"$dir/kea-dhcp4.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["$LAB_ISP_IF"]},
  "dhcp4o6-port": $LAB_4O6_PORT,
  "control-socket": {"socket-type": "unix", "socket-name": "$dir/kea4.sock"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$dir/leases4.csv", "lfc-interval": 0},
  "valid-lifetime": $LAB_VALID, "renew-timer": $LAB_RENEW, "rebind-timer": $LAB_REBIND,
  "subnet4": [{
    "id": 1, "subnet": "$LAB_V4_SUBNET",
    "4o6-interface": "$LAB_ISP_IF", "4o6-subnet": "$LAB_ACCESS_PREFIX",
    "pools": [{"pool": "$LAB_POOL"}],
    "option-data": [$opt159]
  }],
  $(lab__kea_logger kea-dhcp4 "$dir/kea-dhcp4.log")
}}
EOF
}

lab__save_settings() {
  local n
  for n in "${LAB_SETTINGS[@]}"; do printf '%s=%q\n' "$n" "${!n}"; done >"$(lab_dir)/settings"
}

lab__kea_dump_logs() {
  local dir f
  dir=$(lab_dir)
  for f in kea-dhcp6.out kea-dhcp6.log kea-dhcp4.out kea-dhcp4.log; do
    [ -s "$dir/$f" ] || continue
    printf -- '---- %s (last 40 lines)\n' "$f" >&2
    tail -n 40 "$dir/$f" >&2
  done
}

# Local UDP ports in the isp namespace, bound or connected (the 4o6 IPC sockets
# are connected, so "ss -l" does not list them).
lab__isp_udp_ports() {
  ip netns exec "$(lab_ns isp)" ss -Huan 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | sort -u
}

lab__kea_ready() {
  local dir ports d
  dir=$(lab_dir)
  for d in 6 4; do
    lab__alive "$(cat "$dir/kea-dhcp$d.pid")" || return 2
    grep -q "DHCP${d}_STARTED" "$dir/kea-dhcp$d.log" 2>/dev/null || return 1
  done
  # dhcp6 on 547 and ::1 dhcp4o6-port; dhcp4 on 67 and ::1 dhcp4o6-port + 1.
  ports=$(lab__isp_udp_ports)
  grep -qx 547 <<<"$ports" && grep -qx 67 <<<"$ports" && grep -qx "$LAB_4O6_PORT" <<<"$ports" &&
    grep -qx "$((LAB_4O6_PORT + 1))" <<<"$ports"
}

kea_start() {
  local dir d rc i
  dir=$(lab_dir)
  [ -d "$dir" ] || lab__die "no lab run directory $dir (lab_up first)" || return 1
  lab_options "$@" || return 1
  [ "$LAB_FRESH" = 1 ] && rm -f "$dir"/leases[46].csv*
  lab__save_settings && lab__kea_config || return 1
  for d in 6 4; do
    if [ -s "$dir/kea-dhcp$d.pid" ] && lab__alive "$(cat "$dir/kea-dhcp$d.pid")"; then
      lab__die "kea-dhcp$d already runs (kea_restart?)"
      return 1
    fi
    rm -f "$dir/kea-dhcp$d.log" "$dir/kea-dhcp$d.out"
    # Own pid/lock files and sockets under the run directory; the host's
    # packaged services and /run/kea are never used.
    KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir \
      ip netns exec "$(lab_ns isp)" "kea-dhcp$d" -c "$dir/kea-dhcp$d.json" \
      </dev/null >"$dir/kea-dhcp$d.out" 2>&1 &
    echo $! >"$dir/kea-dhcp$d.pid"
  done
  for ((i = 0; i < LAB_READY_TIMEOUT * 20; i++)); do
    rc=0
    lab__kea_ready || rc=$?
    [ $rc -eq 0 ] && return 0
    [ $rc -eq 2 ] && break
    sleep 0.05
  done
  lab__log "ERROR: Kea did not become ready (within ${LAB_READY_TIMEOUT}s or a daemon exited)"
  lab__kea_dump_logs
  kea_stop
  return 1
}

kea_stop() {
  local dir d
  dir=$(lab_dir)
  for d in 4 6; do
    [ -s "$dir/kea-dhcp$d.pid" ] || continue
    lab__kill "$(cat "$dir/kea-dhcp$d.pid")"
    rm -f "$dir/kea-dhcp$d.pid"
  done
}

kea_restart() {
  kea_stop
  kea_start "$@"
}

lab_kea_leases() {
  local dir f v6=0
  dir=$(lab_dir)
  for f in leases4.csv leases6.csv; do
    [ "$f" = leases6.csv ] && v6=1
    printf -- '---- %s\n' "$f"
    if [ ! -f "$dir/$f" ]; then
      echo '(none)'
    elif [ "${1:-}" = --raw ]; then
      cat "$dir/$f"
    else
      # Memfile appends; the last record of a lease wins and valid_lifetime 0
      # marks a deleted one. v4 key: address; v6 key: address + lease_type.
      awk -F, -v v6="$v6" '
        NR == 1 { print; next }
        { key = v6 ? $1 "," $7 : $1; valid = v6 ? $3 : $4 }
        !(key in rec) { order[++n] = key }
        { rec[key] = $0; live[key] = (valid != 0) }
        END { for (i = 1; i <= n; i++) if (live[order[i]]) print rec[order[i]] }
      ' "$dir/$f"
    fi
  done
}

# ---- background servers ------------------------------------------------------------
lab_bg() {
  local ns=$1 name=$2 dir
  shift 2
  dir=$(lab_dir)
  ip netns exec "$(lab_ns "$ns")" "$@" </dev/null >"$dir/bg-$name.log" 2>&1 &
  echo $! >"$dir/bg-$name.pid"
}

lab__inet_listening() { # PROTO PORT
  local flag=-Hltn
  [ "$1" = udp ] && flag=-Hlun
  ip netns exec "$(lab_ns inet)" ss "$flag" "sport = :$2" 2>/dev/null | grep -q .
}

lab_inet_http() {
  local port=${1:-80} dir
  dir=$(lab_dir)
  mkdir -p "$dir/www" && echo "hello from inet" >"$dir/www/index.txt" &&
    head -c 1048576 /dev/urandom >"$dir/www/1m.bin" || return 1
  lab_bg inet "http-$port" "$LAB_PYTHON" -m http.server --bind "$LAB_INET_V4" --directory "$dir/www" "$port"
  lab__poll 5 lab__inet_listening tcp "$port" || lab__die "http server on port $port did not start"
}

lab_inet_echo() {
  local proto=${1:?udp or tcp} port=${2:?port}
  lab_bg inet "echo-$proto-$port" "$LAB_PYTHON" "$LAB_HERE/echo.py" "--$proto" "$LAB_INET_V4" "$port"
  lab__poll 5 lab__inet_listening "$proto" "$port" || lab__die "$proto echo on port $port did not start"
}

lab_nft_counter() {
  ip netns exec "$(lab_ns isp)" nft list counter inet lwb4lab "$1" |
    sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# ---- up / down -----------------------------------------------------------------------
lab_up() {
  local dir
  [ "$(id -u)" -eq 0 ] || lab__die "needs root (network namespaces)" || return 1
  lab_options "$@" || return 1
  dir=$(lab_dir)
  if [ -e "$dir" ] || ip netns list | grep -q "^$LAB_ID-"; then
    lab__die "lab $LAB_ID exists already (lab.sh down $LAB_ID)"
    return 1
  fi
  if [ -z "$(trap -p EXIT)" ] && [ "${LAB_NO_TRAP:-0}" != 1 ]; then
    trap lab_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
  # Kea's control sockets live in the run directory: keep under sun_path's 108.
  [ ${#dir} -le 90 ] || lab__die "run directory path too long for unix sockets: $dir" || return 1
  mkdir -m 0700 "$dir" || return 1
  echo "${LAB_OWNER:-$$}" >"$dir/owner"
  if [ "$LAB_SECOND_CPE" = 1 ]; then
    case " ${LAB_NAMESPACES[*]} " in *" cpe2 "*) ;; *) LAB_NAMESPACES+=(cpe2 lan2) ;; esac
  fi
  if ! lab__netns_create || ! lab__topology || ! kea_start --fresh; then
    lab__log "lab_up failed; tearing down"
    lab_down
    return 1
  fi
}

lab_down() {
  local dir ns f pid
  dir=$(lab_dir)
  if [ -d "$dir" ]; then
    kea_stop
    for f in "$dir"/bg-*.pid; do
      [ -s "$f" ] && lab__kill "$(cat "$f")"
    done
  fi
  # (cpe2 and lan2 exist only with --second-cpe.)
  for ns in "${LAB_NAMESPACES[@]}" cpe2 lan2; do
    ns=$(lab_ns "$ns")
    [ -e "/run/netns/$ns" ] || continue
    # Whatever else a test started inside our namespaces.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do lab__kill "$pid"; done
    ip netns del "$ns" 2>/dev/null || lab__log "could not delete namespace $ns"
  done
  rm -rf "$dir"
  if [ -f "$LAB_DIR_ROOT/lwb4-lab.last" ] && [ "$(cat "$LAB_DIR_ROOT/lwb4-lab.last")" = "$LAB_ID" ]; then
    rm -f "$LAB_DIR_ROOT/lwb4-lab.last"
  fi
  return 0
}

# Lab ids with a namespace or a run directory left on this machine.
lab_list_ids() {
  {
    ip netns list | awk '{print $1}' | sed -n 's/^\(lwb4-.*\)-\(isp\|cpe2\{0,1\}\|lan2\{0,1\}\|inet\)$/\1/p'
    for d in "$LAB_DIR_ROOT"/lwb4-*.lab; do
      [ -d "$d" ] && basename "$d" .lab
    done
  } | sort -u
}

# A run is stale when its owner process is gone (labs from "lab.sh up" are never stale).
lab__is_stale() {
  local owner
  owner=$(cat "$LAB_DIR_ROOT/$1.lab/owner" 2>/dev/null) || return 0
  [ "$owner" = cli ] && return 1
  ! lab__alive "$owner"
}

lab_status() {
  local ns d
  echo "lab $LAB_ID (run dir $(lab_dir))"
  for ns in "${LAB_NAMESPACES[@]}"; do
    if [ ! -e "/run/netns/$(lab_ns "$ns")" ]; then
      echo "== $ns: missing"
      continue
    fi
    echo "== $ns"
    ip -n "$(lab_ns "$ns")" -brief addr show | sed 's/^/   /'
  done
  for d in 6 4; do
    if [ -s "$(lab_dir)/kea-dhcp$d.pid" ] && lab__alive "$(cat "$(lab_dir)/kea-dhcp$d.pid")"; then
      echo "kea-dhcp$d: running, pid $(cat "$(lab_dir)/kea-dhcp$d.pid")"
    else
      echo "kea-dhcp$d: not running"
    fi
  done
}

# ---- command line ----------------------------------------------------------------------
lab__main() {
  set -euo pipefail
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  local last="$LAB_DIR_ROOT/lwb4-lab.last"
  if [ -z "${LAB_ID_SET:-}" ] && [ "$cmd" != up ] && [ -f "$last" ]; then LAB_ID=$(cat "$last"); fi
  if [ "$cmd" != up ] && [ -f "$(lab_dir)/settings" ]; then
    # shellcheck source=/dev/null
    . "$(lab_dir)/settings"
  fi
  case $cmd in
  up)
    LAB_NO_TRAP=1 LAB_OWNER=cli
    lab_up "$@"
    echo "$LAB_ID" >"$last"
    echo "$LAB_ID"
    ;;
  down)
    local id ids=()
    case ${1:-} in
    --all) mapfile -t ids < <(lab_list_ids) ;;
    --stale) for id in $(lab_list_ids); do LAB_ID=$id lab__is_stale "$id" && ids+=("$id"); done ;;
    '') ids=("$LAB_ID") ;;
    *) ids=("$1") ;;
    esac
    for id in "${ids[@]}"; do
      LAB_ID=$id lab_down
      echo "removed $id"
    done
    ;;
  status) lab_status ;;
  leases) lab_kea_leases "$@" ;;
  kea-restart) kea_restart "$@" ;;
  kea-start) kea_start "$@" ;;
  kea-stop) kea_stop ;;
  list) lab_list_ids ;;
  exec)
    [ $# -ge 2 ] || {
      echo "usage: lab.sh exec NS CMD..." >&2
      exit 2
    }
    lab_exec "$@"
    ;;
  *)
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  lab__main "$@"
fi
