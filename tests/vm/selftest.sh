#!/usr/bin/env bash
# Checks tests/vm/vm-run.sh: an ip6tnl softwire and nftables in a namespace,
# exit status propagation, stdout/stderr streaming, --rw, and a veth ping6
# plus an IPv4-in-IPv6 (ip6tnl ipip6) ping between two namespaces.
#   tests/vm/selftest.sh          (on the host; boots a few VMs)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Inside the guest: two namespaces joined by a veth pair, then a softwire.
if [ "${1:-}" = --inside-ping ]; then
	set -ex
	ip netns add a
	ip netns add b
	ip link add va netns a type veth peer name vb netns b
	ip -n a addr add 2001:db8::1/64 dev va nodad
	ip -n b addr add 2001:db8::2/64 dev vb nodad
	for n in a b; do ip -n $n link set lo up; done
	ip -n a link set va up
	ip -n b link set vb up
	ip netns exec a ping -6 -c 2 -W 2 2001:db8::2
	ip -n a link add sw0 type ip6tnl mode ipip6 local 2001:db8::1 remote 2001:db8::2
	ip -n b link add sw0 type ip6tnl mode ipip6 local 2001:db8::2 remote 2001:db8::1
	ip -n a addr add 192.0.2.1/24 dev sw0
	ip -n b addr add 192.0.2.2/24 dev sw0
	ip -n a link set sw0 up
	ip -n b link set sw0 up
	ip netns exec a ping -4 -c 2 -W 2 192.0.2.2
	# The IPv4 packets really went through the tunnel:
	ip -n b -s link show sw0
	exit 0
fi

pass=0 fail=0
check() { # NAME EXPECTED-STATUS CMD...
	local name=$1 want=$2 got
	shift 2
	echo "---- $name"
	"$@"
	got=$?
	if [ "$got" = "$want" ]; then
		echo "ok: $name (exit $got)"
		pass=$((pass + 1))
	else
		echo "FAIL: $name (exit $got, wanted $want)"
		fail=$((fail + 1))
	fi
}
vm=$here/vm-run.sh

check "ip6tnl + nft in a namespace" 0 "$vm" sh -c 'ip netns add a;
	ip netns exec a ip link add sw0 type ip6tnl mode ipip6 local 2001:db8::1 remote 2001:db8::2;
	ip netns exec a ip -d link show sw0; nft --version;
	ip netns exec a nft add table inet t && ip netns exec a nft list tables'
check "exit status comes back" 42 "$vm" sh -c 'echo to-stdout; echo to-stderr >&2; exit 42'
# shellcheck disable=SC2016 # expanded by the guest's sh
check "args with spaces and quotes, cwd" 0 "$vm" sh -c \
	'[ "$1" = "a b '\''c'\''" ] && [ "$(pwd)" = "$2" ]' sh "a b 'c'" "$PWD"
check "veth ping6 + ipip6 softwire ping" 0 "$vm" "$0" --inside-ping
rwdir=$(mktemp -d)
check "--rw writes reach the host" 0 "$vm" --rw "$rwdir" sh -c "echo hi >'$rwdir/f'; echo gone >/etc/lwb4-vm-test"
check "... and only those" 0 sh -c "[ \"\$(cat '$rwdir/f')\" = hi ] && [ ! -e /etc/lwb4-vm-test ]"
rm -rf "$rwdir"

echo "vm selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
