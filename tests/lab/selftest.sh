#!/usr/bin/env bash
# Self-test of the namespace lab: builds it, runs probe.py in the cpe namespace
# against Kea (default option 159, then a full-address and a second port-set
# configuration), checks LAN and inet connectivity, tears everything down and
# checks that no namespace, process or run directory is left. Needs root.
#   tests/lab/selftest.sh        exit 0 when every check passed
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
# shellcheck source=tests/lab/check.sh
. "$here/check.sh"

started=$(date +%s%N)
ns_before=$(ip netns list | awk '{print $1}' | sort)
kea_before=$(pgrep -f 'kea-dhcp[46]' | sort || true)

has_line() { grep -qxF -- "$2" <<<"$1"; }
quiet() { "$@" >/dev/null 2>&1; }

probe_out=""
run_probe() {
  probe_out=$(lab_exec cpe "$LAB_PYTHON" "$here/probe.py" "$@" 2>&1) || {
    printf '    probe| %s\n' "${probe_out//$'\n'/$'\n    probe| '}"
    return 1
  }
}

lab_part() {
  # Unique per run; lab_up installs no trap since we set ours.
  trap lab_down EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if ! lab_up; then
    fail "lab_up"
    return
  fi
  pass "lab_up ($LAB_ID)"

  check "probe: default configuration" run_probe
  check "option 88 is the isp address" has_line "$probe_out" "opt88: $LAB_ISP_V6"
  check "S46_CONT_LW carries the BR" has_line "$probe_out" "opt96.br: $LAB_BR"
  check "OFFER has 159 = 9f 04 06 06 d0 00" has_line "$probe_out" "offer.opt159: 9f 04 06 06 d0 00"
  check "ACK has the same 159" has_line "$probe_out" "ack.opt159: 9f 04 06 06 d0 00"
  check "ACK leases 192.0.2.100 for 120 s" has_line "$probe_out" "ack.lease-time: 120"
  check "Kea's lease file holds the lease" grep -q '^192\.0\.2\.100,' <(lab_kea_leases)

  check "lan host pings the CPE" quiet lab_exec lan ping -c1 -W2 -q "$LAB_CPE_LAN_V4"
  check "isp pings the inet host" quiet lab_exec isp ping -c1 -W2 -q "$LAB_INET_V4"
  check "inet HTTP server" lab_inet_http 8080
  check "HTTP fetch from the isp" lab_exec isp "$LAB_PYTHON" -c \
    "import urllib.request, sys; sys.exit(b'hello' not in urllib.request.urlopen('http://$LAB_INET_V4:8080/index.txt', timeout=2).read())"

  check "kea_restart --full-address --fresh" kea_restart --full-address --fresh
  check "probe: full address" run_probe
  check "OFFER without 159" has_line "$probe_out" "offer.opt159: absent"

  check "kea_restart --portparams 0,52,8" kea_restart --defaults --fresh --portparams 0,52,8
  check "probe: offset 0, PSID 52/8" run_probe
  check "OFFER has 159 = 9f 04 00 08 34 00" has_line "$probe_out" "offer.opt159: 9f 04 00 08 34 00"

  check "no native IPv4 forwarded from the access link" test "$(lab_nft_counter access_v4)" = 0
}

lab_part
dir=$(lab_dir)
lab_down
trap - EXIT INT TERM

check "namespaces removed" test -z "$(ip netns list | grep "^$LAB_ID-" || true)"
check "run directory removed" test ! -e "$dir"
check "no process of this run left" test -z "$(pgrep -f "$dir" || true)"
# Whatever appeared meanwhile must belong to another lab run that is still alive.
others_alive() {
  local item id
  for item in "$@"; do
    id=$item
    [[ $item =~ ^[0-9]+$ ]] && id=$(tr '\0' ' ' <"/proc/$item/cmdline" 2>/dev/null | sed -n 's|.*/\(lwb4-[^/]*\)\.lab/.*|\1|p')
    id=${id%-isp} id=${id%-cpe} id=${id%-lan} id=${id%-inet}
    if [ -z "$id" ] || [ "$id" = "$LAB_ID" ] || lab__is_stale "$id"; then
      echo "  left over: $item"
      return 1
    fi
  done
}
mapfile -t new_ns < <(comm -13 <(echo "$ns_before") <(ip netns list | awk '{print $1}' | sort))
mapfile -t new_kea < <(comm -13 <(echo "$kea_before") <(pgrep -f 'kea-dhcp[46]' | sort || true))
check "namespace list as before (but for other live runs)" others_alive "${new_ns[@]}"
check "no new kea process (but for other live runs)" others_alive "${new_kea[@]}"

elapsed=$((($(date +%s%N) - started) / 1000000))
echo "lab selftest: ${elapsed} ms"
check_summary
