#!/usr/bin/env bash
# Fuzzes every decoder for a bounded time, starting from its seed corpus
# (copied, so the repository's corpus is not modified). Prints executions per
# target and fails on any crash or sanitizer report.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
build=$1
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for fuzzer in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer"); name=${name#fuzz_}
  mkdir -p "$work/$name"
  cp "$here/corpus/$name"/* "$work/$name"/ 2>/dev/null || true
  log="$work/$name.log"
  if "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/$name-" \
      "$work/$name" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    printf 'fuzz %-12s ok   %10s executions in %ss\n' "$name" "$runs" "$seconds"
  else
    printf 'fuzz %-12s FAILED\n' "$name"
    tail -40 "$log"
    status=1
  fi
done
exit $status
