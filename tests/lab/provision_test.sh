#!/usr/bin/env bash
# End-to-end provisioning of lwb4d against the real Kea DHCPv4-over-DHCPv6
# server in the namespace lab: DORA with option 159, renewal at T1 and on
# SIGUSR1, rebinding while the server is away, expiry and withdrawal,
# injected hostile responses, INIT-REBOOT after kill -9, release on SIGTERM,
# and a full (unshared) address. Needs root and a build of lwb4d/lwb4ctl.
#   tests/lab/provision_test.sh [BUILD_DIR]      (default build/dev)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
build=${1:-$top/build/dev}
LWB4D=${LWB4D:-$build/platform/linux/daemon/lwb4d}
LWB4CTL=${LWB4CTL:-$build/platform/linux/ctl/lwb4ctl}
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
# shellcheck source=tests/lab/check.sh
. "$here/check.sh"


# Short leases so that T1, T2 and expiry happen within seconds.
VALID=20 RENEW=5 REBIND=10
dir="" sock="" log="" pid=""

start_lwb4d() {
  ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel none --state-dir "$dir/state" \
    --control "$sock" --foreground --log-level debug >>"$log" 2>&1 &
  pid=$!
}
stop_lwb4d() { # SIGNAL: returns lwb4d's exit status
  local rc=0
  kill "-$1" "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  pid=""
  return $rc
}
status_json() { "$LWB4CTL" status --control "$sock" --json 2>/dev/null; }
# st EXPR: a Python expression over the status JSON `s`, printed.
st() {
  status_json | "$LAB_PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null
}
bound() { [ "$(st 's["state"]')" = BOUND ]; }
log_count() { grep -c -- "$1" "$log" || true; }
log_has() { grep -q -- "$1" "$log"; }
more_in_log() { [ "$(log_count "$1")" -gt "$2" ]; }
kea_has_lease() { grep -q "^$1," <<<"$(lab_kea_leases)"; }
no_link_local_v4() { ! lab_exec cpe ip -4 addr show | grep -q '169\.254\.'; }

capture=""
cleanup() {
  # Under set -e a failing command here would end the trap before lab_down.
  if [ -n "$capture" ]; then kill "$capture" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$failed" -gt 0 ] && [ -n "$log" ] && [ -f "$log" ]; then
    echo "---- lwb4d log (last 80 lines)"
    tail -n 80 "$log"
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
lab_up --valid "$VALID" --renew "$RENEW" --rebind "$REBIND" >/dev/null
dir=$(lab_dir)
sock=$dir/lwb4.sock
log=$dir/lwb4d.log

# Every frame on the CPE's uplink for the whole run: RFC 7618 §5 forbids
# ARP with the shared address, and nothing of lwb4's should ever ARP.
ip netns exec "$(lab_ns cpe)" tcpdump -i wan0 -n -U -w "$dir/wan0.pcap" >/dev/null 2>&1 &
capture=$!
sleep 0.5

echo "== provisioning (Information-request, DISCOVER/OFFER/REQUEST/ACK)"
start_lwb4d
check "lwb4d is BOUND within 5 s" wait_for 5 bound
check "address 192.0.2.100" equals "$(st 's["ipv4_address"]')" 192.0.2.100
check "port set offset 6, PSID-len 6, PSID 52" \
  equals "$(st 's["psid_offset"], s["psid_len"], s["psid"]')" "6 6 52"
check "1008 ports in 63 ranges" \
  equals "$(st 's["port_count"], len(s["port_ranges"])')" "1008 63"
check "BR from the S46 container" equals "$(st 's["br_address"]')" "$LAB_BR"
check "no tunnel_interface with --kernel none (it creates no device)" \
  equals "$(st 's["tunnel_interface"]')" None
check "Kea holds the lease" kea_has_lease 192.0.2.100
check "the lease is persisted" test -s "$dir/state/wan0.lease"

echo "== renewal at T1 and on SIGUSR1"
check "renewed at T1 (RENEWING -> BOUND)" wait_for $((RENEW + 3)) log_has "RENEWING -> BOUND"
n=$(log_count "RENEWING -> BOUND")
kill -USR1 "$pid"
check "SIGUSR1 renews at once" wait_for 3 more_in_log "RENEWING -> BOUND" "$n"

echo "== rebinding while the server is away"
kea_stop
n=$(log_count "BOUND -> RENEWING")
check "T1 passes without an answer" wait_for $((RENEW + 2)) more_in_log "BOUND -> RENEWING" "$n"
kea_start >/dev/null
check "REBINDING at T2 gets the ACK" wait_for $((REBIND - RENEW + 3)) log_has "REBINDING -> BOUND"
check "still BOUND to 192.0.2.100" equals "$(st 's["state"], s["ipv4_address"]')" "BOUND 192.0.2.100"

echo "== hostile responses are counted and ignored"
before=$(st 's["counters"]["dropped"]["malformed"], s["counters"]["dropped"]["unexpected"]')
acquired_before=$(st 's["lease"]["expires_in"] + 0')
lab_exec isp "$LAB_PYTHON" "$here/inject.py" 2001:db8:46::2 \
  truncated oversized no87 badpsid psidoverflow garbage wrongxid >/dev/null
read -r m0 u0 <<<"$before"
counted() {
  local m u
  read -r m u <<<"$(st 's["counters"]["dropped"]["malformed"], s["counters"]["dropped"]["unexpected"]')"
  [ "$m" -eq $((m0 + 5)) ] && [ "$u" -eq $((u0 + 2)) ]
}
check "5 malformed and 2 unexpected (type 0, wrong xid) counted" wait_for 3 counted
check "state unchanged: BOUND, 192.0.2.100, PSID 52" \
  equals "$(st 's["state"], s["ipv4_address"], s["psid"]')" "BOUND 192.0.2.100 52"
check "lease not changed by them" test "$(st 's["lease"]["expires_in"] + 0')" -le "$acquired_before"
check "lwb4d still runs" kill -0 "$pid"

echo "== kill -9 and restart: INIT-REBOOT"
stop_lwb4d KILL || true
n=$(log_count "INIT-REBOOT -> REBOOTING")
start_lwb4d
check "INIT-REBOOT from the stored lease" wait_for 5 more_in_log "INIT-REBOOT -> REBOOTING" "$n"
check "BOUND again to 192.0.2.100" wait_for 5 bound
check "same address" equals "$(st 's["ipv4_address"]')" 192.0.2.100

echo "== server gone until the lease expires: withdrawal, never 169.254"
away_from=$(date +%s.%N)
discovers=$(log_count "sent DHCPDISCOVER")
kea_stop
check "withdrawn at lease expiry" wait_for $((VALID + 5)) log_has "withdraw"
check "nothing applied any more (withdrawn)" equals "$(st 's["ipv4_address"], s["port_ranges"]')" "None None"
check "no 169.254/16 address in the cpe" no_link_local_v4
# RFC 2131 §4.1: DHCPDISCOVER again after 4 s and 8 s (each +-1 s).
check "DHCPDISCOVER sent and retransmitted twice while the server is away" \
  wait_for 16 more_in_log "sent DHCPDISCOVER" $((discovers + 2))
away_until=$(date +%s.%N)
kea_start >/dev/null
check "provisions again once the server is back" wait_for 30 bound

echo "== release on SIGTERM"
rc=0
stop_lwb4d TERM || rc=$?
check "lwb4d exits 0 on SIGTERM" equals "$rc" 0
check "DHCPRELEASE sent" log_has "DHCPRELEASE"
check "Kea released the lease" wait_for 3 eval '! kea_has_lease 192.0.2.100'
check "the stored lease is forgotten" test ! -e "$dir/state/wan0.lease"

echo "== a server without option 159: a full address"
kea_restart --fresh --full-address >/dev/null
start_lwb4d
check "BOUND with a full address" wait_for 5 bound
check "not shared: PSID-len 0, 65535 ports" equals "$(st 's["shared"], s["psid_len"], s["port_count"]')" "False 0 65535"
stop_lwb4d TERM || true

echo "== the capture of the uplink"
kill -INT "$capture"
wait "$capture" || true
capture=""
frames() { tcpdump -n -r "$dir/wan0.pcap" "$@" 2>/dev/null | wc -l; }
check "the capture holds the DHCP exchanges" test "$(frames udp port 547)" -gt 20
check "no ARP packet on the uplink" equals "$(frames arp)" 0
# What lwb4d sent to the 4o6 server while it was away: at T1 (RENEWING) and
# T2 (REBINDING) one DHCPREQUEST each, since RFC 2131 §4.4.5 retries after
# half the remaining time but no sooner than 60 s, which lies past T2 and
# expiry here; after expiry DHCPDISCOVERs 4 s and 8 s apart (RFC 2131 §4.1).
queries_while_away() {
  tcpdump -n -tt -r "$dir/wan0.pcap" "src host 2001:db8:46::2 and udp dst port 547" 2>/dev/null |
    awk -v a="$away_from" -v b="$away_until" '/msgtype-20/ && $1 > a && $1 < b {print $1}'
}
gaps=$(queries_while_away | "$LAB_PYTHON" -c '
import sys
t = [float(x) for x in sys.stdin]
print(" ".join("%.1f" % (b - a) for a, b in zip(t, t[1:])))')
echo "    gaps between DHCPV4-QUERYs while the server was away (s): $gaps"
backoff_ok() {
  "$LAB_PYTHON" - "$RENEW" "$REBIND" "$VALID" "$gaps" <<'PY'
import sys
t1, t2, valid = (float(x) for x in sys.argv[1:4])
gaps = [float(x) for x in sys.argv[4].split()]
want = [(t2 - t1 - 0.5, t2 - t1 + 0.5), (valid - t2 - 0.5, valid - t2 + 1.5), (3, 5), (7, 9)]
sys.exit(0 if len(gaps) == 4 and all(lo <= g <= hi for g, (lo, hi) in zip(gaps, want)) else 1)
PY
}
check "T1, T2, expiry, then DHCPDISCOVER +4 s and +8 s (RFC 2131 §4.1, §4.4.5)" backoff_ok

echo
check_summary
