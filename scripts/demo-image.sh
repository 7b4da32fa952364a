#!/bin/sh
# demo-image.sh - the end of `make demo`: step 09 loads an image and runs
# it, each command printed before its output. The image is made from
# build/rootfs by scripts/mkimage.sh (three layers: layer 2 deletes
# /etc/motd, layer 3 makes /data opaque); with build/images/nginx.tar
# there (`make image-nginx`), a Debian one too. A temporary store and
# BOXES_RUN: nothing stays.
set -eu
build=${BUILD:-build}
work=$(mktemp -d /tmp/boxes-demo-XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
chmod 755 "$work" # the container's root (uid 100000) passes through to the layers
mkdir "$work/run"
BOXES_ROOT=$work/store BOXES_RUN=$work/run
export BOXES_ROOT BOXES_RUN

show() { # print the command as one would type it, then run it
	line='$'
	for word in "$@"; do
		case $word in
		*[!A-Za-z0-9_./:=-]*) line="$line '$word'" ;;
		*) line="$line $word" ;;
		esac
	done
	printf '%s\n' "$line" | sed "s|$work|/tmp/demo|g"
	"$@"
}

echo "Step 09 runs images. One made from build/rootfs, loaded and run:"
scripts/mkimage.sh "$work/demo.tar" localhost/boxes-demo:latest
show "$build/bin/09-image" load -i "$work/demo.tar"
if [ -f "$build/images/nginx.tar" ]; then
	show "$build/bin/09-image" load -i "$build/images/nginx.tar"
fi
show "$build/bin/09-image" images
show "$build/bin/09-image" run localhost/boxes-demo /bin/sh -c 'ls -A /data; cat /etc/layer-2; [ -e /etc/motd ] || echo "no /etc/motd: layer 2 deleted it"'
if [ -f "$build/images/nginx.tar" ]; then
	# shellcheck disable=SC2016 # expanded in the container
	show "$build/bin/09-image" run localhost/nginx sh -c '. /etc/os-release; echo $PRETTY_NAME; nginx -v'
else
	echo "(make image-nginx builds a Debian image with nginx; this demo runs it when it is there)"
fi
