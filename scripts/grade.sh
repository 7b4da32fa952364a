#!/bin/bash
# grade.sh [--step NN] [--student DIR] [--exercises] [--out DIR] - score a
# student's boxes with the reference tests (make grade).
#
# The graded tree is this one with steps/ taken from DIR (the student's
# whole steps/ folder; without --student, ours): the Makefile, common/,
# scripts/ and tests/ are always the reference's, so a student cannot pass
# by editing a test. It is built in OUT/tree, then for each graded step
# (every step that has tests, without --step) its unit and integration
# tests run one file at a time, each file under a time limit, with TAP
# output. Every test the source declares is a row of the report:
#
#   passed      cmocka said ok
#   failed      cmocka said not ok (the assertion's message is kept), or
#               the file crashed or timed out before the test reported
#   host left   an integration file's teardown found the host changed (a
#               mount, a cgroup, a link left behind): a failed row of its own
#
# A step's escape pair is its tests named as the escapes it blocks and
# allowed before (..._works_under_NN, ..._blocked_by_..., ...): "blocked"
# when all of them passed. OUT gets report.json and junit.xml (one suite a
# step, one case a test). Exit 0 only if every graded test passed.
#
# Safe side by side: each OUT has its own tree, build, rootfs and lock; each
# integration file makes its own BOXES_RUN and id prefix (harness.c), so its
# teardown counts only its own cgroups and links; a leftover mount of this
# run's tree is reported and detached.
set -u
cd "$(dirname "$0")/.."
reference=$PWD
step="" student="" exercises=0 out=build/grade build_only=0 report_only=0
per_test=${GRADE_TEST_SECONDS:-60}
while [ $# -gt 0 ]; do
	case "$1" in
	--step) step=$2; shift 2 ;;
	--student) student=$2; shift 2 ;;
	--exercises) exercises=1; shift ;;
	--out) out=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	--report-only) report_only=1; shift ;; # again from OUT/logs/rows.tsv
	*) echo "usage: scripts/grade.sh [--step NN] [--student DIR] [--exercises] [--out DIR] [--build-only]" >&2; exit 2 ;;
	esac
done
die() { echo "boxes: grade: $*" >&2; exit 2; }

has_tests() { compgen -G "tests/unit/test_$1_*.c" >/dev/null || compgen -G "tests/integration/test_$1_*.c" >/dev/null; }
if [ -n "$step" ]; then
	[[ "$step" =~ ^[0-9]{1,3}$ ]] || die "STEP=$step: not a step number"
	step=$(printf '%02d' $((10#$step)))
	compgen -G "steps/$step-*/" >/dev/null || die "STEP=$step: no such step"
	has_tests "$step" || die "step $step has no tests to grade it with"
	steps=("$step")
else
	steps=()
	for dir in steps/[0-9][0-9]-*/; do
		n=${dir#steps/}
		n=${n%%-*}
		has_tests "$n" && steps+=("$n")
	done
fi
if [ -n "$student" ]; then
	[ -d "$student/steps" ] || die "STUDENT=$student: no steps/ folder in it"
	student=$(cd "$student" && pwd)
fi
[ "$(id -u)" -eq 0 ] || die "grading runs the integration tests: it needs root"

mkdir -p "$out"
out=$(cd "$out" && pwd)
exec 9>"$out/.lock"
flock -n 9 || die "$out is in use by another grader (give each its own GRADE_OUT)"
tree=$out/tree
build_rc=0
rows=$out/logs/rows.tsv
if [ "$report_only" -eq 0 ]; then
# Everything but the build goes; the build stays only if the sources are
# byte for byte those it was made from (mtimes can't be trusted here).
mkdir -p "$tree"
find "$tree" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf --one-file-system {} +
rm -rf "$out/logs" "$out/report.json" "$out/junit.xml"
mkdir -p "$out/logs"

# The reference without its steps, then the student's steps (or ours).
tar -C "$reference" --exclude=./.git --exclude=./build --exclude=./steps \
	--exclude="./${out#"$reference"/}" -cf - . | tar -C "$tree" -xf -
tar -C "${student:-$reference}" -cf - steps | tar -C "$tree" -xf -
echo graded >"$tree/.lab" # unused parameters in a half-written step are no error
sources=$(cd "$tree" && find . -path ./build -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
if [ "$sources" != "$(cat "$out/sources.sha256" 2>/dev/null)" ]; then
	rm -rf --one-file-system "$tree/build"
	printf '%s\n' "$sources" >"$out/sources.sha256"
fi

echo "== building ${student:-the reference} in $tree"
units=() ints=()
for n in "${steps[@]}"; do
	for f in tests/unit/test_"$n"_*.c; do [ -e "$f" ] && units+=("$(basename "$f" .c)"); done
	for f in tests/integration/test_"$n"_*.c; do [ -e "$f" ] && ints+=("$(basename "$f" .c)"); done
done
targets=(all rootfs)
for t in "${units[@]}"; do targets+=("build/tests/unit/$t"); done
for t in "${ints[@]}"; do targets+=("build/tests/integration/$t"); done
# -k: what builds is graded; a test binary that does not build fails its tests.
timeout -k 10 900 make -C "$tree" -k -j2 --no-print-directory "${targets[@]}" >"$out/logs/build.log" 2>&1
build_rc=$?
[ "$build_rc" -ne 0 ] && { echo "build failed (exit $build_rc), first errors:"; grep -m5 -E 'error|Error' "$out/logs/build.log"; }
[ "$build_only" -eq 1 ] && exit "$build_rc"

# Rows: STEP<TAB>FILE<TAB>TEST<TAB>RESULT<TAB>MESSAGE
: >"$rows"
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(printf '%s' "$5" | tr '\t\n' '  ' | cut -c1-300)" >>"$rows"; }

declared_tests() { # the tests a file's source declares, in order
	# cmocka_unit_test*(NAME, ...) and macros over it: #define M(name) cmocka_unit_test...
	local calls
	calls=$(sed -nE 's/^#define ([A-Za-z0-9_]+)\(name\) *cmocka_unit_test.*/\1/p' "$1" | paste -sd '|')
	grep -v '^#define' "$1" | grep -oE "(cmocka_unit_test[a-z_]*${calls:+|$calls})\(\s*[a-zA-Z0-9_]+" | sed -E 's/.*\(\s*//'
}

# The message of a failed test: the lines it printed before "not ok" and
# the "# ..." lines after, boiled down to one line.
failure_message() { # failure_message LOGFILE TESTNAME
	awk -v name="$2" '
	/^(not )?ok [0-9]+ - / {
		if (found) exit
		if ($0 ~ ("^not ok [0-9]+ - " name "$")) { found = 1; next }
		delete before; n = 0; next
	}
	found && /^# (not )?ok - / { next }
	found && /^# / { sub(/^# /, ""); tail = tail (tail ? "; " : "") $0; next }
	found { exit }
	{ before[++n] = $0 }
	END {
		msg = ""
		for (i = 1; i <= n; i++) if (before[i] ~ /not written yet/) { msg = before[i]; break }
		if (msg == "") for (i = 1; i <= n; i++) if (before[i] ~ /^harness: /) { msg = before[i]; break }
		print msg (msg && tail ? "; " : "") tail
	}' "$1"
}

leftover_mounts() { awk -v t="$tree/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

run_file() { # run_file STEP KIND NAME
	local n=$1 kind=$2 name=$3 bin=$tree/build/tests/$2/$3 log=$out/logs/$3.log
	local src=tests/$kind/$name.c tests count limit rc t
	mapfile -t tests < <(declared_tests "$src")
	count=${#tests[@]}
	[ "$count" -gt 0 ] || { row "$n" "$name" "(declared tests)" failed "no cmocka_unit_test in $src"; return; }
	if [ ! -x "$bin" ]; then
		for t in "${tests[@]}"; do row "$n" "$name" "$t" failed "did not build (see $out/logs/build.log)"; done
		return
	fi
	limit=$((per_test * count))
	local planned
	(cd "$tree" && BUILD=build CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$limit" \
		stdbuf -oL -eL "$bin") >"$log" 2>&1
	rc=$?
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
	if [ -n "$planned" ] && [ "$planned" -ne "$count" ]; then
		row "$n" "$name" "declared_tests" failed "the source declares $count tests, the binary planned $planned: the grader reads this file wrong"
	fi
	for t in "${tests[@]}"; do
		if grep -qE "^ok [0-9]+ - $t( |\$)" "$log"; then
			if grep -qE "^ok [0-9]+ - $t # SKIP" "$log"; then
				row "$n" "$name" "$t" failed "skipped: a graded test must run"
			else
				row "$n" "$name" "$t" passed ""
			fi
		elif grep -qE "^not ok [0-9]+ - $t\$" "$log"; then
			row "$n" "$name" "$t" failed "$(failure_message "$log" "$t")"
		elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			row "$n" "$name" "$t" failed "timed out: the file ran over ${limit}s"
		elif [ "$rc" -gt 128 ]; then
			row "$n" "$name" "$t" failed "crashed: signal $((rc - 128)) before this test reported"
		else
			row "$n" "$name" "$t" failed "did not run (exit $rc): $(grep -m1 -vE '^(ok|not ok|1\.\.|#)' "$log")"
		fi
	done
	if [ "$kind" = integration ]; then
		local left
		left=$(grep -E '^harness: (left on the host|a mount of|the host.s name)' "$log" | head -3)
		grep -q 'GROUP SETUP' "$log" && left="group setup failed: $(grep -m1 -vE '^(ok|not ok|1\.\.|#)' "$log")"
		mapfile -t mounts < <(leftover_mounts)
		for t in "${mounts[@]}"; do
			left="$left mount left: $t"
			umount -l "$t" 2>/dev/null
		done
		if [ -n "$left" ]; then
			row "$n" "$name" "host_left_as_found" failed "$left"
		else
			row "$n" "$name" "host_left_as_found" passed ""
		fi
	fi
}

# GRADE_LOCK=/tmp/boxes-suite.lock: build freely, hold the machine's test
# lock only while the tests run.
if [ -n "${GRADE_LOCK:-}" ]; then
	exec 8>"$GRADE_LOCK"
	flock 8
fi
for n in "${steps[@]}"; do
	for t in "${units[@]}"; do [[ "$t" == test_"$n"_* ]] && run_file "$n" unit "$t"; done
	for t in "${ints[@]}"; do [[ "$t" == test_"$n"_* ]] && run_file "$n" integration "$t"; done
	# EXERCISES=1: the lessons' exercises' tests (tests/exercises/test_NN_*.sh)
	if [ "$exercises" -eq 1 ]; then
		for x in tests/exercises/test_"$n"_*.sh; do
			[ -e "$x" ] || continue
			if (cd "$tree" && BUILD=build timeout -k 10 "$per_test" bash "$x") >"$out/logs/$(basename "$x").log" 2>&1; then
				row "$n" exercises "$(basename "$x" .sh)" passed ""
			else
				row "$n" exercises "$(basename "$x" .sh)" failed "$(tail -n 1 "$out/logs/$(basename "$x").log")"
			fi
		done
	fi
done

fi # report_only

# The pieces whose stub is still in the graded tree: each is named in the
# table even when an earlier missing piece stops every test before it.
pieces=$out/logs/pieces.tsv
: >"$pieces"
for n in "${steps[@]}"; do
	cat "$tree"/steps/"$n"-*/*.c 2>/dev/null | grep -vE '^\s*(/?\*)' |
		grep -o 'lab_not_written("[A-Za-z0-9_]*", "[^"]*")' |
		sed -E "s/lab_not_written\(\"([^\"]*)\", \"([^\"]*)\"\)/$n\t\1\t\2/" >>"$pieces"
done

# The table, report.json and junit.xml, from the rows.
escape_re='_(blocked|fails|hidden|killed|stopped|gains_nothing)_|_blocked$'
awk -F '\t' -v pieces_file="$pieces" -v escape_re="$escape_re" -v json="$out/report.json" -v junit="$out/junit.xml" \
	-v student="${student:-reference}" -v steps="${steps[*]}" '
function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/[\001-\037]/, " ", s); return "\"" s "\"" }
function xs(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); gsub(/[\001-\037]/, " ", s); return s }
FILENAME == pieces_file { stub[$1, ++stubs[$1]] = $2; lesson[$1, $2] = $3; next }
{
	n = $1; k = ++count[n]; file[n, k] = $2; test[n, k] = $3; result[n, k] = $4; msg[n, k] = $5
	if ($4 == "passed") passed[n]++
	if ($3 ~ escape_re) { esc[n]++; if ($4 != "passed") esc_bad[n]++ }
}
END {
	split(steps, order, " ")
	printf "\n%-5s %-6s %-12s %-11s %s\n", "step", "mark", "tests", "escape", "what failed"
	all_ok = 1
	printf "{\n  \"student\": %s,\n  \"steps\": [", js(student) > json
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"boxes grade\">" > junit
	for (i = 1; i in order; i++) {
		n = order[i]; total = count[n] + 0; ok = passed[n] + 0
		escape = !esc[n] ? "-" : esc_bad[n] ? "NOT-blocked" : "blocked"
		if (total == 0 || ok < total) all_ok = 0
		# one line a missing piece (however many tests it fails), then the
		# other failures one line each
		lines = 0; delete seen; missing = ""
		for (s = 1; s <= stubs[n]; s++) {
			piece = stub[n, s]; line[++lines] = piece; seen[piece] = 0
			missing = missing (s > 1 ? ", " : "") js(piece)
		}
		for (k = 1; k <= total; k++) {
			if (result[n, k] == "passed") continue
			if (match(msg[n, k], /not written yet: [A-Za-z0-9_]+/)) {
				piece = substr(msg[n, k], RSTART + 17, RLENGTH - 17)
				if (!(piece in seen)) line[++lines] = piece
				seen[piece]++
			} else
				line[++lines] = test[n, k] ": " msg[n, k]
		}
		for (l = 1; l <= lines; l++) if (line[l] in seen) {
			piece = line[l]
			line[l] = "not written yet: " piece ((n, piece) in lesson ? " — " lesson[n, piece] ", The code" : "") \
				(seen[piece] ? " (" seen[piece] " failing tests)" : " (stub in place; an earlier missing piece stops the tests first)")
		}
		printf "%-5s %-6s %-12s %-11s %s\n", n, (total && ok == total) ? "pass" : "FAIL", ok "/" total, escape, total == 0 ? "no test ran: scores zero" : lines ? line[1] : ""
		for (l = 2; l <= lines; l++) printf "%-37s %s\n", "", line[l]
		printf "%s\n    {\"step\": %s, \"passed\": %d, \"total\": %d, \"score\": %s, \"mark\": %d, \"escape\": %s, \"missing\": [%s], \"tests\": [",
			(i > 1 ? "," : ""), js(n), ok, total, total ? sprintf("%.3f", ok / total) : "0", (total && ok == total), js(escape), missing > json
		printf "  <testsuite name=\"step %s\" tests=\"%d\" failures=\"%d\">\n", n, total, (total - ok) > junit
		for (k = 1; k <= total; k++) {
			printf "%s\n      {\"file\": %s, \"test\": %s, \"result\": %s, \"message\": %s}", (k > 1 ? "," : ""),
				js(file[n, k]), js(test[n, k]), js(result[n, k]), js(msg[n, k]) > json
			printf "    <testcase classname=\"%s\" name=\"%s.%s\"", xs("step" n), xs(file[n, k]), xs(test[n, k]) > junit
			if (result[n, k] == "passed") print "/>" > junit
			else printf ">\n      <failure message=\"%s\"/>\n    </testcase>\n", xs(msg[n, k]) > junit
		}
		printf "\n    ]}" > json
		print "  </testsuite>" > junit
	}
	printf "\n  ],\n  \"passed\": %s\n}\n", all_ok ? "true" : "false" > json
	print "</testsuites>" > junit
	exit all_ok ? 0 : 1
}' "$pieces" "$rows"
result=$?
[ "$build_rc" -ne 0 ] && result=1
echo
echo "report: $out/report.json, $out/junit.xml; logs: $out/logs/"
[ "$result" -eq 0 ] && echo "all graded tests passed" || echo "not every graded test passed"
exit "$result"
