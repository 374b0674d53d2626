#!/usr/bin/env bash
# The provisioning modes end to end on a kernel with ip6_tunnel, through an
# lwAFTR with a per-CPE leak detector:
#   lw4o6 (RFC 7596) from DHCPv6 option 96: two CPEs (tests/lab/lab.sh
#   --second-cpe) with Kea S46_V4V6BIND reservations per DUID sharing one
#   IPv4 address with PSIDs 52 and 53 (offset 6, PSID-len 6). The lwAFTR has
#   one ip6tnl per B4 and demultiplexes inbound IPv4 by destination port (ICMP
#   echo id) into the tunnel of the PSID that owns it (nft mark + policy
#   routing). Both lwb4d (--kernel netlink, NAT on) are CONFIGURED in mode
#   lw4o6; both LAN hosts fetch from inet and run TCP and UDP flows at the
#   same time; every decapsulated packet is checked against ITS CPE's set
#   (zero leaks), every flow is answered (no cross-talk: a reply sent to the
#   other CPE would land outside its set and be dropped there); SIGTERM of
#   one leaves the other working. First a control: a hand-made softwire
#   from each B4 address sends one out-of-set datagram, counted as a leak.
#   MAP-E (RFC 7597) from option 94 (Appendix A rule, --prefix): the isp is
#   the BR for the CE's address; LAN traffic, zero leaks, mode map-e.
#   PCP (RFC 7753) against tests/lab/pcp_server.py: two CPEs at once sharing
#   one IPv4 address with 1024 ports each (aligned blocks, demultiplexed by
#   port at the lwAFTR as above), then one with the unaligned 100 ports from
#   50000: LAN traffic confined to each range, mode pcp, the mapping deleted
#   on SIGTERM.
# Prints the run time.
#   tests/vm/modes_e2e_test.sh [BUILD_DIR]     (default build/vm)
# Outside the VM it re-runs itself in one (tests/vm/vm-run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
if [ -z "${LWB4_IN_VM:-}" ]; then
	exec "$here/vm-run.sh" -- "$0" "$@"
fi
build=${1:-$top/build/vm}
LWB4D=${LWB4D:-$build/platform/linux/daemon/lwb4d}
LWB4CTL=${LWB4CTL:-$build/platform/linux/ctl/lwb4ctl}
# shellcheck source=tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"
for f in "$LWB4D" "$LWB4CTL"; do
	[ -x "$f" ] || { echo "no $f (build lwb4d and lwb4ctl with the vm preset)"; exit 2; }
done

V4=192.0.2.3
DUID1=00:03:00:01:02:00:5e:00:53:02
DUID2=00:03:00:01:02:00:5e:00:53:03
# offset 6, PSID-len 6 (RFC 7597 5.1): mask and value of each PSID.
MASK=$((63 << 4)) MIN=1024
VALUE1=$((52 << 4)) VALUE2=$((53 << 4))
# The constructed softwire sources (RFC 7596 5.1: IPv4 address and PSID in
# the interface id of the bind prefix).
SRC1=2001:db8:46::c000:203:34 SRC2=2001:db8:46::c000:203:35
dir="" pids=("" "") logs=() socks=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		[ -n "$p" ] || continue
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$failed" -gt 0 ]; then
		for p in "${logs[@]}"; do
			[ -f "$p" ] || continue
			echo "---- $p (last 40 lines)"
			tail -n 40 "$p"
		done
	fi
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Started with ip netns exec itself (no subshell between $! and lwb4d).
start_lwb4d() { # N NS FLAGS...
	local n=$1 ns=$2
	shift 2
	ip netns exec "$(lab_ns "$ns")" "$LWB4D" --uplink wan0 --kernel netlink --no-start-delay \
		--state-dir "$dir/state$n" --control "${socks[n]}" --foreground --log-level debug \
		"$@" >>"${logs[n]}" 2>&1 &
	pids[n]=$!
}
stop_lwb4d() { # N: SIGTERM, exit status 0
	local rc=0
	kill -TERM "${pids[$1]}"
	wait "${pids[$1]}" || rc=$?
	pids[$1]=""
	return "$rc"
}
st() { # N PYTHON-EXPR
	"$LWB4CTL" status --control "${socks[$1]}" --json 2>/dev/null |
		"$LAB_PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($2)" 2>/dev/null
}
configured() { [ "$(st "$1" 's["state"]')" = CONFIGURED ]; }
text_mode() { # N MODE: the text status names it
	"$LWB4CTL" status --control "${socks[$1]}" | grep -qw -- "$2"
}

# ---- the lwAFTR for the two B4s -----------------------------------------------
# aftrN: ipip6 from $LAB_BR to CPE N's softwire source. Inbound to the shared
# address is marked N when its destination port (echo id) has CPE N's PSID
# and routed by the mark into aftrN; anything else has no route. Leak
# detector: every packet decapsulated from aftrN is counted (decapN) and,
# when its source port / echo id is outside CPE N's set, counted (leakN) and
# dropped; tcpN/udpN/icmpN keep the ones that passed.
leak_chain() { # N OUTSIDE1 OUTSIDE2: nft relations true for a port outside the set
	cat <<EOF
  counter decap$1 {}
  counter leak$1 {}
  counter misrouted$1 {}
  set tcp$1 { type inet_service; flags dynamic; size 65535; }
  set udp$1 { type inet_service; flags dynamic; size 65535; }
  set icmp$1 { type inet_service; flags dynamic; size 65535; }
  chain from$1 {
    counter name "decap$1"
    meta l4proto { tcp, udp } th sport $2 counter name "leak$1" drop
    meta l4proto { tcp, udp } th sport $3 counter name "leak$1" drop
    icmp type echo-request icmp id $2 counter name "leak$1" drop
    icmp type echo-request icmp id $3 counter name "leak$1" drop
    meta l4proto tcp update @tcp$1 { tcp sport }
    meta l4proto udp update @udp$1 { udp sport }
    icmp type echo-request update @icmp$1 { icmp id }
  }
EOF
}
psid_chain() { # N VALUE
	leak_chain "$1" "& $MASK != $2" "< $MIN"
	cat <<EOF
  chain to$1 {
    meta l4proto { tcp, udp } th dport & $MASK != $2 counter name "misrouted$1"
    icmp type echo-reply icmp id & $MASK != $2 counter name "misrouted$1"
  }
EOF
}
lwaftr_up() {
	local n src
	lab_exec isp ip -6 addr add "$LAB_BR/128" dev "$LAB_ISP_IF" nodad
	lab__sysctl isp net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	for n in 1 2; do
		src=SRC$n
		lab_exec isp ip -6 tunnel add "aftr$n" mode ipip6 local "$LAB_BR" remote "${!src}" encaplimit none
		lab_exec isp ip link set "aftr$n" up
		lab_exec isp ip rule add fwmark "$n" table "10$n"
		lab_exec isp ip route add "$V4/32" dev "aftr$n" table "10$n"
	done
	lab_exec isp nft -f - <<EOF
table inet lwb4aftr {
$(psid_chain 1 $VALUE1)
$(psid_chain 2 $VALUE2)
  chain demux {
    type filter hook prerouting priority mangle; policy accept;
    ip daddr != $V4 accept
    meta l4proto { tcp, udp } th dport & $MASK == $VALUE1 meta mark set 1 accept
    meta l4proto { tcp, udp } th dport & $MASK == $VALUE2 meta mark set 2 accept
    icmp type echo-reply icmp id & $MASK == $VALUE1 meta mark set 1 accept
    icmp type echo-reply icmp id & $MASK == $VALUE2 meta mark set 2 accept
  }
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname "aftr1" jump from1
    iifname "aftr2" jump from2
    oifname "aftr1" jump to1
    oifname "aftr2" jump to2
  }
}
EOF
}
counter() { lab_exec isp nft list counter inet lwb4aftr "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
aftr_ports() { # SET: the ports / ids that passed, one a line
	lab_exec isp nft -j list set inet lwb4aftr "$1" | "$LAB_PYTHON" -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "set" in o:
        for e in sorted(o["set"].get("elem", [])):
            print(e)'
}
in_set() { # VALUE PORT...: inside the PSID set VALUE of mask $MASK
	in_ports "$MIN" 65535 "$MASK" "$@"
}
in_ports() { # LOW HIGH MASK VALUE PORT...: LOW <= port <= HIGH and port & MASK == VALUE
	local lo=$1 hi=$2 m=$3 v=$4 p
	shift 4
	[ $# -gt 0 ] || return 1
	for p in "$@"; do
		if [ $((p & m)) -ne "$v" ] || [ "$p" -lt "$lo" ] || [ "$p" -gt "$hi" ]; then
			echo "    port $p is outside the set"
			return 1
		fi
	done
}
inbound_dropped() { # NS
	lab_exec "$1" nft list counter ip lwb4 inbound_dropped | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

if [ ! -d /run/kea ]; then mkdir -p /run/kea; fi
t_start=$(now_ms)
lab_up --second-cpe --s46 lw --s46-duid "$DUID1" --s46-bind "$V4, 2001:db8:46::/64" --s46-portparams "6, 52/6" \
	--s46-duid2 "$DUID2" --s46-bind2 "$V4, 2001:db8:46::/64" --s46-portparams2 "6, 53/6" >/dev/null
dir=$(lab_dir)
logs=("$dir/lwb4d-1.log" "$dir/lwb4d-1.log" "$dir/lwb4d-2.log")
socks=("" "$dir/lwb4-1.sock" "$dir/lwb4-2.sock")
pids=("" "" "" "" "" "" "")
# TCP connections, UDP flows (all open at once) and a ping from a LAN host;
# prints "TCP-OK UDP-OK BAD" where BAD counts echo replies naming a source
# port (the one the NAT chose, as inet saw it) outside the set: not
# LOW <= port <= HIGH with port & MASK == VALUE.
cat >"$dir/flows.py" <<'EOF'
import socket, sys
inet = sys.argv[1]
ntcp, nudp, lo, hi, mask, value = map(int, sys.argv[2:8])
bad = 0
def port_ok(line):
    p = int(line.split()[2])
    return p & mask == value and lo <= p <= hi
tcp = 0
for i in range(ntcp):
    try:
        s = socket.create_connection((inet, 7), timeout=3)
        s.sendall(b"tcp %d\n" % i)
        data = b""
        while not data.endswith(b"tcp %d\n" % i):
            b = s.recv(4096)
            if not b:
                break
            data += b
        s.close()
        if data.endswith(b"tcp %d\n" % i):
            tcp += 1
            bad += not port_ok(data.split(b"\n")[0].decode())
    except OSError:
        pass
socks = []
udp = 0
for first in range(0, nudp, 50):
    batch = range(first, min(first + 50, nudp))
    for i in batch:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(b"flow %d" % i, (inet, 7))
        socks.append(s)
    for i in batch:
        try:
            d = socks[i].recv(2048)
            if d.endswith(b"flow %d" % i):
                udp += 1
                bad += not port_ok(d.split(b"\n")[0].decode())
        except OSError:
            pass
print(tcp, udp, bad)
EOF

lwaftr_up
lab_inet_http 80
lab_inet_echo udp 7
lab_inet_echo tcp 7
lab_exec cpe ip link set lo up
lab_exec cpe2 ip link set lo up

echo "== control: the leak detector counts what is outside each CPE's set"
# Before lwb4d runs: a hand-made softwire from each B4 address sends one UDP
# datagram, CPE 1 from 5000 (outside every set here), CPE 2 from 1856 (in
# PSID 52's set, CPE 1's, not its own). Both must count as leaks.
probe() { # NS SRC PORT
	lab_exec "$1" ip -6 addr add "$2/128" dev wan0 nodad
	lab_exec "$1" ip -6 tunnel add probe0 mode ipip6 local "$2" remote "$LAB_BR" encaplimit none
	lab_exec "$1" ip link set probe0 up
	lab_exec "$1" ip addr add "$V4/32" dev probe0
	lab_exec "$1" ip route add "$LAB_INET_V4/32" dev probe0 src "$V4"
	lab_exec "$1" "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[3])))
s.sendto(b"leak", (sys.argv[2], 7))' "$V4" "$LAB_INET_V4" "$3"
	sleep 0.2
	lab_exec "$1" ip link del probe0
	lab_exec "$1" ip -6 addr del "$2/128" dev wan0
}
probe cpe "$SRC1" 5000
probe cpe2 "$SRC2" 1856
check "CPE 1 from port 5000: one leak counted" equals "$(counter leak1) $(counter decap1)" "1 1"
check "CPE 2 from CPE 1's port 1856: one leak counted" equals "$(counter leak2) $(counter decap2)" "1 1"
for c in leak1 decap1 leak2 decap2; do lab_exec isp nft reset counter inet lwb4aftr "$c" >/dev/null; done
check "... counters reset" equals "$(counter leak1) $(counter leak2)" "0 0"

echo "== lw4o6: two CPEs share $V4 with PSIDs 52 and 53 (Kea reservations per DUID)"
start_lwb4d 1 cpe --duid "$DUID1"
start_lwb4d 2 cpe2 --duid "$DUID2"
check "CPE 1 CONFIGURED within 10 s" wait_for 10 configured 1
check "CPE 2 CONFIGURED within 10 s" wait_for 10 configured 2
fields='s["mode"], s["ipv4_address"], s["psid_offset"], s["psid_len"], s["psid"], s["softwire_source"]'
check "CPE 1: lw4o6, $V4, PSID 52 (offset 6, length 6), source $SRC1" \
	equals "$(st 1 "$fields")" "lw4o6 $V4 6 6 52 $SRC1"
check "CPE 2: lw4o6, $V4, PSID 53 (offset 6, length 6), source $SRC2" \
	equals "$(st 2 "$fields")" "lw4o6 $V4 6 6 53 $SRC2"
check "lwb4ctl status (text) names the mode, for both" eval "text_mode 1 lw4o6 && text_mode 2 lw4o6"
softwire_to() { # NS BR SRC
	ip -n "$(lab_ns "$1")" -d link show lwb4-wan0 2>/dev/null |
		grep -F "ip6tnl ipip6 remote $2 local $3 dev wan0" >/dev/null
}
softwire() { softwire_to "$1" "$LAB_BR" "$2"; }
check "CPE 1's softwire from $SRC1 to the BR" wait_for 3 softwire cpe "$SRC1"
check "CPE 2's softwire from $SRC2 to the BR" wait_for 3 softwire cpe2 "$SRC2"

echo "== both LANs at once: HTTP, 200 TCP and 300 UDP flows each"
fetch() { # NS
	ip netns exec "$(lab_ns "$1")" curl -sf --max-time 20 "http://$LAB_INET_V4/1m.bin" | cmp -s - "$dir/www/1m.bin"
}
t0=$(now_ms)
fetch lan && echo ok >"$dir/fetch1" &
f1=$!
fetch lan2 && echo ok >"$dir/fetch2" &
f2=$!
lab_exec lan "$LAB_PYTHON" "$dir/flows.py" "$LAB_INET_V4" 200 300 "$MIN" 65535 "$MASK" "$VALUE1" >"$dir/flows1" 2>&1 &
p1=$!
lab_exec lan2 "$LAB_PYTHON" "$dir/flows.py" "$LAB_INET_V4" 200 300 "$MIN" 65535 "$MASK" "$VALUE2" >"$dir/flows2" 2>&1 &
p2=$!
wait "$f1" "$f2" "$p1" "$p2" || true
echo "    both LANs done in $(($(now_ms) - t0)) ms"
check "LAN 1 fetched 1 MiB over CPE 1" test -s "$dir/fetch1"
check "LAN 2 fetched 1 MiB over CPE 2" test -s "$dir/fetch2"
check "LAN 1: 200 TCP, 300 UDP answered, every port inet saw in PSID 52's set" \
	equals "$(tail -n1 "$dir/flows1")" "200 300 0"
check "LAN 2: 200 TCP, 300 UDP answered, every port inet saw in PSID 53's set" \
	equals "$(tail -n1 "$dir/flows2")" "200 300 0"
pings() { lab_exec "$1" ping -q -c 3 -i 0.2 -W 2 "$LAB_INET_V4" >/dev/null; }
check "ping from LAN 1" pings lan
check "ping from LAN 2" pings lan2
for n in 1 2; do
	v=VALUE$n
	check "no packet outside CPE $n's set at the lwAFTR (decapsulated: $(counter "decap$n"))" \
		equals "$(counter "leak$n")" 0
	check "... and more than 1000 decapsulated" test "$(counter "decap$n")" -gt 1000
	for proto in tcp udp icmp; do
		read -r -d "" -a ports <<<"$(aftr_ports "$proto$n")" || true
		check "CPE $n: ${#ports[@]} $proto source ports/ids, all in its set" \
			in_set "${!v}" "${ports[@]}"
	done
	check "nothing for CPE $n was sent into the other's tunnel" equals "$(counter "misrouted$n")" 0
done
read -r -d "" -a u1 <<<"$(aftr_ports udp1)" || true
read -r -d "" -a u2 <<<"$(aftr_ports udp2)" || true
check "300 distinct UDP ports from each CPE (${#u1[@]}, ${#u2[@]})" test "${#u1[@]}" -ge 300 -a "${#u2[@]}" -ge 300
check "no reply reached the wrong CPE (lwb4's inbound filter dropped nothing)" \
	equals "$(inbound_dropped cpe) $(inbound_dropped cpe2)" "0 0"
check "no native IPv4 on the access link" equals "$(lab_nft_counter access_v4)" 0

echo "== SIGTERM of CPE 1 leaves CPE 2 working"
check "CPE 1's lwb4d exits 0" stop_lwb4d 1
check "... its softwire is gone" sh -c "! ip -n $(lab_ns cpe) link show lwb4-wan0 2>/dev/null"
lab_exec lan2 "$LAB_PYTHON" "$dir/flows.py" "$LAB_INET_V4" 50 100 "$MIN" 65535 "$MASK" "$VALUE2" >"$dir/flows3" 2>&1 || true
check "LAN 2: 50 TCP and 100 UDP flows still answered" equals "$(tail -n1 "$dir/flows3")" "50 100 0"
check "LAN 2 still fetches over CPE 2" fetch lan2
check "CPE 2 still CONFIGURED" configured 2
check "still no leak" equals "$(counter leak1) $(counter leak2)" "0 0"
check "CPE 2's lwb4d exits 0" stop_lwb4d 2

# traffic N NS NTCP NUDP LOW HIGH MASK VALUE: HTTP, NTCP TCP connections
# one after the other, NUDP UDP flows open at once and a ping from the LAN
# host behind NS; then the lwAFTR's view of CPE N.
traffic() {
	local n=$1 ns=$2 ntcp=$3 nudp=$4 lan=lan proto ports
	shift 4
	[ "$ns" = cpe2 ] && lan=lan2
	check "the LAN host fetches 1 MiB from inet" fetch "$lan"
	lab_exec "$lan" "$LAB_PYTHON" "$dir/flows.py" "$LAB_INET_V4" "$ntcp" "$nudp" "$@" >"$dir/flows$n" 2>&1 || true
	check "$ntcp TCP, $nudp UDP flows answered, every port inet saw in the set" \
		equals "$(tail -n1 "$dir/flows$n")" "$ntcp $nudp 0"
	check "ping from the LAN host" pings "$lan"
	aftr_view "$n" "$ns" "$ntcp" "$nudp" "$@"
}
# aftr_view N NS NTCP NUDP LOW HIGH MASK VALUE: what the lwAFTR saw from CPE
# N (in NS) after `traffic`.
aftr_view() {
	local n=$1 ns=$2 ntcp=$3 nudp=$4 proto ports
	shift 4
	check "$ns: no packet outside the set at the lwAFTR (decapsulated: $(counter "decap$n"))" \
		equals "$(counter "leak$n")" 0
	check "... and more than $((ntcp * 4)) decapsulated" test "$(counter "decap$n")" -gt $((ntcp * 4))
	for proto in tcp udp icmp; do
		read -r -d "" -a ports <<<"$(aftr_ports "$proto$n")" || true
		check "${#ports[@]} $proto source ports/ids, all in the set" in_ports "$@" "${ports[@]}"
	done
	read -r -d "" -a ports <<<"$(aftr_ports "udp$n")" || true
	check "$nudp distinct UDP ports" test "${#ports[@]}" -ge "$nudp"
	check "lwb4's inbound filter dropped no reply" equals "$(inbound_dropped "$ns")" 0
}

echo "== MAP-E (RFC 7597 Appendix A rule from option 94, End-user prefix given)"
# Rule 2001:db8::/40, 192.0.2.0/24, EA-len 16; prefix 2001:db8:12:3400::/56:
# IPv4 192.0.2.18, PSID 0x34 of length 8, offset 6 (Appendix A example 1).
# The isp is the BR: 2001:db8:ffff::1, an ipip6 tunnel to the CE's address,
# 192.0.2.18 routed into it; the End-user prefix routed to the CPE.
CE=2001:db8:12:3400:0:c000:212:34 MAPE_V4=192.0.2.18
MAPE_MASK=$((255 << 2)) MAPE_VALUE=$((0x34 << 2))
kea_restart --s46 mape >/dev/null
lab_exec isp ip -6 addr add "$LAB_MAPE_BR/128" dev "$LAB_ISP_IF" nodad
lab_exec isp ip -6 route add 2001:db8:12:3400::/56 via "$LAB_CPE_V6" dev "$LAB_ISP_IF"
lab_exec isp ip -6 tunnel add mape0 mode ipip6 local "$LAB_MAPE_BR" remote "$CE" encaplimit none
lab_exec isp ip link set mape0 up
lab_exec isp ip route add "$MAPE_V4/32" dev mape0
lab_exec isp nft -f - <<EOF
table inet lwb4aftr {
$(leak_chain 3 "& $MAPE_MASK != $MAPE_VALUE" "< $MIN")
}
EOF
lab_exec isp nft add rule inet lwb4aftr forward iifname mape0 jump from3
# The CE reaches the BR through the access network's router.
lab_exec cpe ip -6 route add default via "$LAB_ISP_V6" dev wan0
logs[3]=$dir/lwb4d-1.log socks[3]=$dir/lwb4-3.sock
start_lwb4d 3 cpe --duid "$DUID1" --mode map-e --prefix 2001:db8:12:3400::/56
check "CONFIGURED within 10 s" wait_for 10 configured 3
check "mode map-e, $MAPE_V4, PSID 52 (offset 6, length 8), source $CE" \
	equals "$(st 3 "$fields")" "map-e $MAPE_V4 6 8 52 $CE"
check "lwb4ctl status (text) names the mode" text_mode 3 map-e
check "the softwire from $CE to the BR" wait_for 3 softwire_to cpe "$LAB_MAPE_BR" "$CE"
# 252 ports: 200 UDP flows at once (near a full set the kernel's SNAT
# allocator gives up probing, see daemon_test.sh).
traffic 3 cpe 200 200 "$MIN" 65535 "$MAPE_MASK" "$MAPE_VALUE"
check "SIGTERM: lwb4d exits 0" stop_lwb4d 3
check "... the softwire and $CE are gone" \
	sh -c "! ip -n $(lab_ns cpe) link show lwb4-wan0 2>/dev/null && ! ip -n $(lab_ns cpe) -6 addr show dev wan0 | grep -qF '$CE'"

echo "== PCP (RFC 7753): the lwAFTR grants a port range of 192.0.2.4"
# tests/lab/pcp_server.py on the BR address; the lwAFTR's tunnel goes to the
# CPE's uplink address. Inbound from pcp0 goes through chain pcp, pointed
# at the leak chain of the current grant.
PCP_V4=192.0.2.4
lab_exec isp ip -6 tunnel add pcp0 mode ipip6 local "$LAB_BR" remote "$LAB_CPE2_V6" encaplimit none
lab_exec isp ip link set pcp0 up
lab_exec isp ip route add "$PCP_V4/32" dev pcp0
lab_exec isp nft add chain inet lwb4aftr pcp
lab_exec isp nft add rule inet lwb4aftr forward iifname pcp0 jump pcp
mapped() { [ "$(st "$1" 's["state"]')" = mapped ]; }
# pcp_grant N COUNT FIRST NTCP NUDP [server options]: the server grants COUNT
# ports from FIRST, lwb4d asks for COUNT, NTCP/NUDP flows from lan2.
pcp_grant() {
	local n=$1 count=$2 first=$3 ntcp=$4 nudp=$5 last
	shift 5
	last=$((first + count - 1))
	echo "-- $count ports $first-$last"
	lab_exec isp nft -f - <<EOF
table inet lwb4aftr {
$(leak_chain "$n" "< $first" "> $last")
}
EOF
	lab_exec isp nft flush chain inet lwb4aftr pcp
	lab_exec isp nft add rule inet lwb4aftr pcp jump "from$n"
	lab_bg isp "pcp$n" "$LAB_PYTHON" "$top/tests/lab/pcp_server.py" --bind "$LAB_BR" --iface "$LAB_ISP_IF" \
		--log "$dir/pcp$n.log" --address "$PCP_V4" --grant "$count" "$@"
	check "the PCP server runs" wait_for 5 grep -qs '"started"' "$dir/pcp$n.log"
	logs[n]=$dir/lwb4d-2.log socks[n]=$dir/lwb4-$n.sock
	start_lwb4d "$n" cpe2 --mode pcp --pcp-server "$LAB_BR" --pcp-ports "$count" --softwire-source "$LAB_CPE2_V6"
	check "mapped within 10 s" wait_for 10 mapped "$n"
	check "mode pcp, $PCP_V4, $count ports $first-$last" \
		equals "$(st "$n" 's["mode"], s["ipv4_address"], s["port_count"], s["port_ranges"]')" \
		"pcp $PCP_V4 $count [[$first, $last]]"
	check "lwb4ctl status (text) names the mode" text_mode "$n" pcp
	check "the softwire from $LAB_CPE2_V6 to the PCP server" wait_for 3 softwire_to cpe2 "$LAB_BR" "$LAB_CPE2_V6"
	traffic "$n" cpe2 "$ntcp" "$nudp" "$first" "$last" 0 0
	check "SIGTERM: lwb4d exits 0" stop_lwb4d "$n"
	deleted() {
		[ "$("$LAB_PYTHON" -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1].get("lifetime"))' "$1")" = 0 ]
	}
	check "... after deleting the mapping (lifetime 0, RFC 6887 15)" wait_for 3 deleted "$dir/pcp$n.log"
	lab__kill "$(cat "$dir/bg-pcp$n.pid")"
}
# Two CPEs at once (RFC 7753 1.2: the lwAFTR shares 192.0.2.4 by port
# range): each asks for 1024, the server hands out the next aligned blocks
# from 4096 (which CPE gets which depends on who asks first). The lwAFTR
# steers inbound by destination port into pcp1 (cpe) or pcp0 (cpe2), like
# the lw4o6 demux above.
echo "-- two CPEs share $PCP_V4, 1024 ports each"
lab_exec isp ip -6 tunnel add pcp1 mode ipip6 local "$LAB_BR" remote "$LAB_CPE_V6" encaplimit none
lab_exec isp ip link set pcp1 up
lab_bg isp pcp4 "$LAB_PYTHON" "$top/tests/lab/pcp_server.py" --bind "$LAB_BR" --iface "$LAB_ISP_IF" \
	--log "$dir/pcp4.log" --address "$PCP_V4" --grant 1024
check "the PCP server runs" wait_for 5 grep -qs '"started"' "$dir/pcp4.log"
logs[4]=$dir/lwb4d-1.log socks[4]=$dir/lwb4-4.sock
logs[5]=$dir/lwb4d-2.log socks[5]=$dir/lwb4-5.sock
start_lwb4d 4 cpe --mode pcp --pcp-server "$LAB_BR" --pcp-ports 1024 --softwire-source "$LAB_CPE_V6"
start_lwb4d 5 cpe2 --mode pcp --pcp-server "$LAB_BR" --pcp-ports 1024 --softwire-source "$LAB_CPE2_V6"
check "CPE 1 mapped within 10 s" wait_for 10 mapped 4
check "CPE 2 mapped within 10 s" wait_for 10 mapped 5
read -r first4 last4 <<<"$(st 4 '*s["port_ranges"][0]')"
read -r first5 last5 <<<"$(st 5 '*s["port_ranges"][0]')"
blocks="$first4-$last4 $first5-$last5"
disjoint() {
	[ "$((last4 - first4 + 1)) $((last5 - first5 + 1))" = "1024 1024" ] &&
		{ [ "$last4" -lt "$first5" ] || [ "$last5" -lt "$first4" ]; } &&
		[ "$(st 4 's["ipv4_address"], s["mode"]') $(st 5 's["ipv4_address"], s["mode"]')" = "$PCP_V4 pcp $PCP_V4 pcp" ]
}
check "both pcp on $PCP_V4, 1024 ports each, disjoint ($blocks)" disjoint
check "lwb4ctl status (text) names the mode, for both" eval "text_mode 4 pcp && text_mode 5 pcp"
check "CPE 1's softwire from $LAB_CPE_V6 to the PCP server" wait_for 3 softwire_to cpe "$LAB_BR" "$LAB_CPE_V6"
check "CPE 2's softwire from $LAB_CPE2_V6 to the PCP server" wait_for 3 softwire_to cpe2 "$LAB_BR" "$LAB_CPE2_V6"
lab_exec isp ip rule add fwmark 4 table 104
lab_exec isp ip route add "$PCP_V4/32" dev pcp1 table 104
lab_exec isp ip rule add fwmark 5 table 105
lab_exec isp ip route add "$PCP_V4/32" dev pcp0 table 105
lab_exec isp nft -f - <<EOF
table inet lwb4aftr {
$(leak_chain 4 "< $first4" "> $last4")
$(leak_chain 5 "< $first5" "> $last5")
  chain pcpdemux {
    type filter hook prerouting priority mangle; policy accept;
    ip daddr != $PCP_V4 accept
    meta l4proto { tcp, udp } th dport $first4-$last4 meta mark set 4 accept
    meta l4proto { tcp, udp } th dport $first5-$last5 meta mark set 5 accept
    icmp type echo-reply icmp id $first4-$last4 meta mark set 4 accept
    icmp type echo-reply icmp id $first5-$last5 meta mark set 5 accept
  }
}
EOF
lab_exec isp nft add rule inet lwb4aftr forward iifname pcp1 jump from4
lab_exec isp nft flush chain inet lwb4aftr pcp
lab_exec isp nft add rule inet lwb4aftr pcp jump from5
t0=$(now_ms)
fetch lan && echo ok >"$dir/fetch4" &
f1=$!
fetch lan2 && echo ok >"$dir/fetch5" &
f2=$!
lab_exec lan "$LAB_PYTHON" "$dir/flows.py" "$LAB_INET_V4" 200 300 "$first4" "$last4" 0 0 >"$dir/flows4" 2>&1 &
p1=$!
lab_exec lan2 "$LAB_PYTHON" "$dir/flows.py" "$LAB_INET_V4" 200 300 "$first5" "$last5" 0 0 >"$dir/flows5" 2>&1 &
p2=$!
wait "$f1" "$f2" "$p1" "$p2" || true
echo "    both LANs done in $(($(now_ms) - t0)) ms"
check "both LAN hosts fetched 1 MiB" test -s "$dir/fetch4" -a -s "$dir/fetch5"
check "LAN 1: 200 TCP, 300 UDP answered, every port inet saw in $first4-$last4" \
	equals "$(tail -n1 "$dir/flows4")" "200 300 0"
check "LAN 2: 200 TCP, 300 UDP answered, every port inet saw in $first5-$last5" \
	equals "$(tail -n1 "$dir/flows5")" "200 300 0"
check "ping from both LAN hosts" eval "pings lan && pings lan2"
aftr_view 4 cpe 200 300 "$first4" "$last4" 0 0
aftr_view 5 cpe2 200 300 "$first5" "$last5" 0 0
check "SIGTERM: both lwb4d exit 0" eval "stop_lwb4d 4 && stop_lwb4d 5"
deletes() { # LOG: MAP requests with lifetime 0 the server saw
	"$LAB_PYTHON" -c 'import json,sys; print(sum(1 for x in map(json.loads, open(sys.argv[1])) if x["event"] == "map" and x.get("lifetime") == 0))' "$1"
}
two_deletes() { [ "$(deletes "$dir/pcp4.log")" = 2 ]; }
check "... after deleting both mappings (lifetime 0, RFC 6887 15)" wait_for 3 two_deletes
lab__kill "$(cat "$dir/bg-pcp4.pid")"
lab_exec isp nft flush chain inet lwb4aftr pcp
# An unaligned range (no PSID set can express it).
pcp_grant 6 100 50000 60 60 --first 50000

echo
echo "run time: $(($(now_ms) - t_start)) ms"
check_summary
