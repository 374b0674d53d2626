#!/usr/bin/env bash
# The lwb4 demo, on Debian 12, as root: installs what it needs, builds the
# release binaries, builds an ISP in network namespaces (the real ISC Kea
# DHCPv4-over-DHCPv6 server with v4-portparams "6, 52/6"), lets lwb4d
# provision a shared IPv4 address and port set from it, prints
# `lwb4ctl status`, releases the lease and tears everything down.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "the demo builds network namespaces: run it as root" >&2; exit 2; }
tests/setup-debian.sh lab
cmake --preset release >/dev/null
cmake --build --preset release | { grep 'stripped size' || true; }
bin=build/release/platform/linux
lwb4d=$bin/daemon/lwb4d
lwb4ctl=$bin/ctl/lwb4ctl

# shellcheck source=tests/lab/lab.sh
. tests/lab/lab.sh
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
echo "demo done: everything it created is removed."
