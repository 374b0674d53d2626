#!/usr/bin/env bash
# Are CAP_NET_ADMIN, CAP_NET_BIND_SERVICE and CAP_NET_RAW (what lwb4d --user keeps)
# enough for the kernel side? On a kernel with ip6_tunnel (user-mode-linux),
# runs NetlinkStateSink's apply and withdraw (lwb4-kernel-apply) as nobody
# with exactly those capabilities (setpriv; its sockets are even opened
# without root, stricter than lwb4d, which opens them first) and checks the
# softwire, the /32 and the default route; without CAP_NET_ADMIN the same
# apply must be refused with EPERM.
#   tests/openwrt/caps_vm_test.sh [BUILD_DIR]     (default build/vm; no sanitizers)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
if [ -z "${LWB4_IN_VM:-}" ]; then
  exec "$top/tests/vm/vm-run.sh" -- "$0" "$@"
fi
build=${1:-$top/build/vm}
APPLY=$build/platform/linux/netlink/lwb4-kernel-apply
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"
[ -x "$APPLY" ] || {
  echo "no $APPLY (cmake --build --preset vm --target lwb4-kernel-apply)"
  exit 2
}
SRC=2001:db8:1::100 BR=2001:db8:ffff::1 V4=192.0.2.100
out=$(mktemp -d)
trap 'ip netns del cpe 2>/dev/null || true; ip netns del isp 2>/dev/null || true; rm -rf "$out"' EXIT
cpe() { ip netns exec cpe "$@"; }
group=$(id -gn nobody)
# as_nobody CAPS CMD...: CMD as nobody with exactly CAPS (e.g. +net_admin).
as_nobody() {
  local caps=$1
  shift
  cpe setpriv --reuid=nobody --regid="$group" --clear-groups --bounding-set="-all${caps:+,$caps}" \
    --inh-caps="-all${caps:+,$caps}" --ambient-caps="-all${caps:+,$caps}" "$@"
}
apply() {
  as_nobody "$1" "$APPLY" --uplink wan0 --ipv4 $V4 --br $BR --source $SRC --constructed apply \
    >"$out/apply" 2>&1
}
has() { grep -qF -- "$2" "$1"; }

ip netns add cpe
ip netns add isp
ip link add wan0 netns cpe type veth peer name isp0 netns isp
ip netns exec isp ip link set isp0 up
cpe ip link set lo up
cpe ip link set wan0 up
cpe ip -6 addr add 2001:db8:1::2/64 dev wan0 nodad
operstate_up() { [ "$(cpe cat /sys/class/net/wan0/operstate)" = up ]; }
wait_for 5 operstate_up || echo "wan0 never came up"

kept=+net_admin,+net_bind_service,+net_raw
as_nobody "$kept" cat /proc/self/status >"$out/status"
check "the process: uid nobody, CapEff 0000000000003400" \
  sh -c "grep -q \"^Uid:.$(id -u nobody)\" '$out/status' && grep -q '^CapEff:.0000000000003400$' '$out/status'"

if apply +net_bind_service; then
  fail "without CAP_NET_ADMIN: apply refused"
else
  check "without CAP_NET_ADMIN: refused with EPERM" has "$out/apply" "not permitted"
fi
check "nothing was created" sh -c "! ip netns exec cpe ip link show lwb4-wan0 >/dev/null 2>&1"

check "with NET_ADMIN + NET_BIND_SERVICE: apply succeeds" apply "$kept"
cat "$out/apply"
cpe ip -d link show lwb4-wan0 >"$out/link"
check "ip6tnl ipip6 $SRC -> $BR" has "$out/link" "ip6tnl ipip6 remote $BR local $SRC dev wan0"
check "$V4/32 on the softwire" sh -c "ip netns exec cpe ip -4 addr show dev lwb4-wan0 | grep -q 'inet $V4/32'"
check "default route via the softwire" sh -c "ip netns exec cpe ip route | grep -q '^default dev lwb4-wan0'"
check "the constructed /128 on wan0" sh -c "ip netns exec cpe ip -6 addr show dev wan0 | grep -q '$SRC/128'"
check "withdraw as nobody succeeds" as_nobody "$kept" "$APPLY" --uplink wan0 --owned $SRC withdraw
check "softwire gone" sh -c "! ip netns exec cpe ip link show lwb4-wan0 >/dev/null 2>&1"
check_summary
