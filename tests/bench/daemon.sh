#!/usr/bin/env bash
# Daemon benchmark on the namespace lab against Kea (root; release build):
# time from lwb4d start to BOUND over several runs, system calls made while
# bound and idle, resident memory, and stripped binary sizes.
#   tests/bench/daemon.sh [RUNS] [IDLE_SECONDS]     (defaults 5 and 60)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${1:-5}
idle=${2:-60}
build=build/release
lwb4d=$build/platform/linux/daemon/lwb4d
lwb4ctl=$build/platform/linux/ctl/lwb4ctl
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)" >&2; exit 2; }
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
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
lab_up --valid 3600 --renew 1800 --rebind 3000 >/dev/null
dir=$(lab_dir)
ms() { echo $(($(date +%s%N) / 1000000)); }
start() { # [extra lwb4d options]
  ip netns exec "$(lab_ns cpe)" "$lwb4d" --uplink wan0 --kernel none --state-dir "$dir/state" \
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
series "$runs" --no-start-delay --offer-window 0
fast=$result
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
REPORT
