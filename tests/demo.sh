#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds the release binaries and shows what
# lwb4 computes for real provisioning data.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tests/setup-debian.sh build
cmake --preset release >/dev/null
cmake --build --preset release | { grep 'stripped size' || true; }
ctl=build/release/platform/linux/ctl/lwb4ctl
show() { printf '\n$ lwb4ctl %s\n' "$*"; "$ctl" "$@"; }

echo; echo "== The port set a Kea server hands out with v4-portparams \"6, 52/6\""
show calc portset --offset 6 --psid-len 6 --psid 52

echo; echo "== RFC 7597 Appendix A, example 1 (MAP-E BMR + end-user prefix)"
show calc map --ipv6-rule 2001:db8::/40 --ipv4-rule 192.0.2.0/24 --ea-len 16 \
  --prefix 2001:db8:12:3400::/56

echo; echo "== The same rule as odhcp6c hands it to scripts (MAPE=...), as JSON"
show calc map --prefix 2001:db8:12:3400::/56 --json --rule \
  'type=map-e,ealen=16,prefix4len=24,prefix6len=40,ipv4prefix=192.0.2.0,ipv6prefix=2001:db8::,offset=6,br=2001:db8:ffff::1,'

echo; echo "== Bad input is refused with a reason"
show calc portset --offset 6 --psid-len 6 --psid 64 || echo "(exit $?)"
