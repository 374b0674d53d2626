#!/bin/bash
# Port-set NAT on the real kernel: lan -- cpe -- far in three throw-away
# namespaces. The cpe applies lwb4's table (lwb4-nft-apply) with the WAN veth
# standing in for the softwire; the far side records every source port and
# ICMP echo id it sees from the shared address.
#   sudo [EGRESS_HOOK=netdev] tests/nat/portset_nat_test.sh BUILD_DIR [OFFSET PSID_LEN PSID]
# Ends with "N passed, M failed"; exit status 0 only when nothing failed.
set -u
build=${1:?usage: $0 BUILD_DIR [OFFSET PSID_LEN PSID]}
a=${2:-6} k=${3:-6} psid=${4:-52}
here=$(cd "$(dirname "$0")" && pwd)
apply=$build/platform/linux/nft/lwb4-nft-apply
flows=(python3 "$here/flows.py")
[ -x "$apply" ] || { echo "missing $apply (build lwb4-nft-apply)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }

lan=lwb4nat-lan$$ cpe=lwb4nat-cpe$$ far=lwb4nat-far$$
shared=192.0.2.2 far_addr=192.0.2.1 port=8080  # RFC 5737 documentation prefixes
far_pid=
cleanup() {
  # Under set -e a failing command here would end the trap early.
  if [ -n "$far_pid" ]; then kill "$far_pid" 2>/dev/null || true; fi
  for n in $lan $cpe $far; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT

passed=0 failed=0
check() {  # check NAME CONDITION-EXIT-STATUS
  if [ "$2" = 0 ]; then
    passed=$((passed + 1)); echo "PASS $1"
  else
    failed=$((failed + 1)); echo "FAIL $1"
  fi
}
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }

for n in $lan $cpe $far; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add lan0 netns $cpe type veth peer name eth0 netns $lan
ip link add sw0 netns $cpe type veth peer name eth0 netns $far
ip -n $cpe addr add 198.51.100.1/24 dev lan0
ip -n $cpe addr add $shared/24 dev sw0
ip -n $lan addr add 198.51.100.2/24 dev eth0
ip -n $far addr add $far_addr/24 dev eth0
ip -n $cpe link set lan0 up
ip -n $cpe link set sw0 up
ip -n $lan link set eth0 up
ip -n $far link set eth0 up
ip -n $lan route add default via 198.51.100.1
ip netns exec $cpe sysctl -qw net.ipv4.ip_forward=1

count=$(python3 -c "a,k=$a,$k; print(((1<<a)-1 if a else 1)*(1<<(16-a-k)) - (0 if a else 1))")
args=(--address "$shared" --oif sw0 --offset "$a" --psid-len "$k" --psid "$psid")
# EGRESS_HOOK=netdev: the port rewrite on sw0's netdev ingress and egress hooks (what
# lwb4d does while a flowtable exists) instead of postrouting.
rewrite_family=ip  # of the table with the rewrite chains and their counters
if [ -n "${EGRESS_HOOK:-}" ]; then args+=(--egress-hook "$EGRESS_HOOK"); fi
if [ "${EGRESS_HOOK:-}" = netdev ]; then rewrite_family=netdev; fi

# Phase 1: no reserved port, the whole set is the NAT pool.
ip netns exec $cpe "$apply" apply "${args[@]}"
check "ruleset applied in one batch" $?

out=$(mktemp)
ip netns exec $far "${flows[@]}" far $far_addr $port $shared "$a" "$k" "$psid" >"$out" &
far_pid=$!
for _ in $(seq 50); do grep -q ready "$out" && break; sleep 0.1; done

check "ping from the lan works" "$(ip netns exec $lan ping -c1 -W2 $far_addr >/dev/null; echo $?)"
cpe_tcp=$(ip netns exec $cpe "${flows[@]}" lan $far_addr $port tcp 20); echo "cpe: $cpe_tcp"
check "TCP from the cpe itself is confined too" "$([ "$(field ok "$cpe_tcp")" = 20 ]; echo $?)"
# The kernel probes random windows of the pool (at most 240 tuples per packet),
# so the last free ports of a nearly full pool need a few more attempts.
fill=$((count + 64))
tcp=$(ip netns exec $lan "${flows[@]}" lan $far_addr $port tcp $fill); echo "$tcp"
udp=$(ip netns exec $lan "${flows[@]}" lan $far_addr $port udp $fill); echo "$udp"
icmp=$(ip netns exec $lan "${flows[@]}" lan $far_addr $port icmp $fill); echo "$icmp"
ip netns exec $lan "${flows[@]}" lan $far_addr $port proto253 5 >/dev/null
# Checksum 0 (no checksum, RFC 768; IPsec NAT-T, VXLAN) must stay 0 through
# the port rewrite both ways: a mangled one is dropped by the receiver.
udp0=$(ip netns exec $lan "${flows[@]}" lan $far_addr $port udp0 50); echo "$udp0"

kill -TERM "$far_pid"; wait "$far_pid" 2>/dev/null; far_pid=
summary=$(grep '^far ' "$out"); rm -f "$out"; echo "$summary"
# The ping and the cpe's 20 connections may still hold one id and 20 ports
# (conntrack timeouts), so the lan gets at least the rest.
check "the lan filled the rest of the TCP set (>= $((count - 20)))" \
  "$([ "$(field ok "$tcp")" -ge $((count - 20)) ]; echo $?)"
check "all $count UDP flows answered" "$([ "$(field ok "$udp")" = "$count" ]; echo $?)"
check "50 UDP flows without checksum answered (0 kept 0 both ways)" \
  "$([ "$(field ok "$udp0")" = 50 ]; echo $?)"
check "the lan filled the rest of the ICMP ids (>= $((count - 1)))" \
  "$([ "$(field ok "$icmp")" -ge $((count - 1)) ]; echo $?)"
for p in tcp udp icmp; do
  check "far saw all $count $p source ports/ids of the set" \
    "$([ "$(field "$p" "$summary")" = "$count" ]; echo $?)"
  check "0 $p ports/ids outside the set at the far side" \
    "$([ "$(field "${p}_out" "$summary")" = 0 ]; echo $?)"
done
check "other IP protocols dropped on the softwire" \
  "$([ "$(field proto253 "$summary")" = 0 ]; echo $?)"
check "... and counted" "$(ip netns exec $cpe nft list counter "$rewrite_family" lwb4 egress_protocol_dropped |
  grep -q 'packets [1-9]'; echo $?)"

# An ICMP error from the LAN about an inbound packet quotes the real port the
# remote sent to, not the virtual one conntrack restores (RFC 5508 §4.1).
out=$(mktemp)
ip netns exec $far "${flows[@]}" unreach $far_addr $((port + 2)) $shared >"$out" 2>&1 &
unreach_pid=$!
for _ in $(seq 50); do grep -q ready "$out" && break; sleep 0.1; done
ip netns exec $lan "${flows[@]}" sendclose $far_addr $((port + 2))
wait "$unreach_pid"
rc=$?
check "port unreachable from the lan quotes the real port ($(grep -v ready "$out"))" $rc
rm -f "$out"

# Phase 2: the first port of the set reserved for a service on the cpe; the
# table is swapped in place.
reserved=$(python3 -c "a,k,p=$a,$k,$psid; m=16-a-k; print((1<<(16-a) if a else 0)|(p<<m))")
inside=$((reserved + 1))
ip netns exec $cpe "$apply" apply "${args[@]}" --reserve "$reserved"
check "ruleset with a reserved port swapped in" $?

# Inbound: a service on the reserved port is reachable; one outside the set,
# one on an unreserved port of the set, and one on a pool port are not.
first_virtual=$(ip netns exec $cpe "$apply" print "${args[@]}" --reserve "$reserved" |
  sed -n 's/.*snat ip to [0-9.]*:\([0-9]*\)-.*/\1/p' | head -1)
outside=$((reserved + (1 << (16 - a - k))))  # the next PSID's first port
listeners=()
for p in "$reserved" "$outside" "$inside" "$first_virtual"; do
  ip netns exec $cpe python3 -c "
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $p)); s.listen(8); time.sleep(30)" &
  listeners+=($!)
done
sleep 0.3
check "inbound to reserved port $reserved delivered" \
  "$(ip netns exec $far "${flows[@]}" probe $shared "$reserved"; echo $?)"
check "inbound to port $outside outside the set dropped" \
  "$(! ip netns exec $far "${flows[@]}" probe $shared "$outside"; echo $?)"
check "inbound to unreserved port $inside of the set dropped" \
  "$(! ip netns exec $far "${flows[@]}" probe $shared "$inside"; echo $?)"
check "inbound to pool port $first_virtual (outside the set) dropped" \
  "$(! ip netns exec $far "${flows[@]}" probe $shared "$first_virtual"; echo $?)"
check "inbound drops counted" "$(ip netns exec $cpe nft list counter "$rewrite_family" lwb4 inbound_dropped |
  grep -q 'packets [1-9]'; echo $?)"
kill "${listeners[@]}" 2>/dev/null

ip netns exec $cpe "$apply" remove
check "table removed" "$(! ip netns exec $cpe nft list table ip lwb4 >/dev/null 2>&1; echo $?)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
