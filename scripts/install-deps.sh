#!/bin/sh
# Install the Debian/Ubuntu packages boxes needs, only those missing.
# Idempotent and quiet when everything is there: make demo/test run it first.
#   --vm   also what `make test-vm` needs: qemu and Debian's own kernel
#          (its modules too), booted under qemu on a pure cgroup v2 hierarchy
#   --image  also what `make image-nginx` needs: mmdebstrap, which builds a
#          Debian image from this machine's apt sources (scripts/mkimage-debian.sh)
#   --bench  also podman-compose and runc, yardsticks in make bench
#   --slides also what `make slides` needs: a headless Chromium for PDF and
#          PNG, and npm for the Marp CLI (package.json) when none is there
set -eu

# libssl-dev: libcrypto's SHA-256 for image digests (step 09).
# podman, skopeo, umoci: tests only, they write the real archives step 09 loads.
PACKAGES="build-essential pkg-config libseccomp-dev libcap-dev libnl-route-3-dev
libarchive-dev libjansson-dev libyaml-dev libcmocka-dev libssl-dev busybox-static iproute2
podman skopeo umoci clang cgroup-tools tree jq patch python3"
# cgroup-tools (cgcreate, cgexec) and tree: the lessons' "By hand" blocks,
# which scripts/check-lessons.sh runs in make test. jq, patch, python3:
# make lab-check reads report.json and junit.xml and applies the exercises.
if [ "${1:-}" = --vm ]; then
	# e2fsprogs for mkfs.ext4 -d, kmod to list the boot modules' dependencies
	kernel=linux-image-amd64
	grep -qs '^ID=ubuntu' /etc/os-release && kernel=linux-image-generic
	PACKAGES="$PACKAGES qemu-system-x86 $kernel e2fsprogs kmod"
fi
if [ "${1:-}" = --image ]; then
	PACKAGES="$PACKAGES mmdebstrap"
fi
# --bench: make bench's yardsticks for step 10 (podman-compose: up and down
# of a compose project with podman, against 10-compose) and for
# boxes-runtime (runc, under the same podman and on the same bundle).
if [ "${1:-}" = --bench ]; then
	PACKAGES="$PACKAGES podman-compose runc"
fi
if [ "${1:-}" = --slides ]; then
	PACKAGES="$PACKAGES chromium"
	# a Node.js from elsewhere may bring its own npm (and conflict with Debian's)
	command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
fi

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "boxes: missing packages:$missing" >&2
	echo "boxes: run as root (sudo make ...) or: sudo apt-get install$missing" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "boxes: no apt-get: install these by hand:$missing" >&2
	exit 1
fi
echo "boxes: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "boxes: packages installed"
