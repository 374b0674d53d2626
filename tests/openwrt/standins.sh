# shellcheck shell=dash
# Recording stand-ins for what OpenWrt gives the lwb4 scripts (netifd-proto.sh,
# jshn, network.sh, uci, logger, ifup), for tests/openwrt/proto_test.sh.
# Every call appends one line to $CALLS. Configuration comes from variables:
#   cfg_<option>   the interface's UCI option (json_get_vars/json_get_values)
#   net_wan6       what network_find_wan6 finds
#   dev_<iface>    the l3 device of a logical interface
#   $UCI_FILE      `uci show` lines (network.wan6.reqopts='88 96')
#   $JSON_INPUT    set by json_load (rpcd plugin)
#   autostart_<iface>  netifd's autostart of an interface (ubus status; true)

lwb4_record() {
	local line="$1" arg
	shift
	for arg in "$@"; do
		case "$arg" in
		*' '* | '') line="$line '$arg'" ;;
		*) line="$line $arg" ;;
		esac
	done
	printf '%s\n' "$line" >>"$CALLS"
}

proto_config_add_string() { lwb4_record proto_config_add_string "$@"; }
proto_config_add_int() { lwb4_record proto_config_add_int "$@"; }
proto_config_add_boolean() { lwb4_record proto_config_add_boolean "$@"; }
proto_config_add_array() { lwb4_record proto_config_add_array "$@"; }
proto_run_command() { lwb4_record proto_run_command "$@"; }
proto_kill_command() { lwb4_record proto_kill_command "$@"; }
proto_notify_error() { lwb4_record proto_notify_error "$@"; }
proto_block_restart() { lwb4_record proto_block_restart "$@"; }
proto_add_host_dependency() { lwb4_record proto_add_host_dependency "$@"; }
proto_export() { lwb4_record proto_export "$@"; }
proto_init_update() { lwb4_record proto_init_update "$@"; }
proto_add_dns_server() { lwb4_record proto_add_dns_server "$@"; }
proto_add_ipv4_address() { lwb4_record proto_add_ipv4_address "$@"; }
proto_add_data() { lwb4_record proto_add_data "$@"; }
proto_close_data() { lwb4_record proto_close_data "$@"; }
proto_send_update() { lwb4_record proto_send_update "$@"; }
json_add_string() { lwb4_record json_add_string "$@"; }
json_add_int() { lwb4_record json_add_int "$@"; }
json_add_boolean() { lwb4_record json_add_boolean "$@"; }
json_add_array() { lwb4_record json_add_array "$@"; }
json_close_array() { lwb4_record json_close_array "$@"; }
logger() { lwb4_record logger "$@"; }

# ubus -S call network.interface.NAME status, and jsonfilter -e '@.KEY'.
ubus() {
	local name
	[ "$1" = -S ] && shift
	[ "$1 $3" = "call status" ] || return 1
	name=${2#network.interface.}
	eval "printf '{\"autostart\":%s}\n' \"\${autostart_$name:-true}\""
}
jsonfilter() {
	python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1][2:]); print(json.dumps(v))' "$2"
}
ifup() { lwb4_record ifup "$@"; }

json_get_vars() {
	local name
	for name in "$@"; do
		eval "$name=\${cfg_$name-}"
	done
}
json_get_values() { eval "$1=\${cfg_$2-}"; }

network_find_wan6() {
	[ -n "${net_wan6-}" ] || return 1
	eval "$1=\$net_wan6"
}
network_get_device() { eval "$1=\${dev_$2-}"; }

json_load() {
	python3 -c 'import json,sys; assert isinstance(json.loads(sys.argv[1]), dict)' "$1" 2>/dev/null ||
		return 1
	JSON_INPUT="$1"
}
json_get_var() {
	local value
	value=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' \
		"$JSON_INPUT" "$2")
	eval "$1=\$value"
}

# uci -q get|set|show|commit over $UCI_FILE.
uci() {
	[ "$1" = -q ] && shift
	case "$1" in
	get)
		sed -n "s/^$2='\(.*\)'\$/\1/p" "$UCI_FILE" | grep . || return 1
		;;
	set)
		local key="${2%%=*}" value="${2#*=}"
		lwb4_record uci set "$2"
		sed -i "/^$key=/d" "$UCI_FILE"
		printf "%s='%s'\n" "$key" "$value" >>"$UCI_FILE"
		;;
	show) grep "^$2\." "$UCI_FILE" ;;
	commit) lwb4_record uci commit "$2" ;;
	*) return 1 ;;
	esac
}
