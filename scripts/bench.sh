#!/bin/bash
# bench.sh - the start-up cost of each step, next to chroot, unshare, crun
# and runc. Run by `make bench` (after `make all rootfs`), as root:
#
#     make bench                          50 timed rounds, 15 traced runs
#     BENCH_RUNS=200 BENCH_TRACED=30 make bench
#
# Writes build/bench/: startup.md (the tables, also printed), runs.csv
# (every timed run), phases.csv (every traced run, phase by phase),
# traces/NN-name.txt (one traced run per step, each line with the time its
# action took), stderr.log (what the measured programs said on stderr).
# The measuring is done by scripts/bench/bench.c, built here; see its
# header for the method.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-build}
out=$build/bench
runs=${BENCH_RUNS:-50}
traced=${BENCH_TRACED:-15}

say() { printf 'bench: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	say "needs root (namespaces, mounts, cgroups): sudo make bench"
	exit 1
fi

# crun and runc are the yardsticks. Install them quietly when missing;
# without them the bench still runs, and says n/a.
install_runtimes() {
	local missing=()
	command -v crun >/dev/null || missing+=(crun)
	command -v runc >/dev/null || missing+=(runc)
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# a fresh machine may have no package lists yet: update, then retry
	apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
		say "could not install ${missing[*]}: comparing without"
}

# An OCI bundle over the same rootfs: `runc spec` (or `crun spec`), edited.
# Every edit is checked, so a changed spec template fails loudly here.
make_bundle() {
	local bundle=$1 rootfs=$2 spec_tool
	spec_tool=$(command -v runc || command -v crun || true)
	[ -n "$spec_tool" ] || return 1
	rm -rf "$bundle"
	mkdir -p "$bundle"
	(cd "$bundle" && "$spec_tool" spec)
	sed -i \
		-e 's/"terminal": true/"terminal": false/' \
		-e 's|^\([[:space:]]*\)"sh"$|\1"/bin/true"|' \
		-e "s|\"path\": \"rootfs\"|\"path\": \"$rootfs\"|" \
		"$bundle/config.json"
	if ! { grep -q '"terminal": false' "$bundle/config.json" &&
		grep -q '"/bin/true"' "$bundle/config.json" &&
		grep -q "\"path\": \"$rootfs\"" "$bundle/config.json" &&
		grep -q '"readonly": true' "$bundle/config.json"; }; then
		say "could not edit $bundle/config.json (the spec template changed?)"
		return 1
	fi
}

# Nothing may stay: no state dir with a mount in it, no cgroup, no runtime
# state. Called on every exit.
clean_up() {
	local leftover
	if [ -n "${BOXES_RUN:-}" ] && [ -d "$BOXES_RUN" ]; then
		if grep -q " $BOXES_RUN" /proc/self/mountinfo; then
			say "mounts left under $BOXES_RUN (not removed):"
			grep " $BOXES_RUN" /proc/self/mountinfo >&2
		else
			rm -rf --one-file-system "$BOXES_RUN"
		fi
	fi
	for leftover in /run/runc/boxes-bench-* /run/crun/boxes-bench-*; do
		[ -e "$leftover" ] && say "runtime state left: $leftover"
	done
	find /sys/fs/cgroup -maxdepth 6 -type d -name 'boxes-bench-*' 2>/dev/null |
		while read -r leftover; do
			say "cgroup left: $leftover (removing)"
			rmdir "$leftover" || true
		done
	return 0
}

install_runtimes
mkdir -p "$out"
cc -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$out/bench" scripts/bench/bench.c

rootfs=$(realpath "$build/rootfs")
bundle=$(realpath -m "$out/bundle")
runtime_args=()
about=""
if make_bundle "$bundle" "$rootfs"; then
	runtime_args+=(--bundle "$bundle")
	if command -v crun >/dev/null; then
		runtime_args+=(--crun "$(command -v crun)")
		about+="crun $(crun --version | sed -n 's/^crun version //p'). "
	fi
	if command -v runc >/dev/null; then
		runtime_args+=(--runc "$(command -v runc)")
		about+="runc $(runc --version | sed -n 's/^runc version //p'). "
	fi
fi
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
	about+="boxes $commit"
	git diff --quiet HEAD -- steps common || about+=" (+ local changes)"
	about+="."
fi

# Steps 01-08 share one command line: STEP ROOTFS COMMAND. A copy of each is
# measured, so a `make` running meanwhile cannot swap a binary mid-bench.
steps=()
rm -rf "${out:?}/bin"
mkdir -p "$out/bin"
for bin in "$build"/bin/0[1-8]-*; do
	[ -x "$bin" ] || continue
	cp "$bin" "$out/bin/"
	steps+=("$(realpath "$out/bin/$(basename "$bin")")")
done
[ ${#steps[@]} -gt 0 ] || { say "no step binaries in $build/bin: run make"; exit 1; }

# Where the default /run/boxes would be (a tmpfs on most machines), like the
# state of crun and runc in /run/crun and /run/runc.
BOXES_RUN=$(mktemp -d /run/boxes-bench.XXXXXX)
export BOXES_RUN
trap clean_up EXIT

say "${#steps[@]} steps, $runs rounds, $traced traced runs per step"
"$out/bench" --rootfs "$rootfs" --out "$out" --runs "$runs" --traced "$traced" \
	--about "$about" "${runtime_args[@]}" "${steps[@]}"
cat "$out/startup.md"
