#!/bin/bash
# test-vm.sh - the whole suite on a real, pure cgroup v2 kernel: Debian's own
# kernel (linux-image-amd64) booted under qemu. Run by `make test-vm`, as
# root, after the host has built everything `make test` builds.
#
# The guest's root is this machine's root, shared read-only over 9p (as
# virtme does) under a tmpfs overlay; the checkout and /tmp are on a small
# ext4 image made here with `mkfs.ext4 -d` (no loop mount); one virtio NIC
# on qemu's user network with restrict=on, so the guest reaches nothing
# outside. scripts/vm/initramfs-init builds that root and switch_roots into
# it; scripts/vm/guest-init sets it up as systemd would (cgroup2 with
# nsdelegate, controllers enabled, / rshared) and runs scripts/run-tests.sh.
#
#   VM_KERNEL=/boot/vmlinuz-X   the kernel (default: the newest in /boot
#                               whose modules are in /lib/modules)
#   VM_ACCEL=auto|kvm|tcg       auto: KVM if a probe guest boots under it
#                               within 15 s, else TCG (default auto)
#   VM_TIMEOUT=1200             seconds before a hung guest is stopped
#   VM_MEMORY=2048 VM_CPUS=N    guest size in MiB, CPUs (default: up to 4)
#   VM_COMMAND='...'            run this shell command in the checkout
#                               instead of the suite (to look at one thing
#                               on that kernel); exits with its status
#
# Prints the guest's console as it runs (kept in BUILD/vm/console.log) and,
# last, the suite's "N passed, N failed" line; exits with the suite's status
# (125 when the VM could not be set up). Leaves no image and no qemu behind.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-build}
accel=${VM_ACCEL:-auto}
limit=${VM_TIMEOUT:-1200}
[[ $limit =~ ^[0-9]+$ ]] && [ "$limit" -ge 120 ] || { echo "test-vm: VM_TIMEOUT=$limit: whole seconds, at least 120" >&2; exit 125; }
memory=${VM_MEMORY:-2048}
cpus=${VM_CPUS:-$(($(nproc) < 4 ? $(nproc) : 4))}
checkout=$(pwd)
# The modules the initramfs needs to reach the root: virtio, 9p, overlay,
# ext4. Everything else the guest loads from the shared /lib/modules.
boot_modules="virtio_pci virtio_blk 9pnet_virtio 9p overlay ext4"

say() { printf 'test-vm: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 125
}

check_host() {
	[ "$(id -u)" -eq 0 ] || die "needs root (reads /boot/vmlinuz-*, copies the root-owned build/rootfs): sudo make test-vm"
	[[ $build != /* && $build != *..* ]] || die "BUILD=$build: give a path inside the checkout (e.g. build)"
	[[ $checkout != *[[:space:]]* ]] || die "the checkout's path '$checkout' has a space: the kernel command line can't carry it"
	[[ $checkout != /run/* && $checkout != /dev/* ]] || die "the checkout is in $checkout: the guest mounts a fresh /run and /dev over it; clone it elsewhere"
	local need
	for need in qemu-system-x86_64 mkfs.ext4 modprobe busybox timeout; do
		command -v "$need" >/dev/null || die "$need not found: run scripts/install-deps.sh --vm"
	done
	[ -x "$build/bin/08-seccomp" ] && [ -e "$build/rootfs/.stamp" ] ||
		die "$build is not built: make all rootfs and the tests first (make test-vm does)"
}

# The newest kernel in /boot that has its modules: Debian's own, once
# linux-image-amd64 is installed.
pick_kernel() {
	local image version
	if [ -n "${VM_KERNEL:-}" ]; then
		[ -r "$VM_KERNEL" ] || die "VM_KERNEL=$VM_KERNEL: not a readable file"
		kernel=$VM_KERNEL
		kernel_version=${VM_KERNEL##*/vmlinuz-}
		[ -d "/lib/modules/$kernel_version" ] || die "no /lib/modules/$kernel_version for $VM_KERNEL"
		return
	fi
	for image in $(ls /boot/vmlinuz-* 2>/dev/null | sort -rV); do
		version=${image#/boot/vmlinuz-}
		if [ -d "/lib/modules/$version/kernel" ]; then
			kernel=$image kernel_version=$version
			return
		fi
	done
	die "no kernel with modules in /boot: apt-get install linux-image-amd64 (scripts/install-deps.sh --vm)"
}

# The initramfs: busybox, initramfs-init as /init, and the boot modules
# (uncompressed: busybox insmod reads plain .ko) in dependency order.
make_initramfs() {
	local dir=$work/initramfs module path name count=0
	mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev"
	cp "$(command -v busybox)" "$dir/bin/busybox"
	cp scripts/vm/initramfs-init "$dir/init"
	: >"$dir/modules/order"
	for module in $boot_modules; do
		modprobe -S "$kernel_version" --show-depends "$module" >"$work/deps" 2>&1 ||
			die "module $module of $kernel_version: $(head -n 1 "$work/deps")"
		while read -r verb path _; do
			[ "$verb" = insmod ] || continue # "builtin NAME": nothing to load
			name=${path##*/}
			name=${name%%.ko*}.ko
			grep -qx "[0-9]*-$name" "$dir/modules/order" && continue
			count=$((count + 1))
			case "$path" in
			*.xz) xz -dc "$path" ;;
			*.zst) zstd -qdc "$path" ;;
			*.gz) gzip -dc "$path" ;;
			*) cat "$path" ;;
			esac >"$dir/modules/$count-$name"
			echo "$count-$name" >>"$dir/modules/order"
		done <"$work/deps"
	done
	(cd "$dir" && find . | busybox cpio -o -H newc 2>/dev/null) >"$work/initramfs.cpio"
	rm -rf "$dir"
}

# The checkout, with what the host built, and an empty /tmp, on one ext4
# image: mkfs.ext4 -d copies a directory in, owners and modes kept. The
# file is sparse: only what is written takes room on the host.
make_disk() {
	local stage=$work/stage entry part
	mkdir -p "$stage/checkout" "$stage/tmp"
	chmod 1777 "$stage/tmp"
	# the checkout but .git and the build tree (of which only BUILD's results)
	for entry in * .[!.]*; do
		[ -e "$entry" ] && [ "$entry" != .git ] && [ "$entry" != "${build%%/*}" ] &&
			cp -a "$entry" "$stage/checkout/"
	done
	mkdir -p "$stage/checkout/$build"
	for part in bin rootfs tests escapes; do
		cp -a "$build/$part" "$stage/checkout/$build/"
	done
	[ -n "${VM_COMMAND:-}" ] && printf '%s\n' "$VM_COMMAND" >"$stage/command"
	mkfs.ext4 -q -F -L boxes-vm -d "$stage" "$work/disk.img" 4G >"$work/mkfs.log" 2>&1 ||
		die "mkfs.ext4 -d $stage: $(tail -n 1 "$work/mkfs.log")"
	rm -rf "$stage"
}

# The qemu command line, in qemu_command: ACCEL CONSOLE-LOG RESULT-FILE
# KERNEL-ARGS. The guest's console goes to the log, its report (the second
# serial port) to the result file.
qemu_line() {
	local accelerator=$1 log=$2 result=$3 append=$4 cpu=max
	[ "$accelerator" = kvm ] && cpu=host
	# shellcheck disable=SC2054 # the commas are in qemu options
	qemu_command=(qemu-system-x86_64
		-nodefaults -no-user-config -display none -no-reboot
		-accel "$accelerator" -cpu "$cpu" -smp "$cpus" -m "$memory"
		-kernel "$kernel" -initrd "$work/initramfs.cpio"
		-append "console=ttyS0 panic=-1 quiet $append"
		-serial "file:$log" -serial "file:$result"
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
		-drive "file=$work/disk.img,format=raw,if=virtio,cache=unsafe"
		-nic user,model=virtio-net-pci,restrict=on)
}

# KVM when it really boots a guest: on some machines /dev/kvm is there but
# qemu hangs or aborts on it. The probe boots the initramfs only.
choose_accel() {
	case "$accel" in
	kvm | tcg) return ;;
	auto) ;;
	*) die "VM_ACCEL=$accel: auto, kvm or tcg" ;;
	esac
	accel=tcg
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
	qemu_line kvm "$work/probe.log" "$work/probe.result" boxes.probe=1
	# (a subshell that outlives qemu: bash's "Aborted" line goes to probe.out)
	local probe_rc=0 why
	(timeout -k 5 15 "${qemu_command[@]}" || exit) >"$work/probe.out" 2>&1 || probe_rc=$?
	if grep -qx 'probe ok' "$work/probe.result"; then
		accel=kvm
		return
	fi
	why=$(grep -m 1 '^qemu-system' "$work/probe.out" || true)
	[ "$probe_rc" -eq 124 ] && why="no answer in 15 s"
	say "KVM did not boot a probe guest (${why:-qemu exit $probe_rc}): using TCG (VM_ACCEL=tcg skips the probe)"
}

cleanup() {
	[ -n "${qemu_pid:-}" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
	[ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null
	[ -f "${work:-}/console.log" ] && tr -d '\r' <"$work/console.log" >"$build/vm/console.log"
	[ -n "${work:-}" ] && rm -rf "$work"
	return 0
}

check_host
pick_kernel
mkdir -p "$build/vm"
work=$(mktemp -d "$build/vm/run.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
make_initramfs
make_disk
choose_accel
say "Linux $kernel_version ($kernel) under qemu $accel, $cpus CPUs, $memory MiB; console in $build/vm/console.log"

started=$SECONDS
: >"$work/console.log"
: >"$work/result"
tail -n +1 -f "$work/console.log" &
tail_pid=$!
qemu_line "$accel" "$work/console.log" "$work/result" \
	"boxes.checkout=$checkout boxes.build=$build boxes.timeout=$((limit - 60))"
# $! is timeout's pid: a SIGTERM to it (cleanup) ends qemu too
timeout -k 5 "$limit" "${qemu_command[@]}" >"$work/qemu.out" 2>&1 &
qemu_pid=$!
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
sleep 0.5 # tail's last lines
kill "$tail_pid" 2>/dev/null
tail_pid=
elapsed=$((SECONDS - started))

if ! grep -q '^exit [0-9]' "$work/result"; then
	[ "$qemu_rc" -eq 124 ] && say "the guest did not finish in $limit s: stopped it"
	[ -s "$work/qemu.out" ] && say "qemu: $(tail -n 3 "$work/qemu.out")"
	die "no result from the guest after $elapsed s (qemu exit $qemu_rc): the console's end is above, all of it in $build/vm/console.log"
fi
# the serial line ends its lines with \r\n
tr -d '\r' <"$work/result" >"$work/result.txt"
rc=$(sed -n 's/^exit //p' "$work/result.txt" | head -n 1)
[[ $rc =~ ^[0-9]+$ ]] || die "the guest's report is garbled: $(head -n 1 "$work/result.txt")"
echo
sed -n '2,$p' "$work/result.txt" | grep . || true
what=suite
[ -n "${VM_COMMAND:-}" ] && what=VM_COMMAND
say "Linux $kernel_version, pure cgroup v2, qemu $accel: $what exit $rc after $elapsed s"
exit "$rc"
