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
#   sudo scripts/cleanup.sh            BOXES_RUN (default /run/boxes)
#   sudo BOXES_RUN=/tmp/x scripts/cleanup.sh --trace    say each removal
set -u
[ "$(id -u)" -eq 0 ] || { echo "cleanup: run as root" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
sweep=${BUILD:-$repo/build}/bin/boxes-sweep
[ -x "$sweep" ] || { echo "cleanup: no $sweep: build it first (make)" >&2; exit 1; }
exec "$sweep" "$@"
