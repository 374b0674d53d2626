#!/usr/bin/env bash
# The netlink reconciler on a real kernel with ip6_tunnel: a CPE namespace
# (uplink wan0) and an ISP namespace whose Linux ip6tnl plays the lwAFTR
# (decapsulates, routes 192.0.2.100/32 back into its tunnel). Drives
# NetlinkStateSink through lwb4-kernel-apply and checks the kernel's view:
# device kind/mode/endpoints/TTL/encaplimit/MTU, the off-link /32, the
# default route, ping and a TCP transfer across the softwire, a no-op
# re-apply that the kernel never hears of, adoption by a new process with a
# TCP connection open, external damage healed, errors, and a withdrawal
# that leaves the namespace as it was. Prints the time of a full apply and
# of a no-op re-apply.
#   tests/vm/softwire_test.sh [BUILD_DIR]     (default build/dev)
# Outside the VM it re-runs itself in one (tests/vm/vm-run.sh). The build
# must not use sanitizers: ASan cannot map its shadow under user-mode-linux.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
if [ -z "${LWB4_IN_VM:-}" ]; then
	exec "$here/vm-run.sh" -- "$0" "$@"
fi
build=${1:-$top/build/dev}
APPLY=${LWB4_KERNEL_APPLY:-$build/platform/linux/netlink/lwb4-kernel-apply}
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"
[ -x "$APPLY" ] || { echo "no $APPLY (build the lwb4-kernel-apply target)"; exit 2; }

SRC=2001:db8:1::100 BR=2001:db8:ffff::1 V4=192.0.2.100 TARGET=198.51.100.1
out=$(mktemp -d)
trap 'ip netns del cpe 2>/dev/null; ip netns del isp 2>/dev/null; rm -rf "$out"' EXIT

cpe() { ip netns exec cpe "$@"; }
isp() { ip netns exec isp "$@"; }
# apply [OPTIONS]: one reconcile of the standard state; output in $out/apply.
apply() {
	cpe "$APPLY" --uplink wan0 --ipv4 $V4 --br $BR --source $SRC --constructed "$@" apply \
		>"$out/apply" 2>&1
}
ops() { sed -n 's/^apply: \([0-9]*\) operations.*/\1/p' "$out/apply"; }
op_ms() { sed -n 's/^[a-z]*: [0-9]* operations in \([0-9.]*\) ms/\1/p' "$out/apply"; }
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
operstate_up() { [ "$(cpe cat /sys/class/net/wan0/operstate)" = up ]; }
pings() { cpe ping -q -c 1 -W 2 $TARGET >/dev/null; }
no_tentative() { [ -z "$(cpe ip -6 addr show dev wan0 tentative)" ]; }
# The namespace's observable network state, for before/after comparisons.
cpe_state() {
	cpe ip -br link | sed 's/@[^ ]*//'
	cpe ip addr | grep -E '^[0-9]+:|inet'
	cpe ip route show table all
	cpe ip -6 route show table all
}

# ---- lab ----
ip netns add cpe
ip netns add isp
ip link add wan0 netns cpe type veth peer name isp0 netns isp
cpe ip link set lo up
cpe ip link set wan0 up
isp ip link set lo up
isp ip link set isp0 up
cpe ip -6 addr add 2001:db8:1::2/64 dev wan0 nodad
isp ip -6 addr add 2001:db8:1::1/64 dev isp0 nodad
isp ip -6 addr add $BR/128 dev lo
cpe ip -6 route add default via 2001:db8:1::1 dev wan0
isp ip addr add $TARGET/32 dev lo
isp ip -6 tunnel add aftr mode ipip6 local $BR remote $SRC encaplimit none
isp ip link set aftr up
isp ip route add $V4/32 dev aftr
wait_for 5 operstate_up || { echo "wan0 never came up"; exit 1; }
wait_for 5 no_tentative || { echo "wan0's link-local stays tentative"; exit 1; }
cpe_state >"$out/before"

# ---- full apply ----
check "full apply succeeds" apply
full_ms=$(op_ms)
cat "$out/apply"
check "the constructed source is added before the device" \
	test "$(sed -n 1p "$out/apply")" = "  add $SRC/128 on wan0"
check "a full apply is 6 operations" test "$(ops)" = 6

cpe ip -d link show lwb4-wan0 >"$out/link"
check "kind ip6tnl, mode ipip6, endpoints, hop limit 64, no encaplimit" \
	has "$out/link" "ip6tnl ipip6 remote $BR local $SRC dev wan0 hoplimit 64 encaplimit none"
check "MTU 1460 (uplink 1500 - 40)" has "$out/link" " mtu 1460 "
check "up, NOARP (nothing ARPs for the address)" has "$out/link" "<POINTOPOINT,NOARP,UP,LOWER_UP>"

cpe ip -4 addr show dev lwb4-wan0 >"$out/addr4"
check "$V4/32 scope global noprefixroute on the softwire" \
	has "$out/addr4" "inet $V4/32 scope global noprefixroute lwb4-wan0"
check "exactly one IPv4 address on the softwire" test "$(grep -c 'inet ' "$out/addr4")" = 1
check "no 169.254/16 anywhere" sh -c "! ip netns exec cpe ip -4 addr | grep -q 169.254"
check "the address is on the softwire only" \
	test "$(cpe ip -4 addr | grep -c "inet $V4")" = 1
cpe ip -6 addr show dev wan0 >"$out/addr6"
check "the source is a /128 on wan0, DAD done" \
	sh -c "grep -q 'inet6 $SRC/128 scope global noprefixroute' '$out/addr6' && ! grep -A0 '$SRC' '$out/addr6' | grep -q tentative"

cpe ip route show table main >"$out/routes"
check "default route via the softwire, src $V4" \
	has "$out/routes" "default dev lwb4-wan0 proto static scope link src $V4"
check "no subnet route for the address" sh -c "! grep -q '^192\.0\.2\.' '$out/routes'"

check "ping $TARGET across the softwire" pings
isp python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'$TARGET'", 5001)); s.listen(4)
while True:
    c, _ = s.accept()
    n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    c.sendall(str(n).encode()); c.close()
' >/dev/null 2>&1 &
sink_pid=$!
listening() { isp ss -Hltn 'sport = :5001' | grep -q 5001; }
wait_for 10 listening || echo "the TCP sink in isp is not listening"
tcp_transfer() {
	[ "$(cpe python3 -c '
import socket
c = socket.create_connection(("'$TARGET'", 5001), timeout=5)
c.sendall(b"x" * 1000000); c.shutdown(socket.SHUT_WR)
print(c.recv(64).decode())')" = 1000000 ]
}
check "TCP: 1 MB across the softwire" tcp_transfer

# ---- idempotence ----
cpe ip monitor link address route >"$out/monitor" 2>&1 &
mon=$!
sleep 0.3
check "re-apply succeeds" apply
noop_ms=$(op_ms)
sleep 0.3
kill "$mon"
wait "$mon" 2>/dev/null || true
check "re-apply plans 0 operations" test "$(ops)" = 0
check "ip monitor saw no change during the re-apply" test ! -s "$out/monitor"

# ---- adoption: a new process (as after kill -9) keeps the objects ----
cpe python3 -c '
import socket, time
c = socket.create_connection(("'$TARGET'", 5001), timeout=5)
for i in range(30):
    c.sendall(b"y" * 10000); time.sleep(0.1)
c.shutdown(socket.SHUT_WR)
print(c.recv(64).decode())' >"$out/long" 2>&1 &
long=$!
sleep 0.5
ifindex_before=$(cpe cat /sys/class/net/lwb4-wan0/ifindex)
adopted() { apply && [ "$(ops)" = 0 ]; }
check "a new process adopts the softwire (0 operations)" adopted
check "same device (ifindex unchanged)" \
	test "$(cpe cat /sys/class/net/lwb4-wan0/ifindex)" = "$ifindex_before"
wait "$long" || true
check "the TCP connection open across the adoption completed" test "$(cat "$out/long")" = 300000

# ---- self-healing ----
cpe ip link del lwb4-wan0
check "deleted softwire: apply succeeds" apply
rebuilt() { has "$out/apply" "create ip6tnl lwb4-wan0" && [ "$(ops)" = 4 ]; }
check "deleted softwire: recreated (create + address + up + route)" rebuilt
check "ping after the rebuild" pings

# The kernel flushes the route whose preferred source the address was.
cpe ip addr del $V4/32 dev lwb4-wan0
apply
check "deleted address: restored with the route it took along" \
	sh -c "grep -qx '  add $V4/32 on lwb4-wan0' '$out/apply' && grep -q '^apply: 2 operations' '$out/apply'"
cpe ip route del default dev lwb4-wan0
apply
check "deleted route: restored alone" \
	sh -c "grep -qx '  add default route dev lwb4-wan0 table 254 metric 0' '$out/apply' && grep -q '^apply: 1 operations' '$out/apply'"
cpe ip link set lwb4-wan0 down
apply
check "downed softwire: set up (and its route back)" \
	sh -c "grep -qx '  set lwb4-wan0 up' '$out/apply'"
cpe ip -6 tunnel change lwb4-wan0 mode ipip6 local $SRC remote 2001:db8:ffff::99 encaplimit none
apply
check "altered remote: changed back in place" \
	has "$out/apply" "change ip6tnl lwb4-wan0 (remote 2001:db8:ffff::99 -> $BR)"
check "ping after the repairs" pings
apply
check "converged again: 0 operations" test "$(ops)" = 0

# ---- configuration ----
apply --encaplimit 4 --mtu 1400 --route-metric 100 --route-table 100
check "encaplimit 4, MTU 1400, metric/table: changed in place" \
	has "$out/apply" "change ip6tnl lwb4-wan0 (encaplimit none -> 4, mtu 1460 -> 1400)"
check "... read back: encaplimit 4, mtu 1400" \
	sh -c "ip netns exec cpe ip -d link show lwb4-wan0 | grep -q 'encaplimit 4 ' && ip netns exec cpe ip link show lwb4-wan0 | grep -q 'mtu 1400 '"
check "... default route in table 100 metric 100, none left in main" \
	sh -c "ip netns exec cpe ip route show table 100 | grep -q 'default dev lwb4-wan0 proto static scope link src $V4 metric 100' && ! ip netns exec cpe ip route show table main | grep -q lwb4-wan0"
apply
check "back to the defaults" has "$out/apply" "change ip6tnl lwb4-wan0 (encaplimit 4 -> none, mtu 1400 -> 1460)"

# ---- errors ----
cpe setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$APPLY" --uplink wan0 --softwire lwb4-x --ipv4 $V4 --br $BR --source 2001:db8:1::2 apply \
	>"$out/eperm" 2>&1 || true
check "no CAP_NET_ADMIN: object, operation and reason" \
	has "$out/eperm" "error: create ip6tnl lwb4-x: Operation not permitted (lwb4d needs CAP_NET_ADMIN)"
check "... and nothing created" sh -c "! ip netns exec cpe ip link show lwb4-x >/dev/null 2>&1"
cpe ip link add lwb4-y type veth peer name lwb4-y-peer
cpe "$APPLY" --uplink wan0 --softwire lwb4-y --ipv4 $V4 --br $BR --source 2001:db8:1::2 apply \
	>"$out/foreign" 2>&1 || true
check "a foreign device with the name is refused" \
	has "$out/foreign" "error: lwb4-y is a veth device, not lwb4's ip6tnl softwire; not touching it"
cpe "$APPLY" --uplink wan0 --softwire lwb4-y withdraw >/dev/null 2>&1
check "... and survives a withdraw" cpe ip link show lwb4-y >/dev/null
cpe ip link del lwb4-y
# A second softwire with the same endpoints: the kernel refuses.
cpe "$APPLY" --uplink wan0 --softwire lwb4-z --ipv4 $V4 --br $BR --source $SRC apply \
	>"$out/exist" 2>&1 || true
check "duplicate endpoints: the kernel's reason is reported" \
	has "$out/exist" "error: create ip6tnl lwb4-z: Object exists (another ip6tnl has the same endpoints?)"
# A create that fails after the run added its /128: the run undoes it.
cpe "$APPLY" --uplink wan0 --softwire "lwb4 z" --ipv4 $V4 --br $BR --source 2001:db8:1::200 \
	--constructed apply >"$out/undo" 2>&1 || true
check "failed create after adding a source: reported" has "$out/undo" "error: create ip6tnl lwb4 z: "
check "... and the /128 it added is removed again" \
	sh -c "! ip netns exec cpe ip -6 addr show dev wan0 | grep -q 2001:db8:1::200"
apply
check "... the first softwire is untouched" test "$(ops)" = 0

# ---- withdrawal ----
cpe "$APPLY" --uplink wan0 --owned $SRC withdraw >"$out/apply" 2>&1
check "withdraw removes the softwire and the owned /128" \
	sh -c "grep -qx '  delete ip6tnl lwb4-wan0' '$out/apply' && grep -qx '  delete $SRC/128 on wan0' '$out/apply'"
cpe_state >"$out/after"
check "the namespace is as it was before" diff -u "$out/before" "$out/after"
cpe "$APPLY" --uplink wan0 --owned $SRC withdraw >"$out/apply" 2>&1
check "a second withdraw does nothing" grep -q '^withdraw: 0 operations' "$out/apply"

# Without a constructed source (no DAD wait): the netlink work alone.
cpe "$APPLY" --uplink wan0 --ipv4 $V4 --br $BR --source 2001:db8:1::2 apply >"$out/apply" 2>&1
create_ms=$(op_ms)
cpe "$APPLY" --uplink wan0 --ipv4 $V4 --br $BR --source 2001:db8:1::2 apply >"$out/apply" 2>&1
noop2_ms=$(op_ms)
cpe "$APPLY" --uplink wan0 withdraw >/dev/null 2>&1
kill "$sink_pid" 2>/dev/null || true

echo "time: full apply ${full_ms} ms (with the /128 and its DAD), no-op re-apply ${noop_ms} ms"
echo "time: full apply ${create_ms} ms (existing source, no DAD), no-op re-apply ${noop2_ms} ms"
check_summary
