#!/usr/bin/env bash
# Port-set NAT benchmark (not a pass/fail test): lwb4's nftables table next to
# the other ways of confining SNAT to a PSID port set, and next to plain
# masquerade, in one run on one topology (lan -- cpe -- far namespaces, the
# cpe's WAN veth standing in for the softwire):
#   * usable ports: TCP connections a LAN host gets to ONE destination;
#   * churn: at ~90 % occupancy, close a random connection and open a new one,
#     ITERS times; the share of new connections the NAT fails;
#     for lwb4's table, one SNAT rule per range (what OpenWrt's map.sh asks
#     fw4 for) and round-robin over one chain per range (numgen inc + vmap);
#   * TCP throughput (iperf3) and new connections per second through the cpe,
#     lwb4's table against `masquerade`, alternating, median of ROUNDS: the
#     rate spread over SPREAD destination ports (what the rules cost), and to
#     one destination port (also the kernel's search for a free port in a pool
#     filling up to CONNS_ONE/count, which masquerade's 64K ports do not have);
#   * the cost per packet, in the same rounds: UDP datagrams per second of one
#     flow through the cpe, outbound and inbound, each sender alone on the
#     first CPU with the cpe's forwarding in its softirq (tests/nat/udp_flood.cpp,
#     PPS_SECONDS each); nanoseconds per packet above masquerade.
# Between designs the cpe's conntrack entries of the shared address are
# flushed, so every design starts from an empty table.
#   sudo tests/nat/bench.sh BUILD_DIR [--append] [OFFSET PSID_LEN PSID]
# --append adds the tables, with the machine and date, to docs/benchmarks.md.
# Environment: ITERS (churn, default 1000), ROUNDS (default 5), SECONDS_TP
# (iperf3 time, default 3), CONNS (connections per rate run over SPREAD
# ports, default 4000 over 16), CONNS_ONE (to one port, default 800; then
# as many to the next port, ONE_BLOCKS ports in all, default 8),
# PPS_SECONDS (each way, default 1), RATE_ONLY=1 (skip the
# usable-ports and churn part), BASELINE_APPLY (another build's
# lwb4-nft-apply, e.g. main's: its table joins the alternating rounds as
# "baseline", so a change is compared with what it replaces in one run),
# PARTS=1 (cut-down copies of lwb4's table and another datapath join the rounds, to show
# where its cost is: "lwb4-snat", only the SNAT chain into the pool, and
# "lwb4-hooks", the per-packet base chains with their port-map chains empty;
# "lwb4-netdev", the whole table with the outbound rewrite on the
# softwire's netdev hooks, as lwb4d has it under flow offloading;
# "nft-floor", lwb4's table with its base chains cut down to the TCP and UDP
# map rules behind the address test (the least a per-packet rewrite in
# nftables costs); and,
# when clang has the BPF target, "tc-bpf": lwb4's SNAT chain and pool guard
# with the per-packet chains replaced by tests/nat/portmap_tc.bpf.c on the
# softwire's tc hooks, to measure what taking the rewrite out of nftables
# would gain).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
build=${1:?usage: $0 BUILD_DIR [--append] [OFFSET PSID_LEN PSID]}
shift
append=0
if [ "${1:-}" = --append ]; then
  append=1
  shift
fi
a=${1:-6} k=${2:-6} psid=${3:-52}
iters=${ITERS:-1000} rounds=${ROUNDS:-5} tp_seconds=${SECONDS_TP:-3} conns=${CONNS:-4000}
conns_one=${CONNS_ONE:-800} one_blocks=${ONE_BLOCKS:-8} spread=${SPREAD:-16} pps_seconds=${PPS_SECONDS:-1}
baseline=${BASELINE_APPLY:-}
apply=$build/platform/linux/nft/lwb4-nft-apply
flows=(python3 "$here/flows.py")
[ -x "$apply" ] || { echo "missing $apply (build lwb4-nft-apply)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "needs iperf3 (tests/setup-debian.sh lab)" >&2; exit 2; }

lan=lwb4bench-lan$$ cpe=lwb4bench-cpe$$ far=lwb4bench-far$$
shared=192.0.2.2 far_addr=192.0.2.1
pids=() bpf_obj="" flood=""
cleanup() {
  local p
  [ -n "$bpf_obj" ] && rm -f "$bpf_obj"
  [ -n "$flood" ] && rm -f "$flood" "$flood.in"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in $lan $cpe $far; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT

for n in $lan $cpe $far; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add lan0 netns "$cpe" type veth peer name eth0 netns "$lan"
ip link add sw0 netns "$cpe" type veth peer name eth0 netns "$far"
ip -n "$cpe" addr add 198.51.100.1/24 dev lan0
ip -n "$cpe" addr add "$shared/24" dev sw0
ip -n "$lan" addr add 198.51.100.2/24 dev eth0
ip -n "$far" addr add "$far_addr/24" dev eth0
for l in "$cpe lan0" "$cpe sw0" "$lan eth0" "$far eth0"; do
  read -r n d <<<"$l"
  ip -n "$n" link set "$d" up
done
ip -n "$lan" route add default via 198.51.100.1
ip netns exec "$cpe" sysctl -qw net.ipv4.ip_forward=1

count=$(python3 -c "a,k=$a,$k; print(((1<<a)-1 if a else 1)*(1<<(16-a-k)) - (0 if a else 1))")
ranges=$(python3 -c "
a,k,p=$a,$k,$psid; m=16-a-k
for A in range(1 if a else 0, 1<<a):
    lo=(A<<(16-a))|(p<<m); hi=lo+(1<<m)-1
    print(max(lo,1), hi)")
nranges=$(wc -l <<<"$ranges")

# The rulesets. Each design gets its own table; `off` removes them all.
bench_table() { # BODY: table ip lwb4bench with a srcnat chain
  ip netns exec "$cpe" nft -f - <<EOT
table ip lwb4bench {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
$1
  }
$2
}
EOT
}
design_on() {
  case $1 in
  baseline) ip netns exec "$cpe" "$baseline" apply --address "$shared" --oif sw0 --offset "$a" \
    --psid-len "$k" --psid "$psid" >/dev/null ;;
  lwb4) ip netns exec "$cpe" "$apply" apply --address "$shared" --oif sw0 --offset "$a" \
    --psid-len "$k" --psid "$psid" >/dev/null ;;
  lwb4-netdev) ip netns exec "$cpe" "$apply" apply --address "$shared" --oif sw0 --offset "$a" \
    --psid-len "$k" --psid "$psid" --egress-hook netdev >/dev/null ;;
  lwb4-snat)
    design_on lwb4
    for c in ingress egress guard; do ip netns exec "$cpe" nft delete chain ip lwb4 "$c"; done
    ;;
  tc-bpf)
    design_on lwb4
    for c in ingress egress; do ip netns exec "$cpe" nft delete chain ip lwb4 "$c"; done
    ip netns exec "$cpe" tc qdisc add dev sw0 clsact
    for h in egress ingress; do
      ip netns exec "$cpe" tc filter add dev sw0 "$h" bpf da obj "$bpf_obj" sec "$h"
    done
    ;;
  lwb4-hooks)
    design_on lwb4
    for c in from_softwire to_softwire; do ip netns exec "$cpe" nft flush chain ip lwb4 "$c"; done
    ;;
  nft-floor)
    # The least a per-packet rewrite in nftables can be: lwb4's SNAT and
    # maps, and in each base chain nothing but the TCP and UDP map rules
    # behind the shared address (no device, checksum-0, source or set test;
    # not a usable ruleset).
    design_on lwb4
    ip netns exec "$cpe" nft -f - <<EOT
flush chain ip lwb4 ingress
flush chain ip lwb4 egress
add rule ip lwb4 ingress ip daddr $shared ip protocol tcp tcp dport set tcp dport map @p2v accept
add rule ip lwb4 ingress ip daddr $shared ip protocol udp udp dport set udp dport map @p2v accept
add rule ip lwb4 egress ip saddr $shared ip protocol tcp tcp sport set tcp sport map @v2p accept
add rule ip lwb4 egress ip saddr $shared ip protocol udp udp sport set udp sport map @v2p accept
EOT
    ;;
  per-range)
    bench_table "$(while read -r lo hi; do
      echo "    oifname \"sw0\" meta l4proto { tcp, udp } snat ip to $shared:$lo-$hi"
    done <<<"$ranges")" ""
    ;;
  rr-ranges)
    local i=0 vmap="" chains=""
    while read -r lo hi; do
      vmap+="${vmap:+, }$i : jump r$i"
      chains+="  chain r$i { meta l4proto { tcp, udp } snat ip to $shared:$lo-$hi; }"$'\n'
      i=$((i + 1))
    done <<<"$ranges"
    bench_table "    oifname \"sw0\" meta l4proto { tcp, udp } numgen inc mod $nranges vmap { $vmap }" \
      "$chains"
    ;;
  masquerade) bench_table "    oifname \"sw0\" masquerade" "" ;;
  esac
}
design_off() {
  ip netns exec "$cpe" "$apply" remove
  ip netns exec "$cpe" nft delete table ip lwb4bench 2>/dev/null || true
  ip netns exec "$cpe" tc qdisc del dev sw0 clsact 2>/dev/null || true
  ip netns exec "$cpe" "$apply" flush-conntrack --address "$shared" >/dev/null
}
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
rx_packets() { ip netns exec "$1" cat /sys/class/net/eth0/statistics/rx_packets; }
# arrived BEFORE AFTER SENDER_OUTPUT: packets per second that reached the
# device over the sender's time.
arrived() { python3 -c "print(f'{($2 - $1) / $(field seconds "$3"):.0f}')"; }
median() { tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# Median over the rounds of DESIGN's rate / masquerade's rate in the same
# round (the designs of a round share the machine's load of the moment).
paired() {
  python3 -c "import statistics, sys; a, b = (list(map(float, x.split())) for x in sys.argv[1:])
print(f'{statistics.median(x / y for x, y in zip(a, b)):.2f}')" "$1" "$2"
}
# Median over the rounds of the nanoseconds per packet that DESIGN's packets
# per second take above masquerade's in the same round.
ns_above() {
  python3 -c "import statistics, sys; a, b = (list(map(float, x.split())) for x in sys.argv[1:])
print(f'{statistics.median(1e9 / x - 1e9 / y for x, y in zip(a, b)):.0f}')" "$1" "$2"
}

# The LAN side's clients on the first CPU (the cpe forwards in their softirq),
# the far side's servers on the last: with free placement a single iperf3
# stream lands on one of two speeds (~38 or ~68 Gbit/s on 2 CPUs) at random.
on_lan=(ip netns exec "$lan") on_far=(ip netns exec "$far")
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  on_lan+=(taskset -c 0)
  on_far+=(taskset -c $(($(nproc) - 1)))
fi

flood=$(mktemp)
c++ -O2 -o "$flood" "$here/udp_flood.cpp"
ports=()
one_port=$((8008 + spread))
for i in $(seq 0 $((7 + spread + one_blocks))); do ports+=($((8000 + i))); done
"${on_far[@]}" "${flows[@]}" accept "$far_addr" "${ports[@]}" >/dev/null &
pids+=($!)
"${on_far[@]}" "$flood" sink "$far_addr" 9 1000000 &
pids+=($!)
"${on_far[@]}" iperf3 -s -B "$far_addr" >/dev/null 2>&1 &
pids+=($!)
sleep 0.5

echo "== usable ports and churn: offset $a, PSID-len $k, PSID $psid ($count ports, $nranges ranges)"
target=$((count * 9 / 10))
declare -A usable churn_rate
port_i=0
churn_designs=(lwb4 per-range rr-ranges)
[ "${RATE_ONLY:-0}" = 1 ] && churn_designs=()
for d in "${churn_designs[@]}"; do
  design_on "$d"
  out=$("${on_lan[@]}" "${flows[@]}" churn "$far_addr" "${ports[$port_i]}" $((count + 64)) \
    $((count + 64)) 0)
  usable[$d]=$(field open "$out")
  echo "  $d: fill: $out"
  if [ "${usable[$d]}" -ge "$target" ]; then
    out=$("${on_lan[@]}" "${flows[@]}" churn "$far_addr" "${ports[$((port_i + 1))]}" \
      $((count + 64)) "$target" "$iters")
    echo "  $d: churn: $out"
    churn_rate[$d]=$(python3 -c "print(f'{100 * $(field churn_failed "$out") / $iters:.1f} %')")
  else
    churn_rate[$d]="n/a (fills only ${usable[$d]})"
  fi
  design_off
  port_i=$((port_i + 2))
done

echo "== throughput and connection rate: lwb4 vs masquerade, $rounds rounds"
declare -A tp rate rate1 pps_out pps_in
rate_designs=(masquerade lwb4)
[ -n "$baseline" ] && rate_designs+=(baseline)
parts=()
if [ "${PARTS:-0}" = 1 ]; then
  parts=(lwb4-snat lwb4-hooks nft-floor lwb4-netdev)
  bpf_obj=$(mktemp --suffix=.o)
  # The shared address as the host integer of its network-order bytes.
  shared_be=$(python3 -c "import socket,sys; print(int.from_bytes(socket.inet_aton('$shared'), sys.byteorder))")
  if clang -O2 -target bpf -I"/usr/include/$(gcc -dumpmachine)" -DSHARED="$shared_be" \
    -DFIRST=$((65536 - count)) -DA="$a" -DK="$k" -DPSID="$psid" -DETH=1 \
    -c "$here/portmap_tc.bpf.c" -o "$bpf_obj" 2>/dev/null; then
    parts+=(tc-bpf)
  else
    echo "  (no tc-bpf design: clang cannot build $here/portmap_tc.bpf.c)"
  fi
  rate_designs+=("${parts[@]}")
fi
# Three phases, each alternating the designs round by round (the order
# reversed every other round), so that the two sides of a ratio are measured
# seconds apart and no design always follows the same one.
round_designs() { # ROUND: the designs in this round's order
  if [ $(($1 % 2)) = 1 ]; then
    printf '%s\n' "${rate_designs[@]}"
  else
    printf '%s\n' "${rate_designs[@]}" | tac
  fi
}
# phase NAME MEASURE: every round, each design applied in turn, MEASURE
# ROUND DESIGN run with it, the design removed.
phase() {
  local r d
  echo "-- $1"
  for r in $(seq "$rounds"); do
    for d in $(round_designs "$r"); do
      design_on "$d"
      "$2" "$r" "$d"
      design_off
    done
  done
}
measure_throughput() {
  local bps
  bps=$("${on_lan[@]}" iperf3 -c "$far_addr" -t "$tp_seconds" -J |
    python3 -c "import json,sys; print(json.load(sys.stdin)['end']['sum_received']['bits_per_second'])")
  tp[$2]="${tp[$2]:-} $bps"
  printf '  round %s %-12s %6.2f Gbit/s\n' "$1" "$2" "$(python3 -c "print($bps / 1e9)")"
}
measure_connections() {
  local spread_out one
  spread_out=$("${on_lan[@]}" "${flows[@]}" connrate "$far_addr" 8008 "$spread" "$conns")
  one=$("${on_lan[@]}" "${flows[@]}" connrate "$far_addr" "$one_port" 1 "$conns_one" "$one_blocks")
  rate[$2]="${rate[$2]:-} $(field per_second "$spread_out")"
  rate1[$2]="${rate1[$2]:-} $(field per_second "$one")"
  printf '  round %s %-12s %s/s over %s ports, %s/s to one\n' "$1" "$2" \
    "$(field per_second "$spread_out")" "$spread" "$(field per_second "$one")"
}
# A sender pinned to one CPU, the cpe's forwarding in its softirq; the rate
# is what reached the receiving namespace's device.
measure_packets() {
  local before out out_pps in_pps replier holder
  before=$(rx_packets "$far")
  out=$("${on_lan[@]}" "$flood" send "$far_addr" 9 "$pps_seconds")
  out_pps=$(arrived "$before" "$(rx_packets "$far")" "$out")
  "${on_far[@]}" "$flood" reply "$far_addr" 7777 "$pps_seconds" >"$flood.in" &
  replier=$!
  sleep 0.2
  before=$(rx_packets "$lan")
  ip netns exec "$lan" "$flood" hold "$far_addr" 7777 "$(python3 -c "print($pps_seconds + 2)")" &
  holder=$!
  wait "$replier"
  in_pps=$(arrived "$before" "$(rx_packets "$lan")" "$(cat "$flood.in")")
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  pps_out[$2]="${pps_out[$2]:-} $out_pps"
  pps_in[$2]="${pps_in[$2]:-} $in_pps"
  printf '  round %s %-12s %s/%s pps out/in arrived (%s/%s sent)\n' "$1" "$2" "$out_pps" "$in_pps" \
    "$(field pps "$out")" "$(field pps "$(cat "$flood.in")")"
}
phase "TCP throughput" measure_throughput
phase "new connections per second" measure_connections
phase "UDP packets per second, one flow each way" measure_packets
tp_m=$(median <<<"${tp[masquerade]# }") tp_l=$(median <<<"${tp[lwb4]# }")
rate_m=$(median <<<"${rate[masquerade]# }") rate_l=$(median <<<"${rate[lwb4]# }")
rate1_m=$(median <<<"${rate1[masquerade]# }") rate1_l=$(median <<<"${rate1[lwb4]# }")
out_m=$(median <<<"${pps_out[masquerade]# }") out_l=$(median <<<"${pps_out[lwb4]# }")
in_m=$(median <<<"${pps_in[masquerade]# }") in_l=$(median <<<"${pps_in[lwb4]# }")

churn_table=""
if [ "${#churn_designs[@]}" -gt 0 ]; then
  churn_table="
| design, offset $a / PSID-len $k / PSID $psid | TCP ports usable to one destination | new connections failing under churn at $target/$count open |
|---|---|---|
| lwb4 (virtual pool + stateless port map) | ${usable[lwb4]}/$count | ${churn_rate[lwb4]} |
| one snat rule per range (map.sh / fw4 style) | ${usable[per-range]}/$count | ${churn_rate[per-range]} |
| round-robin over one chain per range | ${usable[rr-ranges]}/$count | ${churn_rate[rr-ranges]} |
"
fi
baseline_table=""
if [ -n "$baseline" ]; then
  tp_b=$(median <<<"${tp[baseline]# }") rate_b=$(median <<<"${rate[baseline]# }")
  rate1_b=$(median <<<"${rate1[baseline]# }")
  baseline_table="
| the same rounds, baseline (BASELINE_APPLY) | baseline | baseline / masquerade | lwb4 / baseline |
|---|---|---|---|
| TCP throughput | $(python3 -c "print(f'{$tp_b / 1e9:.2f} Gbit/s')") | $(python3 -c "print(f'{$tp_b / $tp_m:.2f}')") | $(python3 -c "print(f'{$tp_l / $tp_b:.2f}')") |
| new TCP connections per second over $spread destination ports | $rate_b | $(python3 -c "print(f'{$rate_b / $rate_m:.2f}')") | $(python3 -c "print(f'{$rate_l / $rate_b:.2f}')") |
| new TCP connections per second to one destination port | $rate1_b | $(python3 -c "print(f'{$rate1_b / $rate1_m:.2f}')") | $(python3 -c "print(f'{$rate1_l / $rate1_b:.2f}')") |"
fi
parts_table=""
if [ "${PARTS:-0}" = 1 ]; then
  parts_table="
| the same rounds, new TCP connections per second over $spread destination ports | median | / masquerade | median of per-round ratios |
|---|---|---|---|"
  for d in lwb4 "${parts[@]}"; do
    r=$(median <<<"${rate[$d]# }")
    parts_table+="
| $d | $r | $(python3 -c "print(f'{$r / $rate_m:.2f}')") | $(paired "${rate[$d]}" "${rate[masquerade]}") |"
  done
fi
packet_table="
| the same rounds, one UDP flow through the cpe | packets/s out | in | ns per packet above masquerade, out | in |
|---|---|---|---|---|
| masquerade | $out_m | $in_m | 0 | 0 |"
for d in "${rate_designs[@]}"; do
  [ "$d" = masquerade ] && continue
  packet_table+="
| $d | $(median <<<"${pps_out[$d]# }") | $(median <<<"${pps_in[$d]# }") | $(ns_above "${pps_out[$d]}" "${pps_out[masquerade]}") | $(ns_above "${pps_in[$d]}" "${pps_in[masquerade]}") |"
done
machine="$(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), $(nft --version | cut -d' ' -f1-2)"
table=$(
  cat <<EOT
Run $(date -u +%Y-%m-%d) on $machine; \`tests/nat/bench.sh build/dev $a $k $psid\`
(ITERS=$iters ROUNDS=$rounds SECONDS_TP=$tp_seconds CONNS=$conns SPREAD=$spread CONNS_ONE=$conns_one ONE_BLOCKS=$one_blocks PPS_SECONDS=$pps_seconds${RATE_ONLY:+ RATE_ONLY=$RATE_ONLY}${baseline:+ BASELINE_APPLY}${PARTS:+ PARTS=$PARTS}).
$churn_table
| through the cpe (median of $rounds) | masquerade | lwb4 | lwb4 / masquerade | median of per-round ratios |
|---|---|---|---|---|
| TCP throughput (iperf3, ${tp_seconds} s, 1 stream) | $(python3 -c "print(f'{$tp_m / 1e9:.2f} Gbit/s')") | $(python3 -c "print(f'{$tp_l / 1e9:.2f} Gbit/s')") | $(python3 -c "print(f'{$tp_l / $tp_m:.2f}')") | $(paired "${tp[lwb4]}" "${tp[masquerade]}") |
| new TCP connections per second ($conns sequential over $spread destination ports) | $rate_m | $rate_l | $(python3 -c "print(f'{$rate_l / $rate_m:.2f}')") | $(paired "${rate[lwb4]}" "${rate[masquerade]}") |
| new TCP connections per second ($conns_one sequential to one destination port, $one_blocks ports in turn) | $rate1_m | $rate1_l | $(python3 -c "print(f'{$rate1_l / $rate1_m:.2f}')") | $(paired "${rate1[lwb4]}" "${rate1[masquerade]}") |
| UDP packets per second, one flow out ($pps_seconds s) | $out_m | $out_l | $(python3 -c "print(f'{$out_l / $out_m:.2f}')") | $(paired "${pps_out[lwb4]}" "${pps_out[masquerade]}") |
| UDP packets per second, one flow in ($pps_seconds s) | $in_m | $in_l | $(python3 -c "print(f'{$in_l / $in_m:.2f}')") | $(paired "${pps_in[lwb4]}" "${pps_in[masquerade]}") |
$baseline_table
$parts_table
$packet_table
EOT
)
echo
echo "$table"
if [ "$append" = 1 ]; then
  printf '\n%s\n' "$table" >>"$top/docs/benchmarks.md"
  echo "(appended to docs/benchmarks.md)"
fi
