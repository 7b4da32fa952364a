#!/bin/bash
# lab-check.sh [NN...] - prove both ends of the grader (make lab-check):
# for each step (every step that has tests, without arguments) the
# untouched skeleton of `make lab STEP=NN` must fail that step, with each
# of its marked pieces named in the report (report.json's "missing"); a
# piece that no failing test mentions is noted (an earlier missing piece
# stops the tests before it); and the reference must pass every graded test. Exit 0 only if all of that holds.
set -u
cd "$(dirname "$0")/.."
out=${LAB_CHECK_OUT:-build/lab-check}
mkdir -p "$out"
rm -rf --one-file-system "$out"/lab-[0-9]* # the skeletons; the graders' builds are kept while their sources are the same
steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then
	for dir in steps/[0-9][0-9]-*/; do
		n=${dir#steps/}
		n=${n%%-*}
		compgen -G "tests/*/test_${n}_*.c" >/dev/null || continue
		# a step with no marked piece has no lab yet (10): its skeleton
		# is the reference, and would "pass" - say so, skip it
		if ! grep -q '/\* LAB: ' "$dir"*.c; then
			echo "lab-check: step $n: no LAB markers yet: no lab to check"
			continue
		fi
		steps+=("$n")
	done
fi
bad=0
# First every build (GRADE_LOCK, the machine's test lock, is not needed for
# that), then every grade under one hold of it: the builds are kept.
lock=${GRADE_LOCK:-}
unset GRADE_LOCK
for n in "${steps[@]}"; do
	n=$(printf '%02d' $((10#$n)))
	scripts/lab.sh "$n" "$out/lab-$n" >/dev/null || { echo "lab-check: step $n: make lab failed"; bad=1; continue; }
	scripts/grade.sh --build-only --step "$n" --student "$out/lab-$n" --out "$out/grade-$n" >/dev/null 2>&1
done
ref_args=()
[ ${#steps[@]} -eq 1 ] && ref_args=(--step "${steps[0]}")
scripts/grade.sh --build-only "${ref_args[@]}" --out "$out/reference" >/dev/null 2>&1
if [ -n "$lock" ]; then
	exec 8>"$lock"
	flock 8
fi
for n in "${steps[@]}"; do
	n=$(printf '%02d' $((10#$n)))
	[ -d "$out/lab-$n" ] || continue
	scripts/grade.sh --step "$n" --student "$out/lab-$n" --out "$out/grade-$n" >"$out/grade-$n.txt" 2>&1
	rc=$?
	sed -n '/^step /,/^$/p' "$out/grade-$n.txt"
	if [ "$rc" -eq 0 ]; then
		echo "lab-check: step $n: the untouched skeleton passed: its markers remove nothing a test checks"
		bad=1
	fi
	# each piece is named (its stub is found); a piece no failing test
	# mentions sits behind an earlier one (the lesson's order): a note
	for piece in $(grep -ho '/\* LAB: [A-Za-z0-9_]*' steps/"$n"-*/*.c | sed 's|.* ||'); do
		grep -q "\"missing\": \[[^]]*\"$piece\"" "$out/grade-$n/report.json" ||
			{ echo "lab-check: step $n: the report does not name the missing $piece"; bad=1; }
		grep -q "not written yet: $piece " "$out/grade-$n/report.json" ||
			echo "lab-check: step $n: note: no test reaches $piece in the skeleton (an earlier piece stops them)"
	done
done
echo "== the reference, steps ${steps[*]}"
if ! scripts/grade.sh "${ref_args[@]}" --out "$out/reference" >"$out/reference.txt" 2>&1; then
	echo "lab-check: the reference does not get full marks:"
	bad=1
fi
sed -n '/^step /,/^$/p' "$out/reference.txt"
[ "$bad" -eq 0 ] && echo "lab-check: every skeleton scores 0 on its step, the reference full marks"
exit "$bad"
