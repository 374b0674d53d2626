#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs its Debian 12 packages, checks
# formatting, builds with ASan/UBSan and runs the unit tests, checks the
# namespace lab against a real Kea DHCPv4-over-DHCPv6 server and runs lwb4d
# against it end to end (also next to dhclient -6), checks the OpenWrt glue
# (netifd handler, rpcd plugin, --user/--script in the lab, the .ipk), tests the nftables
# port-set NAT in namespaces and the netlink softwire on a user-mode-linux
# kernel that has ip6_tunnel, builds the
# libFuzzer targets and fuzzes each decoder briefly, runs the unit tests on
# big-endian MIPS under qemu, and prints the stripped release sizes.
#   tests/run-all.sh            (FUZZ_SECONDS=N to change the fuzz time)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fuzz_seconds=${FUZZ_SECONDS:-30}
step() { printf '\n==== %s\n' "$*"; }

step "setup"
tests/setup-debian.sh

step "format (clang-format --dry-run) and shellcheck"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
git ls-files '*.sh' .ci/run | xargs shellcheck

step "dev: ASan + UBSan build, unit tests"
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev -j"$(nproc)"

step "openwrt: netifd handler, lwb4.script, UCI defaults, odhcp6c hook, rpcd plugin (busybox ash)"
tests/openwrt/proto_test.sh build/dev

step "lab: namespaces + Kea 4o6 self-test (as root)"
tests/lab/selftest.sh

step "lab: lwb4d provisioning end to end against Kea"
tests/lab/provision_test.sh build/dev

step "openwrt: lwb4d --user nobody --script and the rpcd plugin against Kea"
tests/openwrt/lab_test.sh build/dev

step "lab: lwb4d next to another DHCPv6 client (dhclient -6)"
tests/lab/coexist_test.sh build/dev

step "lab: lw4o6, MAP-E, the RFC 8026 choice and the odhcp6c hand-off against Kea"
tests/lab/modes_test.sh build/dev
step "lab: lwb4d --mode pcp against a scripted PCP server (MAP + PORT_SET)"
tests/lab/pcp_test.sh build/dev

step "nat: port-set NAT in nftables, every port of the set and none outside"
tests/nat/portset_nat_test.sh build/dev
tests/nat/portset_nat_test.sh build/dev 4 8 18
EGRESS_HOOK=netdev tests/nat/portset_nat_test.sh build/dev
tests/nat/daemon_nat_test.sh build/dev

step "vm: the softwire, lwb4d --kernel netlink and the provisioning modes behind an lwAFTR (user-mode-linux)"
cmake --preset vm >/dev/null
cmake --build --preset vm
tests/vm/vm-run.sh --prepare
tests/vm/softwire_test.sh build/vm
tests/openwrt/caps_vm_test.sh build/vm
tests/vm/daemon_test.sh build/vm
tests/vm/modes_e2e_test.sh build/vm
tests/vm/flowtable_test.sh build/vm

step "fuzz: libFuzzer targets, corpus replay, ${fuzz_seconds}s per decoder"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --preset fuzz
tests/fuzz/run.sh build/fuzz "$fuzz_seconds"

step "big-endian MIPS under qemu-mips"
cross/run-tests.sh mips

step "benchmarks build (engine_bench; run them with tests/bench/daemon.sh, not here)"
cmake --preset bench >/dev/null
cmake --build --preset bench

step "release sizes (x86_64 and MIPS, stripped)"
cmake --preset release >/dev/null
cmake --build --preset release | { grep 'stripped size' || true; }
for f in build/release/platform/linux/ctl/lwb4ctl.stripped build/release/platform/linux/daemon/lwb4d.stripped \
  build/cross-mips/platform/linux/ctl/lwb4ctl.stripped; do
  printf '%-55s %8d bytes  (%s)\n' "$f" "$(stat -c %s "$f")" "$(file -b "$f" | cut -d, -f1-2)"
done

step "openwrt: .ipk from the x86_64 release build"
tests/openwrt/ipk_test.sh build/release

echo
echo "all checks passed"
