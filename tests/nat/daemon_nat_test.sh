#!/usr/bin/env bash
# lwb4d's port-set NAT end to end in the Kea lab (tests/lab/lab.sh): lwb4d
# --kernel none --nat on --softwire sw0 leases 192.0.2.100 with PSID 52 of
# offset 6 / PSID-len 6 (1008 ports) and installs its nftables table on sw0,
# a veth pair that stands in for the softwire (the host kernel has no
# ip6_tunnel; tests/vm covers the real one):
#
#   lan --- cpe[lwb4d, table ip lwb4 on sw0] --sw0-- isp --- inet
#                                             192.0.2.248/30
#
# Checks: flows of TCP, UDP and ICMP confined to the set at the far side,
# port forwards and the refusal of one outside the set, reserved ports kept
# out of the pool, inbound outside the set dropped, other protocols dropped
# and counted, `nft flush ruleset` healed within 1 s, conntrack of the old
# binding flushed on a port-set change, ICMP errors (fragmentation needed,
# time exceeded) delivered to the lan, DCCP/SCTP/UDP-Lite/GRE dropped and
# counted, the table removed on SIGTERM.
#   sudo tests/nat/daemon_nat_test.sh [BUILD_DIR]      (default build/dev)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
build=${1:-$top/build/dev}
LWB4D=${LWB4D:-$build/platform/linux/daemon/lwb4d}
LWB4CTL=${LWB4CTL:-$build/platform/linux/ctl/lwb4ctl}
# shellcheck source=tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"

flows=("$LAB_PYTHON" "$here/flows.py")
shared=192.0.2.100 lan_host=198.51.100.2 far_port=8080
# PSID 52 of offset 6 / PSID-len 6: ranges 1856-1871, 2880-2895, ...
outside_port=1872 fwd_port=1857 reserved_port=1858
fwd_refused=1872
# IP protocols without lwb4 port translation, dropped and counted (RFC 7618
# §7.1): RFC 3692 experiment, GRE, DCCP, SCTP, UDP-Lite.
other_protocols="253 47 33 132 136"

# The stand-in softwire: a veth between cpe and isp carrying IPv4 only.
lab_lwaftr_hook() {
  local isp cpe
  isp=$(lab_ns isp) cpe=$(lab_ns cpe)
  ip -n "$isp" link add sw-cpe type veth peer name sw0 netns "$cpe" &&
    ip -n "$isp" addr add 192.0.2.249/30 dev sw-cpe &&
    ip -n "$cpe" addr add 192.0.2.250/30 dev sw0 &&
    ip -n "$isp" link set sw-cpe up && ip -n "$cpe" link set sw0 up &&
    ip -n "$isp" route add 192.0.2.96/28 via 192.0.2.250 &&
    ip -n "$cpe" route add default via 192.0.2.249 &&
    # What the real adapter does with the leased address: local on the cpe.
    ip -n "$cpe" route add local 192.0.2.96/28 dev lo
}

dir="" sock="" log="" pid="" far_pid="" bg=()
start_lwb4d() {
  ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel none --nat on --softwire sw0 \
    --reserve-ports "$reserved_port,60000-60010" \
    --forward "tcp:$fwd_port:$lan_host:2222" --forward "udp:$fwd_port:$lan_host:2222" \
    --forward "tcp:$fwd_refused:$lan_host:2223" \
    --no-start-delay --state-dir "$dir/state" --control "$sock" --foreground \
    --log-level debug >>"$log" 2>&1 &
  pid=$!
}
status_json() { "$LWB4CTL" status --control "$sock" --json 2>/dev/null; }
st() {
  status_json | "$LAB_PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null
}
bound() { [ "$(st 's["state"]')" = BOUND ]; }
log_has() { grep -q -- "$1" "$log"; }
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
cpe_nft() { ip netns exec "$(lab_ns cpe)" nft "$@"; }
table_present() { cpe_nft list table ip lwb4 >/dev/null 2>&1; }
conntrack_to() { # PORT: cpe conntrack entries towards inet:PORT
  ip netns exec "$(lab_ns cpe)" cat /proc/net/nf_conntrack | grep -c "dst=203.0.113.10 sport=[0-9]* dport=$1 " || true
}

cleanup() {
  local p
  for p in "${bg[@]}" "$far_pid"; do
    if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; fi
  done
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$failed" -gt 0 ] && [ -n "$log" ] && [ -f "$log" ]; then
    echo "---- lwb4d log (last 60 lines)"
    tail -n 60 "$log"
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
lab_up --valid 600 --renew 300 --rebind 500 >/dev/null
dir=$(lab_dir)
sock=$dir/lwb4.sock
log=$dir/lwb4d.log

echo "== startup: lease, table, forwards"
bad=$(ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --forward "tcp:99999:$lan_host:22" 2>&1 || true)
check "a malformed --forward is refused at startup, naming the flag" \
  grep -q -- "--forward 'tcp:99999:$lan_host:22' is not tcp|udp:EXT_PORT:LAN_ADDRESS:PORT" <<<"$bad"
start_lwb4d
check "lwb4d is BOUND within 5 s" wait_for 5 bound
check "table ip lwb4 installed in the cpe" table_present
check "status: nat installed, table lwb4" equals "$(st 's["nat"]["installed"], s["nat"]["table"]')" "True lwb4"
check "status: a pool of 1006 ports (1008 less forwarded 1857 and reserved 1858)" \
  equals "$(st 's["nat"]["pool"][1] - s["nat"]["pool"][0] + 1')" 1006
check "status: reserved $fwd_port and $reserved_port (60000-60010 are outside the set)" \
  equals "$(st 's["nat"]["reserved"]')" "[[$fwd_port, $reserved_port]]"
check "status: forward outside the set shown as refused" \
  equals "$(st '[f["active"] for f in s["nat"]["forwards"]]')" "[True, True, False]"
check "log: the refusal names the forward and the set" \
  log_has "forward tcp:$fwd_refused:$lan_host:2223 refused: external port $fwd_refused is outside the port set"

echo "== flows from the lan: every flow in the set, none outside"
# Rounds towards different far ports, so TCP's TIME_WAIT entries of one
# round do not hold the ports of the next (one destination: at most 1006).
n=900
for round in 0 1 2; do
  port=$((far_port + round))
  : >"$dir/far$round.out"
  ip netns exec "$(lab_ns inet)" "${flows[@]}" far "$LAB_INET_V4" "$port" "$shared" 6 6 52 \
    >"$dir/far$round.out" &
  far_pid=$!
  wait_for 5 grep -q ready "$dir/far$round.out" || true
  kinds=(tcp udp)
  [ "$round" = 0 ] && kinds=(tcp udp icmp)
  for kind in "${kinds[@]}"; do
    # 2 s per connect: a SYN lost on a busy machine is sent again after 1 s.
    out=$(lab_exec lan "${flows[@]}" lan "$LAB_INET_V4" "$port" "$kind" $n 2)
    echo "    round $round: $out"
    check "round $round: $n $kind flows answered" equals "$(field ok "$out")" $n
  done
  if [ "$round" = 0 ]; then
    for p in $other_protocols; do
      lab_exec lan "${flows[@]}" lan "$LAB_INET_V4" "$port" "proto$p" 5 >/dev/null
    done
  fi
  kill -TERM "$far_pid"
  wait "$far_pid" 2>/dev/null || true
  far_pid=""
  summary=$(grep '^far ' "$dir/far$round.out"); echo "    round $round: $summary"
  for kind in "${kinds[@]}"; do
    check "round $round: far saw $n $kind ports/ids, 0 outside the set" \
      equals "$(field "$kind" "$summary") $(field "${kind}_out" "$summary")" "$n 0"
  done
  if [ "$round" = 0 ]; then
    for p in $other_protocols; do
      check "IP protocol $p never reached the far side" equals "$(field "proto$p" "$summary")" 0
    done
  fi
done
check "the 25 packets of those protocols counted (status nat.dropped)" \
  test "$(st 's["nat"]["dropped"]["egress_protocol_dropped"]')" -ge 25

echo "== inbound: port forwards, reserved and outside ports"
bg+=("$(lab_exec lan "$LAB_PYTHON" -c "
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 2222)); s.listen(8); time.sleep(60)" >/dev/null 2>&1 & echo $!)")
bg+=("$(lab_exec cpe "$LAB_PYTHON" -c "
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $reserved_port)); s.listen(8); time.sleep(60)" >/dev/null 2>&1 & echo $!)")
sleep 0.3
probe() { lab_exec inet "${flows[@]}" probe "$shared" "$1"; }
check "tcp:$fwd_port is forwarded to $lan_host:2222 from outside" probe "$fwd_port"
check "reserved port $reserved_port reaches the cpe's own service" probe "$reserved_port"
check "port $outside_port outside the set is dropped" eval "! probe $outside_port"
check "the refused forward's port $fwd_refused is not forwarded" eval "! probe $fwd_refused"
check "inbound drops counted" test "$(st 's["nat"]["dropped"]["inbound_dropped"]')" -ge 2
inbound_before=$(st 's["nat"]["dropped"]["inbound_dropped"]')
for p in $other_protocols; do
  lab_exec inet "${flows[@]}" lan "$shared" "$fwd_port" "proto$p" 2 >/dev/null
done
check "inbound DCCP, SCTP, UDP-Lite, GRE, 253 to the shared address dropped and counted" \
  test "$(st 's["nat"]["dropped"]["inbound_dropped"]')" -ge $((inbound_before + 10))

echo "== nft flush ruleset in the cpe: restored within 1 s"
cpe_nft flush ruleset
check "the table is back within 1 s" wait_for 1 table_present
check "status: restored counted" test "$(st 's["nat"]["restored"]')" -ge 1
check "log: the change and the restore" log_has "table ip lwb4 restored"
cpe_nft delete table ip lwb4
check "a deleted table is back within 1 s" wait_for 1 table_present
# Not `nft list | grep -q` under pipefail: grep's early exit can kill nft.
listing_has() { grep -qF -- "$1" <<<"$(cpe_nft list table ip lwb4)"; }
check "the restored table confines to PSID 52 again" listing_has "tcp sport & 1008 != 832 counter"

echo "== port-set change: conntrack of the old set flushed, new flows in the new set"
lab_inet_echo tcp 7000
lab_inet_echo udp 7001
lab_bg lan hold "${flows[@]}" hold "$LAB_INET_V4" 7000 7001
hold_log=$dir/bg-hold.log
in_psid() { # PORT PSID
  [ "$1" -ge 1024 ] && [ $((($1 >> 4) & 63)) = "$2" ]
}
last_udp_in() { # PSID
  local p
  p=$(grep '^udp [0-9]' "$hold_log" | tail -1 | cut -d' ' -f2)
  [ -n "$p" ] && in_psid "$p" "$1"
}
both_tracked() { [ "$(conntrack_to 7000)" -ge 1 ] && [ "$(conntrack_to 7001)" -ge 1 ]; }
check "an established TCP flow and a UDP flow, tracked" wait_for 3 both_tracked
tcp_in() { in_psid "$(sed -n 's/^tcp \([0-9]*\)$/\1/p' "$hold_log")" "$1"; }
check "... mapped into PSID 52" eval "last_udp_in 52 && tcp_in 52"
flushed_before=$(st 's["nat"]["conntrack_flushed"]')
kea_restart --portparams 6,53,6 >/dev/null
kill -USR1 "$pid"
psid_is() { [ "$(st 's["psid"]')" = "$1" ]; }
check "the renewal brings PSID 53" wait_for 5 psid_is 53
check "conntrack entries of the old set flushed (counted)" \
  test "$(st 's["nat"]["conntrack_flushed"]')" -gt "$flushed_before"
check "the established TCP connection is gone (reset on its next segment)" \
  wait_for 3 grep -q '^tcp closed' "$hold_log"
check "the UDP flow continues from a port of PSID 53" wait_for 3 last_udp_in 53
# Fragments: conntrack reassembles before the table sees the datagram, and
# the translated datagram is fragmented again on the way out (and back).
big=$(lab_exec lan "${flows[@]}" bigudp "$LAB_INET_V4" 7001 4000 || true)
echo "    $big"
check "a 4000-byte UDP datagram in fragments goes out and back whole" \
  equals "$(field bytes "$big")" 4000
check "... from a port of PSID 53" in_psid "$(field port "$big")" 53
: >"$dir/far.out"
ip netns exec "$(lab_ns inet)" "${flows[@]}" far "$LAB_INET_V4" "$far_port" "$shared" 6 6 53 >"$dir/far.out" &
far_pid=$!
wait_for 5 grep -q ready "$dir/far.out" || true
udp=$(lab_exec lan "${flows[@]}" lan "$LAB_INET_V4" "$far_port" udp 500); echo "    $udp"
kill -TERM "$far_pid"
wait "$far_pid" 2>/dev/null || true
far_pid=""
summary=$(grep '^far ' "$dir/far.out"); echo "    $summary"
check "500 new UDP flows, all from PSID 53" equals "$(field udp "$summary") $(field udp_out "$summary")" "500 0"

echo "== ICMP errors for flows of the set reach the lan host (PMTUD, traceroute)"
# A smaller-MTU hop beyond the stand-in softwire: isp -> inet at 1280.
ip -n "$(lab_ns isp)" link set eth-inet mtu 1280
lab__sysctl isp net.ipv4.icmp_ratelimit=0
lab_bg inet sink "${flows[@]}" sink "$LAB_INET_V4" 9000
sink_ready() { grep -qs ready "$dir/bg-sink.log"; }
wait_for 5 sink_ready || true
icmperr() { lab_exec lan "${flows[@]}" icmperr "$LAB_INET_V4" "$@" | sed 's/^/    /'; }
check "UDP: fragmentation needed lowers the lan host's path MTU" icmperr 9001 pmtu-udp
check "TCP: 1 MB through the 1280-byte hop (PMTUD, no black hole)" icmperr 9000 pmtu-tcp
check "UDP with TTL 2: time exceeded reaches the sender" icmperr 9001 ttl-udp
check "TCP SYN with TTL 2: time exceeded fails the connect" icmperr 9000 ttl-tcp
check "ICMP echo with TTL 2: time exceeded quotes the lan's echo id" icmperr 0 ttl-icmp

echo "== SIGTERM: release, table removed"
kill -TERM "$pid"
wait "$pid" || true
pid=""
check "the table is gone after exit" eval "! table_present"

echo
check_summary
