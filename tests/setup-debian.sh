#!/usr/bin/env bash
# Installs what building and testing lwb4 needs on Debian 12 (bookworm).
# Idempotent; uses sudo when not run as root.
#   tests/setup-debian.sh [build|lab|all]
#     build: compiler and build tools
#     lab:   build + the namespace lab (tests/lab: Kea 4o6 server, nftables, ...)
#     all:   (default) build + lab + test tools, fuzzing and cross compilers
set -euo pipefail
profile=${1:-all}
packages=(cmake ninja-build g++ pkg-config file libnl-3-dev libnl-route-3-dev libnftnl-dev libmnl-dev)
case $profile in
build) ;;
lab | all)
  packages+=(
    kea-dhcp4-server kea-dhcp6-server nftables iproute2 iputils-ping tcpdump
    python3 procps shellcheck isc-dhcp-client busybox-static iperf3
  )
  ;;
*)
  echo "usage: $0 [build|lab|all]" >&2
  exit 2
  ;;
esac
if [ "$profile" = all ]; then
  packages+=(
    googletest libbenchmark-dev clang libclang-rt-14-dev clang-format strace
    g++-mips-linux-gnu g++-arm-linux-gnueabihf g++-aarch64-linux-gnu qemu-user
  )
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
