#!/usr/bin/env bash
# lwb4d --mode pcp against the scripted PCP server (tests/lab/pcp_server.py)
# in two throw-away namespaces:
#
#     cpe: wan0 2001:db8:46::2/64  <---->  isp: eth-cpe 2001:db8:46::1/64
#          lwb4d --kernel none                  pcp_server.py on [::1 of isp]:5351
#
# Provisioning with PORT_SET, renewal, a silent server restart (epoch check),
# a restart with ANNOUNCE, fewer ports than asked, an unaligned grant, a
# server without PORT_SET, short- and long-lifetime errors, and the delete
# (lifetime 0) on SIGTERM. Needs root and a build of lwb4d/lwb4ctl.
#   tests/lab/pcp_test.sh [BUILD_DIR]      (default build/dev)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
build=${1:-$top/build/dev}
LWB4D=${LWB4D:-$build/platform/linux/daemon/lwb4d}
LWB4CTL=${LWB4CTL:-$build/platform/linux/ctl/lwb4ctl}
NFT_APPLY=${NFT_APPLY:-$build/platform/linux/nft/lwb4-nft-apply}
PYTHON=${LAB_PYTHON:-python3}
# shellcheck source=tests/lab/check.sh
. "$here/check.sh"

if [ ! -x "$LWB4D" ] || [ ! -x "$LWB4CTL" ]; then
  echo "build lwb4d and lwb4ctl first ($build)" >&2
  exit 2
fi
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }

cpe=lwb4pcp-cpe$$ isp=lwb4pcp-isp$$
server_addr=2001:db8:46::1 b4_addr=2001:db8:46::2
LIFETIME=8  # the server's cap: renewals every 4..5 s
dir=$(mktemp -d "${TMPDIR:-/tmp}/lwb4pcp.XXXXXX")
sock=$dir/lwb4.sock log=$dir/lwb4d.log slog=$dir/server.log
pid="" server=""

cleanup() {
  # Under set -e a failing command here would end the trap before the rest.
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ "$failed" -gt 0 ]; then
    echo "---- lwb4d log (last 60 lines)"
    tail -n 60 "$log" 2>/dev/null || true
    echo "---- server log (last 20 lines)"
    tail -n 20 "$slog" 2>/dev/null || true
  fi
  ip netns del "$cpe" 2>/dev/null || true
  ip netns del "$isp" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for n in $cpe $isp; do
  ip netns add "$n"
  ip -n "$n" link set lo up
done
ip -n "$cpe" link add wan0 type veth peer name eth-cpe netns "$isp"
ip -n "$cpe" addr add "$b4_addr/64" dev wan0 nodad
ip -n "$isp" addr add "$server_addr/64" dev eth-cpe nodad
ip -n "$cpe" link set wan0 up
ip -n "$isp" link set eth-cpe up

start_server() { # [pcp_server.py options]
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  ip netns exec "$isp" "$PYTHON" "$here/pcp_server.py" --bind "$server_addr" --iface eth-cpe \
    --log "$slog" --lifetime "$LIFETIME" "$@" &
  server=$!
  wait_for 5 grep -qs '"started"' "$slog"
}
start_lwb4d() {
  ip netns exec "$cpe" "$LWB4D" --uplink wan0 --kernel none --mode pcp \
    --pcp-server "$server_addr" --pcp-ports 256 --state-dir "$dir/state" --control "$sock" \
    --foreground --log-level debug >>"$log" 2>&1 &
  pid=$!
}
# st EXPR: a Python expression over lwb4ctl's status JSON `s`, printed.
st() {
  "$LWB4CTL" status --control "$sock" --json 2>/dev/null |
    "$PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null
}
# sl EXPR: a Python expression over the server's log records `r` (a list).
sl() {
  "$PYTHON" -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print($1)" "$slog"
}
maps() { sl 'len([x for x in r if x["event"] == "map"])'; }
more_maps() { [ "$(maps)" -gt "$1" ]; }
state_is() { [ "$(st 's["state"]')" = "$1" ]; }
log_count() { grep -c -- "$1" "$log" || true; }
more_in_log() { [ "$(log_count "$1")" -gt "$2" ]; }
ports_are() { [ "$(st 's["port_count"], s["port_ranges"]')" = "$1" ]; }
last_error_is() { [ "$(st 's["pcp"]["last_error"]')" = "$1" ]; }
applied_is() { [ "$(st 's["ipv4_address"]')" = "$1" ]; }
# remap [options]: the server restarts with new behaviour; SIGUSR1 makes
# lwb4d ask again at once.
remap() {
  local n
  n=$(maps)
  start_server "$@"
  kill -USR1 "$pid"
  wait_for 5 more_maps "$n"
}

echo "== provisioning: MAP with PORT_SET"
start_server
start_lwb4d
check "mapped within 5 s" wait_for 5 state_is mapped
check "mode pcp, 192.0.2.3" equals "$(st 's["mode"], s["ipv4_address"]')" "pcp 192.0.2.3"
check "256 ports 4096-4351" equals "$(st 's["port_count"], s["port_ranges"]')" "256 [[4096, 4351]]"
check "status: applied = desired (no \"desired\" key, no pending withdraw)" \
  equals "$(st '"desired" in s')" False
check "status text: no withdraw pending" \
  bash -c "! '$LWB4CTL' status --control '$sock' | grep -q 'withdraw pending'"
check "BR and softwire source" equals "$(st 's["br_address"], s["softwire_source"]')" \
  "$server_addr $b4_addr"
check "pcp member: server, granted, lifetime" \
  equals "$(st 's["pcp"]["server"], s["pcp"]["mapping"]["granted"], s["pcp"]["mapping"]["lifetime"]')" \
  "$server_addr 256 $LIFETIME"
check "request: protocol 0, internal port 1, PORT_SET 256 from 1" \
  equals "$(sl 'r[1]["protocol"], r[1]["internal_port"], r[1]["port_set"]')" \
  "0 1 {'size': 256, 'first_internal': 1, 'parity': 0}"
check "client IP is the B4 address" equals "$(sl 'r[1]["client"], r[1]["peer"]')" \
  "$b4_addr $b4_addr"

echo "== renewal"
n=$(maps)
check "renewed before the lifetime ends" wait_for $((LIFETIME)) more_maps "$n"
check "renewal: same nonce, suggests 4096 and 192.0.2.3" \
  equals "$(sl 'r[-1]["nonce"] == r[1]["nonce"], r[-1]["suggested_port"], r[-1]["suggested"]')" \
  "True 4096 192.0.2.3"
check "still mapped, same ports" equals "$(st 's["state"], s["port_count"]')" "mapped 256"

echo "== silent server restart: the epoch check (RFC 6887 §8.5)"
sleep 3 # let the epoch grow, so that 0 is a regression
resets=$(st 's["pcp"]["counters"]["epoch_resets"]')
kill -USR2 "$server"
epoch_reset() { [ "$(st 's["pcp"]["counters"]["epoch_resets"]')" -gt "$resets" ]; }
check "the next renewal answer fails the epoch check" wait_for $((LIFETIME)) epoch_reset
check "mapped again after the restart" wait_for 3 state_is mapped

echo "== server restart with ANNOUNCE (RFC 6887 §14.1.3)"
sleep 3
n=$(log_count "ANNOUNCE: epoch")
kill -USR1 "$server"
check "ANNOUNCE received, epoch check failed" wait_for 3 more_in_log "fails the RFC 6887 §8.5 check; re-mapping" "$n"
check "re-mapped within 5 s" wait_for 7 state_is mapped
after_announce='any(x["event"] == "map" for x in r[max(i for i, x in enumerate(r) if x["event"] == "announce-sent"):])'
check "the server got a MAP after its ANNOUNCE" equals "$(sl "$after_announce")" True

echo "== fewer ports than asked"
remap --grant 32
check "32 ports 4096-4127" wait_for 3 ports_are "32 [[4096, 4127]]"
check "granted 32" equals "$(st 's["pcp"]["mapping"]["granted"]')" 32

echo "== an unaligned grant: a contiguous range"
remap --grant 100 --first 50000
check "100 ports 50000-50099" wait_for 3 ports_are "100 [[50000, 50099]]"
check "granted 100 from 50000" \
  equals "$(st 's["pcp"]["mapping"]["first_port"], s["pcp"]["mapping"]["granted"]')" "50000 100"
if [ -x "$NFT_APPLY" ]; then
  # The kernel takes the planned table for this range and its ingress filter
  # drops exactly the ports outside it (wan0 stands in for the softwire).
  ip netns exec "$cpe" "$NFT_APPLY" apply --address 192.0.2.3 --oif wan0 --first 50000 \
    --count 100 >/dev/null
  mac=$(ip -n "$cpe" -br link show wan0 | awk '{print $3}')
  ip -n "$isp" addr add 192.0.2.1/24 dev eth-cpe
  ip -n "$isp" neigh add 192.0.2.3 lladdr "$mac" dev eth-cpe
  # A chain of the test's own right after lwb4's raw-priority ingress filter
  # counts what survived it (lwb4's later pool rule drops unsolicited
  # packets too, so its counter alone cannot tell the two apart).
  ip netns exec "$cpe" nft add table ip pcptest
  ip netns exec "$cpe" nft add chain ip pcptest after \
    '{ type filter hook prerouting priority -299; policy accept; }'
  ip netns exec "$cpe" nft add rule ip pcptest after ip daddr 192.0.2.3 meta l4proto udp counter
  survived() {
    ip netns exec "$cpe" nft list chain ip pcptest after | sed -n 's/.*packets \([0-9]*\).*/\1/p'
  }
  inbound() {
    ip netns exec "$cpe" nft list counter ip lwb4 inbound_dropped |
      sed -n 's/.*packets \([0-9]*\).*/\1/p'
  }
  send_to() {
    ip netns exec "$isp" "$PYTHON" -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in sys.argv[1:]: s.sendto(b"x", ("192.0.2.3", int(p)))' "$@"
  }
  s0=$(survived)
  send_to 50000 50050 50099
  sleep 0.3
  check "nft: 50000, 50050, 50099 pass the range filter" equals "$(survived)" "$((s0 + 3))"
  s0=$(survived) d0=$(inbound)
  send_to 49999 50100 65535
  sleep 0.3
  check "nft: 49999, 50100, 65535 are dropped by it" \
    equals "$(survived) $(inbound)" "$s0 $((d0 + 3))"
fi

echo "== a server without PORT_SET: one port"
remap --no-port-set
check "1 port 4096" wait_for 3 ports_are "1 [[4096, 4096]]"

echo "== NO_RESOURCES (short-lifetime error): the mapping stays until it expires"
remap --error 8:30
check "last error NO_RESOURCES" wait_for 3 last_error_is NO_RESOURCES
check "waiting, still applied" equals "$(st 's["state"], s["ipv4_address"]')" "waiting 192.0.2.3"
check "withdrawn when the lifetime ends" wait_for $((LIFETIME + 2)) applied_is None

echo "== NOT_AUTHORIZED (long-lifetime error) for 3 s, then a working server"
start_server --error 2:3
kill -USR1 "$pid"
check "last error NOT_AUTHORIZED" wait_for 3 last_error_is NOT_AUTHORIZED
check "nothing applied" equals "$(st 's["ipv4_address"]')" None
n=$(maps)
start_server
check "no new request within the error's lifetime" equals "$(maps)" "$n"
check "mapped after the error's lifetime" wait_for 6 state_is mapped

echo "== SIGTERM: delete (lifetime 0)"
nonce=$(sl '[x for x in r if x["event"] == "map"][-1]["nonce"]')
rc=0
kill -TERM "$pid"
wait "$pid" || rc=$?
pid=""
check "lwb4d exits 0" equals "$rc" 0
deleted() {
  [ "$(sl '[(x["lifetime"], x["nonce"], bool(x["port_set"])) for x in r if x["event"] == "map"][-1]')" \
    = "(0, '$nonce', True)" ]
}
check "the server saw lifetime 0 with the same nonce and PORT_SET" wait_for 3 deleted

check_summary
