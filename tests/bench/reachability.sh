#!/usr/bin/env bash
# Provisioning benchmark (not a pass/fail test): from lwb4d's start to IPv4
# reachability over the softwire, on a kernel with ip6_tunnel (a
# user-mode-linux guest, tests/vm). The namespace lab with Kea and its lwAFTR
# (tests/lab/lab.sh --lwaftr), lwb4d --kernel netlink (its own port-set NAT
# on) in the cpe, an HTTP server in inet reachable only through the lwAFTR.
# Each run starts lwb4d afresh and times, with one clock in the guest
# (tests/bench/reach_probe.py), side by side:
#   start -> BOUND (the control socket's status),
#   start -> softwire, /32 and default route in the kernel (rtnetlink),
#   start -> first ICMP echo reply and first TCP connect from the LAN host to
#            inet through the lwAFTR;
# RUNS runs with the random start waits off (--no-start-delay --offer-window
# 0), then RUNS runs with the defaults (what the RFC waits cost). Between runs
# lwb4d is stopped with SIGTERM (it releases and withdraws). Prints
# min/median/max of each.
#   tests/bench/reachability.sh [BUILD_DIR] [RUNS]   (defaults build/vm, 10)
# Outside the VM it runs itself in one (tests/vm/vm-run.sh) and prints the
# host's load average before and after. Build: cmake --preset vm &&
# cmake --build build/vm --target lwb4d lwb4ctl. REACH_KEEP=DIR (an existing
# directory) keeps lwb4d's log, the rtnetlink monitor's and the probe's there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
if [ -z "${LWB4_IN_VM:-}" ]; then
	echo "host load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	rc=0 keep=()
	if [ -n "${REACH_KEEP:-}" ]; then
		keep=(--rw "$REACH_KEEP")
		export LWB4_VM_PASSENV="${LWB4_VM_PASSENV:-} REACH_KEEP"
	fi
	"$top/tests/vm/vm-run.sh" "${keep[@]}" -- "$0" "$@" || rc=$?
	echo "host load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit "$rc"
fi
build=${1:-$top/build/vm}
runs=${2:-10}
LWB4D=${LWB4D:-$build/platform/linux/daemon/lwb4d}
[ -x "$LWB4D" ] || { echo "no $LWB4D (cmake --preset vm && cmake --build build/vm --target lwb4d lwb4ctl)"; exit 2; }
# shellcheck source=tests/lab/lab.sh
. "$top/tests/lab/lab.sh"

SW=lwb4-wan0
dir="" sock="" pid="" i=0
stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		# Not a child of this shell (reach_probe.py started it): once it has
		# exited it stays a zombie until the guest's init reaps it.
		for ((i = 0; i < 200; i++)); do
			if [ ! -e "/proc/$pid" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = Z ]; then
				break
			fi
			sleep 0.05
		done
		pid=""
	fi
}
cleanup() {
	stop
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -d /run/kea ]; then mkdir -p /run/kea; fi
lab_up --lwaftr --valid 3600 --renew 1800 --rebind 3000 >/dev/null
dir=$(lab_dir)
sock=$dir/lwb4.sock
lab_inet_http 80
lab_exec cpe ip link set lo up

# series NAME RUNS [lwb4d options]: one JSON line per run into $dir/NAME.
series() {
	local name=$1 n=$2 r out
	shift 2
	: >"$dir/$name"
	for ((r = 0; r < n; r++)); do
		ip netns exec "$(lab_ns cpe)" ip link show "$SW" >/dev/null 2>&1 &&
			{ echo "the softwire outlived lwb4d" >&2; exit 1; }
		out=$(ip netns exec "$(lab_ns lan)" "$LAB_PYTHON" "$here/reach_probe.py" --control "$sock" \
			--cpe-ns "$(lab_ns cpe)" --softwire "$SW" --dst "$LAB_INET_V4" --port 80 --log "$dir/lwb4d.log" -- \
			ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel netlink --state-dir "$dir/state" \
			--control "$sock" --foreground "$@" 2>>"$dir/probe.log") || true
		pid=$("$LAB_PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["pid"])' "$out" 2>/dev/null) || pid=""
		[ -n "$pid" ] || { echo "reach_probe.py failed: $out" >&2; tail -n 20 "$dir/probe.log" >&2; exit 1; }
		echo "$out" >>"$dir/$name"
		stop
		sleep 0.2
	done
}

echo "lwb4d start to IPv4 reachability over the softwire, $runs runs each"
echo "guest: $(uname -sr), $(nproc) CPU; $(date -u +%Y-%m-%d)"
series fast "$runs" --no-start-delay --offer-window 0
series default "$runs"
echo "guest load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${REACH_KEEP:-}" ]; then cp "$dir"/lwb4d.log* "$dir"/probe.log "$REACH_KEEP"/; fi
"$LAB_PYTHON" - "$dir/fast" "$dir/default" <<'EOF'
import json, statistics, sys
label = {"bound": "start → BOUND (status)",
         "kernel": "start → softwire + /32 + default route in the kernel",
         "icmp": "start → first ICMP echo reply, LAN host → inet",
         "tcp": "start → first TCP connect, LAN host → inet"}
print()
print("| ms after lwb4d's start | waits | runs | min | median | max |")
print("|---|---|---|---|---|---|")
for path, waits in zip(sys.argv[1:], ("off", "default")):
    rows = [json.loads(l) for l in open(path)]
    for key in ("bound", "kernel", "icmp", "tcp"):
        v = sorted(r[key] for r in rows if r[key] is not None)
        missed = len(rows) - len(v)
        n = "%d" % len(v) + (" (%d missed)" % missed if missed else "")
        if v:
            print("| %s | %s | %s | %.1f | %.1f | %.1f |" % (label[key], waits, n, v[0], statistics.median(v), v[-1]))
        else:
            print("| %s | %s | %s | - | - | - |" % (label[key], waits, n))
EOF
