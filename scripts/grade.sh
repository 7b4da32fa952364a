#!/bin/bash
# grade.sh [--step NN] [--student DIR] [--exercises] [--out DIR] - score a
# student's boxes with the reference tests (make grade).
#
# The graded tree is this one with steps/ taken from DIR (the student's
# whole steps/ folder; without --student, ours): the Makefile, common/,
# scripts/ and tests/ are always the reference's, so a student cannot pass
# by editing a test. It is built in OUT/tree, then for each graded step
# (every step that has tests, without --step) its unit and integration
# tests run one file at a time, with TAP output, each test under a time
# limit of its own (GRADE_TEST_SECONDS, 60): a test that runs over it, or
# that crashes the file, fails, and the file's later tests run again
# without it (tests/select.c). Every test the source declares is a row:
#
#   passed      cmocka said ok
#   failed      cmocka said not ok (the assertion's message is kept), or
#               the test timed out or stopped the file before it reported
#   host left   an integration file's teardown found the host changed (a
#               mount, a cgroup, a link left behind): a failed row of its own
#
# A step's score is counted in its LAB pieces: a piece scores when every
# test that tests/lab-pieces gives it passed; the other tests score
# nothing but must pass for the step to pass. Each piece that did not
# score is one line of the table: not written yet (its stub is in place),
# not checked (its tests stopped at another piece's stub), or its failing
# tests. A step's escape pair is its tests named as the escapes it blocks
# and allowed before (..._works_under_NN, ..._blocked_by_..., ...):
# "blocked" when all of them passed. OUT gets report.json and junit.xml
# (one suite a step, one case a test, every test). Exit 0 only if every
# graded test passed.
#
# --only PIECE runs only the tests that score PIECE; --exercises-only only
# the step's exercise tests (both for make lab-check).
#
# Safe side by side: each OUT has its own tree, build, rootfs and lock; each
# integration file makes its own BOXES_RUN and id prefix (harness.c), so its
# teardown counts only its own cgroups and links; a leftover mount of this
# run's tree is reported and detached.
set -u
cd "$(dirname "$0")/.." || exit 2
reference=$PWD
step="" student="" exercises=0 out=build/grade build_only=0 report_only=0 only=""
per_test=${GRADE_TEST_SECONDS:-60}
setup_limit=${GRADE_SETUP_SECONDS:-300} # a file's group setup (09 makes image archives)
while [ $# -gt 0 ]; do
	case "$1" in
	--step) step=$2; shift 2 ;;
	--student) student=$2; shift 2 ;;
	--exercises) exercises=1; shift ;;
	--exercises-only) exercises=2; shift ;; # only tests/exercises/test_NN_*.sh
	--only) only=$2; shift 2 ;; # only the tests that score piece $2 (make lab-check)
	--out) out=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	--report-only) report_only=1; shift ;; # again from OUT/logs/rows.tsv
	*) echo "usage: scripts/grade.sh [--step NN] [--student DIR] [--exercises|--exercises-only] [--only PIECE] [--out DIR] [--build-only]" >&2; exit 2 ;;
	esac
done
die() { echo "boxes: grade: $*" >&2; exit 2; }

# tests/lab-pieces: which tests score which piece (STEP PIECE KIND/FILE TEST).
lab_pieces() { grep -vE '^\s*(#|$)' tests/lab-pieces | awk -v OFS='\t' '{ print $1, $2, $3, $4 }'; }
if [ -n "$only" ]; then
	step=$(lab_pieces | awk -F '\t' -v p="$only" '$2 == p { print $1; exit }')
	[ -n "$step" ] || die "--only $only: no such piece in tests/lab-pieces"
fi
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
pieces_table=$(mktemp)
trap 'rm -f "$pieces_table"' EXIT
lab_pieces | awk -F '\t' -v steps=" ${steps[*]} " 'index(steps, " " $1 " ")' >"$pieces_table"
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
# Everything but the build goes; the build stays if the Makefile is the
# one it was made with (a student's tree, another piece of a lab), and the
# files whose bytes changed since are touched, so that make rebuilds what
# depends on them: the mtimes tar brings along can't be trusted.
mkdir -p "$tree"
find "$tree" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf --one-file-system {} +
rm -rf "$out/logs" "$out/report.json" "$out/junit.xml"
mkdir -p "$out/logs"

# The reference without its steps, then the student's steps (or ours).
tar -C "$reference" --exclude=./.git --exclude=./build --exclude=./steps \
	--exclude="./${out#"$reference"/}" -cf - . | tar -C "$tree" -xf -
tar -C "${student:-$reference}" -cf - steps | tar -C "$tree" -xf -
echo graded >"$tree/.lab" # unused parameters in a half-written step are no error
(cd "$tree" && find . -path ./build -prune -o -type f -print0 | sort -z | xargs -0 sha256sum) >"$out/sources.new"
if [ -f "$out/sources.sha256" ] &&
	cmp -s <(grep '  \./Makefile$' "$out/sources.sha256") <(grep '  \./Makefile$' "$out/sources.new"); then
	comm -13 <(sort "$out/sources.sha256") <(sort "$out/sources.new") | cut -c67- | (cd "$tree" && xargs -r -d '\n' touch --)
else
	rm -rf --one-file-system "$tree/build"
fi
mv "$out/sources.new" "$out/sources.sha256"

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

# run_tests BIN LOG NAME...: the named tests of one binary in one process
# (BOXES_TESTS, tests/select.c), each under its own time limit: the clock
# starts when the group's setup is done (it has a limit of its own) and
# again at each test's result. A test over its limit gets the whole
# process group stopped (SIGTERM, then SIGKILL); its runtimes get SIGTERM
# as their parent dies (the harness asks for it). Appends the TAP output to
# LOG; sets ended to "exit RC" or "timeout".
run_tests() {
	local bin=$1 log=$2 pid seen=0 now since limit=$setup_limit part=$2.part
	shift 2
	(cd "$tree" && BOXES_TESTS="$*" BUILD=build CMOCKA_MESSAGE_OUTPUT=TAP exec setsid stdbuf -oL -eL "$bin") >"$part" 2>&1 &
	pid=$!
	since=$SECONDS ended=""
	while kill -0 "$pid" 2>/dev/null; do
		now=$(grep -cE '^(not )?ok [0-9]+ |^# group setup done$' "$part")
		if [ "$now" -ne "$seen" ]; then
			seen=$now since=$SECONDS limit=$per_test
		elif [ $((SECONDS - since)) -ge "$limit" ]; then
			kill -TERM -- -"$pid" 2>/dev/null
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 1
			done
			kill -KILL -- -"$pid" 2>/dev/null
			ended=timeout
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null # (no "Aborted" from bash: the row says it)
	local rc=$?
	[ -n "$ended" ] || ended="exit $rc"
	cat "$part" >>"$log"
	rm -f "$part"
}

run_file() { # run_file STEP KIND NAME [TEST...]: every declared test, or those
	local n=$1 kind=$2 name=$3 bin=$tree/build/tests/$2/$3 log=$out/logs/$3.log
	local src=tests/$kind/$name.c tests count t ended
	shift 3
	if [ $# -gt 0 ]; then tests=("$@"); else mapfile -t tests < <(declared_tests "$src"); fi
	count=${#tests[@]}
	[ "$count" -gt 0 ] || { row "$n" "$kind/$name" "(declared tests)" failed "no cmocka_unit_test in $src"; return; }
	if [ ! -x "$bin" ]; then
		for t in "${tests[@]}"; do row "$n" "$kind/$name" "$t" failed "did not build (see $out/logs/build.log)"; done
		return
	fi
	# Run what has not reported yet until every test has: a test that
	# stops the process (over its time, a crash, an exit) fails, and the
	# tests after it run again without it.
	local -A outcome=() why=()
	local remaining=("${tests[@]}") left victim
	: >"$log"
	while [ ${#remaining[@]} -gt 0 ]; do
		local before
		before=$(wc -l <"$log")
		run_tests "$bin" "$log" "${remaining[@]}"
		local planned
		planned=$(tail -n +"$((before + 1))" "$log" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | head -n 1)
		if [ -n "$planned" ] && [ "$planned" -ne "${#remaining[@]}" ]; then
			row "$n" "$kind/$name" "declared_tests" failed "the grader asked for ${#remaining[@]} tests, the binary planned $planned: the grader reads $src wrong"
		fi
		left=()
		for t in "${remaining[@]}"; do
			if grep -qE "^ok [0-9]+ - $t # SKIP" "$log"; then
				outcome[$t]=failed why[$t]="skipped: a graded test must run"
			elif grep -qE "^ok [0-9]+ - $t( |\$)" "$log"; then
				outcome[$t]=passed
			elif grep -qE "^not ok [0-9]+ - $t\$" "$log"; then
				outcome[$t]=failed why[$t]=$(failure_message "$log" "$t")
			else
				left+=("$t")
			fi
		done
		[ ${#left[@]} -gt 0 ] || break
		# the first test that did not report is the one that stopped it
		victim=${left[0]}
		if ! tail -n +"$((before + 1))" "$log" | grep -q '^# group setup done$'; then
			local cause="group setup failed"
			[ "$ended" = timeout ] && cause="group setup ran over ${setup_limit}s (GRADE_SETUP_SECONDS)"
			for t in "${left[@]}"; do
				outcome[$t]=failed
				why[$t]="$cause: $(tail -n +"$((before + 1))" "$log" | grep -m1 -vE '^(ok|not ok|1\.\.|#)')"
			done
			break
		fi
		case "$ended" in
		timeout) why[$victim]="timed out: over ${per_test}s (GRADE_TEST_SECONDS)" ;;
		"exit "*)
			local rc=${ended#exit }
			if [ "$rc" -gt 128 ]; then
				why[$victim]="crashed: signal $((rc - 128)) before it reported"
			else
				why[$victim]="stopped the test program (exit $rc) before it reported: $(tail -n +"$((before + 1))" "$log" | grep -m1 -vE '^(ok|not ok|1\.\.|#)')"
			fi ;;
		esac
		outcome[$victim]=failed
		remaining=("${left[@]:1}")
	done
	for t in "${tests[@]}"; do row "$n" "$kind/$name" "$t" "${outcome[$t]}" "${why[$t]:-}"; done
	if [ "$kind" = integration ]; then
		local left_host
		left_host=$(grep -E '^harness: (left on the host|a mount of|the host.s name)' "$log" | head -3)
		mapfile -t mounts < <(leftover_mounts)
		for t in "${mounts[@]}"; do
			left_host="$left_host mount left: $t"
			umount -l "$t" 2>/dev/null
		done
		if [ -n "$left_host" ]; then
			row "$n" "$kind/$name" "host_left_as_found" failed "$left_host"
		else
			row "$n" "$kind/$name" "host_left_as_found" passed ""
		fi
	fi
}

# GRADE_LOCK=/tmp/boxes-suite.lock: build freely, hold the machine's test
# lock only while the tests run.
if [ -n "${GRADE_LOCK:-}" ]; then
	exec 8>"$GRADE_LOCK"
	flock 8
fi
# Every line of tests/lab-pieces names a piece of its step and a test its
# file declares: a line the grader cannot find is a failure, not a skip.
check_pieces_table() { # check_pieces_table STEP
	local piece kind_file t
	while IFS=$'\t' read -r _ piece kind_file t; do
		grep -q "/\* LAB: $piece\b" steps/"$1"-*/*.c ||
			row "$1" "tests/lab-pieces" "$piece" failed "tests/lab-pieces names $piece, no LAB piece of step $1"
		if ! { [ -f "tests/$kind_file.c" ] && declared_tests "tests/$kind_file.c" | grep -qx "$t"; }; then
			row "$1" "tests/lab-pieces" "$t" failed "tests/lab-pieces names $kind_file $t, which tests/$kind_file.c does not declare"
		fi
	done < <(awk -F '\t' -v n="$1" '$1 == n' "$pieces_table")
}

# run_step_file STEP KIND NAME: the file's tests (with --only, those that
# score that piece; none: the file is not run)
run_step_file() {
	local -a wanted=()
	if [ -n "$only" ]; then
		mapfile -t wanted < <(awk -F '\t' -v p="$only" -v f="$2/$3" '$2 == p && $3 == f { print $4 }' "$pieces_table")
		[ ${#wanted[@]} -gt 0 ] || return 0
	fi
	run_file "$@" "${wanted[@]}"
}

for n in "${steps[@]}"; do
	check_pieces_table "$n"
	if [ "$exercises" -ne 2 ]; then
		for t in "${units[@]}"; do [[ "$t" == test_"$n"_* ]] && run_step_file "$n" unit "$t"; done
		for t in "${ints[@]}"; do [[ "$t" == test_"$n"_* ]] && run_step_file "$n" integration "$t"; done
	fi
	# EXERCISES=1: the lessons' exercises' tests (tests/exercises/test_NN_*.sh)
	if [ "$exercises" -ne 0 ]; then
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

# The pieces of each graded step, from our source (its LAB markers, in
# the order of its files): STEP<TAB>PIECE<TAB>LESSON, SECTION.
all_pieces=$out/logs/all-pieces.tsv
: >"$all_pieces"
for n in "${steps[@]}"; do
	for f in steps/"$n"-*/*.c; do
		awk -v n="$n" -v lesson="${f%/*}/README.md" '
		/^[ \t]*\/\* LAB: / { if (name != "") print n "\t" name "\t" lesson ", " section
			match($0, /LAB: [A-Za-z0-9_]+/); name = substr($0, RSTART + 5, RLENGTH - 5); section = "The code"; next }
		name != "" && /section:/ { section = $0; sub(/.*section: */, "", section); sub(/ *\*\/.*/, "", section) }
		name != "" && /\*\// { print n "\t" name "\t" lesson ", " section; name = "" }' "$f"
	done
done >>"$all_pieces"
# The pieces whose stub is still in the graded tree: STEP<TAB>PIECE.
stubs=$out/logs/stubs.tsv
: >"$stubs"
for n in "${steps[@]}"; do
	cat "$tree"/steps/"$n"-*/*.c 2>/dev/null | grep -vE '^\s*(/?\*)' |
		grep -o 'lab_not_written("[A-Za-z0-9_]*"' | sed -E "s/lab_not_written\(\"([^\"]*)\"/$n\t\1/" >>"$stubs"
done

# The table, report.json and junit.xml, from the rows. A step's score is
# counted in pieces: a piece scores when every test tests/lab-pieces gives
# it passed. Each piece that did not score is one line: not written yet
# (its stub is in place), not checked (its tests stopped at another
# piece's stub first), or which of its tests failed. A failed test that
# scores no piece is folded into the line of the stub it stopped at, or
# is a line of its own.
escape_re='_(blocked|fails|hidden|killed|stopped|gains_nothing)_|_blocked$'
awk -F '\t' -v all_file="$all_pieces" -v stub_file="$stubs" -v table_file="$pieces_table" \
	-v escape_re="$escape_re" -v json="$out/report.json" -v junit="$out/junit.xml" \
	-v student="${student:-reference}" -v steps="${steps[*]}" '
function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/[\001-\037]/, " ", s); return "\"" s "\"" }
function xs(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); gsub(/[\001-\037]/, " ", s); return s }
function stop_of(m) { return match(m, /not written yet: [A-Za-z0-9_]+/) ? substr(m, RSTART + 17, RLENGTH - 17) : "" }
function plural(c, word) { return c " " word (c == 1 ? "" : "s") }
FILENAME == all_file { piece[$1, ++pieces[$1]] = $2; lesson[$1, $2] = $3; is_piece[$2] = $1; next }
FILENAME == stub_file { stubbed[$1, $2] = 1; next }
FILENAME == table_file { k = ++owned[$1, $2]; owned_test[$1, $2, k] = $3 SUBSEP $4; scores[$1, $3, $4] = 1; next }
{
	n = $1; k = ++count[n]; file[n, k] = $2; test[n, k] = $3; result[n, k] = $4; msg[n, k] = $5
	at[n, $2, $3] = k
	if ($4 == "passed") passed[n]++
	if ($3 ~ escape_re) { esc[n]++; if ($4 != "passed") esc_bad[n]++ }
}
END {
	split(steps, order, " ")
	printf "\n%-5s %-6s %-8s %-9s %-11s %s\n", "step", "mark", "pieces", "tests", "escape", "what failed"
	all_ok = 1
	printf "{\n  \"student\": %s,\n  \"steps\": [", js(student) > json
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"boxes grade\">" > junit
	for (i = 1; i in order; i++) {
		n = order[i]; total = count[n] + 0; ok = passed[n] + 0
		escape = !esc[n] ? "-" : esc_bad[n] ? "NOT-blocked" : "blocked"
		if (total == 0 || ok < total) all_ok = 0
		lines = 0; delete folded; delete fold_order; folds = 0
		# failed tests that score no piece: folded into the stub they stopped at
		for (k = 1; k <= total; k++) {
			if (result[n, k] == "passed" || (n, file[n, k], test[n, k]) in scores) continue
			stop = stop_of(msg[n, k])
			if (stop != "") { if (!(stop in folded)) fold_order[++folds] = stop; folded[stop]++ }
			else line[++lines] = test[n, k] ": " msg[n, k]
		}
		other = lines; lines = 0; delete own_line
		scored = 0; graded = 0; pjson = ""; missing = ""
		for (p = 1; p <= pieces[n]; p++) {
			name = piece[n, p]; m = owned[n, name] + 0; ran = 0; failed = 0; elsewhere = 0; where = ""; first = ""
			for (j = 1; j <= m; j++) {
				if (!((n, owned_test[n, name, j]) in at)) continue
				k = at[n, owned_test[n, name, j]]; ran++
				if (result[n, k] == "passed") continue
				failed++; stop = stop_of(msg[n, k])
				if (stop != "" && stop != name) { elsewhere++; where = stop }
				else if (first == "") first = test[n, k] ": " msg[n, k]
			}
			if (stubbed[n, name]) missing = missing (missing ? ", " : "") js(name)
			if (m > 0 && ran == 0 && !stubbed[n, name]) continue # not graded in this run (--only)
			graded++
			extra = (name in folded) ? "; " plural(folded[name], "more test") (folded[name] == 1 ? " stops" : " stop") " there" : ""
			if (elsewhere > 0 && elsewhere < failed) extra = extra "; " elsewhere " of them stop at " where " first"
			if (m == 0) { verdict = "untested"; text = name ": no test scores this piece (tests/lab-pieces)" }
			else if (failed == 0 && ran == m) { verdict = "scored"; scored++; text = "" }
			else if (stubbed[n, name] && elsewhere == failed && failed > 0)
				{ verdict = "missing"; text = "not written yet: " name " — " lesson[n, name] " (stub in place; its tests stop at " where " first)" }
			else if (stubbed[n, name])
				{ verdict = "missing"; text = "not written yet: " name " — " lesson[n, name] " (" failed " of " plural(m, "test") (failed == 1 ? " fails" : " fail") extra ")" }
			else if (elsewhere == failed)
				{ verdict = "not-checked"; text = name ": not checked: its tests stop at " where " (not written yet) first" }
			else { verdict = "failing"; text = name ": " failed " of " plural(m, "test") (failed == 1 ? " fails" : " fail") extra "; first: " first }
			if (text != "") own_line[++lines] = text
			if (name in folded) delete folded[name]
			pjson = pjson (pjson ? ", " : "") sprintf("{\"piece\": %s, \"lesson\": %s, \"result\": %s, \"tests\": %d, \"failed\": %d, \"line\": %s}",
				js(name), js(lesson[n, name]), js(verdict), m, failed, js(text))
		}
		# stubs of other steps that stopped tests here (a whole-course
		# skeleton), then the failures that name no piece
		ojson = ""
		for (f = 1; f <= folds; f++) if (fold_order[f] in folded) {
			line[++other] = plural(folded[fold_order[f]], "test") " stop at " fold_order[f] " (not written yet" \
				(fold_order[f] in is_piece ? ", step " is_piece[fold_order[f]] : "") ")"
		}
		for (l = 1; l <= other; l++) { own_line[++lines] = line[l]; ojson = ojson (l > 1 ? ", " : "") js(line[l]) }
		if (total == 0) own_line[++lines] = "no test ran: scores zero"
		mark = (total && ok == total) ? "pass" : "FAIL"
		printf "%-5s %-6s %-8s %-9s %-11s %s\n", n, mark, graded ? scored "/" graded : "-", ok "/" total, escape, lines ? own_line[1] : ""
		for (l = 2; l <= lines; l++) printf "%-44s %s\n", "", own_line[l]
		score = graded ? scored / graded : (total ? ok / total : 0)
		printf "%s\n    {\"step\": %s, \"pieces_scored\": %d, \"pieces_total\": %d, \"passed\": %d, \"total\": %d, \"score\": %.3f, \"mark\": %d, \"escape\": %s, \"missing\": [%s], \"pieces\": [%s], \"other_failures\": [%s], \"tests\": [",
			(i > 1 ? "," : ""), js(n), scored, graded, ok, total, score, (total && ok == total), js(escape), missing, pjson, ojson > json
		printf "  <testsuite name=\"step %s\" tests=\"%d\" failures=\"%d\">\n", n, total, (total - ok) > junit
		for (k = 1; k <= total; k++) {
			printf "%s\n      {\"file\": %s, \"test\": %s, \"result\": %s, \"scores\": %s, \"message\": %s}", (k > 1 ? "," : ""),
				js(file[n, k]), js(test[n, k]), js(result[n, k]), ((n, file[n, k], test[n, k]) in scores) ? "true" : "false", js(msg[n, k]) > json
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
}' "$all_pieces" "$stubs" "$pieces_table" "$rows"
result=$?
[ "$build_rc" -ne 0 ] && result=1
echo
echo "report: $out/report.json, $out/junit.xml; logs: $out/logs/"
[ "$result" -eq 0 ] && echo "all graded tests passed" || echo "not every graded test passed"
exit "$result"
