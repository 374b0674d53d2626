#!/bin/sh
# PID 1 of the guest that tests/vm/vm-run.sh boots (busybox sh; packed into
# the initramfs as /init). Two stages:
#   stage 1 (initramfs): mount the host's / at /host (uml: hostfs; qemu:
#     virtiofs tag "host"), build /newroot = overlay(lower /host, upper
#     tmpfs), bind the writable dirs and the module tree, then switch_root.
#   stage 2 (new root, argv "stage2"): (qemu) load the lab's modules, run the
#     command file that vm-run.sh wrote ($LWB4_RUN/cmd) with stdout/stderr on the
#     output channels (uml: ttyS1/ttyS2; qemu: virtio ports lwb4.out/lwb4.err),
#     write its exit status to $LWB4_RUN/status and power off.
# LWB4_RUN (the host's per-run dir) and LWB4_BACKEND come from the kernel
# command line, the rest from $LWB4_RUN/env. Diagnostics go to /dev/console,
# which vm-run.sh logs to a file.

die() {
	echo "lwb4-vm init: $*" >/dev/console
	sync
	poweroff -f
	sleep 10
}

if [ "$1" != stage2 ]; then
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /host /ovl /newroot
	if [ "$LWB4_BACKEND" = uml ]; then # no modules: all built in
		mount -t hostfs -o / hostfs /host || die "cannot mount the host's / (hostfs)"
	else
		modprobe -a virtio_pci virtiofs overlay virtio_console || die "modprobe failed"
		mount -t virtiofs host /host || die "cannot mount the host's / (virtiofs)"
	fi
	[ -r "/host$LWB4_RUN/env" ] || die "no run dir '$LWB4_RUN'"
	# LWB4_KVER and, for qemu, LWB4_MODDIR and LWB4_MODULES
	# shellcheck source=/dev/null
	. "/host$LWB4_RUN/env"
	mount -t tmpfs -o mode=755 tmpfs /ovl
	mkdir /ovl/upper /ovl/work
	mount -t overlay overlay -o lowerdir=/host,upperdir=/ovl/upper,workdir=/ovl/work /newroot ||
		die "overlay mount failed"
	n=/newroot
	mount -t proc proc $n/proc
	mount -t sysfs sysfs $n/sys
	mount -t devtmpfs devtmpfs $n/dev
	mkdir -p $n/dev/pts $n/dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts $n/dev/pts
	mount -t tmpfs tmpfs $n/dev/shm
	mount -t cgroup2 cgroup2 $n/sys/fs/cgroup 2>/dev/null
	# A fresh /run with the host's directories (e.g. /run/kea) but none of
	# its pid files, locks or sockets. (/tmp stays the host's, through the
	# overlay like everything else.)
	mount -t tmpfs -o mode=755 tmpfs $n/run
	(cd /host/run && find . -mindepth 1 -type d) | while IFS= read -r d; do
		mkdir -p "$n/run/$d"
		chown "$(stat -c %u:%g "/host/run/$d")" "$n/run/$d"
		chmod "$(stat -c %a "/host/run/$d")" "$n/run/$d"
	done
	# Writable pass-through dirs (one absolute path a line; the run dir first).
	while IFS= read -r d; do
		[ -n "$d" ] || continue
		mkdir -p "$n$d"
		mount --bind "/host$d" "$n$d" || die "cannot bind $d"
	done <"/host$LWB4_RUN/rw"
	# qemu: the kernel's modules, from the cache dir that vm-run.sh filled.
	if [ -n "$LWB4_MODDIR" ]; then
		mkdir -p "$n/lib/modules/$LWB4_KVER"
		mount --bind "/host$LWB4_MODDIR/lib/modules/$LWB4_KVER" "$n/lib/modules/$LWB4_KVER" ||
			die "no modules for $LWB4_KVER"
	fi
	# Stage 2 runs from the new root; keep busybox and this script there.
	mkdir -p $n/run/lwb4-vm
	cp /bin/busybox /init $n/run/lwb4-vm/
	ln -s busybox $n/run/lwb4-vm/modprobe
	# (If this fails, PID 1 exits, the kernel panics and the guest stops:
	# vm-run.sh sees no status and shows the console.)
	exec switch_root $n /run/lwb4-vm/busybox sh /run/lwb4-vm/init stage2
fi

# ---- stage 2: PID 1 in the new root ----
bb=/run/lwb4-vm/busybox
export PATH=/run/lwb4-vm:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null
. "$LWB4_RUN/env"
if [ -n "$LWB4_MODDIR" ]; then
	# Kernel auto-loading (ip link add ... type ip6tnl, nft expressions)
	# uses busybox modprobe: the host may have no kmod, and busybox depmod
	# wrote the module index.
	echo /run/lwb4-vm/modprobe >/proc/sys/kernel/modprobe
	for m in $LWB4_MODULES; do
		# Built-in ones are not in modules.dep.
		grep -q "/$m\.ko\$" "/lib/modules/$LWB4_KVER/modules.builtin" ||
			$bb modprobe "$m" || echo "lwb4-vm init: cannot load module $m" >/dev/console
	done
fi
$bb hostname lwb4-vm
$bb ip link set lo up
if [ "$LWB4_BACKEND" = uml ]; then
	out=/dev/ttyS1 err=/dev/ttyS2
	# Raw: no newline translation, no echo.
	$bb stty -F $out raw -echo
	$bb stty -F $err raw -echo
else
	out=/dev/null err=/dev/console
	for p in /sys/class/virtio-ports/*; do
		case $($bb cat "$p/name" 2>/dev/null) in
		lwb4.out) out=/dev/${p##*/} ;;
		lwb4.err) err=/dev/${p##*/} ;;
		esac
	done
fi
# Run the command in the background so that this shell (PID 1) can reap
# orphans while waiting; the command file sets PATH and cwd itself.
$bb env -i /bin/sh "$LWB4_RUN/cmd" </dev/null >"$out" 2>"$err" &
wait $!
rc=$?
# Stop what the command left running, then hand the status back.
$bb kill -TERM -1 2>/dev/null
$bb sleep 0.2
$bb kill -KILL -1 2>/dev/null
echo "$rc" >"$LWB4_RUN/status"
echo "lwb4-vm: exit status $rc" >/dev/console
$bb sync
$bb poweroff -f
