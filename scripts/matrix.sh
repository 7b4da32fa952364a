#!/bin/bash
# matrix.sh [--explain] [--steps "01 05"] [ESCAPE...] - run every escape
# program (or the ones named) under every built step (or the ones --steps
# names) and print the table: escapes as rows, steps as columns.
#   make matrix ESCAPES="chroot-breakout" STEPS="01 05"   an instructor's demo
#   make matrix STEPS="08 oci crun runc"   08 beside podman with boxes-runtime, crun, runc
#
#   ESCAPED  the escape worked: this step does not stop it (yet)
#   blocked  the step stopped it (the program said so, or a limit killed it)
#   n/a      the escape can't be tried on this machine (it said why, exit 2;
#            e.g. a kernel without 32-bit syscalls): not counted
#   error N  the run itself failed (exit N): a bug to look at
# A cell marked ! is not what the escape's `blocked-from:` line promises.
# Steps 01-08 run build/rootfs; 09 runs an image made from it
# (scripts/mkimage.sh, so the escape programs are in it), loaded into a
# temporary store. 10 runs compose files, not one command: no column.
# The podman columns, when STEPS names them (STEPS="08 oci crun runc";
# podman must be installed): "oci" is podman --runtime build/bin/boxes-runtime,
# "crun" the same podman with crun (podman's default runtime, through
# scripts/crun-hybrid.sh, which hides a hybrid host's empty cgroup2 from
# it), "runc" with runc: `podman run --rm --network none --memory 64m
# --pids-limit 64 IMAGE` on the 09 image loaded into a temporary podman
# store, podman's defaults otherwise. Those columns show podman's
# configuration, not the runtime's: no cell there is marked !. Each also
# gets a column NAME-08, the same with the podman options that ask for what
# step 08 gives (options_08 below: a user namespace, no_new_privs, 08's
# capabilities and 08's seccomp filter as a profile): every escape blocked.
# Escape programs describe themselves in their first comment (see
# tests/escapes/escape.h); this script reads those lines.
set -u
build=${BUILD:-build}
rootfs=$build/rootfs
explain=0
only_steps=""
only_runtimes="" # oci, crun, runc: the podman columns --steps names
only_escapes=""
while [ $# -gt 0 ]; do
	case "$1" in
	--explain) explain=1 ;;
	--steps)
		[ $# -ge 2 ] || { echo "matrix: --steps needs a list, e.g. --steps \"01 05\"" >&2; exit 2; }
		for n in $2; do
			case "$n" in
			oci | crun | runc) only_runtimes="$only_runtimes $n" ;;
			*) only_steps="$only_steps $n" ;;
			esac
		done
		shift
		;;
	--escapes)
		[ $# -ge 2 ] || { echo "matrix: --escapes needs a list, e.g. --escapes chroot-breakout" >&2; exit 2; }
		only_escapes="$only_escapes $2"
		shift
		;;
	-*) echo "matrix: unknown option '$1' (--explain, --steps LIST, ESCAPE...)" >&2; exit 2 ;;
	*) only_escapes="$only_escapes $1" ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	echo "matrix: needs root (sudo make matrix)" >&2
	exit 1
fi
steps=()
for bin in "$build"/bin/[0-9][0-9]-*; do
	[ -x "$bin" ] || continue
	case $(basename "$bin") in 10-*) continue ;; esac # 10 runs no single container
	# --steps "01 5": by number, with or without the leading 0 ("oci": none)
	if [ -n "$only_steps$only_runtimes" ]; then
		wanted=0
		for n in $only_steps; do
			case "$n" in
			*[!0-9]*) echo "matrix: step '$n': expected a step number such as 01 or 05, or oci, crun, runc" >&2; exit 2 ;;
			esac
			[ "$((10#$n))" -eq "$((10#$(basename "$bin" | cut -c1-2)))" ] && wanted=1
		done
		[ "$wanted" -eq 1 ] || continue
	fi
	steps+=("$bin")
done
for n in $only_steps; do
	ls "$build"/bin/"$(printf '%02d' "$((10#$n))")"-* >/dev/null 2>&1 ||
		{ echo "matrix: no step $n in $build/bin (make all first?)" >&2; exit 2; }
done
# The podman columns: only when --steps names them (make demo's table stays
# the ladder's: podman's defaults let four escapes out, under runc too, see
# beyond/oci-runtime/README.md); always last.
runtimes=()
if [ -n "$only_runtimes" ]; then
	for rt in oci crun runc; do
		[ -z "$only_runtimes" ] || [[ " $only_runtimes " == *" $rt "* ]] || continue
		why=""
		command -v podman >/dev/null || why="podman is not installed"
		[ $rt = oci ] && [ ! -x "$build/bin/boxes-runtime" ] && why="no $build/bin/boxes-runtime"
		[ $rt = crun ] && ! command -v crun >/dev/null && why="crun is not installed"
		[ $rt = runc ] && ! command -v runc >/dev/null && why="runc is not installed"
		if [ -z "$why" ]; then
			runtimes+=("$rt" "$rt-08")
		elif [ -n "$only_runtimes" ]; then
			echo "matrix: no column $rt: $why" >&2
			exit 2
		fi
	done
fi
if [ $((${#steps[@]} + ${#runtimes[@]})) -eq 0 ] || [ ! -x "$rootfs/bin/busybox" ]; then
	echo "matrix: build first: make all rootfs" >&2
	exit 1
fi

BOXES_RUN=$(mktemp -d /tmp/boxes-matrix-XXXXXX)
export BOXES_RUN
BOXES_ROOT=$BOXES_RUN/store # 09's images
export BOXES_ROOT
image=localhost/boxes-matrix:latest
sentinel=""
listener=""
cleanup() {
	[ ${#runtimes[@]} -gt 0 ] && "${podman_cmd[@]}" rm -af >/dev/null 2>&1
	[ -n "$sentinel" ] && kill "$sentinel" 2>/dev/null
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	wait 2>/dev/null
	rm -rf --one-file-system "$BOXES_RUN"
}
trap cleanup EXIT

# A harmless host process for host-processes to look for.
bash -c 'exec -a boxes-host-sentinel sleep 600' &
sentinel=$!

header() { # header FILE KEY: the value of "KEY:" in the first comment
	sed -n "1,30s/^[/ ]*\*\{0,1\} *$2: *//p" "$1" | head -n 1
}

step_number() { case $1 in oci* | crun* | runc*) echo "$1" ;; *) basename "$1" | cut -c1-2 ;; esac; }

# podman as the tests run it: a temporary store, and what this machine
# needs (no default ulimits, vfs, cgroupfs, events to a file). Run from
# BOXES_RUN: conmon writes a file "oom" into its working directory when the
# memory limit kills a container (memory-hog).
podman_dir=$BOXES_RUN/podman
podman_cmd=(env -C "$BOXES_RUN" CONTAINERS_CONF="$podman_dir/containers.conf" TMPDIR="$podman_dir" podman
	--root "$podman_dir/root" --runroot "$podman_dir/runroot" --tmpdir "$podman_dir/libpod"
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file)

# What step 08 gives, asked of podman: 07's user namespace (0 -> 100000,
# 65536), no_new_privs, 08's capability set (steps/08-seccomp/capabilities.c)
# and 08's seccomp filter written as a profile (beyond/oci-runtime/
# seccomp-08.json; tests/unit/test_11_spec.c checks it is the same filter).
options_08=(--uidmap 0:100000:65536 --gidmap 0:100000:65536
	--security-opt no-new-privileges
	--security-opt "seccomp=$(realpath beyond/oci-runtime/seccomp-08.json)"
	--cap-drop all --cap-add CHOWN,DAC_OVERRIDE,FSETID,FOWNER,MKNOD,NET_RAW,SETGID,SETUID,SETFCAP,SETPCAP,NET_BIND_SERVICE,SYS_CHROOT,KILL,AUDIT_WRITE)

options_for() { # the options every run of this step gets
	local n
	n=$(step_number "$1")
	if [ "$((10#$n))" -ge 3 ]; then echo "--memory 64M --pids-limit 64"; fi
}

# What a step runs an escape in: STEP OPTIONS ROOTFS, or 09-image run
# OPTIONS IMAGE. Sets box_command, the words before the escape's path.
box_command=()
set_box_command() {
	local bin=$1
	# shellcheck disable=SC2207
	case $(basename "$bin") in
	oci* | crun* | runc*)
		local runtime extra=()
		case $bin in
		oci*) runtime=$(realpath "$build/bin/boxes-runtime") ;;
		crun*) runtime=$(realpath scripts/crun-hybrid.sh) ;;
		runc*) runtime=$(command -v runc) ;;
		esac
		[[ $bin == *-08 ]] && extra=("${options_08[@]}")
		box_command=("${podman_cmd[@]}" --runtime "$runtime" run --rm --network none
			--memory 64m --pids-limit 64 "${extra[@]}" "$image")
		;;
	09-*) box_command=("$bin" run $(options_for "$bin") "$image") ;;
	*) box_command=("$bin" $(options_for "$bin") "$rootfs") ;;
	esac
}

run_plain() { # run_plain BIN NAME [ARG...]
	local name=$2
	shift 2
	timeout 60 "${box_command[@]}" "/escapes/$name" "$@" >"$BOXES_RUN/last.out" 2>&1
}

# hostname: run in a throwaway UTS namespace of our own, and look there.
run_uts() {
	local name=$2
	unshare --uts bash -c '
		hostname boxes-matrix-host
		"$@" >/dev/null 2>&1
		[ "$(hostname)" != boxes-matrix-host ]' _ \
		timeout 60 "${box_command[@]}" "/escapes/$name" escaped-box
	[ $? -eq 0 ] && return 0 || return 1
}

# rootfs tampering: one container writes, a second one looks.
run_twice() {
	local bin=$1 name=$2
	run_plain "$bin" "$name" write
	run_plain "$bin" "$name" check
}

# host loopback: a service that listens on the host's 127.0.0.1 only (busybox
# httpd serving an empty dir); the escape gets its port and tries to connect.
run_loopback() {
	local bin=$1 name=$2 port=47011 tries=0
	if [ -z "$listener" ]; then
		mkdir -p "$BOXES_RUN/loopback-www"
		"$rootfs/bin/busybox" httpd -f -p "127.0.0.1:$port" -h "$BOXES_RUN/loopback-www" \
			>/dev/null 2>&1 &
		listener=$!
		# listening yet? 0100007F:B7A3 is 127.0.0.1:47011, state 0A is LISTEN
		while ! grep -q "0100007F:$(printf '%04X' "$port") 00000000:0000 0A" /proc/net/tcp; do
			tries=$((tries + 1))
			[ "$tries" -gt 50 ] && break
			sleep 0.05
		done
	fi
	run_plain "$bin" "$name" "$port"
}

cell_for() { # cell_for EXIT_CODE -> ESCAPED | blocked | error N
	case "$1" in
	0) echo ESCAPED ;;
	1) echo blocked ;;
	2) echo n/a ;;
	125 | 126 | 127) echo "error $1" ;;
	*) if [ "$1" -gt 128 ]; then echo blocked; else echo "error $1"; fi ;;
	esac
}

escapes=()
known=""
for source in tests/escapes/*.c; do
	name=$(header "$source" escape)
	if [ -z "$name" ] || [ ! -x "$rootfs/escapes/$name" ]; then continue; fi
	known="$known $name"
	if [ -n "$only_escapes" ] && ! [[ " $only_escapes " == *" $name "* ]]; then
		continue
	fi
	escapes+=("$(header "$source" blocked-from) $name $source")
done
for name in $only_escapes; do
	[[ " $known " == *" $name "* ]] ||
		{ echo "matrix: no escape '$name'; there are:$known" >&2; exit 2; }
done
mapfile -t escapes < <(printf '%s\n' "${escapes[@]}" | sort)

if [ ${#runtimes[@]} -gt 0 ]; then
	mkdir -p "$podman_dir"
	printf '[containers]\ndefault_ulimits = []\n' >"$podman_dir/containers.conf"
fi
if [ -x "$build/bin/09-image" ] || [ ${#runtimes[@]} -gt 0 ]; then
	scripts/mkimage.sh --rootfs "$rootfs" "$BOXES_RUN/image.tar" "$image" &&
		{ [ ! -x "$build/bin/09-image" ] || "$build/bin/09-image" load -i "$BOXES_RUN/image.tar" >/dev/null; } &&
		{ [ ${#runtimes[@]} -eq 0 ] || "${podman_cmd[@]}" load -i "$BOXES_RUN/image.tar" >"$BOXES_RUN/podman-load.log" 2>&1 ||
			{ cat "$BOXES_RUN/podman-load.log" >&2; false; }; } ||
		echo "matrix: could not make the image for 09 and podman: their cells will show errors" >&2
fi

printf '%-18s' "escape \\ step"
columns=("${steps[@]}" "${runtimes[@]}")
for bin in "${columns[@]}"; do printf ' %-9s' "$(step_number "$bin")"; done
printf '\n'
mismatches=0
for entry in "${escapes[@]}"; do
	read -r blocked_from name source <<<"$entry"
	mode=$(header "$source" run)
	printf '%-18s' "$name"
	for bin in "${columns[@]}"; do
		set_box_command "$bin"
		case "${mode:-plain}" in
		uts) run_uts "$bin" "$name" ;;
		twice) run_twice "$bin" "$name" ;;
		loopback) run_loopback "$bin" "$name" ;;
		*) run_plain "$bin" "$name" ;;
		esac
		cell=$(cell_for $?)
		expected=blocked
		case $bin in
		*-08) ;;
		oci | crun | runc) expected=$cell ;; # podman's defaults: shown, not judged
		*) [ "$((10#$(step_number "$bin")))" -lt "$((10#$blocked_from))" ] && expected=ESCAPED ;;
		esac
		if [ "$cell" = n/a ]; then
			grep -q "^$name:" "$BOXES_RUN/not-tried" 2>/dev/null ||
				echo "$name: $(grep -m1 'CANNOT TEST' "$BOXES_RUN/last.out")" >>"$BOXES_RUN/not-tried"
		fi
		case "$bin:$cell" in # what got out under podman, in the escape's words
		oci*:ESCAPED | crun*:ESCAPED | runc*:ESCAPED)
			echo "$name ($bin): $(grep -m1 '^ESCAPED' "$BOXES_RUN/last.out")" >>"$BOXES_RUN/podman-escaped"
			;;
		esac
		if [ "$cell" != "$expected" ] && [ "$cell" != n/a ]; then
			cell="$cell!"
			mismatches=$((mismatches + 1))
		fi
		printf ' %-9s' "$cell"
	done
	printf '\n'
done

if [ -s "$BOXES_RUN/not-tried" ]; then
	printf '\nNot tried on this machine (n/a):\n'
	sed 's/^/  /' "$BOXES_RUN/not-tried"
fi
if [ ${#runtimes[@]} -gt 0 ]; then
	printf '\noci, crun, runc: podman run --rm --network none --memory 64m --pids-limit 64\n'
	printf '  IMAGE with --runtime %s/bin/boxes-runtime, scripts/crun-hybrid.sh or runc,\n' "$build"
	printf '  podman'"'"'s defaults otherwise (not judged: they are podman'"'"'s configuration).\n'
	printf 'NAME-08: the same with the options that ask podman for what 08 gives:\n'
	printf '  %s\n' "${options_08[*]}"
	if [ -s "$BOXES_RUN/podman-escaped" ]; then
		printf 'Escaped under podman:\n'
		sed 's/^/  /' "$BOXES_RUN/podman-escaped"
	fi
fi
if [ "$explain" -eq 1 ]; then
	printf '\nWhat each row tries (and the step that blocks it):\n'
	for entry in "${escapes[@]}"; do
		read -r blocked_from name source <<<"$entry"
		printf '  %-18s %s (blocked from %s)\n' "$name" "$(header "$source" explain)" "$blocked_from"
	done
	printf '\nRun one yourself: sudo build/bin/01-chroot build/rootfs /escapes/chroot-breakout\n'
fi
if [ "$mismatches" -gt 0 ]; then
	printf '\n%d cell(s) marked ! differ from what the escape expects.\n' "$mismatches"
	exit 1
fi
