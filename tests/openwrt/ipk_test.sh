#!/usr/bin/env bash
# Builds the .ipk from a CMake build (openwrt/build-ipk.sh) and takes it
# apart with tar and gzip only: the opkg outer layout, debian-binary, every
# control field, the exact file list, modes and owners, and that the
# packaged binaries run.
#   tests/openwrt/ipk_test.sh BUILD_DIR        (e.g. build/release)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"
build=${1:?usage: $0 BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ipk=$("$top/openwrt/build-ipk.sh" "$build" "$tmp/out")
echo "built $ipk ($(stat -c %s "$ipk") bytes)"
check "file name lwb4_<version>-1_x86_64.ipk" bash -c "[[ '${ipk##*/}' =~ ^lwb4_[0-9]+\.[0-9]+\.[0-9]+-1_x86_64\.ipk$ ]]"
check "outer layer is gzip" gzip -t "$ipk"
check "outer members in order" [ "$(tar -tzf "$ipk" | tr '\n' ' ')" = "./debian-binary ./data.tar.gz ./control.tar.gz " ]
mkdir "$tmp/outer" "$tmp/control" "$tmp/data"
tar -xzf "$ipk" -C "$tmp/outer"
check "debian-binary is 2.0\\n" [ "$(od -An -c "$tmp/outer/debian-binary" | tr -s ' ')" = " 2 . 0 \n" ]
tar -xzf "$tmp/outer/control.tar.gz" -C "$tmp/control"
tar -xzf "$tmp/outer/data.tar.gz" -C "$tmp/data"

control=$tmp/control/control
field() { sed -n "s/^$1: //p" "$control"; }
for f in Package Version Depends Source SourceName License Section Maintainer Architecture \
  Installed-Size Description; do
  check "control field $f: $(field "$f")" [ -n "$(field "$f")" ]
done
check "Package lwb4" [ "$(field Package)" = lwb4 ]
check "Architecture x86_64" [ "$(field Architecture)" = x86_64 ]
check "Depends lists the libraries and kernel modules" bash -c "[ \"$(field Depends)\" = 'libc, libstdcpp6, libnl-route200, libnftnl11, libmnl0, kmod-ip6-tunnel, kmod-nft-nat, kmod-nft-netdev, kmod-nf-conntrack-netlink' ]"
size=$(find "$tmp/data" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
check "Installed-Size = sum of the data files ($size)" [ "$(field Installed-Size)" = "$size" ]
check "no unknown control fields" bash -c "! grep -v -E '^(Package|Version|Depends|Source|SourceName|License|Section|Maintainer|Architecture|Installed-Size|Description): |^ ' '$control'"
check "postinst 0755, valid sh" bash -c "[ \"\$(stat -c %a '$tmp/control/postinst')\" = 755 ] && sh -n '$tmp/control/postinst'"
check "control.tar.gz holds control and postinst only" \
  [ "$(tar -tzf "$tmp/outer/control.tar.gz" | sort | tr '\n' ' ')" = "./ ./control ./postinst " ]

listing=$(tar -tvzf "$tmp/outer/data.tar.gz" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort -k3)
expected="-rw-r--r-- 0/0 ./etc/odhcp6c.user.d/lwb4
-rw-r--r-- 0/0 ./etc/uci-defaults/90-lwb4
-rwxr-xr-x 0/0 ./lib/netifd/lwb4.script
-rwxr-xr-x 0/0 ./lib/netifd/proto/lwb4.sh
-rwxr-xr-x 0/0 ./usr/libexec/rpcd/lwb4
-rwxr-xr-x 0/0 ./usr/sbin/lwb4ctl
-rwxr-xr-x 0/0 ./usr/sbin/lwb4d
-rw-r--r-- 0/0 ./usr/share/rpcd/acl.d/lwb4.json"
if [ "$listing" = "$expected" ]; then
  pass "data: exact file list, modes 0755/0644, owner root"
else
  fail "data: exact file list, modes 0755/0644, owner root"
  diff <(echo "$expected") <(echo "$listing") | sed 's/^/    /' || true
fi
check "ACL is JSON" python3 -m json.tool "$tmp/data/usr/share/rpcd/acl.d/lwb4.json" /dev/null
for b in lwb4d lwb4ctl; do
  check "$b is a stripped x86-64 ELF" bash -c "file -b '$tmp/data/usr/sbin/$b' | grep -q 'ELF 64-bit.*x86-64.*stripped' && ! file -b '$tmp/data/usr/sbin/$b' | grep -q 'not stripped'"
done
check "packaged lwb4ctl runs (calc)" bash -c "'$tmp/data/usr/sbin/lwb4ctl' calc portset --offset 6 --psid-len 8 --psid 0x34 | grep -q '1232-1235'"
check "packaged lwb4d knows --script and --user" bash -c "'$tmp/data/usr/sbin/lwb4d' --help | grep -q -- '--script' && '$tmp/data/usr/sbin/lwb4d' --help | grep -q -- '--user'"
check "the packaged handler is the source one" cmp "$tmp/data/lib/netifd/proto/lwb4.sh" "$top/openwrt/files/lwb4.sh"
ipk2=$("$top/openwrt/build-ipk.sh" "$build" "$tmp/out2")
check "reproducible: a second build is byte-identical" cmp "$ipk" "$ipk2"
check_summary
