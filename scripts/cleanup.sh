#!/bin/sh
# cleanup.sh - remove what a SIGKILLed boxes run left behind: its mounts,
# cgroups, bx* veth links and state dirs. A normal run, even one that
# failed or got SIGINT/SIGTERM, cleans up after itself; this is for the
# runtime that could not (kill -9, a power cut in a workshop VM).
# Only boxes' own names are touched: BOXES_RUN (default /run/boxes),
# <cgroup hierarchy>/boxes/<id>, links named bx<12 hex digits>.
set -u
run=${BOXES_RUN:-/run/boxes}
[ "$(id -u)" -eq 0 ] || { echo "cleanup: run as root" >&2; exit 1; }

# Processes still in a boxes cgroup: the container outlived its runtime.
for procs in /sys/fs/cgroup/*/boxes/*/cgroup.procs /sys/fs/cgroup/boxes/*/cgroup.procs; do
	[ -f "$procs" ] || continue
	for pid in $(cat "$procs"); do kill -9 "$pid" 2>/dev/null; done
done
sleep 0.2

# Mounts under the state dir, deepest first.
if [ -d "$run" ]; then
	awk -v run="$run" '$5 ~ "^"run"/" {print $5}' /proc/self/mountinfo | sort -r |
		while read -r target; do umount -l "$target" && echo "cleanup: umount $target"; done
fi

# cgroup directories, children first.
for dir in $(find /sys/fs/cgroup -depth -type d -path '*/boxes/*' 2>/dev/null); do
	rmdir "$dir" 2>/dev/null && echo "cleanup: rmdir $dir"
done

# veth host ends.
if command -v ip >/dev/null 2>&1; then
	for link in $(ip -o link show | sed -n 's/^[0-9]*: \(bx[0-9a-f]\{12\}\)[@:].*/\1/p'); do
		ip link delete "$link" && echo "cleanup: ip link delete $link"
	done
fi

if [ -d "$run" ]; then
	rm -rf --one-file-system "$run" && echo "cleanup: rm -r $run"
fi
echo "cleanup: done"
