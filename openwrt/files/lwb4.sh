#!/bin/sh
# shellcheck shell=dash
# netifd protocol handler "lwb4": runs lwb4d on the IPv6 uplink `tunlink`.
# lwb4d configures the softwire, the /32, the IPv4 default route and the
# port-set NAT itself; /lib/netifd/lwb4.script, which lwb4d runs on every
# change, tells netifd the tunnel device (for the firewall zone), the DNS
# servers and the lease facts (interface status, `data`). openwrt/README.md
# explains the split.

[ -n "$INCLUDE_ONLY" ] || {
	# shellcheck source=/dev/null
	. /lib/functions.sh
	# shellcheck source=/dev/null
	. /lib/functions/network.sh
	# shellcheck source=/dev/null
	. ../netifd-proto.sh
	init_proto "$@"
}

LWB4D=${LWB4D:-/usr/sbin/lwb4d}
LWB4_SCRIPT=${LWB4_SCRIPT:-/lib/netifd/lwb4.script}
LWB4_RUN_DIR=${LWB4_RUN_DIR:-/var/run/lwb4}

proto_lwb4_init_config() {
	# shellcheck disable=SC2034 # read by netifd-proto.sh
	no_device=1
	# shellcheck disable=SC2034
	available=1
	# shellcheck disable=SC2034
	renew_handler=1

	proto_config_add_string "tunlink"
	proto_config_add_string "mode"
	proto_config_add_int "mtu"
	proto_config_add_string "encaplimit"
	proto_config_add_int "psidlen"
	proto_config_add_string "prefix"
	proto_config_add_boolean "legacymap"
	proto_config_add_string "offer_policy"
	proto_config_add_array "reserve_ports:list(string)"
	proto_config_add_array "forward:list(string)"
	proto_config_add_boolean "nat"
	proto_config_add_string "zone"
	proto_config_add_string "log_level"
	proto_config_add_string "softwire_source"
	proto_config_add_int "metric"
	proto_config_add_int "ip4table"
	proto_config_add_string "iaid"
	proto_config_add_string "duid"
	proto_config_add_string "state_dir"
	proto_config_add_string "user"
	proto_config_add_boolean "handoff"
}

# Fails (status 1) unless $1 is a decimal number in [$2, $3].
lwb4_in_range() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "${#1}" -le 10 ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# "22" or "8080-8081", each port 1..65535 and first <= last.
lwb4_port_or_range() {
	local first="${1%%-*}" last="${1#*-}"
	lwb4_in_range "$first" 1 65535 && lwb4_in_range "$last" 1 65535 && [ "$first" -le "$last" ]
}

# PROTO:EXT_PORT:LAN_ADDR:PORT with PROTO tcp or udp and an IPv4 LAN_ADDR.
lwb4_valid_forward() {
	local proto ext addr port rest
	IFS=: read -r proto ext addr port rest <<-EOT
		$1
	EOT
	[ -z "$rest" ] || return 1
	case "$proto" in tcp | udp) ;; *) return 1 ;; esac
	lwb4_in_range "$ext" 1 65535 && lwb4_in_range "$port" 1 65535 || return 1
	local a b c d more
	IFS=. read -r a b c d more <<-EOT
		$addr
	EOT
	[ -z "$more" ] && lwb4_in_range "$a" 0 255 && lwb4_in_range "$b" 0 255 &&
		lwb4_in_range "$c" 0 255 && lwb4_in_range "$d" 0 255
}

# Configuration errors: netifd shows CODE in `ifstatus`/LuCI and does not
# retry until the configuration changes.
lwb4_config_error() {
	local cfg="$1" code="$2"
	shift 2
	echo "lwb4 $cfg: $*" >&2
	proto_notify_error "$cfg" "$code"
	proto_block_restart "$cfg"
}

# The odhcp6c hand-off (files/lwb4.odhcp6c-hook) for uplink $1: sets
# handoff_servers and handoff_rules from $LWB4_RUN_DIR/handoff-$1, a file
# of "servers=..." and "rules=..." lines; read, never sourced.
lwb4_read_handoff() {
	local file="$LWB4_RUN_DIR/handoff-$1" key value
	handoff_servers=
	handoff_rules=
	[ -f "$file" ] || return 0
	while IFS='=' read -r key value; do
		case "$key" in
		servers) handoff_servers="$value" ;;
		rules) handoff_rules="$value" ;;
		esac
	done <"$file"
}

# One line of lwb4d's configuration file; nothing for an empty value. Values
# are single words (checked above or by lwb4d); whitespace inside one is cut
# to keep it one line.
lwb4_conf() {
	[ -n "$2" ] || return 0
	printf '%s %s\n' "$1" "$(printf %s "$2" | tr -s '\n\t\r ' ' ')"
}

proto_lwb4_setup() {
	local cfg="$1"
	local tunlink mode mtu encaplimit psidlen prefix legacymap offer_policy nat zone log_level
	local softwire_source metric ip4table iaid duid state_dir user handoff
	local reserve_ports forward
	json_get_vars tunlink mode mtu encaplimit psidlen prefix legacymap offer_policy nat zone \
		log_level softwire_source metric ip4table iaid duid state_dir user handoff
	json_get_values reserve_ports reserve_ports
	json_get_values forward forward

	[ -x "$LWB4D" ] || {
		lwb4_config_error "$cfg" MISSING_DAEMON "$LWB4D is missing (reinstall the lwb4 package)"
		return 1
	}
	case "${mode:=auto}" in
	auto | dhcp4o6 | lw4o6 | map-e) ;;
	*)
		lwb4_config_error "$cfg" INVALID_MODE "mode '$mode' is not auto, dhcp4o6, lw4o6 or map-e"
		return 1
		;;
	esac
	if [ -n "$mtu" ] && ! lwb4_in_range "$mtu" 68 65535; then
		lwb4_config_error "$cfg" INVALID_MTU "mtu '$mtu' is not 68..65535"
		return 1
	fi
	if [ -n "$encaplimit" ] && [ "$encaplimit" != none ] && ! lwb4_in_range "$encaplimit" 0 255; then
		lwb4_config_error "$cfg" INVALID_ENCAPLIMIT "encaplimit '$encaplimit' is not none or 0..255"
		return 1
	fi
	if [ -n "$psidlen" ] && ! lwb4_in_range "$psidlen" 0 16; then
		lwb4_config_error "$cfg" INVALID_PSIDLEN "psidlen '$psidlen' is not 0..16"
		return 1
	fi
	case "${offer_policy:-prefer-full}" in
	prefer-full | largest | first) ;;
	*)
		lwb4_config_error "$cfg" INVALID_OFFER_POLICY \
			"offer_policy '$offer_policy' is not prefer-full, largest or first"
		return 1
		;;
	esac
	case "${log_level:-info}" in
	error | warning | notice | info | debug) ;;
	*)
		lwb4_config_error "$cfg" INVALID_LOG_LEVEL \
			"log_level '$log_level' is not error, warning, notice, info or debug"
		return 1
		;;
	esac
	if [ -n "$metric" ] && ! lwb4_in_range "$metric" 0 4294967295; then
		lwb4_config_error "$cfg" INVALID_METRIC "metric '$metric' is not a number"
		return 1
	fi
	if [ -n "$ip4table" ] && ! lwb4_in_range "$ip4table" 1 4294967295; then
		lwb4_config_error "$cfg" INVALID_IP4TABLE "ip4table '$ip4table' is not a table number (1..)"
		return 1
	fi
	local item part reserve_list=
	# A list, and each item may hold several, comma-separated ("22,8080-8081").
	for item in $reserve_ports; do
		case ",$item," in
		*,,*)
			lwb4_config_error "$cfg" INVALID_RESERVE_PORTS "reserve_ports '$item' has an empty element"
			return 1
			;;
		esac
		for part in $(echo "$item" | tr ',' ' '); do
			lwb4_port_or_range "$part" || {
				lwb4_config_error "$cfg" INVALID_RESERVE_PORTS \
					"reserve_ports '$part' is not a port or a range like 8080-8081"
				return 1
			}
			reserve_list="${reserve_list:+$reserve_list,}$part"
		done
	done
	for item in $forward; do
		lwb4_valid_forward "$item" || {
			lwb4_config_error "$cfg" INVALID_FORWARD \
				"forward '$item' is not tcp|udp:EXT_PORT:LAN_IPV4:PORT"
			return 1
		}
	done
	if [ -n "$user" ] && ! grep -q "^$user:" /etc/passwd 2>/dev/null; then
		lwb4_config_error "$cfg" NO_SUCH_USER "user '$user' does not exist"
		return 1
	fi

	if [ -z "$tunlink" ] && ! network_find_wan6 tunlink; then
		# Unavailable until some interface has an IPv6 default route: netifd
		# sets it up again then, instead of at once (dslite.sh does the same).
		(proto_add_host_dependency "$cfg" "::")
		proto_notify_error "$cfg" NO_UPLINK
		return 1
	fi
	# Brought down with the uplink, set up again when it returns.
	(proto_add_host_dependency "$cfg" "::" "$tunlink")
	local uplink
	network_get_device uplink "$tunlink"
	if [ -z "$uplink" ]; then
		echo "lwb4 $cfg: uplink interface '$tunlink' has no device yet" >&2
		proto_notify_error "$cfg" NO_UPLINK_DEVICE
		return 1
	fi

	# The settings go to lwb4d in a file (--config): netifd passes at most
	# 62 arguments to a protocol daemon, fewer than a few port forwards
	# need. One "key value" line per lwb4d option; SIGHUP re-reads it.
	# lwb4-<interface>; a longer name than fits IFNAMSIZ keeps 5 characters
	# and a hash of the whole, so two long interface names do not clash.
	local softwire="lwb4-$cfg"
	if [ "${#softwire}" -gt 15 ]; then
		softwire="lwb4-$(printf %.5s "$cfg")-$(printf %s "$cfg" | md5sum | cut -c1-4)"
	fi
	mkdir -p "$LWB4_RUN_DIR"
	local conf="$LWB4_RUN_DIR/$cfg.conf"
	{
		echo "# written by /lib/netifd/proto/lwb4.sh for interface $cfg"
		lwb4_conf uplink "$uplink"
		lwb4_conf softwire "$softwire"
		lwb4_conf control "$LWB4_RUN_DIR/$cfg.sock"
		lwb4_conf script "$LWB4_SCRIPT"
		[ "$mode" = auto ] || lwb4_conf mode "$mode"
		lwb4_conf mtu "$mtu"
		lwb4_conf encaplimit "$encaplimit"
		lwb4_conf psid-len "$psidlen"
		lwb4_conf prefix "$prefix"
		[ "$legacymap" = 1 ] && echo legacy-map
		lwb4_conf offer-policy "$offer_policy"
		lwb4_conf reserve-ports "$reserve_list"
		for item in $forward; do
			lwb4_conf forward "$item"
		done
		[ "$nat" = 0 ] && lwb4_conf nat off
		lwb4_conf log-level "$log_level"
		lwb4_conf softwire-source "$softwire_source"
		lwb4_conf route-metric "$metric"
		lwb4_conf route-table "$ip4table"
		lwb4_conf iaid "$iaid"
		lwb4_conf duid "$duid"
		lwb4_conf state-dir "$state_dir"
		lwb4_conf user "$user"
		if [ "${handoff:-1}" = 1 ]; then
			lwb4_read_handoff "$tunlink"
			lwb4_conf dhcp4o6-servers "$handoff_servers"
			lwb4_conf s46-rules "$handoff_rules"
		fi
	} >"$conf.tmp"
	if ! mv "$conf.tmp" "$conf"; then
		lwb4_config_error "$cfg" CONFIG_WRITE_FAILED "cannot write $conf"
		return 1
	fi

	if [ -n "$user" ]; then
		local dir="${state_dir:-/var/lib/lwb4}"
		mkdir -p "$dir" && chown "$user" "$dir"
	fi
	proto_export "INTERFACE=$cfg"
	[ -n "$zone" ] && proto_export "ZONE=$zone"
	proto_run_command "$cfg" "$LWB4D" --foreground --config "$conf"
}

proto_lwb4_renew() {
	local cfg="$1"
	proto_kill_command "$cfg" "$(kill -l USR1)"
}

# SIGTERM: lwb4d releases the lease and removes what it configured.
# netifd passes lwb4d's exit status as ERROR when it has exited by itself:
# 2 is a configuration lwb4d refused (its message is in logread), which
# fails the same way on every restart, so stop restarting until the
# configuration changes.
proto_lwb4_teardown() {
	local cfg="$1"
	if [ "${ERROR-}" = 2 ]; then
		proto_notify_error "$cfg" CONFIG_REJECTED
		proto_block_restart "$cfg"
	fi
	proto_kill_command "$cfg"
	# Run as `user`, lwb4d cannot remove its socket from this root-owned
	# directory; a stale one would list the interface in lwb4ctl and ubus.
	rm -f "$LWB4_RUN_DIR/$cfg.sock"
}

[ -n "$INCLUDE_ONLY" ] || {
	add_protocol lwb4
}
