#!/usr/bin/env bash
# Cross-builds lwb4core, lwb4ctl and the unit tests with a CMake preset and
# runs the tests under qemu-user. Big-endian MIPS is the default: it catches
# endianness and alignment bugs that x86 hides.
#   cross/run-tests.sh [mips|armhf|aarch64]...
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mips)
for t in "${targets[@]}"; do
  preset=cross-$t
  echo "== $preset: configure + build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" | { grep -E 'stripped size|error|warning' || true; }
  echo "== $preset: unit tests under qemu-user"
  ctest --test-dir "build/$preset" --output-on-failure -j"$(nproc)" -L unit |
    { grep -E 'tests passed|tests failed|\*\*\*Failed|\*\*\*Exception' || true; }
done
