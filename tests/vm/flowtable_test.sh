#!/bin/bash
# lwb4d's port-set NAT under software flow offloading (what firewall4's
# flow_offloading option sets up: a flowtable on the LAN and WAN devices and
# `flow add` in the forward chain). Established flows then leave through the
# flowtable's fast path, which skips the prerouting and postrouting hooks.
# Runs in user-mode-linux against Kea behind the emulated lwAFTR
# (tests/lab/lab.sh --lwaftr), whose leak detector drops and counts every
# packet with a source port outside the set.
# A flowtable on the LAN device alone is enough: LAN-to-softwire packets of
# an offloaded flow are sent from its fast path. lwb4d sees any flowtable
# (status nat.offloading_flowtables) within a second and moves its rewrite
# of the pool port into the set from postrouting to the softwire's netdev
# egress hook, which the fast path passes, and of the real port to the pool
# port from prerouting to its ingress hook, ahead of the flowtable's lookup
# (checked with the whole set to one server port); back when no flowtable is
# left, and while the softwire is deleted (which takes the netdev chains with
# it), also when it is deleted and re-created between two reads of lwb4d's
# link watch.
#   sudo tests/vm/flowtable_test.sh [BUILD_DIR]   (default build/vm)
# Ends with "N passed, M failed"; exit status 0 only when nothing failed.
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

V4=192.0.2.100 SW=lwb4-wan0
MASK=$((63 << 4)) VALUE=$((52 << 4)) MIN=1024
dir="" sock="" log="" pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ "$failed" -gt 0 ] && [ -n "$log" ] && [ -f "$log" ]; then
		echo "---- lwb4d log (last 40 lines)"
		tail -n 40 "$log"
	fi
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cpe() { lab_exec cpe "$@"; }
st() {
	"$LWB4CTL" status --control "$sock" --json 2>/dev/null |
		"$LAB_PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null
}
bound() { [ "$(st 's["state"]')" = BOUND ]; }
in_set() { # PORT...: every one inside the port set
	local p
	for p in "$@"; do
		if [ $((p & MASK)) -ne "$VALUE" ] || [ "$p" -lt "$MIN" ]; then
			echo "    port $p is outside the set"
			return 1
		fi
	done
}
fetch() { # the LAN host fetches 1 MiB from inet
	ip netns exec "$(lab_ns lan)" curl -sf --max-time 20 "http://$LAB_INET_V4/1m.bin" |
		cmp -s - "$dir/www/1m.bin"
}

if [ ! -d /run/kea ]; then mkdir -p /run/kea; fi
lab_up --lwaftr >/dev/null
dir=$(lab_dir)
sock=$dir/lwb4.sock
log=$dir/lwb4d.log
lab_inet_http 80
cpe ip link set lo up

ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel netlink --no-start-delay \
	--state-dir "$dir/state" --control "$sock" --foreground --log-level debug >>"$log" 2>&1 &
pid=$!
check "BOUND within 10 s" wait_for 10 bound
check "the softwire is up with the shared address" wait_for 2 sh -c "ip -n $(lab_ns cpe) -4 addr show dev $SW up | grep -qF $V4/32"

offloading() { st 'json.dumps(s["nat"]["offloading_flowtables"])'; }
offloading_is() { [ "$(offloading)" = "$1" ]; }
# TCP packets to the softwire through postrouting ("slow") and all of them
# ("sent", on its egress hook).
counted() { cpe nft list chain "$([ "$1" = slow ] && echo inet fw4 || echo netdev probe)" "$1" |
	sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
add_flowtable() { # firewall4's flow_offloading, as its ruleset writes it
	cpe nft -f - <<EOF
table inet fw4 {
	flowtable ft {
		hook ingress priority filter
		devices = { $LAB_CPE_LAN, $SW }
		counter
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		meta l4proto { tcp, udp } flow add @ft
	}
	chain slow {
		type filter hook postrouting priority 200; policy accept;
		oifname "$SW" meta l4proto tcp counter
	}
}
table netdev probe {
	chain sent {
		type filter hook egress device "$SW" priority 10; policy accept;
		meta l4proto tcp counter
	}
}
EOF
}

hook() { st 's["nat"]["rewrite_hook"]'; }
hook_is() { [ "$(hook)" = "$1" ]; }
clean_fetches() { # two 1 MiB fetches from the LAN host, no packet outside the set
	local before
	before=$(lab_aftr_counter leak)
	fetch && fetch && [ "$(($(lab_aftr_counter leak) - before))" = 0 ]
}

echo "== no flowtable"
check "status lists no flowtable" equals "$(offloading)" "[]"
check "the rewrite is at postrouting" equals "$(hook)" postrouting
check "the LAN host fetches 2 x 1 MiB from inet, nothing outside the set" clean_fetches

echo "== a flowtable holding the softwire (firewall4 flow_offloading)"
add_flowtable
check "the flowtable is in (lan0 and the softwire)" \
	sh -c "ip netns exec $(lab_ns cpe) nft list flowtable inet fw4 ft >/dev/null"
check "lwb4d reports it in status within 1 s" wait_for 1 offloading_is '["inet fw4 ft"]'
check "... and moves the rewrite to the softwire's netdev hooks" wait_for 1 hook_is netdev
check "... logged" grep -qF "nat: the rewrite into the port set is on the netdev hooks of the softwire now" "$log"
check "table netdev lwb4: an egress chain on the softwire" \
	sh -c "ip netns exec $(lab_ns cpe) nft list chain netdev lwb4 egress | grep -qF 'hook egress device \"$SW\"'"
check "... and an ingress chain ahead of the flowtable (priority -500 < 0)" \
	sh -c "ip netns exec $(lab_ns cpe) nft list chain netdev lwb4 ingress | grep -qF 'hook ingress device \"$SW\" priority -500'"
check "lwb4ctl status shows it" sh -c "'$LWB4CTL' status --control '$sock' | grep -qF 'offloaded by flowtable inet fw4 ft'"
check "fetches through the flowtable's fast path, nothing outside the set" clean_fetches
slow=$(counted slow) all=$(counted sent)
check "... most of them on the fast path ($slow of $all TCP packets to the softwire passed postrouting)" \
	test "$((slow * 2))" -lt "$all"
read -r -d "" -a tcp_ports <<<"$(lab_aftr_ports tcp)" || true
check "${#tcp_ports[@]} TCP source ports seen, all in the set" in_set "${tcp_ports[@]}"
check "egress drop counters still read (netdev table)" \
	sh -c "'$LWB4CTL' status --control '$sock' --json | grep -qF 'egress_port_dropped'"

echo "== the whole set to one server port, answers through the flowtable on the softwire"
# Real ports of the top ranges (65344-65359 here) are also pool ports of
# other flows. The flowtable looks inbound packets up on the softwire's
# ingress; unless lwb4's ingress map ran first, a flow's answer on real port
# R would find the flow whose pool port is R (same server endpoint) and go
# to the wrong LAN socket.
cat >"$dir/echo_all.py" <<'EOF2'
import resource, selectors, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sel = selectors.DefaultSelector()
if mode == "server":
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(4096)
    sel.register(lsock, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is lsock:
                c, _ = lsock.accept()
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = key.fileobj.recv(64)
            except OSError:
                data = b""
            if data:
                key.fileobj.send(data)
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
socks = []
for i in range(int(sys.argv[4])):
    try:
        socks.append(socket.create_connection((addr, port), timeout=2))
    except OSError:
        pass
time.sleep(0.5)  # the handshakes' last ACKs have put every flow in the flowtable
for i, s in enumerate(socks):
    s.send(b"%05d" % i)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
ok, deadline = 0, time.time() + 10
while len(sel.get_map()) and time.time() < deadline:
    for key, _ in sel.select(0.5):
        data = key.fileobj.recv(64)
        ok += data == b"%05d" % key.data
        sel.unregister(key.fileobj)
print(len(socks), ok)
EOF2
lab_bg inet echo-all "$LAB_PYTHON" "$dir/echo_all.py" server "$LAB_INET_V4" 7007
sleep 0.5
read -r opened answered <<<"$(ip netns exec "$(lab_ns lan)" "$LAB_PYTHON" "$dir/echo_all.py" client "$LAB_INET_V4" 7007 1008)"
check "$opened connections to $LAB_INET_V4:7007 (the set has 1008 ports)" test "$opened" -ge 980
check "... each one answered on its own socket ($answered of $opened)" test "$answered" = "$opened"

echo "== flow offloading turned off"
cpe nft delete table inet fw4
cpe nft delete table netdev probe
check "the report clears within 1 s" wait_for 1 offloading_is "[]"
check "... and the rewrite is back at postrouting" wait_for 1 hook_is postrouting
check "... table netdev lwb4 removed" sh -c "! ip netns exec $(lab_ns cpe) nft list table netdev lwb4 2>/dev/null"
check "fetches, nothing outside the set" clean_fetches

echo "== firewall4 reloads with flow offloading on, then the softwire is deleted"
add_flowtable
check "rewrite on the netdev hooks again" wait_for 1 hook_is netdev
cpe ip link del "$SW"
check "lwb4d re-creates the softwire and its route" \
	wait_for 5 sh -c "ip -n $(lab_ns cpe) -4 route show default | grep -qF 'dev $SW'"
check "... the rewrite went to prerouting/postrouting while it was gone" \
	grep -qF "nat: the rewrite into the port set is at prerouting and postrouting again" "$log"
check "... and is on the new softwire's hooks again" wait_for 1 hook_is netdev
check "the flowtable lost the softwire, still holds lan0" \
	sh -c "ip netns exec $(lab_ns cpe) nft list flowtable inet fw4 ft | grep -F devices | grep -qv $SW"
if ! check "fetches (the fast path from lan0 alone), nothing outside the set" clean_fetches; then :; fi

echo "== the softwire deleted and re-created while lwb4d does not run (both link events in one read)"
src=$(st 's["softwire_source"]')
kill -STOP "$pid"
cpe ip link del "$SW"
cpe ip -6 tunnel add "$SW" mode ipip6 local "$src" remote "$LAB_BR" dev wan0 hoplimit 64 encaplimit none
cpe ip link set "$SW" up
check "... the old device took the netdev chains with it" \
	sh -c "! ip netns exec $(lab_ns cpe) nft list chain netdev lwb4 egress >/dev/null 2>&1"
kill -CONT "$pid"
check "lwb4d puts the egress and ingress chains on the new device" wait_for 2 \
	sh -c "ip netns exec $(lab_ns cpe) nft list chain netdev lwb4 egress 2>/dev/null | grep -qF 'hook egress device \"$SW\"' &&
		ip netns exec $(lab_ns cpe) nft list chain netdev lwb4 ingress 2>/dev/null | grep -qF 'hook ingress device \"$SW\"'"
check "... and heals its /32 and route" wait_for 5 \
	sh -c "ip -n $(lab_ns cpe) -4 route show default | grep -qF 'dev $SW'"
if ! check "fetches, nothing outside the set" clean_fetches; then :; fi
if [ "$failed" -gt 0 ]; then
	cpe nft list ruleset | grep -E "table|chain|hook|flow" | sed 's/^/    /'
	echo "    leaks: $(lab_aftr_counter leak)"
	ip netns exec "$(lab_ns lan)" curl -sS --max-time 5 -o /dev/null "http://$LAB_INET_V4/1m.bin" 2>&1 | sed 's/^/    /'
fi

check_summary
