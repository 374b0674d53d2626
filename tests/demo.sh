#!/usr/bin/env bash
# The lwb4 demo, on Debian 12, as root: installs what it needs, builds the
# release binaries, builds an ISP in network namespaces (the real ISC Kea
# DHCPv4-over-DHCPv6 server with v4-portparams "6, 52/6"), lets lwb4d
# provision a shared IPv4 address and port set from it, prints
# `lwb4ctl status`, releases the lease and tears everything down. Then the
# softwire end to end: the same lab with an lwAFTR (Linux ip6tnl) and an
# HTTP server in `inet`, lwb4d --kernel netlink, a file fetched over the
# softwire, and the source ports the lwAFTR saw. A kernel without ip6_tunnel
# runs that part in a user-mode-linux guest (tests/vm; the first run builds
# its kernel once, a few minutes).
#   tests/demo.sh             (tests/demo.sh --softwire: the second part only,
#                              on this kernel)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "the demo builds network namespaces: run it as root" >&2; exit 2; }
bin=${LWB4_DEMO_BIN:-build/release/platform/linux}
lwb4d=$bin/daemon/lwb4d
lwb4ctl=$bin/ctl/lwb4ctl
# shellcheck source=tests/lab/lab.sh
. tests/lab/lab.sh

# ---- part 2: the softwire through an lwAFTR ----
sw_pid=""
softwire_part() {
  local dir v4=192.0.2.100 sw=lwb4-wan0 lan_fetch=0
  trap 'if [ -n "$sw_pid" ]; then kill -TERM "$sw_pid" 2>/dev/null || true; wait "$sw_pid" 2>/dev/null || true; fi; lab_down' EXIT
  mkdir -p /run/kea
  lab_up --lwaftr >/dev/null
  dir=$(lab_dir)
  lab_inet_http 80 >/dev/null
  echo "   isp: the lwAFTR's ip6tnl aftr0 ($LAB_BR <-> $LAB_CPE_V6); inet: HTTP on $LAB_INET_V4"
  ip netns exec "$(lab_ns cpe)" "$lwb4d" --uplink wan0 --kernel netlink --no-start-delay \
    --state-dir "$dir/state" --control "$dir/lwb4.sock" --foreground >"$dir/lwb4d.log" 2>&1 &
  sw_pid=$!
  for _ in $(seq 100); do
    "$lwb4ctl" status --control "$dir/lwb4.sock" 2>/dev/null | grep -q 'dhcp4 BOUND' && break
    sleep 0.1
  done
  grep -E 'apply|kernel:' "$dir/lwb4d.log" | sed 's/^/   | /'
  echo "   the CPE's softwire, address and route:"
  { lab_exec cpe ip -d link show "$sw" | sed -n 's/\(encaplimit [a-z0-9]*\).*/\1/p'
    lab_exec cpe ip -4 addr show dev "$sw" | grep inet
    lab_exec cpe ip route show default; } | sed 's/^ */   | /'
  # The LAN host's traffic needs the port-set NAT, which lwb4d applies when
  # it has --nat; without it the CPE fetches with its own address and a
  # source port of its set.
  if "$lwb4d" --help | grep -q -- '--nat'; then lan_fetch=1; fi
  if [ "$lan_fetch" = 1 ]; then
    echo "   the LAN host ($LAB_LAN_V4) fetches http://$LAB_INET_V4/1m.bin over the softwire:"
    lab_exec lan curl -s -o /dev/null -w '   | %{http_code} %{size_download} bytes in %{time_total} s\n' \
      "http://$LAB_INET_V4/1m.bin"
  else
    echo "   the CPE fetches http://$LAB_INET_V4/1m.bin from $v4, source ports 1856-1871 (in its set):"
    for _ in 1 2 3; do
      lab_exec cpe curl -s --interface "$v4" --local-port 1856-1871 -o /dev/null \
        -w '   | %{http_code} %{size_download} bytes in %{time_total} s\n' "http://$LAB_INET_V4/1m.bin"
    done
  fi
  echo "   TCP source ports the lwAFTR decapsulated from $v4: $(lab_aftr_ports tcp | tr '\n' ' ')"
  echo "   packets outside the port set (dropped by the leak detector): $(lab_aftr_counter leak)"
  kill -TERM "$sw_pid"
  wait "$sw_pid" && echo "   SIGTERM: lwb4d released the lease and removed $sw: $(lab_exec cpe ip -br link show "$sw" 2>&1 | head -1)"
  sw_pid=""
}
if [ "${1:-}" = --softwire ]; then
  softwire_part
  exit 0
fi

tests/setup-debian.sh lab
cmake --preset release >/dev/null
cmake --build --preset release | { grep 'stripped size' || true; }
pid=""
finish() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  lab_down
}
trap finish EXIT

echo
echo "== 1. The ISP: Kea (DHCPv6 + DHCPv4-over-DHCPv6) in namespace isp, the CPE in cpe"
lab_up >/dev/null
dir=$(lab_dir)
echo "   Kea offers 192.0.2.100-110 with option 159 = offset 6, PSID-len 6, PSID 52"

echo
echo "== 2. lwb4d on the CPE's uplink wan0"
# This host kernel may lack ip6_tunnel, so the demo shows provisioning only
# (--kernel none); tests/vm/softwire_test.sh drives the softwire on a kernel
# that has it.
ip netns exec "$(lab_ns cpe)" "$lwb4d" --uplink wan0 --kernel none --state-dir "$dir/state" \
  --control "$dir/lwb4.sock" --foreground >"$dir/lwb4d.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  "$lwb4ctl" status --control "$dir/lwb4.sock" 2>/dev/null | grep -q 'dhcp4 BOUND' && break
  sleep 0.1
done
sed 's/^/   | /' "$dir/lwb4d.log"

echo
echo "== 3. lwb4ctl status"
"$lwb4ctl" status --control "$dir/lwb4.sock" | sed 's/^/   /'

echo
echo "== 4. The lease as Kea recorded it"
lab_kea_leases | grep -E '^(address,hwaddr|192\.)' | cut -d, -f1-5 | sed 's/^/   /'

echo
echo "== 5. SIGTERM: lwb4d releases the lease and withdraws"
kill -TERM "$pid"
wait "$pid" && echo "   lwb4d exited 0"
pid=""
tail -n 4 "$dir/lwb4d.log" | sed 's/^/   | /'

echo
echo "== 6. The arithmetic behind it: lwb4ctl calc"
echo "   \$ lwb4ctl calc portset --offset 6 --psid-len 6 --psid 52"
"$lwb4ctl" calc portset --offset 6 --psid-len 6 --psid 52 | cut -c1-110 | sed 's/^/   /'
echo "   \$ lwb4ctl calc map --ipv6-rule 2001:db8::/40 --ipv4-rule 192.0.2.0/24 --ea-len 16 --prefix 2001:db8:12:3400::/56"
"$lwb4ctl" calc map --ipv6-rule 2001:db8::/40 --ipv4-rule 192.0.2.0/24 --ea-len 16 \
  --prefix 2001:db8:12:3400::/56 | cut -c1-110 | sed 's/^/   /'

echo
echo "== 7. The softwire end to end: lwb4d --kernel netlink behind an lwAFTR"
lab_down
trap - EXIT
probe=lwb4-probe-$$
ip netns add "$probe"
if ip -n "$probe" link add sw0 type ip6tnl mode ipip6 2>/dev/null; then has_ip6tnl=1; else has_ip6tnl=0; fi
ip netns del "$probe"
if [ "$has_ip6tnl" = 1 ]; then
  "$0" --softwire
else
  echo "   (this kernel has no ip6_tunnel: running it in a user-mode-linux guest, tests/vm)"
  tests/vm/vm-run.sh --prepare
  tests/vm/vm-run.sh -- "$0" --softwire
fi
echo
echo "demo done: everything it created is removed."
