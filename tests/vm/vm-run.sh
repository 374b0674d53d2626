#!/usr/bin/env bash
# Runs one command inside a throwaway Linux 6.1 guest that has ip6_tunnel,
# ipip, veth and nf_tables, for hosts whose own kernel lacks them. The guest
# sees the host's / under a tmpfs overlay (writes are dropped) and so runs the
# host's binaries at the same paths.
#   tests/vm/vm-run.sh [--rw DIR]... [--] CMD [ARGS...]
#   tests/vm/vm-run.sh --prepare        only fill the cache, run nothing
# CMD runs as root in the guest, in the same cwd, with stdin /dev/null and a
# fresh /run; its stdout and stderr stream to ours and its exit status becomes
# ours (125 when the guest itself failed, 124 on timeout). --rw DIR: DIR's
# writes reach the host. Needs root; first use apt-installs what it needs.
# Two backends (LWB4_VM_BACKEND):
#   uml   user-mode-linux built once from Debian's linux-source (defconfig +
#         uml.config, a few minutes, cached); host / via hostfs; one guest
#         CPU; needs no KVM. The default unless the CPU has vmx/svm.
#   qemu  qemu-system-x86_64 + Debian's linux-image-*-cloud-amd64 (the .deb
#         is unpacked, never installed); host / via virtiofs; KVM with
#         vmx/svm (the default then), else TCG emulation (slow).
# Environment:
#   LWB4_VM_BACKEND  auto (default), uml or qemu
#   LWB4_VM_CACHE    cache dir (default /var/cache/lwb4-vm)
#   LWB4_VM_KERNEL   qemu's kernel package (default: linux-image-cloud-amd64's)
#   LWB4_VM_MEM      guest RAM in MiB (default 2048)
#   LWB4_VM_CPUS     qemu's guest CPUs (default: host's)
#   LWB4_VM_TIMEOUT  seconds before the guest is killed (default 0 = never)
#   LWB4_VM_PASSENV  names of variables to pass into the guest
#   LWB4_VM_MODULES  qemu: modules loaded before CMD (others auto-load; "" = none)
#   LWB4_VM_VERBOSE  1 = show the guest's kernel console on stderr
#   LWB4_VM_APPEND   extra kernel command line
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${LWB4_VM_CACHE:-/var/cache/lwb4-vm}
mem=${LWB4_VM_MEM:-2048}
cpus=${LWB4_VM_CPUS:-$(nproc)}
modules=${LWB4_VM_MODULES-veth ip6_tunnel tunnel6 ipip tunnel4 nf_tables nf_conntrack nf_nat nft_ct nft_nat nft_chain_nat nft_masq nft_reject_inet nft_fib_inet}
virtiofsd=/usr/lib/qemu/virtiofsd

log() { echo "vm-run: $*" >&2; }

# KVM only helps with hardware virtualisation: a /dev/kvm without vmx/svm
# (e.g. PVM inside a cloud VM) crawls through a stock kernel's boot.
kvm_ok() { [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; }

backend=${LWB4_VM_BACKEND:-auto}
if [ "$backend" = auto ]; then
	if kvm_ok; then backend=qemu; else backend=uml; fi
fi
case $backend in
uml | qemu) ;;
*) log "LWB4_VM_BACKEND must be auto, uml or qemu"; exit 2 ;;
esac
dir=$cache/$backend # image, kver, lib/modules/KVER, initramfs.gz

# ---- cache: tools, kernel, initramfs (idempotent) ----
ensure_tools() {
	local missing=()
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
	if [ "$backend" = qemu ]; then
		command -v qemu-system-x86_64 >/dev/null && [ -x "$virtiofsd" ] || missing+=(qemu-system-x86)
	else # what building the uml kernel takes
		for p in gcc make flex bison bc xz-utils libc6-dev libssl-dev libelf-dev; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
		done
	fi
	[ ${#missing[@]} -eq 0 ] && return
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}

# qemu: downloads the cloud kernel .deb and unpacks it into $dir: image
# (vmlinuz), lib/modules/KVER with a busybox-made index (the host may have no
# kmod), kver.
fetch_kernel() {
	local pkg=${LWB4_VM_KERNEL:-} tmp kver
	[ -n "$pkg" ] || pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	[ -n "$pkg" ] || { apt-get update -qq && pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}'); }
	log "downloading $pkg (unpacked into $dir, not installed)"
	tmp=$(mktemp -d "$cache/tmp.XXXXXX")
	chown _apt "$tmp" 2>/dev/null || true # lets apt download without a warning
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	kver=$(basename "$tmp"/x/lib/modules/*)
	mkdir -p "$tmp/out/lib/modules"
	mv "$tmp/x/lib/modules/$kver" "$tmp/out/lib/modules/"
	mv "$tmp/x/boot/vmlinuz-$kver" "$tmp/out/image"
	busybox depmod -b "$tmp/out" "$kver"
	echo "$kver" >"$tmp/out/kver"
	rm -rf "$dir"
	mv "$tmp/out" "$dir"
	rm -rf "$tmp"
}

# uml: builds the user-mode-linux kernel from Debian's linux-source (defconfig
# plus uml.config, all built in) into $dir: image (the linux program), kver.
# About 3 minutes on 2 cores; the source tree is deleted afterwards.
build_uml() {
	local pkg tmp src line
	pkg=$(apt-cache depends linux-source 2>/dev/null | awk '/Depends: linux-source-/ {print $2; exit}')
	[ -n "$pkg" ] || { apt-get update -qq && pkg=$(apt-cache depends linux-source | awk '/Depends: linux-source-/ {print $2; exit}'); }
	log "downloading $pkg and building a user-mode-linux kernel (a few minutes, once)"
	tmp=$(mktemp -d "$cache/tmp.XXXXXX")
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
	mkdir "$tmp/src"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | tar -xJ -C "$tmp/src"
	src=$(echo "$tmp"/src/linux-source-*)
	make -C "$src" -s ARCH=um defconfig >"$tmp/build.log" 2>&1
	grep -v '^#' "$here/uml.config" >>"$src/.config"
	make -C "$src" -s ARCH=um olddefconfig >>"$tmp/build.log" 2>&1
	while read -r line; do # each option must have survived olddefconfig
		case $line in '#'* | '') continue ;; esac
		case $line in
		*=n) ! grep -q "^${line%=n}=" "$src/.config" ;;
		*) grep -qx "$line" "$src/.config" ;;
		esac || { log "uml.config: $line did not stick (a missing dependency?)"; exit 1; }
	done <"$here/uml.config"
	make -C "$src" -s ARCH=um -j"$(nproc)" linux >>"$tmp/build.log" 2>&1 ||
		{ tail -n 30 "$tmp/build.log" >&2; exit 1; }
	mkdir -p "$tmp/out"
	strip -o "$tmp/out/image" "$src/linux"
	make -C "$src" -s ARCH=um kernelrelease >"$tmp/out/kver"
	md5sum <"$here/uml.config" >"$tmp/out/config.md5"
	rm -rf "$dir"
	mv "$tmp/out" "$dir"
	rm -rf "$tmp"
}

ensure_kernel() {
	if [ "$backend" = qemu ]; then
		[ -s "$dir/kver" ] || fetch_kernel
	elif [ ! -s "$dir/kver" ] || [ "$(cat "$dir/config.md5" 2>/dev/null)" != "$(md5sum <"$here/uml.config")" ]; then
		build_uml
	fi
}

# Builds $dir/initramfs.gz: static busybox, guest-init.sh as /init and (qemu)
# the modules stage 1 needs to mount the host's /. Rebuilt when its inputs
# change.
ensure_initramfs() {
	local kver stamp tmp mdir m
	kver=$(cat "$dir/kver")
	stamp="$kver $(cat "$here/guest-init.sh" /bin/busybox | md5sum)"
	[ -s "$dir/initramfs.gz" ] && [ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" = "$stamp" ] && return
	log "building the $backend initramfs"
	tmp=$(mktemp -d "$cache/tmp.XXXXXX")
	mkdir -p "$tmp/root/bin" "$tmp/root/dev" "$tmp/root/proc" "$tmp/root/sys"
	cp /bin/busybox "$tmp/root/bin/"
	for m in $(busybox --list); do [ "$m" = busybox ] || ln -s busybox "$tmp/root/bin/$m"; done
	install -m 755 "$here/guest-init.sh" "$tmp/root/init"
	# qemu: the modules named here plus all that modules.dep says they need
	# (the uml kernel has everything built in).
	if [ "$backend" = qemu ]; then
		mdir=$dir/lib/modules/$kver
		mkdir -p "$tmp/root/lib/modules/$kver"
		cp "$mdir/modules.dep" "$tmp/root/lib/modules/$kver/"
		for m in overlay virtio_pci virtiofs virtio_console; do
			grep -E "/$m\.ko:" "$mdir/modules.dep" | tr -d ':' | tr ' ' '\n'
		done | sort -u | while read -r m; do
			[ -n "$m" ] || continue
			mkdir -p "$tmp/root/lib/modules/$kver/$(dirname "$m")"
			cp "$mdir/$m" "$tmp/root/lib/modules/$kver/$m"
		done
	fi
	(cd "$tmp/root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$tmp/initramfs.gz"
	mv "$tmp/initramfs.gz" "$dir/initramfs.gz"
	echo "$stamp" >"$dir/initramfs.stamp"
	rm -rf "$tmp"
}

prepare() {
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9 # concurrent first runs wait for one another
	rm -rf "$cache"/tmp.* # left by an interrupted earlier run
	ensure_tools
	ensure_kernel
	ensure_initramfs
	exec 9>&-
}

# ---- arguments ----
rw=()
while [ $# -gt 0 ]; do
	case $1 in
	--prepare) prepare; exit 0 ;;
	--rw)
		[ -d "${2:-}" ] || { log "--rw: no directory '${2:-}'"; exit 2; }
		rw+=("$(realpath "$2")")
		shift 2
		;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
prepare
kver=$(cat "$dir/kver")

# ---- per-run dir, shared read-write with the guest ----
run=$(mktemp -d /tmp/lwb4-vm.XXXXXX)
pids=()
# shellcheck disable=SC2317 # called through the trap
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; } # quotes one word for sh
{
	echo "LWB4_KVER=$(q "$kver")"
	if [ "$backend" = qemu ]; then
		echo "LWB4_MODDIR=$(q "$dir")"
		echo "LWB4_MODULES=$(q "$modules")"
	fi
} >"$run/env"
printf '%s\n' "$run" "${rw[@]}" >"$run/rw"
{
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "export HOME=/root LANG=C.UTF-8 TERM=dumb LWB4_IN_VM=$backend"
	for v in ${LWB4_VM_PASSENV:-}; do
		[ -n "${!v+x}" ] && echo "export $v=$(q "${!v}")"
	done
	echo "cd -- $(q "$PWD") || exit 125"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	echo
} >"$run/cmd"

# ---- FIFOs that stream the command's output to our stdout and stderr ----
# (The guest's end never gets our own descriptors: uml would make them
# non-blocking, which breaks whoever writes to them after us.)
mkfifo "$run/out" "$run/err"
cat "$run/out" &
pids+=($!)
cat "$run/err" >&2 &
pids+=($!)
readers=("${pids[@]}")
append="quiet ${LWB4_VM_APPEND:-} LWB4_RUN=$run LWB4_BACKEND=$backend"
# timeout (0 = none) also signals the guest's whole process group when we
# stop it: uml runs every guest process as a host process.
timeout=(timeout -k 5 "${LWB4_VM_TIMEOUT:-0}")
console=$run/console.log
[ "${LWB4_VM_VERBOSE:-0}" = 1 ] && console=/dev/stderr

# Both start in the background so that our INT/TERM trap runs at once.
if [ "$backend" = uml ]; then
	# Guest memory is a file in TMPDIR: keep it in RAM. Console (con0) and
	# uml's own messages go to the log; ttyS1/ttyS2 carry stdout/stderr.
	[ -d /dev/shm ] && export TMPDIR=/dev/shm
	# shellcheck disable=SC2086 # $append is several kernel arguments
	"${timeout[@]}" "$dir/image" mem="${mem}M" initrd="$dir/initramfs.gz" \
		con=null ssl=null con0=null,fd:3 ssl1=null,fd:4 ssl2=null,fd:5 $append \
		3>>"$console" 4>"$run/out" 5>"$run/err" </dev/null >>"$console" 2>&1 &
else
	if kvm_ok; then
		accel=(-accel kvm -cpu host)
	else
		log "WARNING: no usable KVM (/dev/kvm missing or no vmx/svm CPU flag), using slow TCG emulation"
		accel=(-accel tcg -cpu max)
	fi
	# qboot starts faster than SeaBIOS and does all a -kernel boot needs.
	bios=()
	[ -r /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)
	"$virtiofsd" --socket-path="$run/vfs.sock" -o source=/,cache=auto,sandbox=chroot \
		--rlimit-nofile=65536 2>"$run/virtiofsd.log" &
	pids+=($!)
	for _ in $(seq 100); do [ -S "$run/vfs.sock" ] && break; sleep 0.05; done
	"${timeout[@]}" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-machine q35 "${accel[@]}" "${bios[@]}" -smp "$cpus" -m "$mem" \
		-object memory-backend-memfd,id=mem,size="${mem}M",share=on -numa node,memdev=mem \
		-kernel "$dir/image" -initrd "$dir/initramfs.gz" \
		-append "console=ttyS0 panic=-1 cryptomgr.notests mitigations=off $append" \
		-chardev "file,id=con,path=$console,append=on" -serial chardev:con \
		-chardev socket,id=vfs,path="$run/vfs.sock" \
		-device vhost-user-fs-pci,chardev=vfs,tag=host,queue-size=1024 \
		-device virtio-serial-pci \
		-chardev file,id=out,path="$run/out" -device virtserialport,chardev=out,name=lwb4.out \
		-chardev file,id=err,path="$run/err" -device virtserialport,chardev=err,name=lwb4.err &
fi
pids+=($!)
grc=0
wait $! || grc=$?
# The guest is gone: the readers see EOF once drained (opening each FIFO once
# more frees a reader still waiting in open() if the guest never opened it).
: <>"$run/out" <>"$run/err"
wait "${readers[@]}" 2>/dev/null || true

if [ -s "$run/status" ]; then
	exit "$(cat "$run/status")"
fi
[ "$grc" -eq 124 ] && log "timed out after ${LWB4_VM_TIMEOUT}s"
log "the $backend guest ended without an exit status ($grc); its console:"
tail -n 40 "$run/console.log" >&2 2>/dev/null || true
tail -n 10 "$run/virtiofsd.log" >&2 2>/dev/null || true
[ "$grc" -eq 124 ] && exit 124
exit 125
