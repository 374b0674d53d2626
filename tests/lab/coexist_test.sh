#!/usr/bin/env bash
# lwb4d next to another DHCPv6 client on the same WAN (as odhcp6c is on
# OpenWrt): ISC dhclient -6 binds port 546 on one link-local of the cpe's wan0
# (lwb4d's own, when lwb4d started first) and keeps a stateful IA_NA lease
# from Kea, while lwb4d provisions over DHCPv4-over-DHCPv6.
# Both orders of start, with option 88 naming the server (unicast 4o6 from the
# global address) and with an empty 88 (multicast to ff02::1:2 from lwb4d's
# own link-local). Neither may fail to start, each must get and renew its own
# lease, and lwb4d must leave the other client's replies to it (it reads copies
# through a raw socket; docs/design.md). Needs root, Kea,
# dhclient (isc-dhcp-client) and a build of lwb4d/lwb4ctl.
#   tests/lab/coexist_test.sh [BUILD_DIR]      (default build/dev)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
build=${1:-$top/build/dev}
LWB4D=${LWB4D:-$build/platform/linux/daemon/lwb4d}
LWB4CTL=${LWB4CTL:-$build/platform/linux/ctl/lwb4ctl}
DHCLIENT=${DHCLIENT:-$(command -v dhclient || echo /sbin/dhclient)}
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
# shellcheck source=tests/lab/check.sh
. "$here/check.sh"

# Short timers: the IA_NA's T1 is RENEW too, so both clients renew within seconds.
VALID=20 RENEW=4 REBIND=10
dir="" sock="" log="" pid="" dhc_pid="" events="" r=0

start_lwb4d() {
  ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel none --state-dir "$dir/state" \
    --control "$sock" --foreground --log-level debug >>"$log" 2>&1 &
  pid=$!
}
stop_lwb4d() { # SIGNAL
  local rc=0
  kill "-$1" "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  pid=""
  return $rc
}

# dhclient only reports to a script that appends "REASON ADDRESS" lines: it
# must not change wan0's addresses or the host's resolv.conf.
start_dhclient() {
  : >"$events"
  ip netns exec "$(lab_ns cpe)" "$DHCLIENT" -6 -d -v -D LLT -cf "$dir/dhclient6.conf" \
    -lf "$dir/dhclient6.leases" -pf "$dir/dhclient6.pid" -sf "$dir/dhclient-script" \
    wan0 </dev/null >>"$dir/dhclient.log" 2>&1 &
  dhc_pid=$!
}
stop_dhclient() {
  [ -n "$dhc_pid" ] || return 0
  kill -TERM "$dhc_pid" 2>/dev/null || true
  wait "$dhc_pid" 2>/dev/null || true
  dhc_pid=""
}

status_json() { "$LWB4CTL" status --control "$sock" --json 2>/dev/null; }
st() {
  status_json | "$LAB_PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null
}
bound() { [ "$(st 's["state"]')" = BOUND ]; }
event_count() { grep -c "^$1 " "$events" || true; }
more_events() { [ "$(event_count "$1")" -gt "$2" ]; }
has_ia_na() { grep -q '^BOUND6 2001:db8:46::1' "$events"; }
renewals() { grep -c 'RENEWING -> BOUND' "$log" || true; }
lwb4_renewed() { [ "$(renewals)" -gt "$1" ]; }
dropped() { st 'sum(s["counters"]["dropped"].values())'; }
other_clients() { st 's["counters"]["other_clients"]'; }
more_other_clients() { [ "$(other_clients)" -gt "$1" ]; }
dedicated_ll() { sed -n 's/.*dedicated link-local \(fe80[^ ]*\) on wan0.*/\1/p' "$log" | tail -n1; }
# wan0's addresses as "ADDRESS FLAGS..." lines.
wan0_has() { lab_exec cpe ip -6 addr show dev wan0 | grep -q "inet6 $1/64 .*$2"; }
# As wan0_has, but waits up to 5 s and shows what wan0 has when it fails.
wan0_gets() {
  wait_for 5 wan0_has "$1" "$2" && return 0
  echo "    wanted '$1' with '$2'; wan0 has:"
  lab_exec cpe ip -6 addr show dev wan0 | sed 's/^/    /'
  grep 'link-local' "$log" | sed 's/^/    log: /'
  return 1
}
# Local addresses of lwb4d's UDP sockets on port 546 in the cpe namespace.
lwb4d_sockets() { lab_exec cpe ss -Huanp 'sport = :546' | awk '/"lwb4d"/ {print $4}' | sort; }
lwb4d_wildcard() { lwb4d_sockets | grep -q '^\*\|^\[::\]'; }
lwb4d_bound_to() { lwb4d_sockets | grep -qxF "[$1]%wan0:546"; }
dhclient_bound_to() {
  lab_exec cpe ss -Huanp 'sport = :546' | awk '/"dhclient"/ {print $4}' | grep -qxF "[$1]%wan0:546"
}
via_multicast() { grep -q "to \[ff02::1:2\]:547" "$log"; }

cleanup() {
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  stop_dhclient
  if [ "$failed" -gt 0 ] && [ -n "$log" ] && [ -f "$log" ]; then
    echo "---- lwb4d log (last 60 lines)"
    cp "$log" "${TMPDIR:-/tmp}/coexist-lwb4d.log"
    cp "$dir/kea-dhcp6.log" "${TMPDIR:-/tmp}/coexist-kea-dhcp6.log" 2>/dev/null || true
    cp "$dir/kea-dhcp4.log" "${TMPDIR:-/tmp}/coexist-kea-dhcp4.log" 2>/dev/null || true
    echo "(all of it in ${TMPDIR:-/tmp}/coexist-lwb4d.log; Kea's logs beside it)"
    tail -n 60 "$log"
    echo "---- dhclient log (last 30 lines)"
    tail -n 30 "$dir/dhclient.log"
  fi
  lab_down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -x "$LWB4D" ] || [ ! -x "$LWB4CTL" ]; then
  echo "build lwb4d and lwb4ctl first ($build)" >&2
  exit 2
fi
if [ ! -x "$DHCLIENT" ]; then
  echo "needs dhclient (isc-dhcp-client; tests/setup-debian.sh lab)" >&2
  exit 2
fi
lab_up --valid "$VALID" --renew "$RENEW" --rebind "$REBIND" >/dev/null
dir=$(lab_dir)
sock=$dir/lwb4.sock
log=$dir/lwb4d.log
events=$dir/dhclient.events
: >"$dir/dhclient6.conf"
cat >"$dir/dhclient-script" <<EOF
#!/bin/sh
echo "\$reason \${new_ip6_address:-}" >>"$events"
EOF
chmod +x "$dir/dhclient-script"

# ROUND NAME: dhclient before lwb4d, then lwb4d restarted under a running
# dhclient; checks both keep their leases and renew them.
round() {
  local name=$1 n d0 ll o

  echo "== $name: dhclient -6 first, then lwb4d"
  start_dhclient
  check "dhclient gets an IA_NA lease" wait_for 10 has_ia_na
  start_lwb4d
  check "lwb4d starts and is BOUND within 5 s" wait_for 5 bound
  check "lwb4d still runs" kill -0 "$pid"
  ll=$(dedicated_ll)
  check "lwb4d added its own link-local to wan0, deprecated" wan0_gets "$ll" deprecated
  check "lwb4d holds no wildcard [::]:546 socket" eval '! lwb4d_wildcard'
  check "lwb4d's multicast socket is on its own link-local" lwb4d_bound_to "$ll"
  if [ "$name" = "empty 88" ]; then
    check "DHCPV4-QUERY multicast to ff02::1:2" via_multicast
  fi
  n=$(event_count RENEW6)
  r=$(renewals)
  d0=$(dropped || true)
  check "dhclient renews its IA_NA with lwb4d running" wait_for $((RENEW + 6)) more_events RENEW6 "$n"
  check "lwb4d renews at T1 too" wait_for $((RENEW + 3)) lwb4_renewed "$r"
  check "lwb4d dropped none of dhclient's replies" equals "$(dropped)" "$d0"
  check "lwb4d dropped nothing at all" equals "$d0" 0

  echo "== $name: lwb4d first, then dhclient -6"
  stop_dhclient
  stop_lwb4d TERM || true
  check "SIGTERM removes lwb4d's link-local" eval "! wan0_has '$ll' ''"
  echo "==== $name: restart" >>"$log"
  start_lwb4d
  check "lwb4d is BOUND again" wait_for 5 bound
  check "same link-local (derived from the DUID)" equals "$(dedicated_ll)" "$ll"
  start_dhclient
  check "dhclient gets an IA_NA lease next to lwb4d" wait_for 10 has_ia_na
  n=$(event_count RENEW6)
  check "dhclient renews" wait_for $((RENEW + 6)) more_events RENEW6 "$n"
  r=$(renewals)
  # dhclient (like dhcpcd) binds the first link-local it finds: lwb4d's,
  # as lwb4d started first. Both then listen on [lwb4d-LL]:546 and the
  # kernel hands each datagram to dhclient's socket (bound last); lwb4d
  # reads its copy through its raw socket and leaves dhclient's to dhclient.
  check "lwb4d renews after dhclient started" wait_for $((2 * RENEW + 3)) lwb4_renewed "$r"
  if dhclient_bound_to "$ll"; then
    echo "INFO dhclient bound lwb4d's link-local $ll"
    n=$(event_count RENEW6)
    o=$(other_clients)
    check "dhclient renews on lwb4d's link-local" wait_for $((RENEW + 6)) more_events RENEW6 "$n"
    check "lwb4d saw dhclient's replies and left them to it" wait_for 3 more_other_clients "$o"
  fi
  check "lwb4d dropped nothing" equals "$(dropped)" 0
  check "dhclient still runs" kill -0 "$dhc_pid"

  echo "== $name: kill -9, restart adopts the link-local"
  stop_lwb4d KILL || true
  check "the link-local outlives kill -9" wan0_gets "$ll" deprecated
  start_lwb4d
  check "BOUND after the restart" wait_for 5 bound
  check "no address error in the log" eval "! grep -q 'adding fe80' '$log'"
  stop_lwb4d TERM || true
  stop_dhclient
  check "and SIGTERM removes it" eval "! wan0_has '$ll' ''"
}

round "unicast 88"
kea_restart --fresh --88-empty >/dev/null
rm -f "$dir/state/wan0.lease"
round "empty 88"

echo "== a link bounce: the link-local comes back"
start_lwb4d
check "BOUND" wait_for 5 bound
ll=$(dedicated_ll)
lab_exec cpe ip link set wan0 down
check "the kernel dropped it with the link" wait_for 3 eval "! wan0_has '$ll' ''"
lab_exec cpe ip link set wan0 up
check "lwb4d added it again" wan0_gets "$ll" deprecated
n=$(renewals)
kill -USR1 "$pid"
check "renews over it afterwards" wait_for 5 lwb4_renewed "$n"
stop_lwb4d TERM || true

echo
check_summary
