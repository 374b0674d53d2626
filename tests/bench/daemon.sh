#!/usr/bin/env bash
# Daemon benchmark on the namespace lab against Kea (root; release build):
# time from lwb4d start to BOUND over several runs, lwb4d's own processing
# per message and Kea's reply delays from a capture of the CPE's uplink
# during those runs (tests/bench/pcap_delays.py), system calls made while
# bound and idle, resident memory, and stripped binary sizes.
#   tests/bench/daemon.sh [RUNS] [IDLE_SECONDS]     (defaults 5 and 60)
# LWB4D_WRAP, if set, is a command lwb4d runs under (e.g. "chrt -f 10", to
# tell waits for a CPU from work on a loaded machine).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${1:-5}
idle=${2:-60}
build=build/release
lwb4d=$build/platform/linux/daemon/lwb4d
lwb4ctl=$build/platform/linux/ctl/lwb4ctl
for tool in strace tcpdump; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 2; }
done
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
cmake --preset bench >/dev/null
cmake --build --preset bench >/dev/null
engine_bench=build/bench/tests/bench/engine_bench
# shellcheck source=tests/lab/lab.sh
. tests/lab/lab.sh
pid="" capture=""
finish() {
  if [ -n "$capture" ]; then kill "$capture" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  lab_down
}
trap finish EXIT
lab_up --valid 3600 --renew 1800 --rebind 3000 >/dev/null
dir=$(lab_dir)
ms() { echo $(($(date +%s%N) / 1000000)); }
read -ra wrap <<<"${LWB4D_WRAP:-}"
start() { # [extra lwb4d options]
  ip netns exec "$(lab_ns cpe)" "${wrap[@]}" "$lwb4d" --uplink wan0 --kernel none --state-dir "$dir/state" \
    --control "$dir/lwb4.sock" --foreground "$@" >>"$dir/lwb4d.log" 2>&1 &
  pid=$!
}
bound() { "$lwb4ctl" status --control "$dir/lwb4.sock" 2>/dev/null | grep -q 'dhcp4 BOUND'; }

# series RUNS [options]: start-to-BOUND times in ms, sorted, into $result;
# leaves the last lwb4d running (not in a subshell: $pid must survive).
result=""
series() {
  local n=$1 r t0 times=()
  shift
  for ((r = 0; r < n; r++)); do
    if [ -n "$pid" ]; then
      kill -TERM "$pid" && wait "$pid"
      pid=""
    fi
    t0=$(ms)
    start "$@"
    until bound; do sleep 0.001; done
    times+=($(($(ms) - t0)))
  done
  result=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
}
# The fast series on the wire: every DHCP datagram of the CPE's uplink with
# the kernel's nanosecond receive/transmit timestamps. --immediate-mode:
# without it the packets of the last second sit in the capture ring and are
# lost when tcpdump stops.
ip netns exec "$(lab_ns cpe)" tcpdump -i wan0 -n -U --immediate-mode --time-stamp-precision nano \
  -w "$dir/wan0.pcap" udp port 546 or udp port 547 >/dev/null 2>"$dir/tcpdump.log" &
capture=$!
for ((i = 0; i < 100; i++)); do
  grep -qs listening "$dir/tcpdump.log" && break
  sleep 0.05
done
grep -qs listening "$dir/tcpdump.log" || { cat "$dir/tcpdump.log" >&2; exit 1; }
series "$runs" --no-start-delay --offer-window 0
fast=$result
sleep 0.2
kill -INT "$capture"
wait "$capture" || true
capture=""
# The same messages in memory (tests/bench/engine_bench.cpp), one mean per
# repetition.
"$engine_bench" --benchmark_filter='Reply_to|Offer_to|Ack_to|Start_to' \
  --benchmark_repetitions="$runs" --benchmark_min_time=0.2 --benchmark_format=json \
  >"$dir/engine_bench.json" 2>/dev/null
series "$runs"
sorted=$result

# Bound, with the next timer (T1) 30 minutes away: count system calls.
sleep 1
timeout -s INT "$idle" strace -f -c -p "$pid" -o "$dir/strace.txt" 2>/dev/null || true
calls=$(awk '$NF == "total" {print $(NF-1)}' "$dir/strace.txt")
calls=${calls:-0}
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

size() { stat -c %s "$1"; }
cat <<REPORT
| measure | value |
|---|---|
| lwb4d start to BOUND, random start waits off, no offer window ($runs runs, ms, sorted; includes process start and status polling) | $fast|
| lwb4d start to BOUND with the default waits (0–1 s INF_MAX_DELAY, 0–1 s INIT, 1 s offer window) | $sorted|
| system calls while bound and idle, $idle s | $calls |
| lwb4d resident memory (VmRSS) | $rss kB |
| lwb4d stripped, x86_64 | $(size "$lwb4d.stripped") bytes |
| lwb4ctl stripped, x86_64 | $(size "$lwb4ctl.stripped") bytes |

Processing per message: on the wire, from a capture of the CPE's uplink
during the $runs fast runs, the time from a server datagram to lwb4d's
answer (kernel and daemon) and Kea's reply times; in memory, engine_bench's
Engine::on_datagram + take_actions (+ the on_timer due at once), one mean
per repetition ($runs repetitions):

$("$LAB_PYTHON" tests/bench/pcap_delays.py "$dir/wan0.pcap" "$dir/engine_bench.json")
REPORT
