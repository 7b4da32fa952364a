#!/bin/sh
# diff-step.sh NN - what step NN adds over step NN-1: its main.c against the
# one before, then the mechanism files that are new in its folder.
set -eu
step=${1:-}
case "$step" in
[0-9][0-9]) ;;
*) echo "usage: make diff STEP=05" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
this=$(ls -d "$here"/steps/"$step"-* 2>/dev/null | head -n 1)
[ -n "$this" ] || { echo "diff: no step $step in steps/" >&2; exit 2; }
previous=$(printf "%02d" $(($(echo "$step" | sed "s/^0//") - 1)))
before=$(ls -d "$here"/steps/"$previous"-* 2>/dev/null | head -n 1)

if [ -z "$before" ]; then
	echo "# step $step is the first: all of it is new"
	cat "$this/main.c"
else
	echo "# what $(basename "$this")/main.c changes in $(basename "$before")/main.c"
	diff -u --label "$(basename "$before")/main.c" --label "$(basename "$this")/main.c" \
		"$before/main.c" "$this/main.c" || true
fi
for file in "$this"/*.c "$this"/*.h; do
	[ -e "$file" ] || continue
	[ "$(basename "$file")" = main.c ] && continue
	echo
	echo "# new in step $step: $(basename "$this")/$(basename "$file")"
	cat "$file"
done
