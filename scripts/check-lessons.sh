#!/bin/bash
# check-lessons.sh [FILE.md...] - run the marked console blocks of the
# lessons (default: README.md and steps/*/README.md) and fail when what
# they print is not what the lesson shows. make test runs it.
#
# A block is checked when the line before its ```console fence is
#
#     <!-- check -->                       or
#     <!-- check vary="1209 10.200.0.2" -->
#     <!-- check cgroup=v1 -->              (only on a cgroup v1 or hybrid
#                                             machine; cgroup=v2 only on v2)
#
# In the block, a line starting with "$ " is a command (a line ending in
# "\" goes on to the next); every other line is the output that the
# commands before it print, stdout and stderr together. The commands run
# in one bash, from the top of the repository, as root (so "sudo" is
# dropped), with a temporary BOXES_RUN; the block's processes are ended
# when it is done. Then the transcript (each command as "$ COMMAND", then
# what it printed) must match the block, line by line, where
#   - a line "..." stands for any number of lines (none too);
#   - each word of vary="..." stands for whatever varies there: a number
#     (1209) for any number, hex (e17606923ab3) for any hex, an address
#     (10.200.0.2) for any address, anything else (a path) for any text
#     without blanks or quotes. Always varying: /run/boxes (the state dir,
#     a temporary one here) and /work/main (where the repository is).
# A checked block must be safe for the host: throw-away namespaces and
# temporary directories, and what it made removed before it ends.
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -gt 0 ] || set -- README.md steps/*/README.md

if [ "$(id -u)" -ne 0 ]; then
	echo "check-lessons: needs root (the lessons run containers): sudo $0" >&2
	exit 1
fi

work=$(mktemp -d /tmp/boxes-lessons-XXXXXX)
# searchable by others: from step 07 on, the container's root is another uid
chmod 0711 "$work"
trap 'rm -rf --one-file-system "$work"' EXIT

# Print the blocks of FILE as records: "@@ LINE VARY" then the block's lines.
blocks_of() {
	awk '
	/^<!-- check( cgroup=v[12])?( vary="[^"]*")? -->$/ { marked = NR
		only = match($0, /cgroup=v[12]/) ? substr($0, RSTART + 7, 2) : "any"
		vary = $0; sub(/^<!-- check( cgroup=v[12])?( vary=")?/, "", vary)
		sub(/"? -->$/, "", vary); next }
	/^```console$/ && marked == NR - 1 { inside = 1; print "@@ " NR " " only " " vary; next }
	/^```/ && inside { inside = 0; next }
	inside { print }
	' "$1"
}

# The bash script that runs a block's commands and prints the transcript.
script_of() { # script_of BLOCK_FILE
	printf 'sudo() { "$@"; }\nexec 2>&1 </dev/null\n'
	awk '
	function flush() { if (cmd == "") return
		gsub(/\047/, "\047\\\047\047", shown)
		# a job sent to the background gets the moment a reader takes to
		# type the next line (02: the sentinel must have exec'\''d its name)
		if (cmd ~ /[^&]&[ \t]*$/) cmd = cmd "\nsleep 0.5"
		# the printf keeps $? of the command before, for a block'"'"'s "echo $?"
		printf "s=$?; printf \"%%s\\n\" \047%s\047; (exit $s)\n%s\n", shown, cmd; cmd = "" }
	continued { cmd = cmd "\n" $0; shown = shown "\n" $0; continued = /\\$/; next }
	/^\$ / { flush(); cmd = substr($0, 3); shown = $0; continued = /\\$/ }
	END { flush() }
	' "$1"
}

# Does ACTUAL match EXPECTED with "..." lines and the vary words?
matches() { # matches EXPECTED ACTUAL "VARY WORDS"
	awk -v vary="$3 /run/boxes /work/main" '
	function class(word) {
		if (word ~ /^[0-9]+$/) return "[0-9]+"
		if (word ~ /^[0-9a-f]+$/) return "[0-9a-f]+"
		if (word ~ /^[0-9a-f.:\/]+$/) return "[0-9a-f.:/]+"
		return "[^ \"\047]*"
	}
	function quote(c) {
		if (c == "\\") return "\\\\"
		if (c == "^") return "\\^"
		if (index(".[]()*+?{}|$", c)) return "[" c "]"
		return c
	}
	function regex_of(line,   out, i, k, found) {
		out = ""
		for (i = 1; i <= length(line); ) {
			found = 0
			for (k = 1; k <= nwords; k++)
				if (substr(line, i, length(words[k])) == words[k]) {
					out = out class(words[k]); i += length(words[k]); found = 1; break
				}
			if (!found) { out = out quote(substr(line, i, 1)); i++ }
		}
		return "^" out "$"
	}
	BEGIN { nwords = split(vary, words, " ")
		# longest first, so /run/boxes/ids win over shorter words
		for (a = 1; a <= nwords; a++) for (b = a + 1; b <= nwords; b++)
			if (length(words[b]) > length(words[a])) { t = words[a]; words[a] = words[b]; words[b] = t } }
	FNR == NR { sub(/[ \t]+$/, ""); n++; want[n] = $0; re[n] = regex_of($0); next }
	{ m++; got[m] = $0 }
	END {
		# ok[i, j]: want[i..n] matches got[j..m]
		for (j = m + 1; j >= 1; j--) ok[n + 1, j] = (j == m + 1)
		for (i = n; i >= 1; i--)
			for (j = m + 1; j >= 1; j--) {
				if (want[i] == "...")
					ok[i, j] = ok[i + 1, j] || (j <= m && ok[i, j + 1])
				else
					ok[i, j] = j <= m && got[j] ~ re[i] && ok[i + 1, j + 1]
			}
		exit ok[1, 1] ? 0 : 1
	}
	' "$1" "$2"
}

# The machine's cgroup layout, for blocks marked cgroup=v1 or cgroup=v2.
layout=v1
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && layout=v2

checked=0
failed=0
skipped=0
for file in "$@"; do
	blocks_of "$file" >"$work/blocks"
	while IFS= read -r header; do
		read -r line only vary <<<"${header#@@ }"
		if [ "$only" != any ] && [ "$only" != "$layout" ]; then
			echo "  skip    $file:$line: for cgroup $only machines, this one is $layout"
			skipped=$((skipped + 1))
			continue
		fi
		# the block's own lines: from after its header to the next header
		awk -v start="$header" '$0 == start { on = 1; next } /^@@ / { on = 0 } on' \
			"$work/blocks" >"$work/expected"
		script_of "$work/expected" >"$work/script"
		run=$(mktemp -d "$work/run-XXXXXX")
		chmod 0711 "$run"
		# a session of its own, so that what the block leaves running (its
		# process group) is ended when it is done
		# shellcheck disable=SC2016 # $$ is the inner bash's
		BOXES_RUN=$run setsid bash -c 'echo $$ >"$1"; exec timeout 300 bash "$2"' _ \
			"$work/pid" "$work/script" >"$work/actual" 2>&1
		kill -- -"$(cat "$work/pid")" 2>/dev/null
		sed -i 's/\r$//; s/[[:space:]]*$//' "$work/actual" # CRLF, trailing blanks
		checked=$((checked + 1))
		if matches "$work/expected" "$work/actual" "$vary"; then
			echo "  ok      $file:$line"
		else
			failed=$((failed + 1))
			echo "  LIES    $file:$line: the lesson shows (-), the program prints (+):"
			diff -u "$work/expected" "$work/actual" | tail -n +3 | sed 's/^/    /'
		fi
		rm -rf --one-file-system "$run"
	done < <(grep '^@@ ' "$work/blocks")
done
echo "check-lessons: $checked blocks checked, $failed lie, $skipped for the other cgroup layout"
[ "$failed" -eq 0 ] && [ "$checked" -gt 0 ]
