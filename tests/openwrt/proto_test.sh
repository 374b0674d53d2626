#!/usr/bin/env bash
# The OpenWrt glue without OpenWrt: sources openwrt/files/* under busybox
# ash (OpenWrt's shell; dash when busybox is missing) with the recording
# stand-ins of standins.sh and checks the exact calls: the netifd handler's
# setup (the whole lwb4d command line), errors, renew and teardown; the
# --script side; the UCI defaults; the odhcp6c hand-off hook; the rpcd
# plugin against a stand-in lwb4ctl. No root needed. With BUILD_DIR, the
# configuration files the handler writes are also checked by that build's
# `lwb4d --check`.
#   tests/openwrt/proto_test.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lwb4d_bin=${1:+$1/platform/linux/daemon/lwb4d}
# lwb4d --check on a handler's file, its script line pointed at an
# executable here (lwb4d checks that; /lib/netifd is OpenWrt's).
lwb4d_check() {
  sed "s|^script .*|script $tmp/lwb4.script|" "$1" >"$tmp/check.conf"
  "$lwb4d_bin" --check --config "$tmp/check.conf" >/dev/null
}
# shellcheck source=tests/lab/check.sh
. "$top/tests/lab/check.sh"
files=$top/openwrt/files
if command -v busybox >/dev/null; then
  ash=(busybox sh)
else
  ash=(dash)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CALLS=$tmp/calls LWB4_RUN_DIR=$tmp/run LWB4D=$tmp/lwb4d UCI_FILE=$tmp/uci
printf '#!/bin/sh\n' >"$LWB4D"
cp "$LWB4D" "$tmp/lwb4.script"
chmod 0755 "$LWB4D" "$tmp/lwb4.script"
mkdir -p "$LWB4_RUN_DIR"

# run_in FILE SNIPPET: sources the stand-ins and FILE (INCLUDE_ONLY), then
# runs SNIPPET, in a fresh ash; the calls it made end up in $CALLS.
run_in() {
  : >"$CALLS"
  INCLUDE_ONLY=1 "${ash[@]}" -c ". '$top/tests/openwrt/standins.sh'; . '$1'; $2"
}
# expect WHAT: $CALLS equals stdin.
expect() {
  local want
  want=$(cat)
  if [ "$(cat "$CALLS")" = "$want" ]; then
    pass "$1"
  else
    fail "$1"
    diff <(printf '%s\n' "$want") "$CALLS" | sed 's/^/    /' || true
  fi
}

echo "== shellcheck of the shipped scripts"
for f in lwb4.sh lwb4.script lwb4.rpcd lwb4.uci-defaults lwb4.odhcp6c-hook; do
  check "shellcheck $f" shellcheck "$files/$f"
done

echo "== handler: init_config declares every option setup reads"
run_in "$files/lwb4.sh" proto_lwb4_init_config
declared=$(sed -n 's/^proto_config_add_[a-z]* \([a-z0-9_]*\).*/\1/p' "$CALLS" | sort)
read_by_setup=$(sed -n '/^proto_lwb4_setup()/,/^}/p' "$files/lwb4.sh" |
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
  sed -n 's/^[[:space:]]*json_get_vars //p; s/^[[:space:]]*json_get_values [a-z_]* //p' |
  tr -s '[:blank:]' '\n' | grep . | sort)
check "declared options ($(echo "$declared" | wc -l)) = options read" [ "$declared" = "$read_by_setup" ]
# shellcheck disable=SC2016 # expanded by ash
check "no_device/available/renew_handler set" run_in "$files/lwb4.sh" \
  'proto_lwb4_init_config; [ "$no_device$available$renew_handler" = 111 ]'

echo "== handler: setup with defaults"
run_in "$files/lwb4.sh" 'net_wan6=wan6 dev_wan6=eth1; proto_lwb4_setup wan4 ""'
expect "defaults: host dependency, INTERFACE, lwb4d with its configuration file" <<EOT
proto_add_host_dependency wan4 :: wan6
proto_export INTERFACE=wan4
proto_run_command wan4 $LWB4D --foreground --config $LWB4_RUN_DIR/wan4.conf
EOT
# conf_is IFACE WHAT: the handler's configuration file for IFACE equals stdin
# (less its comment line); checked by `lwb4d --check` when built.
conf_is() {
  local want file=$LWB4_RUN_DIR/$1.conf
  want=$(cat)
  if [ "$(grep -v '^#' "$file")" = "$want" ]; then
    pass "$2"
  else
    fail "$2"
    diff <(printf '%s\n' "$want") <(grep -v '^#' "$file") | sed 's/^/    /' || true
  fi
  if [ -n "$lwb4d_bin" ]; then
    check "$1.conf: lwb4d --check accepts it" lwb4d_check "$file"
  fi
}
conf_is wan4 "defaults: uplink device, softwire, control socket, script" <<EOT
uplink eth1
softwire lwb4-wan4
control $LWB4_RUN_DIR/wan4.sock
script /lib/netifd/lwb4.script
EOT

echo "== handler: setup with everything set"
printf 'servers=2001:db8::88,2001:db8::89\nrules=type=lw4o6,prefix4len=32,prefix6len=56,ipv4prefix=192.0.2.1,ipv6prefix=2001:db8:1200::,offset=0,psidlen=8,psid=13312,br=2001:db8::1,\n' \
  >"$LWB4_RUN_DIR/handoff-wan6b"
run_in "$files/lwb4.sh" "dev_wan6b=eth2
  cfg_tunlink=wan6b cfg_mode=map-e cfg_mtu=1460 cfg_encaplimit=none cfg_psidlen=8
  cfg_prefix=2001:db8:12:3400::/56 cfg_legacymap=1 cfg_offer_policy=largest
  cfg_reserve_ports='22 8080-8081' cfg_forward='tcp:2222:192.168.1.10:22 udp:5000:192.168.1.20:5000'
  cfg_nat=0 cfg_zone=wan cfg_log_level=debug cfg_softwire_source=2001:db8:0:1::5 cfg_metric=10
  cfg_ip4table=100 cfg_iaid=7 cfg_duid=00:03:00:01:02:00:5e:00:53:01 cfg_state_dir=$tmp/state
  cfg_user=nobody cfg_handoff=1
  proto_lwb4_setup softwire_uplink_b ''"
expect "everything: every flag, hand-off, ZONE exported, softwire name cut to 15" <<EOT
proto_add_host_dependency softwire_uplink_b :: wan6b
proto_export INTERFACE=softwire_uplink_b
proto_export ZONE=wan
proto_run_command softwire_uplink_b $LWB4D --foreground --config $LWB4_RUN_DIR/softwire_uplink_b.conf
EOT
long_hash=$(printf %s softwire_uplink_b | md5sum | cut -c1-4)
conf_is softwire_uplink_b "everything: every option, hand-off, long softwire name cut with a hash" <<EOT
uplink eth2
softwire lwb4-softw-$long_hash
control $LWB4_RUN_DIR/softwire_uplink_b.sock
script /lib/netifd/lwb4.script
mode map-e
mtu 1460
encaplimit none
psid-len 8
prefix 2001:db8:12:3400::/56
legacy-map
offer-policy largest
reserve-ports 22,8080-8081
forward tcp:2222:192.168.1.10:22
forward udp:5000:192.168.1.20:5000
nat off
log-level debug
softwire-source 2001:db8:0:1::5
route-metric 10
route-table 100
iaid 7
duid 00:03:00:01:02:00:5e:00:53:01
state-dir $tmp/state
user nobody
dhcp4o6-servers 2001:db8::88,2001:db8::89
s46-rules type=lw4o6,prefix4len=32,prefix6len=56,ipv4prefix=192.0.2.1,ipv6prefix=2001:db8:1200::,offset=0,psidlen=8,psid=13312,br=2001:db8::1,
EOT
run_in "$files/lwb4.sh" "dev_wan6b=eth2 cfg_tunlink=wan6b; proto_lwb4_setup softwire_uplink_c ''"
check "two long interface names, two softwire names" bash -c \
  "! grep -qx 'softwire lwb4-softw-$long_hash' '$LWB4_RUN_DIR/softwire_uplink_c.conf'"
run_in "$files/lwb4.sh" "dev_wan6b=eth2 cfg_tunlink=wan6b; proto_lwb4_setup wan4_tench ''"
check "a name that fits (15) is kept" grep -qx 'softwire lwb4-wan4_tench' "$LWB4_RUN_DIR/wan4_tench.conf"
many=""
for i in $(seq 40); do many+=" tcp:$((20000 + i)):192.168.1.$i:22"; done
run_in "$files/lwb4.sh" "net_wan6=wan6 dev_wan6=eth1 cfg_forward='$many'; proto_lwb4_setup wan4 ''"
check "40 forwards: still 4 arguments for netifd (it takes at most 62)" \
  grep -qx "proto_run_command wan4 $LWB4D --foreground --config $LWB4_RUN_DIR/wan4.conf" "$CALLS"
check "40 forwards: 40 forward lines" [ "$(grep -c '^forward tcp:' "$LWB4_RUN_DIR/wan4.conf")" = 40 ]
[ -z "$lwb4d_bin" ] || check "40 forwards: lwb4d --check accepts them" \
  lwb4d_check "$LWB4_RUN_DIR/wan4.conf"
check "state dir created for the user" test -d "$tmp/state"
run_in "$files/lwb4.sh" "dev_wan6b=eth2 cfg_tunlink=wan6b cfg_handoff=0; proto_lwb4_setup w ''"
check "handoff 0: no dhcp4o6-servers/s46-rules" bash -c "! grep -q '^dhcp4o6-servers\|^s46-rules' '$LWB4_RUN_DIR/w.conf'"

echo "== handler: bad values"
bad() {
  local code=$1 setting=$2
  run_in "$files/lwb4.sh" "net_wan6=wan6 dev_wan6=eth1 $setting; proto_lwb4_setup wan4 '' 2>'$tmp/stderr'; echo \"status \$?\" >>\"\$CALLS\""
  expect "$setting -> $code" <<EOT
proto_notify_error wan4 $code
proto_block_restart wan4
status 1
EOT
}
bad INVALID_MODE cfg_mode=map-t
bad INVALID_MTU cfg_mtu=67
bad INVALID_MTU cfg_mtu=65536
bad INVALID_MTU cfg_mtu=15OO
bad INVALID_ENCAPLIMIT cfg_encaplimit=256
bad INVALID_PSIDLEN cfg_psidlen=17
bad INVALID_OFFER_POLICY cfg_offer_policy=best
bad INVALID_LOG_LEVEL cfg_log_level=verbose
bad INVALID_METRIC cfg_metric=-1
bad INVALID_IP4TABLE cfg_ip4table=0
bad INVALID_RESERVE_PORTS "cfg_reserve_ports='22 9000-8000'"
bad INVALID_RESERVE_PORTS cfg_reserve_ports=0
bad INVALID_RESERVE_PORTS cfg_reserve_ports=22,,23
run_in "$files/lwb4.sh" "net_wan6=wan6 dev_wan6=eth1 cfg_reserve_ports='22,8080-8081 443'; proto_lwb4_setup wan4 ''"
check "reserve_ports as one comma option and a list item" grep -qx 'reserve-ports 22,8080-8081,443' "$LWB4_RUN_DIR/wan4.conf"
bad INVALID_FORWARD cfg_forward=sctp:2222:192.168.1.10:22
bad INVALID_FORWARD cfg_forward=tcp:2222:192.168.1.300:22
bad INVALID_FORWARD cfg_forward=tcp:2222:192.168.1.10
bad NO_SUCH_USER cfg_user=lwb4-no-such-user
check "the error names the option and value" grep -q "user 'lwb4-no-such-user' does not exist" "$tmp/stderr"
run_in "$files/lwb4.sh" "LWB4D=$tmp/missing; proto_lwb4_setup wan4 '' 2>/dev/null; true"
expect "missing daemon -> MISSING_DAEMON" <<EOT
proto_notify_error wan4 MISSING_DAEMON
proto_block_restart wan4
EOT
run_in "$files/lwb4.sh" "proto_lwb4_setup wan4 ''; true"
expect "no IPv6 uplink -> NO_UPLINK, retried once an IPv6 default route exists" <<EOT
proto_add_host_dependency wan4 ::
proto_notify_error wan4 NO_UPLINK
EOT
run_in "$files/lwb4.sh" "cfg_tunlink=wan6; proto_lwb4_setup wan4 '' 2>/dev/null; true"
expect "uplink without a device yet -> dependency, NO_UPLINK_DEVICE" <<EOT
proto_add_host_dependency wan4 :: wan6
proto_notify_error wan4 NO_UPLINK_DEVICE
EOT

echo "== handler: renew and teardown"
run_in "$files/lwb4.sh" "proto_lwb4_renew wan4"
expect "renew -> SIGUSR1 ($(kill -l USR1)) to lwb4d" <<EOT
proto_kill_command wan4 $(kill -l USR1)
EOT
touch "$LWB4_RUN_DIR/wan4.sock"
run_in "$files/lwb4.sh" "proto_lwb4_teardown wan4"
expect "teardown -> SIGTERM (default) to lwb4d" <<<"proto_kill_command wan4"
check "... and the control socket removed (lwb4d as user cannot)" test ! -e "$LWB4_RUN_DIR/wan4.sock"
run_in "$files/lwb4.sh" "ERROR=1 proto_lwb4_teardown wan4"
expect "lwb4d exited 1 (setup failed): restarted as usual" <<<"proto_kill_command wan4"
run_in "$files/lwb4.sh" "ERROR=2 proto_lwb4_teardown wan4"
expect "lwb4d exited 2 (configuration refused): CONFIG_REJECTED, no restart loop" <<EOT
proto_notify_error wan4 CONFIG_REJECTED
proto_block_restart wan4
proto_kill_command wan4
EOT

echo "== lwb4.script (run by lwb4d --script)"
bound_env="INTERFACE=wan4 ACTION=bound MODE=dhcp4o6 IPV4=192.0.2.10 PSID_OFFSET=6 PSID_LEN=8 PSID=52
  PORT_COUNT=240 PORT_RANGES='1024-1027 2048-2051' BR=2001:db8::1 SOFTWIRE_SOURCE=2001:db8:1::10
  TUNNEL=lwb4-wan4 DNS='192.0.2.53 198.51.100.53'"
run_in "$files/lwb4.script" "$bound_env ZONE=wan; export INTERFACE; lwb4_script_main"
expect "bound: external l3 device and /32, DNS, data, no route" <<EOT
proto_init_update lwb4-wan4 1 1
proto_add_ipv4_address 192.0.2.10 32
proto_add_dns_server 192.0.2.53
proto_add_dns_server 198.51.100.53
proto_add_data
json_add_string mode dhcp4o6
json_add_string ipv4 192.0.2.10
json_add_int psid_offset 6
json_add_int psid_len 8
json_add_int psid 52
json_add_int port_count 240
json_add_array port_ranges
json_add_string '' 1024-1027
json_add_string '' 2048-2051
json_close_array
json_add_string br 2001:db8::1
json_add_string softwire_source 2001:db8:1::10
json_add_string tunnel lwb4-wan4
json_add_string zone wan
proto_close_data
proto_send_update wan4
EOT
run_in "$files/lwb4.script" "INTERFACE=wan4 ACTION=withdrawn; lwb4_script_main"
expect "withdrawn: interface down, kept for the next lease" <<EOT
proto_init_update * 0
proto_send_update wan4
EOT
if run_in "$files/lwb4.script" "ACTION=bound lwb4_script_main" 2>"$tmp/stderr"; then
  fail "no INTERFACE: refused"
else
  check "no INTERFACE: refused with a reason" grep -q 'INTERFACE is not set' "$tmp/stderr"
fi
if run_in "$files/lwb4.script" "INTERFACE=x ACTION=nope lwb4_script_main" 2>"$tmp/stderr"; then
  fail "unknown ACTION: refused"
else
  check "unknown ACTION: refused with a reason" grep -q "unknown ACTION 'nope'" "$tmp/stderr"
fi

echo "== UCI defaults: reqopts 88 94 96 111 on the uplinks"
cat >"$UCI_FILE" <<'EOT'
network.wan6=interface
network.wan6.proto='dhcpv6'
network.wan6.reqopts='23 17'
network.up2=interface
network.up2.proto='dhcpv6'
network.up3=interface
network.up3.proto='static'
network.sw=interface
network.sw.proto='lwb4'
network.sw.tunlink='up2'
network.sw3=interface
network.sw3.proto='lwb4'
network.sw3.tunlink='up3'
EOT
run_in "$files/lwb4.uci-defaults" "lwb4_uci_defaults_main >/dev/null"
expect "appends to wan6, sets the lwb4 uplink, leaves a static one alone" <<EOT
uci set 'network.up2.reqopts=88 94 96 111'
uci set 'network.wan6.reqopts=23 17 88 94 96 111'
uci commit network
EOT
run_in "$files/lwb4.uci-defaults" "lwb4_uci_defaults_main >/dev/null"
expect "second run changes nothing" <<<"uci commit network"
check "up3 has no reqopts" bash -c "! grep -q '^network.up3.reqopts' '$UCI_FILE'"
printf "network.wan6=interface\nnetwork.wan6.proto='dhcpv6'\nnetwork.wan6.reqopts='96 111 7 88 94'\n" >"$UCI_FILE"
run_in "$files/lwb4.uci-defaults" "lwb4_uci_defaults_main >/dev/null"
expect "all four already there in another order: untouched" <<<"uci commit network"
printf "network.wan6=interface\nnetwork.wan6.proto='dhcpv6'\nnetwork.wan6.reqopts='88 96'\n" >"$UCI_FILE"
run_in "$files/lwb4.uci-defaults" "lwb4_uci_defaults_main >/dev/null"
expect "an earlier version's 88 96: 94 and 111 added" <<EOT
uci set 'network.wan6.reqopts=88 96 94 111'
uci commit network
EOT

echo "== odhcp6c hook: OPTION_88 / MAPE / LW4O6 hand-off"
hex=20010db8000000000000000000000088fe80000000000000020000fffe005301
check "OPTION_88 two addresses" run_in "$files/lwb4.odhcp6c-hook" \
  "[ \"\$(lwb4_option88_servers $hex)\" = 2001:db8:0:0:0:0:0:88,fe80:0:0:0:200:ff:fe00:5301 ]"
check "OPTION_88 empty -> multicast" run_in "$files/lwb4.odhcp6c-hook" \
  "[ \"\$(lwb4_option88_servers '')\" = multicast ]"
check "OPTION_88 not 16-byte aligned -> refused" run_in "$files/lwb4.odhcp6c-hook" \
  "! lwb4_option88_servers 20010db8"
check "OPTION_88 not hex -> refused" run_in "$files/lwb4.odhcp6c-hook" \
  "! lwb4_option88_servers 20010db8000000000000000000000zz8"
printf "network.sw=interface\nnetwork.sw.proto='lwb4'\nnetwork.sw.tunlink='wan6'\nnetwork.other=interface\nnetwork.other.proto='lwb4'\nnetwork.other.tunlink='wan6b'\nnetwork.auto=interface\nnetwork.auto.proto='lwb4'\nnetwork.wan6=interface\nnetwork.wan6.proto='dhcpv6'\n" >"$UCI_FILE"
hook() { run_in "$files/lwb4.odhcp6c-hook" "$1; lwb4_hook_main eth1 $2"; }
rules='type=lw4o6,prefix4len=32,prefix6len=56,ipv4prefix=192.0.2.1,ipv6prefix=2001:db8:1200::,offset=0,psidlen=8,psid=13312,br=2001:db8::1,'
hook "INTERFACE=wan6 OPTION_88=$hex LW4O6='$rules' MAPE=''; export OPTION_88" bound
expect "bound with 88 and LW4O6: restarts the lwb4 interfaces on wan6 and without tunlink" <<EOT
logger -t lwb4 'wan6: odhcp6c hand-off changed; restarting sw'
ifup sw
logger -t lwb4 'wan6: odhcp6c hand-off changed; restarting auto'
ifup auto
EOT
check "hand-off file content" [ "$(cat "$LWB4_RUN_DIR/handoff-wan6")" = \
  "servers=2001:db8:0:0:0:0:0:88,fe80:0:0:0:200:ff:fe00:5301
rules=$rules" ]
hook "INTERFACE=wan6 OPTION_88=$hex LW4O6='$rules'; export OPTION_88" updated
expect "same values again: nothing restarted" </dev/null
hook "INTERFACE=wan6 OPTION_88=''; export OPTION_88" updated
check "88 present but empty -> servers=multicast" [ "$(cat "$LWB4_RUN_DIR/handoff-wan6")" = servers=multicast ]
hook "INTERFACE=wan6 OPTION_88=abc; export OPTION_88" rebound
check "malformed 88 logged, file removed" bash -c "grep -q \"ignoring a malformed OPTION_88 'abc'\" '$CALLS' && [ ! -e '$LWB4_RUN_DIR/handoff-wan6' ]"
hook "INTERFACE=wan6 OPTION_88=$hex; export OPTION_88" bound
hook "INTERFACE=wan6" unbound
check "unbound removes the hand-off and restarts" bash -c "[ ! -e '$LWB4_RUN_DIR/handoff-wan6' ] && grep -q '^ifup sw$' '$CALLS'"
hook "INTERFACE=wan6 OPTION_88=$hex LW4O6='$rules' OPTION_111=005e0060; export OPTION_88 OPTION_111" bound
check "with an S46 priority (OPTION_111): servers handed over, rules not (lwb4d follows 111)" \
  [ "$(cat "$LWB4_RUN_DIR/handoff-wan6")" = "servers=2001:db8:0:0:0:0:0:88,fe80:0:0:0:200:ff:fe00:5301" ]
printf "network.sw=interface\nnetwork.sw.proto='lwb4'\nnetwork.down=interface\nnetwork.down.proto='lwb4'\nnetwork.off=interface\nnetwork.off.proto='lwb4'\nnetwork.off.handoff='0'\n" >"$UCI_FILE"
hook "INTERFACE=wan6 autostart_down=false" unbound
expect "restarts only interfaces netifd keeps up and that take the hand-off" <<EOT
logger -t lwb4 'wan6: odhcp6c hand-off changed; restarting sw'
ifup sw
EOT

echo "== rpcd plugin (stand-in lwb4ctl)"
export LWB4CTL=$tmp/lwb4ctl
cat >"$LWB4CTL" <<EOT
#!/bin/sh
echo "\$*" >>"$tmp/ctl-args"
case "\$1" in
status) printf '{"uplink":"%s","state":"BOUND"}\n' "\${3##*/}" ;;
renew) [ "\${3##*/}" = down.sock ] && { echo "lwb4ctl: cannot connect" >&2; exit 1; } ;;
esac
exit 0
EOT
chmod 0755 "$LWB4CTL"
rm -f "$LWB4_RUN_DIR"/*
for s in wan4 wan4b; do
  python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$LWB4_RUN_DIR/$s.sock"
done
rpcd() { INCLUDE_ONLY=1 "${ash[@]}" -c ". '$top/tests/openwrt/standins.sh'; . '$files/lwb4.rpcd'; lwb4_rpcd_main $1" <<<"$2"; }
valid_json() { python3 -c 'import json,sys; json.loads(sys.argv[1])' "$1"; }
out=$(rpcd list "")
check "list is JSON with status/renew/release" python3 -c \
  'import json,sys; d=json.loads(sys.argv[1]); assert sorted(d)==["release","renew","status"] and d["status"]=={"interface":"str"}' "$out"
: >"$tmp/ctl-args"
out=$(rpcd "call status" '{"interface":"wan4"}')
check "status of one interface: lwb4ctl status --json on its socket" \
  [ "$out|$(cat "$tmp/ctl-args")" = "{\"uplink\":\"wan4.sock\",\"state\":\"BOUND\"}|status --control $LWB4_RUN_DIR/wan4.sock --json" ]
out=$(rpcd "call status" '{}')
check "status of all: keyed by interface" python3 -c \
  'import json,sys; d=json.loads(sys.argv[1]); assert sorted(d)==["wan4","wan4b"] and d["wan4b"]["state"]=="BOUND"' "$out"
: >"$tmp/ctl-args"
out=$(rpcd "call renew" '{"interface":"wan4b"}')
check "renew one" [ "$out|$(cat "$tmp/ctl-args")" = "{\"result\":\"ok\"}|renew --control $LWB4_RUN_DIR/wan4b.sock" ]
out=$(rpcd "call release" '')
check "release all (no arguments)" python3 -c \
  'import json,sys; d=json.loads(sys.argv[1]); assert d=={"wan4":{"result":"ok"},"wan4b":{"result":"ok"}}' "$out"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$LWB4_RUN_DIR/down.sock"
out=$(rpcd "call renew" '{"interface":"down"}')
check "lwb4ctl failure -> {\"error\": ...} naming the interface ($out)" \
  [ "$out" = '{"error":"down: lwb4ctl: cannot connect"}' ]
out=$(rpcd "call status" '{"interface":"../../etc/x"}')
check "path in interface refused" [ "$out" = "{\"error\":\"'../../etc/x' is not an interface name\"}" ]
out=$(rpcd "call status" '{"interface":"wan9"}')
check "unknown interface" [ "$out" = "{\"error\":\"no lwb4d runs for interface 'wan9'\"}" ]
out=$(rpcd "call status" 'not json')
check "bad arguments" [ "$out" = '{"error":"the arguments are not a JSON object"}' ]
out=$(rpcd "call frob" '{}')
check "unknown method, valid JSON" valid_json "$out"

check_summary
