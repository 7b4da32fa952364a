#!/bin/sh
# crun-hybrid.sh ARGS... - crun, made to run on a hybrid cgroup host.
#
# crun 1.8 decides the cgroup mode from /sys/fs/cgroup: a tmpfs there with
# an (empty) cgroup2 at /sys/fs/cgroup/unified beside the v1 controllers
# is a layout it refuses ("cannot detect the cgroup mode"). Run it in a
# mount namespace of its own where that cgroup2 is unmounted and it sees
# plain cgroup v1; the host's mounts are untouched (the namespace goes
# when crun exits). On any other host it is a plain exec of crun.
# podman --runtime "$PWD/scripts/crun-hybrid.sh" uses it like crun; the
# podman tests, make matrix (crun column) and scripts/bench/oci.sh share it.
set -eu
crun=${CRUN:-crun}
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null &&
	[ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
	exec unshare --mount --propagation unchanged sh -c \
		'umount /sys/fs/cgroup/unified && exec "$0" "$@"' "$crun" "$@"
fi
exec "$crun" "$@"
