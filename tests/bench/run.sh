#!/usr/bin/env bash
# Every benchmark of the project in sequence, with small defaults, then a
# summary (not a pass/fail test; root; docs/benchmarks.md):
#   1. tests/bench/daemon.sh RUNS IDLE      start to BOUND, processing per
#      message, idle system calls, RSS, stripped sizes (release + bench builds)
#   2. engine_bench (bench preset)          the engine and codecs in memory
#   3. tests/nat/bench.sh build/release     usable ports, churn, throughput
#      and connection rate against masquerade (ROUNDS=NAT_ROUNDS)
#   4. tests/bench/reachability.sh build/vm RUNS   start to reachability over
#      the softwire, in a user-mode-linux guest
#   tests/bench/run.sh [OUT_DIR]     (full outputs in OUT_DIR, default a new
#                                     directory under /tmp)
# Environment: RUNS (default 5), IDLE (seconds, default 10), NAT_ROUNDS
# (default 1), NAT_ITERS (churn, default 300).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=${1:-$(mktemp -d /tmp/lwb4-bench.XXXXXX)}
mkdir -p "$out"
runs=${RUNS:-5} idle=${IDLE:-10} nat_rounds=${NAT_ROUNDS:-1} nat_iters=${NAT_ITERS:-300}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
summary=()
# step NAME ROWS_REGEX CMD...: runs CMD with its output in $out/NAME.txt (and
# on stdout); the summary keeps the lines that match ROWS_REGEX.
step() {
	local name=$1 rows=$2 t0 rc=0 l0
	shift 2
	echo "==== $name: $*"
	l0=$(load)
	t0=$(date +%s)
	"$@" 2>&1 | tee "$out/$name.txt" || rc=$?
	summary+=("" "### $name ($(($(date +%s) - t0)) s, exit $rc; load average $l0 before, $(load) after)" "")
	summary+=("\`$*\`" "")
	[ "$name" != engine_bench ] || summary+=('```')
	if [ "$rc" = 0 ]; then
		# Markdown: a blank line around each table (blank lines kept, so
		# that two tables stay two), other lines as they are.
		mapfile -t -O "${#summary[@]}" summary < <(grep -E "$rows|^\$" "$out/$name.txt" |
			awk '{ t = /^\|/; if (NR > 1 && t != last) print ""; print; last = t }' | cat -s || true)
	else
		summary+=("(failed: $out/$name.txt)")
	fi
	[ "$name" != engine_bench ] || summary+=('```')
}

echo "building the release, bench and vm presets"
{
	cmake --preset release && cmake --build --preset release &&
		cmake --preset bench && cmake --build --preset bench &&
		cmake --preset vm && cmake --build build/vm --target lwb4d lwb4ctl
} >"$out/build.txt" 2>&1 || { tail -n 30 "$out/build.txt" >&2; exit 1; }

step daemon '^\|' tests/bench/daemon.sh "$runs" "$idle"
step engine_bench '^(Benchmark|-----|.*_median )' build/bench/tests/bench/engine_bench \
	--benchmark_repetitions=3 --benchmark_min_time=0.1 --benchmark_report_aggregates_only=true
step nat '^\|' \
	env ROUNDS="$nat_rounds" ITERS="$nat_iters" tests/nat/bench.sh build/release
step reachability '^(\||host load|guest)' tests/bench/reachability.sh build/vm "$runs"

{
	echo "# lwb4 benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc) CPUs"
	printf '%s\n' "${summary[@]}"
} >"$out/summary.md"
echo
cat "$out/summary.md"
echo
echo "full outputs: $out"
