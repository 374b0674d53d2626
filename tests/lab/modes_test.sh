#!/usr/bin/env bash
# lwb4d's provisioning mechanisms against the real Kea DHCPv6 server in the
# namespace lab: lw4o6 from option 96 with a per-DUID S46_V4V6BIND (RFC 7596),
# MAP-E from option 94 and an End-user prefix (RFC 7597), the RFC 8026
# fallback to DHCPv4-over-DHCPv6 when a mechanism is unusable, --mode, and
# the odhcp6c hand-off flags (--s46-rules, --dhcp4o6-servers), which must put
# no Information-request on the wire. lwb4d runs with --kernel none; the
# status JSON is checked field by field. Needs root and a build of
# lwb4d/lwb4ctl.
#   tests/lab/modes_test.sh [BUILD_DIR]      (default build/dev)
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

RESERVED_DUID=00:03:00:01:02:00:5e:00:53:02
OTHER_DUID=00:03:00:01:02:00:5e:00:53:09
dir="" sock="" log="" pid="" capture=""

start_lwb4d() { # FLAGS...
  echo "   lwb4d $*" >>"$log"
  ip netns exec "$(lab_ns cpe)" "$LWB4D" --uplink wan0 --kernel none --state-dir "$dir/state" \
    --control "$sock" --foreground --log-level debug --no-start-delay --offer-window 0 \
    "$@" >>"$log" 2>&1 &
  pid=$!
}
stop_lwb4d() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  pid=""
  rm -f "$dir/state/wan0.lease"
}
start_capture() { # FILE
  ip netns exec "$(lab_ns cpe)" tcpdump -i wan0 -n -U --immediate-mode -w "$1" udp port 547 >/dev/null 2>&1 &
  capture=$!
  # tcpdump writes the file header once it captures; --immediate-mode so
  # that SIGINT cannot leave packets behind in an unfinished ring block.
  wait_for 5 test -s "$1" || echo "    tcpdump did not start"
  sleep 0.2
}
stop_capture() {
  if [ -n "$capture" ]; then
    kill -INT "$capture" 2>/dev/null || true
    wait "$capture" 2>/dev/null || true
  fi
  capture=""
}
# DHCPv6 messages of one type sent by the CPE (the UDP payload starts at
# byte 48 of an IPv6 packet without extension headers).
sent_of_type() { # FILE TYPE
  tcpdump -n -r "$1" "udp dst port 547 and ip6[48] == $2" 2>/dev/null | wc -l
}
status_json() { "$LWB4CTL" status --control "$sock" --json 2>/dev/null; }
st() {
  status_json | "$LAB_PYTHON" -c "import json,sys; s=json.load(sys.stdin); print($1)" 2>/dev/null
}
mode_is() { [ "$(st 's["mode"]')" = "$1" ]; }
kea_has_lease() { grep -q "^$1," <<<"$(lab_kea_leases)"; }
kea_lacks_lease() { ! kea_has_lease "$1"; }
servers_are() { [ "$(st 's["servers"]')" = "$1" ]; }
bound_over_4o6() { [ "$(st 's["state"], s["mode"]')" = "BOUND dhcp4o6" ]; }
text_has() { "$LWB4CTL" status --control "$sock" | grep -q -- "$1"; }

cleanup() {
  stop_capture
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
lab_up --s46 lw --s46-duid "$RESERVED_DUID" >/dev/null
dir=$(lab_dir)
sock=$dir/lwb4.sock
log=$dir/lwb4d.log
: >"$log"

echo "== lw4o6 from option 96 (S46_V4V6BIND reserved for this DUID)"
start_capture "$dir/lw.pcap"
start_lwb4d --duid "$RESERVED_DUID"
check "mode lw4o6 within 5 s" wait_for 5 mode_is lw4o6
check "state CONFIGURED" equals "$(st 's["state"]')" CONFIGURED
check "address 192.0.2.3 from S46_V4V6BIND" equals "$(st 's["ipv4_address"]')" 192.0.2.3
check "port set offset 0, PSID-len 6, PSID 52: 1024 ports in one range" \
  equals "$(st 's["psid_offset"], s["psid_len"], s["psid"], s["port_count"], s["port_ranges"]')" \
  "0 6 52 1024 [[53248, 54271]]"
check "BR from the container" equals "$(st 's["br_address"]')" "$LAB_BR"
check "softwire source built on 2001:db8:46::/64 (RFC 7596 5.1)" \
  equals "$(st 's["softwire_source"], s["source_is_constructed"]')" "2001:db8:46::c000:203:34 True"
check "no MAP facts" equals "$(st 's["map"]')" None
check "no DHCPv4 lease" equals "$(st 's["lease"]')" None
stop_capture
check "one Information-request, no DHCPV4-QUERY" \
  equals "$(sent_of_type "$dir/lw.pcap" 11) $(sent_of_type "$dir/lw.pcap" 20)" "1 0"

echo "== a new binding at the next Information-request (SIGUSR1) is applied"
kea_restart --fresh --s46-bind "192.0.2.4, 2001:db8:46::/64" --s46-portparams "0, 53/6" >/dev/null
kill -USR1 "$pid"
address_is() { [ "$(st 's["ipv4_address"]')" = "$1" ]; }
check "address 192.0.2.4 within 5 s" wait_for 5 address_is 192.0.2.4
check "PSID 53 and the source follows (RFC 7596 5.1: re-provision)" \
  equals "$(st 's["psid"], s["softwire_source"]')" "53 2001:db8:46::c000:204:35"
check "the old source was withdrawn first" grep -q "withdraw: re-provisioning lw4o6" "$log"

echo "== the binding disappears: withdrawn, DHCP 4o6 takes over"
kea_restart --fresh --s46 none >/dev/null
kill -USR1 "$pid"
check "mode dhcp4o6, BOUND within 5 s" wait_for 5 bound_over_4o6
check "switching withdrew lw4o6" grep -q "withdraw: switching to dhcp4o6" "$log"
stop_lwb4d
kea_restart --fresh --defaults --s46 lw >/dev/null

echo "== another DUID has no binding: RFC 8026 default order falls to DHCP 4o6"
start_lwb4d --duid "$OTHER_DUID"
check "mode dhcp4o6, BOUND within 5 s" wait_for 5 bound_over_4o6
check "address from the DHCPv4 pool" equals "$(st 's["ipv4_address"]')" 192.0.2.100
check "Kea holds the DHCPv4 lease" kea_has_lease 192.0.2.100

echo "== a binding appears for it (SIGUSR1 asks again): DHCPRELEASE, then lw4o6"
kea_restart --s46-duid "$OTHER_DUID" >/dev/null
kill -USR1 "$pid"
check "mode lw4o6 within 5 s" wait_for 5 mode_is lw4o6
check "192.0.2.3 from the binding" equals "$(st 's["ipv4_address"], s["lease"]')" "192.0.2.3 None"
check "the DHCPv4 lease was released" grep -q "DHCPRELEASE of 192.0.2.100" "$log"
check "Kea no longer holds it" wait_for 3 kea_lacks_lease 192.0.2.100
stop_lwb4d
kea_restart --fresh --s46-duid "$RESERVED_DUID" >/dev/null

echo "== --mode dhcp4o6 ignores the binding"
start_lwb4d --duid "$RESERVED_DUID" --mode dhcp4o6
check "BOUND over DHCP 4o6" wait_for 5 bound_over_4o6
stop_lwb4d

echo "== MAP-E from option 94 and --prefix (RFC 7597 Appendix A)"
kea_restart --fresh --s46 mape >/dev/null
start_lwb4d --duid "$OTHER_DUID" --prefix 2001:db8:12:3400::/56
check "mode map-e within 5 s" wait_for 5 mode_is map-e
check "address 192.0.2.18" equals "$(st 's["ipv4_address"]')" 192.0.2.18
check "offset 6, PSID-len 8, PSID 0x34: 252 ports in 63 ranges" \
  equals "$(st 's["psid_offset"], s["psid_len"], s["psid"], s["port_count"], len(s["port_ranges"])')" \
  "6 8 52 252 63"
check "first and last range 1232-1235, 64720-64723" \
  equals "$(st 's["port_ranges"][0], s["port_ranges"][-1]')" "[1232, 1235] [64720, 64723]"
check "BR from the container" equals "$(st 's["br_address"]')" 2001:db8:ffff::1
check "CE address 2001:db8:12:3400:0:c000:212:34" \
  equals "$(st 's["softwire_source"], s["source_is_constructed"]')" "2001:db8:12:3400:0:c000:212:34 True"
check "map: BMR, EA-len 16, EA bits 0x1234, 1 FMR, End-user prefix" \
  equals "$(st 's["map"]["bmr"]["ipv6_prefix"], s["map"]["bmr"]["ipv4_prefix"], s["map"]["ea_len"], hex(s["map"]["ea_bits"]), s["map"]["fmr_count"], s["map"]["end_user_prefix"]')" \
  "2001:db8::/40 192.0.2.0/24 16 0x1234 1 2001:db8:12:3400::/56"
check "lwb4ctl status (text) shows the MAP line" \
  text_has "^map: *BMR 2001:db8::/40 192.0.2.0/24 EA-len 16"
stop_lwb4d

echo "== --legacy-map: the draft-03 interface identifier"
start_lwb4d --duid "$OTHER_DUID" --prefix 2001:db8:12:3400::/56 --legacy-map
check "mode map-e" wait_for 5 mode_is map-e
check "CE address 2001:db8:12:3400:c0:2:1200:3400, offset 4" \
  equals "$(st 's["softwire_source"], s["psid_offset"], s["psid"]')" "2001:db8:12:3400:c0:2:1200:3400 4 52"
stop_lwb4d

echo "== --psid-len 4 when the server sends no S46_PORTPARAMS: the last 4 EA bits"
start_lwb4d --duid "$OTHER_DUID" --prefix 2001:db8:12:3400::/56 --psid-len 4
check "mode map-e" wait_for 5 mode_is map-e
check "offset 6, PSID-len 4, PSID 4, 4032 ports, CE address with PSID 4" \
  equals "$(st 's["psid_offset"], s["psid_len"], s["psid"], s["port_count"], s["softwire_source"]')" \
  "6 4 4 4032 2001:db8:12:3400:0:c000:212:4"
stop_lwb4d

echo "== MAP-E without an End-user prefix is unusable: DHCP 4o6"
start_lwb4d --duid "$OTHER_DUID"
check "BOUND over DHCP 4o6" wait_for 5 bound_over_4o6
check "the reason is logged" grep -q "map-e: no End-user prefix" "$log"
stop_lwb4d

echo "== hand-off: --s46-rules (odhcp6c LW4O6), no Information-request"
kea_stop
start_capture "$dir/handoff-lw.pcap"
start_lwb4d --duid "$OTHER_DUID" --mode lw4o6 --s46-rules \
  "type=lw4o6,prefix4len=32,prefix6len=64,ipv4prefix=192.0.2.7,ipv6prefix=2001:db8:46::,offset=0,psidlen=4,psid=12288,br=2001:db8:46::b5, "
check "mode lw4o6 without a server" wait_for 5 mode_is lw4o6
check "192.0.2.7, offset 0, PSID-len 4, PSID 3, BR, source" \
  equals "$(st 's["ipv4_address"], s["psid_offset"], s["psid_len"], s["psid"], s["br_address"], s["softwire_source"]')" \
  "192.0.2.7 0 4 3 2001:db8:46::b5 2001:db8:46::c000:207:3"
check "dhcp6 state handed-over" equals "$(st 's["dhcp6_state"]')" handed-over
sleep 1
stop_lwb4d
stop_capture
check "nothing sent to port 547" equals "$(sent_of_type "$dir/handoff-lw.pcap" 11) $(tcpdump -n -r "$dir/handoff-lw.pcap" 'udp dst port 547' 2>/dev/null | wc -l)" "0 0"

echo "== hand-off: --s46-rules (odhcp6c MAPE) and --prefix"
start_lwb4d --duid "$OTHER_DUID" --prefix 2001:db8:12:3400::/56 --dhcp4o6-servers multicast --s46-rules \
  "fmr,type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,br=2001:db8:ffff::1, "
check "mode map-e without a server" wait_for 5 mode_is map-e
check "192.0.2.18, PSID 52, the RFC 7597 CE address" \
  equals "$(st 's["ipv4_address"], s["psid"], s["softwire_source"]')" "192.0.2.18 52 2001:db8:12:3400:0:c000:212:34"
stop_lwb4d

echo "== hand-off: --dhcp4o6-servers, DHCPV4-QUERY without an Information-request"
kea_start --fresh --s46 none >/dev/null
start_capture "$dir/handoff-88.pcap"
start_lwb4d --duid "$OTHER_DUID" --mode dhcp4o6 --dhcp4o6-servers "$LAB_ISP_V6"
check "servers as handed over" wait_for 5 servers_are "['$LAB_ISP_V6']"
# Kea 2.2 sends the BR only in the DHCPv6 Reply's container, never in the
# DHCPV4-RESPONSE (RFC 8539): without a Reply there is no BR, and an offer
# without one MUST be discarded.
check "the offers are refused for want of a BR (RFC 8539)" \
  wait_for 5 grep -q "DHCPOFFER without a BR" "$log"
check "nothing applied" equals "$(st 's["ipv4_address"]')" None
stop_lwb4d
stop_capture
check "no Information-request, DHCPV4-QUERYs to the handed-over server" \
  equals "$(sent_of_type "$dir/handoff-88.pcap" 11) $(($(tcpdump -n -r "$dir/handoff-88.pcap" "udp dst port 547 and dst host $LAB_ISP_V6 and ip6[48] == 20" 2>/dev/null | wc -l) > 0))" "0 1"

echo "== partial hand-off: --dhcp4o6-servers with --mode auto still asks for S46"
start_capture "$dir/partial.pcap"
start_lwb4d --duid "$OTHER_DUID" --dhcp4o6-servers "$LAB_ISP_V6"
check "BOUND over DHCP 4o6 (BR from the Reply's container)" wait_for 5 bound_over_4o6
check "BR from the container" equals "$(st 's["br_address"]')" "$LAB_BR"
stop_lwb4d
stop_capture
check "one Information-request" equals "$(sent_of_type "$dir/partial.pcap" 11)" 1

echo
check_summary
