#!/bin/sh
# cleanup.sh - remove what SIGKILLed boxes runs left behind, and only that.
# Safe to run at any time, also while containers run.
#
# A normal run, even one that failed or got SIGINT/SIGTERM, cleans up after
# itself. A runtime killed with kill -9 (or a power cut in a workshop VM)
# cannot: its cgroups, its bx<id> veth, its address lease in /run/boxes-net
# and its state dir BOXES_RUN/<id> stay. Each run writes them down in
# BOXES_RUN/<id>/state and holds flock(2) on BOXES_RUN/<id>/lock while it
# lives; build/bin/boxes-sweep (common/sweep.c) undoes what the runs whose
# lock is free listed - the same sweep every step does when it starts. A
# live run holds its lock and is never touched.
#
# boxes-runtime (beyond/oci-runtime) keeps no process and no lock: its
# state is ROOT/<id>/state.json (ROOT: BOXES_RUNTIME_ROOT, default
# /run/boxes-runtime, its --root). A container whose init is gone ("state"
# says stopped: same pid AND same start time, see container.c) is deleted
# as `boxes-runtime delete` does it (its cgroup, its state); a created or
# running one is never touched. A dir without state.json (a create killed
# half way) goes once it is a minute old.
#
#   sudo scripts/cleanup.sh            BOXES_RUN (default /run/boxes)
#   sudo BOXES_RUN=/tmp/x scripts/cleanup.sh --trace    say each removal
set -u
[ "$(id -u)" -eq 0 ] || { echo "cleanup: run as root" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
sweep=${BUILD:-$repo/build}/bin/boxes-sweep
[ -x "$sweep" ] || { echo "cleanup: no $sweep: build it first (make)" >&2; exit 1; }
"$sweep" "$@"
status=$?
runtime=${BUILD:-$repo/build}/bin/boxes-runtime
runtime_root=${BOXES_RUNTIME_ROOT:-/run/boxes-runtime}
[ -x "$runtime" ] && [ -d "$runtime_root" ] || exit "$status"
say() { [ "${1:-}" = --trace ] && echo "cleanup: $2" >&2; }
for dir in "$runtime_root"/*/; do
	[ -d "$dir" ] || continue
	id=$(basename "$dir")
	if [ ! -e "$dir/state.json" ]; then
		if [ -n "$(find "$dir" -maxdepth 0 -mmin +1)" ]; then
			say "${1:-}" "removing $dir (no state.json: a create that died)"
			rm -rf --one-file-system "$dir"
		fi
		continue
	fi
	case $("$runtime" --root "$runtime_root" state "$id" 2>/dev/null) in
	*'"status": "stopped"'*)
		say "${1:-}" "deleting boxes-runtime container $id (its init is gone)"
		"$runtime" --root "$runtime_root" delete "$id" || status=1
		;;
	esac
done
exit "$status"
