#!/bin/sh
# mkimage-debian.sh OUT.tar [NAME[:TAG]] - a real image: Debian (this
# machine's release) with nginx, from Debian's packages, as a docker-save
# archive. `make image-nginx` runs it once, for build/images/nginx.tar
# (the bench and step 10's demo use it); about 150 MB, a minute or two.
#
# mmdebstrap installs the packages with apt from this machine's own apt
# sources (the only network it needs); scripts/mkimage.sh --plain makes the
# result one layer and writes the archive. The config is nginx's as its
# official image has it: Cmd `nginx -g 'daemon off;'` (in the foreground,
# so the container lives as long as nginx), port 80 exposed, SIGQUIT to
# stop gracefully. No Entrypoint, so `run IMAGE cat /etc/os-release` runs
# just that.
#
# The layout: nginx's errors go to the container's stderr (`error_log
# stderr`: the fd it was given), its access log to /var/log/nginx/. Not
# docker's nginx image's symlinks to /dev/stdout and /dev/stderr: opening
# one opens the runtime's file, pipe or terminal again by path, which
# container root (host uid 100000) may not do to one the host's root owns.
# The directories nginx writes to (/var/lib/nginx, /var/log/nginx,
# /run/nginx for its pid file) belong to www-data, so that nginx also runs
# as that user (-u www-data) with a `listen` port of 1024 or more. As root
# (the default) its master binds port 80 and its workers are www-data.
#
# NAME defaults to localhost/nginx:latest.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,25s/^# \{0,1\}//p' "$0" >&2; exit 2; }
out=$1
name=${2:-localhost/nginx:latest}

command -v mmdebstrap >/dev/null || {
	echo "mkimage-debian: no mmdebstrap: run scripts/install-deps.sh --image" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || { echo "mkimage-debian: needs root (files owned by www-data)" >&2; exit 1; }
# shellcheck disable=SC1091
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
# This machine's apt sources: a deb822 file, else the one-line list.
sources=""
for file in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	[ -s "$file" ] && grep -q '^[^#]' "$file" && { sources=$file; break; }
done

mkdir -p "$(dirname "$out")"
rootfs=$(mktemp -d "$(dirname "$out")/nginx-rootfs.XXXXXX")
trap 'rm -rf --one-file-system "$rootfs"' EXIT

# shellcheck disable=SC2016 # $1 is the rootfs, for mmdebstrap's hook
mmdebstrap --quiet --variant=minbase --include=nginx \
	--customize-hook='sed -i -e "s|^error_log .*|error_log stderr;|" -e "s|^pid .*|pid /run/nginx/nginx.pid;|" "$1/etc/nginx/nginx.conf"' \
	--customize-hook='mkdir -p "$1/run/nginx"' \
	--customize-hook='chroot "$1" chown -R www-data:www-data /var/lib/nginx /var/log/nginx /run/nginx' \
	--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
	--skip=cleanup/run \
	"$suite" "$rootfs" ${sources:+"$sources"}
# mmdebstrap made /dev's nodes; an image has none (load refuses device
# nodes: the runtime makes /dev, step 05).
find "$rootfs/dev" -mindepth 1 -delete

"$here/scripts/mkimage.sh" --plain --rootfs "$rootfs" \
	--config '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["nginx","-g","daemon off;"],"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT"}' \
	"$out.tmp" "$name"
mv "$out.tmp" "$out"
echo "mkimage-debian: $out ($name, Debian $suite with nginx, $(du -m "$out" | cut -f1) MB)"
