#!/bin/sh
# mkrootfs.sh DEST ESCAPES_DIR - build the busybox test rootfs.
# Rebuilt by make only when its inputs change.
set -eu

dest=${1:?usage: mkrootfs.sh DEST ESCAPES_DIR}
escapes=${2:?usage: mkrootfs.sh DEST ESCAPES_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
busybox=/bin/busybox

if ! "$busybox" --list >/dev/null 2>&1 || ! ldd "$busybox" 2>&1 | grep -q "not a dynamic"; then
	echo "mkrootfs: $busybox is not busybox-static (apt-get install busybox-static)" >&2
	exit 1
fi

tmp="$dest.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
for dir in bin sbin usr/bin usr/sbin etc root tmp proc sys dev var/tmp escapes; do
	mkdir -p "$tmp/$dir"
done
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 700 "$tmp/root"
cp "$busybox" "$tmp/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$tmp/$applet" ] || ln -s /bin/busybox "$tmp/$applet"
done
cp -r "$here/rootfs/etc/." "$tmp/etc/"
for program in "$escapes"/*; do
	[ -f "$program" ] && cp "$program" "$tmp/escapes/"
done
# A file that is not executable, for the 126 test.
printf 'not a program\n' >"$tmp/etc/not-executable"
chmod 644 "$tmp/etc/not-executable"
chown -R 0:0 "$tmp"
# 08: a setuid-root program for the no_new_privs test (after chown, which clears the bit).
[ -f "$tmp/escapes/setuid-gain" ] && chmod 4755 "$tmp/escapes/setuid-gain"

rm -rf "$dest"
mv "$tmp" "$dest"
echo "mkrootfs: built $dest ($(ls "$dest/escapes" | wc -l) escape programs)"
