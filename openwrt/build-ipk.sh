#!/usr/bin/env bash
# Assembles lwb4_<version>_<arch>.ipk (opkg format: a gzip'd tar of
# ./debian-binary, ./data.tar.gz, ./control.tar.gz) from a built tree, with
# the same file list and modes as the SDK recipe (openwrt/Makefile).
#   openwrt/build-ipk.sh BUILD_DIR OUT_DIR     e.g. build/release out
# ARCH overrides the opkg architecture (default: from the build, x86_64).
# The binaries are whatever BUILD_DIR linked against: from a Debian build
# they need glibc; packages for a router come from the SDK recipe.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
cache=$build/CMakeCache.txt
[ -f "$cache" ] || {
  echo "$0: $build is not a CMake build (no CMakeCache.txt)" >&2
  exit 2
}
for f in platform/linux/daemon/lwb4d platform/linux/ctl/lwb4ctl; do
  [ -x "$build/$f" ] || {
    echo "$0: $build/$f is missing (build first: cmake --build $1)" >&2
    exit 2
  }
done
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$cache")
processor=$(sed -n 's/^CMAKE_SYSTEM_PROCESSOR:[A-Z]*=//p' "$cache")
[ -n "$processor" ] || processor=$(uname -m)
arch=${ARCH:-$processor}
release=1
files=$top/openwrt/files
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=$tmp/data
cmake --install "$build" --prefix "$data/usr" --strip >/dev/null
install -D -m 0755 "$files/lwb4.sh" "$data/lib/netifd/proto/lwb4.sh"
install -D -m 0755 "$files/lwb4.script" "$data/lib/netifd/lwb4.script"
install -D -m 0755 "$files/lwb4.rpcd" "$data/usr/libexec/rpcd/lwb4"
install -D -m 0644 "$files/lwb4.acl.json" "$data/usr/share/rpcd/acl.d/lwb4.json"
install -D -m 0644 "$files/lwb4.uci-defaults" "$data/etc/uci-defaults/90-lwb4"
install -D -m 0644 "$files/lwb4.odhcp6c-hook" "$data/etc/odhcp6c.user.d/lwb4"
chmod 0755 "$data/usr/sbin/lwb4d" "$data/usr/sbin/lwb4ctl"
installed_size=$(find "$data" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')

control=$tmp/control
mkdir -p "$control"
cat >"$control/control" <<EOT
Package: lwb4
Version: $version-$release
Depends: libc, libstdcpp6, libnl-route200, libnftnl11, libmnl0, kmod-ip6-tunnel, kmod-nft-nat, kmod-nft-netdev, kmod-nf-conntrack-netlink
Source: openwrt/
SourceName: lwb4
License: GPL-2.0-only
Section: net
Maintainer: lwb4 developers <lwb4@example.org>
Architecture: $arch
Installed-Size: $installed_size
Description: lwB4 softwire client (DHCPv4-over-DHCPv6, lw4o6, MAP-E) with
 port-set NAT in nftables, the netifd protocol "lwb4" and ubus "lwb4".
EOT
# What the SDK's default_postinst does for this package: run its UCI
# defaults once, then let rpcd see the new plugin and ACL.
cat >"$control/postinst" <<'EOT'
#!/bin/sh
[ -n "${IPKG_INSTROOT}" ] && exit 0
if [ -f /etc/uci-defaults/90-lwb4 ]; then
	( . /etc/uci-defaults/90-lwb4 ) && rm -f /etc/uci-defaults/90-lwb4
fi
/etc/init.d/rpcd reload
exit 0
EOT
chmod 0755 "$control/postinst"
printf '2.0\n' >"$tmp/debian-binary"

tar_opts=(--format=gnu --numeric-owner --owner=0 --group=0 --sort=name --mtime="@$epoch")
tar "${tar_opts[@]}" -C "$data" -cf - . | gzip -n >"$tmp/data.tar.gz"
tar "${tar_opts[@]}" -C "$control" -cf - . | gzip -n >"$tmp/control.tar.gz"
ipk=$out/lwb4_${version}-${release}_${arch}.ipk
tar "${tar_opts[@]}" -C "$tmp" -cf - ./debian-binary ./data.tar.gz ./control.tar.gz | gzip -n >"$ipk"
echo "$ipk"
