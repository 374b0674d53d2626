#!/bin/bash
# lwb4d's port-set NAT under software flow offloading (what firewall4's
# flow_offloading option sets up: a flowtable on the LAN and WAN devices and
# `flow add` in the forward chain). Established flows then leave through the
# flowtable's fast path, which skips the prerouting and postrouting hooks.
# Runs in user-mode-linux against Kea behind the emulated lwAFTR
# (tests/lab/lab.sh --lwaftr), whose leak detector drops and counts every
# packet with a source port outside the set.
# lwb4 rewrites the pool port at postrouting, which that fast path skips
# (docs/design.md, "software flow offloading"): until the rewrite moves to
# the softwire's netdev egress hook, lwb4d detects such a flowtable (status
# nat.offloading_flowtables, an error in the log) within a second, and
# traffic is confined again once the flowtable is gone.
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
equals() { [ "$1" = "$2" ] || { echo "    got '$1', want '$2'"; return 1; }; }
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
}
EOF
}

echo "== a flowtable holding the softwire"
check "status lists no flowtable" equals "$(offloading)" "[]"
add_flowtable
check "the flowtable is in (fw4 flow_offloading: lan0 and the softwire)" \
	sh -c "ip netns exec $(lab_ns cpe) nft list flowtable inet fw4 ft >/dev/null"
check "lwb4d reports it in status within 1 s" wait_for 1 offloading_is '["inet fw4 ft"]'
check "... and logs why it is a problem" grep -qF "nat: flowtable inet fw4 ft holds $SW: the flows it offloads skip" "$log"
check "lwb4ctl status shows it" sh -c "'$LWB4CTL' status --control '$sock' | grep -qF 'BYPASSED by flowtable inet fw4 ft'"

echo "== flow offloading turned off"
cpe nft delete table inet fw4
check "the report clears within 1 s" wait_for 1 offloading_is "[]"
check "... with a notice" grep -qF "nat: no flowtable holds $SW any more" "$log"
before=$(lab_aftr_counter leak)
check "the LAN host fetches 1 MiB from inet" fetch
check "... again" fetch
check "no packet outside the port set at the lwAFTR" equals "$(($(lab_aftr_counter leak) - before))" 0
read -r -d "" -a tcp_ports <<<"$(lab_aftr_ports tcp)" || true
check "${#tcp_ports[@]} TCP source ports seen, all in the set" in_set "${tcp_ports[@]}"

echo "== firewall4 reloads with flow offloading on again"
add_flowtable
check "reported again within 1 s" wait_for 1 offloading_is '["inet fw4 ft"]'

check_summary
