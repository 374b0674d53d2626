#!/usr/bin/env bash
# lwb4d as OpenWrt runs it, against the real Kea 4o6 server of the namespace
# lab: --user nobody (uid, gid and the exact capability sets in
# /proc/PID/status, the lease file written as nobody, a renewal), --script
# (the environment netifd's lwb4.script would publish, run as nobody, on
# bound and on release) and the rpcd plugin answering `ubus call lwb4
# status` from the running daemon through the real lwb4ctl. Needs root.
#   tests/openwrt/lab_test.sh [BUILD_DIR]        (default build/dev)
# LWB4_SAMPLE=FILE keeps the plugin's status answer (openwrt/README.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build/dev}
LWB4D=$build/platform/linux/daemon/lwb4d
LWB4CTL=$build/platform/linux/ctl/lwb4ctl
# shellcheck source=tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"
# LeakSanitizer cannot ptrace a process that changed its uid (not dumpable).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

pid="" work=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$failed" -gt 0 ] && [ -n "$work" ] && [ -f "$work/lwb4d.log" ]; then
    echo "---- lwb4d log (last 60 lines)"
    tail -n 60 "$work/lwb4d.log"
  fi
  lab_down
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -x "$LWB4D" ] || [ ! -x "$LWB4CTL" ]; then
  echo "build lwb4d and lwb4ctl first ($build)" >&2
  exit 2
fi
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
lab_up >/dev/null
# A directory nobody can traverse: the lease and the script's output.
work=$(mktemp -d)
chmod 0755 "$work"
mkdir -p "$work/state" "$work/out" "$work/run"
chown nobody "$work/state" "$work/out"
sock=$work/run/wan4lab.sock
cat >"$work/record.sh" <<EOT
#!/bin/sh
{ echo "UID=\$(id -u)"; echo "CAPEFF=\$(sed -n 's/^CapEff:\t//p' /proc/self/status)"; env; } >"$work/out/\$ACTION.tmp" && mv "$work/out/\$ACTION.tmp" "$work/out/\$ACTION"
echo "\$ACTION" >>"$work/out/runs"
EOT
chmod 0755 "$work/record.sh"

status_json() { "$LWB4CTL" status --control "$sock" --json 2>/dev/null; }
st() { status_json | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null; }
bound() { [ "$(st 's["state"]')" = BOUND ]; }
proc_field() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status" | tr -s '\t' ' ' | sed 's/ *$//'; }
recorded() { sed -n "s/^$2=//p" "$work/out/$1"; }

echo "== lwb4d --user nobody --script (as netifd's lwb4 handler starts it)"
INTERFACE=wan4lab ZONE=wan ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel none \
  --state-dir "$work/state" --control "$sock" --foreground --log-level debug \
  --no-start-delay --user nobody --script "$work/record.sh" >>"$work/lwb4d.log" 2>&1 &
pid=$!
check "BOUND within 5 s" wait_for 5 bound
check "address 192.0.2.100, PSID 52" equals "$(st 's["ipv4_address"], s["psid"]')" "192.0.2.100 52"
check "Uid: all four nobody" equals "$(proc_field Uid)" "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
check "Gid: all four nobody's group" equals "$(proc_field Gid)" "$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
check "Groups: only nobody's group" equals "$(proc_field Groups)" "$nobody_gid"
check "CapEff = NET_ADMIN|NET_BIND_SERVICE|NET_RAW" equals "$(proc_field CapEff)" 0000000000003400
check "CapPrm = CapEff" equals "$(proc_field CapPrm)" 0000000000003400
check "CapInh empty" equals "$(proc_field CapInh)" 0000000000000000
check "CapAmb empty" equals "$(proc_field CapAmb)" 0000000000000000
check "the log says so" grep -q "running as nobody (uid $nobody_uid" "$work/lwb4d.log"
lease_owner() { [ "$(stat -c %U "$work/state/wan0.lease" 2>/dev/null)" = nobody ]; }
check "lease file written by nobody" wait_for 3 lease_owner

echo "== --script: bound"
check "script ran with ACTION=bound" wait_for 3 test -f "$work/out/bound"
no_zombie() { ! pgrep -P "$pid" -r Z >/dev/null; }
check "the script child was reaped (SIGCHLD), no zombie" wait_for 3 no_zombie
check "as nobody" equals "$(recorded bound UID)" "$nobody_uid"
check "with no capabilities" equals "$(recorded bound CAPEFF)" 0000000000000000
check "INTERFACE and ZONE inherited from netifd's environment" \
  equals "$(recorded bound INTERFACE) $(recorded bound ZONE)" "wan4lab wan"
check "IPV4 PSID_OFFSET PSID_LEN PSID PORT_COUNT" equals \
  "$(recorded bound IPV4) $(recorded bound PSID_OFFSET) $(recorded bound PSID_LEN) $(recorded bound PSID) $(recorded bound PORT_COUNT)" \
  "192.0.2.100 6 6 52 1008"
check "PORT_RANGES = the status' ranges" equals "$(recorded bound PORT_RANGES)" \
  "$(st '" ".join("%d-%d" % (a, b) for a, b in s["port_ranges"])')"
check "BR, SOFTWIRE_SOURCE, TUNNEL, MODE" equals \
  "$(recorded bound BR) $(recorded bound SOFTWIRE_SOURCE) $(recorded bound TUNNEL) $(recorded bound MODE)" \
  "$(st 's["br_address"], s["softwire_source"]') lwb4-wan0 $(st 's["mode"]')"

echo "== renewal as nobody"
n=$(grep -c "RENEWING -> BOUND" "$work/lwb4d.log" || true)
"$LWB4CTL" renew --control "$sock" >/dev/null
renewed() { [ "$(grep -c "RENEWING -> BOUND" "$work/lwb4d.log" || true)" -gt "$n" ]; }
check "lwb4ctl renew -> RENEWING -> BOUND" wait_for 5 renewed
sleep 0.5
check "renewing the same lease runs no script (netifd data unchanged)" equals "$(cat "$work/out/runs")" bound

echo "== rpcd plugin against this lwb4d (real lwb4ctl)"
rpcd() {
  LWB4CTL=$LWB4CTL LWB4_RUN_DIR=$work/run INCLUDE_ONLY=1 CALLS=/dev/null busybox sh -c \
    ". '$top/tests/openwrt/standins.sh'; . '$top/openwrt/files/lwb4.rpcd'; lwb4_rpcd_main call $1" <<<"$2"
}
out=$(rpcd status '{"interface":"wan4lab"}')
check "ubus call lwb4 status {interface: wan4lab}: BOUND 192.0.2.100" equals \
  "$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(s["state"], s["ipv4_address"])' "$out")" \
  "BOUND 192.0.2.100"
if [ -n "${LWB4_SAMPLE:-}" ]; then
  printf '%s\n' "$out" >"$LWB4_SAMPLE"
  "$LWB4CTL" status --control "$sock" >"$LWB4_SAMPLE.txt"
fi
out=$(rpcd status '{}')
check "status without interface: keyed by wan4lab" equals \
  "$(python3 -c 'import json,sys; print(list(json.loads(sys.argv[1])))' "$out")" "['wan4lab']"

echo "== release on SIGTERM: --script withdrawn"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
check "lwb4d exits 0" equals "$rc" 0
check "script ran with ACTION=withdrawn" wait_for 3 test -f "$work/out/withdrawn"
check "withdrawn: TUNNEL and REASON" bash -c "[ '$(recorded withdrawn TUNNEL)' = lwb4-wan0 ] && [ -n '$(recorded withdrawn REASON)' ]"

check_summary
