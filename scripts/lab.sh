#!/bin/bash
# lab.sh [--only PIECE] [STEP] DEST - write a student's skeleton of boxes
# into DEST.
#
# DEST gets the whole tree (minus .git and build/) in which the code marked
# in steps/STEP-*/*.c (every step's, without STEP) is replaced by a stub:
#
#	/* LAB: pivot_into                       kept: the hint, for the student
#	 * goal, man pages, what the tests check
#	 */
#	...reference code...                    dropped
#	/* LAB END */                           dropped
#
# The stub is `return lab_not_written("NAME", "steps/NN-x/README.md, The
# code");` (common/lab.h) - a "section:" line in the hint names another
# section of the lesson - or the hint's own "stub:" line. It builds, and fails at
# run time saying which piece is missing. Steps other than STEP keep the
# reference. A file DEST/.lab tells the Makefile that unused parameters and
# helpers are expected there. --only PIECE stubs that one piece and keeps
# the others' code (make lab-check proves each piece on its own so).
set -eu
only=""
if [ "${1:-}" = --only ]; then
	only=$2
	shift 2
fi
if [ $# -eq 2 ]; then step=$1 dest=$2; elif [ $# -eq 1 ]; then step="" dest=$1; else
	echo "usage: scripts/lab.sh [--only PIECE] [STEP] DEST" >&2
	exit 2
fi
case "$dest" in /*) ;; *) dest=$PWD/$dest ;; esac
cd "$(dirname "$0")/.."
if [ -n "$step" ]; then
	if ! [[ "$step" =~ ^[0-9]{1,3}$ ]] || ! compgen -G "steps/$(printf '%02d' $((10#$step)))-*/" >/dev/null; then
		echo "boxes: STEP=$step: no such step" >&2
		exit 2
	fi
	step=$(printf '%02d' $((10#$step)))
fi
[ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ] && {
	echo "boxes: DEST=$dest: exists and is not empty" >&2
	exit 2
}
mkdir -p "$dest"
inside=() # a DEST inside this tree is not copied into itself
[[ "$dest" == "$PWD"/* ]] && inside=(--exclude="./${dest#"$PWD"/}")
tar -C . --exclude=./.git --exclude=./build "${inside[@]}" -cf - . | tar -C "$dest" -xf -
rm -rf "$dest/.git"

# slice FILE LESSON: print FILE with each marked piece replaced by its stub.
slice() {
	awk -v lesson="$2" -v file="$1" -v only="$only" '
	function fail(msg) { printf "boxes: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
	state == "keep" { print; if ($0 ~ /^[ \t]*\/\* LAB END \*\/[ \t]*$/) state = ""; next }
	state == "" && /^[ \t]*\/\* LAB: / {
		if (match($0, /LAB: [A-Za-z_][A-Za-z0-9_]*/) == 0) fail("LAB: needs a name")
		name = substr($0, RSTART + 5, RLENGTH - 5)
		if (only != "" && name != only) { print; state = "keep"; next }
		indent = $0; sub(/\/\*.*/, "", indent)
		stub = ""; section = "The code"
		print
		state = ($0 ~ /\*\//) ? "code" : "hint"
		next
	}
	state == "hint" {
		print
		if ($0 ~ /stub:/) { stub = $0; sub(/.*stub: */, "", stub) }
		if ($0 ~ /section:/) { section = $0; sub(/.*section: */, "", section); sub(/ *\*\/.*/, "", section) }
		if ($0 ~ /\*\//) state = "code"
		next
	}
	state == "code" && /^[ \t]*\/\* LAB END \*\/[ \t]*$/ {
		if (stub == "") stub = "return lab_not_written(\"" name "\", \"" lesson ", " section "\");"
		print indent stub
		state = ""; pieces++
		next
	}
	state == "code" { if (/\/\* LAB: /) fail("LAB: inside " name); next }
	{ print }
	END {
		if (bad) exit 1
		if (state != "") { printf "boxes: %s: LAB: %s has no LAB END\n", file, name > "/dev/stderr"; exit 1 }
		printf "%d\n", pieces > "/dev/fd/3"
	}' "$1"
}

total=0
for dir in steps/[0-9][0-9]-*/; do
	dir=${dir%/}
	[ -n "$step" ] && [[ "$dir" != steps/"$step"-* ]] && continue
	for file in "$dir"/*.c; do
		grep -q "/\\* LAB: $only" "$file" || continue
		pieces=$(slice "$file" "$dir/README.md" 3>&1 >"$dest/$file.lab") || exit 1
		# the stub's declaration, after the file's last #include
		awk '{ lines[NR] = $0; if (/^#include "/) last = NR }
		     END { for (i = 1; i <= NR; i++) { print lines[i]; if (i == last) print "#include \"lab.h\"" } }' \
			"$dest/$file.lab" >"$dest/$file"
		rm "$dest/$file.lab"
		echo "  LAB     $file: $pieces piece(s) to write"
		total=$((total + pieces))
	done
done
[ "$total" -gt 0 ] || { echo "boxes: no LAB: ${only:-marker} in ${step:+step $step}${step:-any step}" >&2; exit 1; }
printf '%s\n' "${step:-all}" >"$dest/.lab"
echo "$dest: a skeleton with $total piece(s) to write; build it with make -C $dest"
