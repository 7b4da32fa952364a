#!/bin/bash
# bench.sh - the start-up cost of each step, next to chroot, unshare, crun
# and runc, like for like. Run by `make bench` (which builds the steps, the
# rootfs and the bench's tools first), as root, under the shared lock:
#
#     flock /tmp/boxes-suite.lock make bench          50 rounds, 15 traced runs
#     BENCH_RUNS=150 BENCH_TRACED=30 flock /tmp/boxes-suite.lock make bench
#
# Writes build/bench/:
#   startup.md            the tables and the targets (also printed)
#   where-the-time-goes.svg, .png   one stacked bar per step and yardstick
#   runs.csv              every timed run (round 0 is the check run)
#   phases.csv            every traced run, phase by phase
#   instructions.csv      instructions of one run per subject (callgrind)
#   subjects.tsv          what was measured: name, kind, what it does, command
#   traces/NAME.txt       one traced run per step, each action with its time
#   stderr.log            what the measured programs said on stderr
#   image.md, image-runs.csv, image-run-runs.csv   step 09 (scripts/bench/image.sh)
#   oci.md, oci/runs.csv  boxes-runtime against crun and runc (scripts/bench/oci.sh)
# and keeps build/bench/rootfs-mapped/ (build/rootfs owned by 100000, for
# crun and runc in a user namespace) and bundle-*/ from run to run.
#
# What is C and what is not: scripts/bench/bench.c runs the interleaved
# rounds and splits traces into phases (no tool does either); the medians,
# ratios and targets are scripts/bench/report.awk; the picture is gnuplot
# (scripts/bench/phases.gp).
#
# crun 1.8 refuses this machine's hybrid cgroup layout (v1 controllers plus
# a controller-less cgroup2 at /sys/fs/cgroup/unified): "cannot detect the
# cgroup mode". What works: run it in a private mount namespace in which
# /sys/fs/cgroup/unified is unmounted; it then sees plain v1. bench.c makes
# that namespace once and setns(2)es each crun run into it (so unshare(1)
# is not in crun's time); clean-up here uses `unshare -m` for the same.
# (--cgroup-manager=disabled would also start, but then crun sets no limits:
# not the same configuration.) runc 1.1 works with cgroupfs as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-build}
out=$build/bench
runs=${BENCH_RUNS:-50}
traced=${BENCH_TRACED:-15}
lock=/tmp/boxes-suite.lock

say() { printf 'bench: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	say "needs root (namespaces, mounts, cgroups): sudo flock $lock make bench"
	exit 1
fi
# The yardsticks and the tools. Installed quietly when missing; without
# one, its rows or its picture say n/a.
install_tools() {
	local missing=()
	command -v crun >/dev/null || missing+=(crun)
	command -v runc >/dev/null || missing+=(runc)
	command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
	command -v valgrind >/dev/null || missing+=(valgrind)
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# a fresh machine may have no package lists yet: update, then retry
	apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
		say "could not install ${missing[*]}: going on without"
}

# Run "$@" in a private mount namespace without the cgroup2 tree, where
# crun sees plain v1 (see the header).
unified_off=(unshare -m --propagation private
	sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh)
without_unified() { "${unified_off[@]}" "$@"; }

# build/rootfs owned by the ids the user namespace maps container root to
# (0 -> 100000), for crun and runc: they have no idmapped rootfs (08 idmaps
# build/rootfs itself). Made once; made again when build/rootfs changes.
make_mapped_rootfs() {
	local copy=$out/rootfs-mapped
	if [ -f "$copy/.stamp" ] && [ "$copy/.stamp" -nt "$build/rootfs/.stamp" ]; then
		return 0
	fi
	say "copying $build/rootfs to $copy, owned by 100000:100000"
	rm -rf "$copy"
	cp -a "$build/rootfs" "$copy.tmp"
	if find "$copy.tmp" ! -uid 0 -o ! -gid 0 | grep -q .; then
		say "$build/rootfs has files not owned by root: not a plain shift to 100000"
		rm -rf "$copy.tmp"
		return 1
	fi
	chown -hR 100000:100000 "$copy.tmp"
	mv "$copy.tmp" "$copy"
	touch "$copy/.stamp"
}

# An OCI bundle: `runc spec`, edited by oci-config (bare or like-08).
make_bundle() {
	local bundle=$1 rootfs=$2 variant=$3 spec_tool
	spec_tool=$(command -v runc || command -v crun) || return 1
	rm -rf "$bundle"
	mkdir -p "$bundle"
	(cd "$bundle" && "$spec_tool" spec && mv config.json template.json)
	"$out/oci-config" "$rootfs" "$variant" <"$bundle/template.json" >"$bundle/config.json"
}

# subjects.tsv: NAME, KIND, WHAT IT DOES (isolation; limits; network; like
# for like with), COMMAND (see bench.c).
write_subjects() {
	local f=$1 bin limits="--memory 64M --pids-limit 64"
	: >"$f"
	for bin in "${steps[@]}"; do
		local name what
		name=$(basename "$bin")
		case $name in
		01-*) what="chroot;-;host's;chroot" ;;
		02-*) what="pid, mount, uts, ipc ns, chroot;-;host's;" ;;
		03-*) what="02 + a cgroup;none set;host's;" ;;
		04-*) what="03 + overlay;none set;host's;" ;;
		05-*) what="04 + pivot_root, minimal /dev, masked /proc;none set;host's;" ;;
		06-*) what="05 + net ns;none set;veth pair;" ;;
		07-*) what="06 + user ns 0→100000;none set;veth pair;" ;;
		08-*) what="07 + 14 caps, no_new_privs, seccomp;none set;veth pair;" ;;
		*) what="?;?;?;" ;;
		esac
		printf '%s\tstep\t%s\t%s %s /bin/true\n' "$name" "$what" "$bin" "$rootfs" >>"$f"
	done
	if [ -n "$step08" ]; then
		printf '%s\tstep\t%s\t%s %s %s /bin/true\n' \
			08-limits-veth "08 (user ns, caps, seccomp);memory 64M, pids 64;veth pair;crun-like-08 + a veth" \
			"$step08" "$limits" "$rootfs" \
			08-limits-none "08 (user ns, caps, seccomp);memory 64M, pids 64;lo only;crun-like-08, runc-like-08" \
			"$step08" "$limits --net none" "$rootfs" >>"$f"
	fi
	printf '%s\tplain\t%s\t%s\n' \
		chroot "chroot(8);-;host's;01-chroot" "chroot $rootfs /bin/true" \
		unshare "pid, mount, uts, ipc, net ns, chroot;-;lo down;02 + a net ns" \
		"unshare --fork --pid --mount --uts --ipc --net --mount-proc chroot $rootfs /bin/true" >>"$f"
	local rt kind
	for rt in crun runc; do
		command -v $rt >/dev/null || continue
		kind=plain
		[ $rt = crun ] && kind=crun
		printf '%s\t%s\t%s\t%s\n' \
			$rt-bare $kind "pid, mount, uts, ipc ns, pivot_root, read-only root, 3 caps;a cgroup, none set;lo only;" \
			"$(command -v $rt) --root $BOXES_RUN/$rt run --bundle $bundles/bundle-bare {id}" \
			$rt-like-08 $kind "as 08: user ns 0→100000, 14 caps, no_new_privs, 08's seccomp;memory 64M, pids 64;lo only;08-limits-none" \
			"$(command -v $rt) --root $BOXES_RUN/$rt run --bundle $bundles/bundle-like-08 {id}" >>"$f"
	done
}

# Instructions of one run per subject, under valgrind's callgrind: exact
# and repeatable (they do not move with the machine's load), unlike time.
# It counts the runtime's own process only: valgrind follows fork, but it
# writes a process's counts out when it exits, and the container's process
# execs /bin/true (natively: --trace-children=no) without exiting first.
# Writes instructions.csv: subject,instructions,note.
count_instructions() {
	local csv=$out/instructions.csv dir=$out/callgrind name kind what command log
	echo "subject,instructions,note" >"$csv"
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! command -v valgrind >/dev/null; then
		say "no valgrind: no instruction counts"
		return 0
	fi
	while IFS=$'\t' read -r name kind what command; do
		local words=() prefix count note=""
		read -ra words <<<"${command//\{id\}/boxes-bench-cg-$$-$name}"
		log=$dir/$name.log
		prefix=()
		[ "$kind" = crun ] && prefix=("${unified_off[@]}")
		timeout 300 "${prefix[@]}" valgrind --tool=callgrind \
			--callgrind-out-file="$dir/$name.%p" "${words[@]}" </dev/null >/dev/null 2>"$log" || true
		count=$(cat "$dir/$name".[0-9]* 2>/dev/null | awk '/^summary:/ { n += $2 } END { if (n) print n }')
		if grep -q 'unhandled amd64-linux syscall' "$log"; then
			count=""
			note="valgrind $(valgrind --version | sed 's/valgrind-//') does not know syscall $(grep -o 'syscall: [0-9]*' "$log" | head -1 | cut -d' ' -f2)"
		elif grep -q 'Failed to re-execute' "$log"; then
			count="" note="crun re-executes itself from a memfd, which valgrind cannot run"
		elif grep -q 'valgrind: the .impossible. happened\|VALGRIND INTERNAL ERROR\|Valgrind.*crash' "$log"; then
			count="" note="valgrind crashes on a Go program"
		elif [ -z "$count" ] && [ "$kind" = plain ] && grep -q 'Command: chroot' "$log"; then
			note="chroot(8) execs the command itself: no process of its own left to count"
		elif [ -z "$count" ]; then
			note="no count: see callgrind/$name.log"
		fi
		echo "$name,${count:-},$note" >>"$csv"
	done < <(grep -v '^#' "$out/subjects.tsv")
	delete_runtime_state # runc fails under valgrind, leaving its state
	# ... and the cgroups it had made for the failed container
	local cgroup
	while read -r cgroup; do
		[ -n "$cgroup" ] || continue
		rmdir "$cgroup" 2>/dev/null && deleted+=("cgroup $cgroup")
	done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name 'boxes-bench-cg-*' 2>/dev/null)
}

# crun and runc delete a container at the end of `run`; one that failed
# (under valgrind, say) may leave its state: delete it, say so in $deleted.
deleted=()
delete_runtime_state() {
	local state rt
	for rt in crun runc; do
		for state in "${BOXES_RUN:-/nonexistent}/$rt"/boxes-bench-*; do
			[ -e "$state" ] || continue
			deleted+=("$rt state $(basename "$state")")
			if [ $rt = crun ]; then
				without_unified crun --root "$BOXES_RUN/crun" delete --force "$(basename "$state")"
			else
				runc --root "$BOXES_RUN/runc" delete --force "$(basename "$state")"
			fi >/dev/null 2>&1 || true
		done
	done
}

# Nothing may stay. Called on every exit; its last line says what it found.
clean_up() {
	local found=() leftover owner
	set +e
	delete_runtime_state
	for leftover in "${BOXES_RUN:-/nonexistent}"/{crun,runc}/boxes-bench-*; do
		[ -e "$leftover" ] && found+=("state $leftover (delete failed)")
	done
	while read -r leftover; do
		[ -n "$leftover" ] || continue
		found+=("cgroup $leftover (removed)")
		rmdir "$leftover"
	done < <(find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name 'boxes-bench-*' 2>/dev/null)
	if [ -n "${BOXES_RUN:-}" ] && [ -d "$BOXES_RUN" ]; then
		if grep -q " $BOXES_RUN" /proc/self/mountinfo; then
			found+=("mounts under $BOXES_RUN (not removed)")
		else
			rm -rf --one-file-system "$BOXES_RUN"
		fi
	fi
	# a step's cgroups are boxes/<id>, its links bx*: compare with the start
	local foreign=() tries
	for tries in $(seq 20); do # the kernel may still be removing a veth
		comm -13 "$out/before.txt" <(host_objects | sort) >"$out/after.txt"
		[ -s "$out/after.txt" ] || break
		sleep 0.1
	done
	while read -r leftover; do
		[ -n "$leftover" ] || continue
		if owner=$(foreign_owner "$leftover"); then
			foreign+=("$leftover ($owner)")
		else
			found+=("$leftover")
		fi
	done <"$out/after.txt"
	local on_the_way=""
	[ ${#deleted[@]} -gt 0 ] &&
		on_the_way="; deleted on the way: ${#deleted[@]} crun/runc state(s) or cgroup(s) of runs that failed under valgrind (${deleted[*]})"
	[ ${#foreign[@]} -gt 0 ] &&
		on_the_way+="; not ours, so left alone: ${foreign[*]}"
	if [ ${#found[@]} -eq 0 ]; then
		say "left behind: nothing (no new cgroup boxes/* or boxes-bench-*, bx* link, mount, temp dir, crun/runc state)$on_the_way"
	else
		say "left behind: ${#found[@]}: ${found[*]}$on_the_way"
	fi
}

# Another engineer's container may come and go during the bench (a soak
# run, say). A leftover is someone else's when a process in its cgroup
# (boxes/<id>, also for the link bx<id>) is not a child of a binary the
# bench runs (build/bench/bin/). Prints who holds it; fails when ours.
foreign_owner() {
	local id pid parent
	id=${1##*/}
	id=${id#bx}
	for pid in $(cat /sys/fs/cgroup/*/boxes/"$id"/cgroup.procs 2>/dev/null); do
		parent=$(awk '/^PPid:/ { print $2 }' /proc/"$pid"/status 2>/dev/null) || continue
		if ! tr '\0' ' ' </proc/"$parent"/cmdline 2>/dev/null | grep -q "$(realpath "$out")/bin/"; then
			echo "in use by pid $pid, child of $(tr '\0' ' ' </proc/"$parent"/cmdline 2>/dev/null | cut -c1-60)"
			return 0
		fi
	done
	return 1
}

# What a run could leave on the host: cgroups under boxes/, bx* links,
# mounts of the rootfs, bench temp dirs. Sorted, one a line.
host_objects() {
	{
		find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/boxes/*' -type d | sed 's/^/cgroup /'
		ip -o link show | awk -F': ' '$2 ~ /^bx/ { sub(/@.*/, "", $2); print "link " $2 }'
		grep -e " $rootfs" -e ' /run/boxes-bench' /proc/self/mountinfo | awk '{ print "mount " $5 }'
		find /run /tmp -maxdepth 1 -name 'boxes-bench*' | sed 's/^/temp dir /'
	} 2>/dev/null || true
}

install_tools
mkdir -p "$out"
rootfs=$(realpath "$build/rootfs")
bundles=$(realpath "$out")
case "$rootfs$bundles" in *[[:space:]]*)
	say "paths with spaces ($rootfs, $bundles): bench splits commands at spaces"
	exit 1
	;;
esac
host_objects | sort >"$out/before.txt"

# Steps 01-08 share one command line: STEP ROOTFS COMMAND. A copy of each is
# measured, so a `make` running meanwhile cannot swap a binary mid-bench.
steps=()
step08=""
rm -rf "${out:?}/bin"
mkdir -p "$out/bin"
for bin in "$build"/bin/0[1-8]-*; do
	[ -x "$bin" ] || continue
	cp "$bin" "$out/bin/"
	steps+=("$(realpath "$out/bin/$(basename "$bin")")")
	case $bin in */08-*) step08=$(realpath "$out/bin/$(basename "$bin")") ;; esac
done
[ ${#steps[@]} -gt 0 ] || { say "no step binaries in $build/bin: run make"; exit 1; }

# Where the default /run/boxes would be (a tmpfs on most machines); the
# state of crun and runc goes there too (--root), not to /run/crun, /run/runc.
BOXES_RUN=$(mktemp -d /run/boxes-bench.XXXXXX)
export BOXES_RUN
mkdir -p "$BOXES_RUN/crun" "$BOXES_RUN/runc"
trap clean_up EXIT

if command -v crun >/dev/null || command -v runc >/dev/null; then
	make_mapped_rootfs
	make_bundle "$bundles/bundle-bare" "$rootfs" bare
	make_bundle "$bundles/bundle-like-08" "$(realpath "$out/rootfs-mapped")" like-08
fi
write_subjects "$out/subjects.tsv"

about=""
command -v crun >/dev/null && about+="crun $(crun --version | sed -n 's/^crun version //p'), "
command -v runc >/dev/null && about+="runc $(runc --version | sed -n 's/^runc version //p'), "
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
	about+="boxes $commit"
	git diff --quiet HEAD -- steps common || about+=" (+ local changes)"
fi
# Steps whose mechanism is still a stub (`make lab` skeletons): first line /* STUB
stubs=$( (grep -l '^/\* STUB' steps/0[1-8]-*/*.c || true) | cut -d/ -f2 | cut -c1-2 | sort -u | tr '\n' ' ')

say "$(grep -c . "$out/subjects.tsv") subjects, $runs rounds, $traced traced runs per step"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
"$out/bench" --out "$out" --runs "$runs" --traced "$traced" "$out/subjects.tsv"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
say "instruction counts (callgrind, one run each)"
count_instructions

awk -F'\t' -v about="$about" -v machine="$(uname -r), $(nproc) CPUs" \
	-v date="$(date -u '+%Y-%m-%d %H:%M UTC')" -v load="$load_start at start, $load_end at end" \
	-v stubs="$stubs" -v traces="$out/traces" \
	-f scripts/bench/report.awk \
	"$out/subjects.tsv" "$out/runs.csv" "$out/phases.csv" "$out/instructions.csv" \
	>"$out/startup.md"
if command -v gnuplot >/dev/null; then
	awk -F'\t' -f scripts/bench/report.awk -v plot=1 \
		"$out/subjects.tsv" "$out/runs.csv" "$out/phases.csv" "$out/instructions.csv" \
		>"$out/phases.dat"
	gnuplot -e "data='$out/phases.dat'; out='$out/where-the-time-goes'" scripts/bench/phases.gp
	echo "Picture: where-the-time-goes.svg / .png (beside this file)." >>"$out/startup.md"
else
	echo "Picture: n/a (no gnuplot)." >>"$out/startup.md"
fi
cat "$out/startup.md"

# --- step 09: load against tar -x and podman load, run against 08 ------
# (its own script: scripts/bench/image.sh says what each row does)
echo
BUILD=$build scripts/bench/image.sh || say "step 09's part failed: see above"

# ---- step 10: a published port's proxy, and compose up/down against
# podman-compose (scripts/bench/compose.sh writes and prints compose.md).
# BENCH_COMPOSE=0 leaves it out.
bench_step10() {
	scripts/install-deps.sh --bench || say "no podman-compose: its rows say n/a"
	BUILD=$build scripts/bench/compose.sh "$out"
}
[ "${BENCH_COMPOSE:-1}" = 0 ] || bench_step10

# ---- boxes-runtime against runc: podman run through each, and each on the
# same bundle (scripts/bench/oci.sh writes and prints oci.md; without
# podman or runc its rows say n/a). BENCH_OCI=0 leaves it out.
bench_oci() {
	scripts/install-deps.sh --bench || say "could not install runc: its rows say n/a"
	echo
	BUILD=$build scripts/bench/oci.sh "$out" || say "boxes-runtime's part failed: see above"
}
[ "${BENCH_OCI:-1}" = 0 ] || bench_oci
