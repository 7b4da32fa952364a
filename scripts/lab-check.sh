#!/bin/bash
# lab-check.sh [NN...] - prove both ends of the grader (make lab-check).
#
# For each step (every step that has tests and LAB markers, without
# arguments):
#   1. the untouched skeleton of `make lab STEP=NN` fails the step and
#      scores 0 of its pieces, with one line a piece and no other line
#      (every failed test scores a piece or stopped at a stub);
#   2. each piece on its own: a skeleton with only that piece stubbed
#      (lab.sh --only) fails every test tests/lab-pieces gives the piece
#      (only those tests run) - so a piece that hides behind an earlier
#      stub in the skeleton is still shown to be checked;
#   3. each exercise test that has a patch (tests/exercises/test_NN_X.sh and
#      test_NN_X.patch, the exercise done): it fails on the reference and
#      passes with the patch applied;
# and the reference passes every graded test, with full marks in pieces,
# in a report.json and a junit.xml that list each test once. Exit 0 only
# if all of that holds.
#
# The reference is built first; each skeleton's build starts as a copy of
# it, so only the files of steps/ that differ are built again.
set -u
cd "$(dirname "$0")/.." || exit 2
out=${LAB_CHECK_OUT:-build/lab-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf --one-file-system "$out"/lab-[0-9]* "$out"/only-* "$out"/exercise-* # the students' trees
steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then
	for dir in steps/[0-9][0-9]-*/; do
		n=${dir#steps/}
		n=${n%%-*}
		compgen -G "tests/*/test_${n}_*.c" >/dev/null || continue
		# a step with no marked piece has no lab: its skeleton would be
		# the reference, and "pass" - say so, skip it
		if ! grep -q '/\* LAB: ' "$dir"*.c; then
			echo "lab-check: step $n: no LAB markers: no lab to check"
			continue
		fi
		steps+=("$n")
	done
fi
for i in "${!steps[@]}"; do steps[i]=$(printf '%02d' $((10#${steps[i]}))); done
bad=0
fail() { echo "lab-check: $*"; bad=1; }
pieces_of() { grep -ho '/\* LAB: [A-Za-z0-9_]*' steps/"$1"-*/*.c | sed 's|.* ||'; }
json_step() { jq -c --arg n "$2" '.steps[] | select(.step == $n)' "$1"; }

# Builds first (GRADE_LOCK, the machine's test lock, is not needed for
# them), then every grade under one hold of it.
lock=${GRADE_LOCK:-}
unset GRADE_LOCK
start=$SECONDS
ref_args=()
[ ${#steps[@]} -eq 1 ] && ref_args=(--step "${steps[0]}")
scripts/grade.sh --build-only "${ref_args[@]}" --out "$out/reference" >"$out/reference-build.txt" 2>&1 ||
	fail "the reference does not build: $out/reference-build.txt"
seed() { # seed OUT: a grader's build that starts as the reference's
	[ -d "$1/tree/build" ] && return
	mkdir -p "$1/tree"
	cp -a "$out/reference/tree/build" "$1/tree/" && cp "$out/reference/sources.sha256" "$1/"
}
for n in "${steps[@]}"; do
	scripts/lab.sh "$n" "$out/lab-$n" >/dev/null || { fail "step $n: make lab failed"; continue; }
	seed "$out/grade-$n"
	scripts/grade.sh --build-only --step "$n" --student "$out/lab-$n" --out "$out/grade-$n" >/dev/null 2>&1
done
echo "lab-check: built in $((SECONDS - start)) s"
if [ -n "$lock" ]; then
	exec 8>"$lock"
	flock 8
fi

for n in "${steps[@]}"; do
	[ -d "$out/lab-$n" ] || continue
	grade=$out/grade-$n
	mapfile -t pieces < <(pieces_of "$n")
	# 1. the untouched skeleton
	scripts/grade.sh --step "$n" --student "$out/lab-$n" --out "$grade" >"$grade.txt" 2>&1
	rc=$?
	cp "$grade/report.json" "$out/skeleton-$n.json" 2>/dev/null
	cp "$grade/junit.xml" "$out/skeleton-$n.junit.xml" 2>/dev/null
	sed -n '/^step /,/^$/p' "$grade.txt"
	[ "$rc" -ne 0 ] || fail "step $n: the untouched skeleton passed: its markers remove nothing a test checks"
	summary=$(json_step "$out/skeleton-$n.json" "$n")
	[ -n "$summary" ] || { fail "step $n: no report for the skeleton (see $grade.txt)"; continue; }
	scored=$(jq '.pieces_scored' <<<"$summary")
	total=$(jq '.pieces_total' <<<"$summary")
	[ "$scored" -eq 0 ] || fail "step $n: the skeleton scores $scored of $total pieces, not 0"
	[ "$total" -eq ${#pieces[@]} ] || fail "step $n: the skeleton is graded on $total pieces, the step has ${#pieces[@]}"
	others=$(jq -r '.other_failures[]' <<<"$summary")
	[ -z "$others" ] || fail "step $n: the skeleton's report has lines that name no piece: $others"
	for piece in "${pieces[@]}"; do
		jq -e --arg p "$piece" '.missing | index($p)' <<<"$summary" >/dev/null ||
			fail "step $n: the report does not name the missing $piece"
	done
	# 2. each piece on its own
	for piece in "${pieces[@]}"; do
		only=$out/only-$piece
		scripts/lab.sh --only "$piece" "$n" "$only" >/dev/null || { fail "step $n: lab.sh --only $piece failed"; continue; }
		scripts/grade.sh --only "$piece" --student "$only" --out "$grade" >"$only.txt" 2>&1
		listed=$(awk -v n="$n" -v p="$piece" '$1 == n && $2 == p' <(grep -vE '^\s*(#|$)' tests/lab-pieces) | wc -l)
		ran=$(awk -F '\t' '$3 != "host_left_as_found"' "$grade/logs/rows.tsv" | wc -l)
		passing=$(awk -F '\t' '$3 != "host_left_as_found" && $4 == "passed" { print $2 " " $3 }' "$grade/logs/rows.tsv")
		if [ "$listed" -eq 0 ]; then
			fail "step $n: $piece: no test in tests/lab-pieces scores it"
		elif [ "$ran" -ne "$listed" ]; then
			fail "step $n: $piece: tests/lab-pieces lists $listed tests, $ran ran (see $only.txt)"
		elif [ -n "$passing" ]; then
			fail "step $n: $piece: with only $piece stubbed these pass, so they do not check it: ${passing//$'\n'/, }"
		else
			if [ "$listed" -eq 1 ]; then
				echo "lab-check: step $n: $piece alone: its one test fails without it"
			else
				echo "lab-check: step $n: $piece alone: all $listed of its tests fail without it"
			fi
		fi
		# nothing else is left behind by a stub
		grep -q $'\thost_left_as_found\tfailed' "$grade/logs/rows.tsv" &&
			fail "step $n: $piece: the host was left changed: $(grep $'\thost_left_as_found\tfailed' "$grade/logs/rows.tsv" | cut -f5)"
	done
	# 3. the exercises, done
	for patch in tests/exercises/test_"$n"_*.patch; do
		[ -e "$patch" ] || continue
		name=$(basename "$patch" .patch)
		tree=$out/exercise-$name
		mkdir -p "$tree"
		cp -a steps "$tree/"
		if ! patch -s -d "$tree" -p1 <"$patch"; then
			fail "step $n: $patch does not apply"
			continue
		fi
		scripts/grade.sh --step "$n" --exercises-only --student "$tree" --out "$grade" >"$tree.txt" 2>&1
		if awk -F '\t' -v t="$name" '$3 == t && $4 == "passed" { found = 1 } END { exit !found }' "$grade/logs/rows.tsv"; then
			echo "lab-check: step $n: $name passes with the exercise done"
		else
			fail "step $n: $name fails with the exercise done ($patch): $(awk -F '\t' -v t="$name" '$3 == t { print $5 }' "$grade/logs/rows.tsv")"
		fi
	done
done

# the exercises not done: each exercise test fails on the reference
if compgen -G "tests/exercises/test_*.sh" >/dev/null; then
	scripts/grade.sh "${ref_args[@]}" --exercises-only --out "$out/reference" >"$out/reference-exercises.txt" 2>&1
	while IFS=$'\t' read -r n _ name result message; do
		if [ "$result" = passed ]; then
			fail "step $n: $name passes on the reference: it cannot tell the exercise done from not"
		else
			echo "lab-check: step $n: $name fails on the reference, as it should: $message"
		fi
	done < <(awk -F '\t' '$2 == "exercises"' "$out/reference/logs/rows.tsv")
fi
echo "== the reference, steps ${steps[*]}"
if ! scripts/grade.sh "${ref_args[@]}" --out "$out/reference" >"$out/reference.txt" 2>&1; then
	fail "the reference does not get full marks:"
fi
sed -n '/^step /,/^$/p' "$out/reference.txt"
for n in "${steps[@]}"; do
	summary=$(json_step "$out/reference/report.json" "$n")
	[ -n "$summary" ] || { fail "step $n: no report for the reference"; continue; }
	read -r scored total < <(jq -r '"\(.pieces_scored) \(.pieces_total)"' <<<"$summary")
	if [ "$scored" -ne "$total" ] || [ "$total" -eq 0 ]; then
		fail "step $n: the reference scores $scored of $total pieces"
	fi
done
# report.json and junit.xml: valid, and every test a row of each, once
rows=$(wc -l <"$out/reference/logs/rows.tsv")
jq -e --argjson rows "$rows" '[.steps[].tests | length] | add == $rows' "$out/reference/report.json" >/dev/null ||
	fail "report.json is not valid JSON or does not list the $rows tests graded"
python3 - "$out/reference/junit.xml" "$rows" <<'PY' || fail "junit.xml is not valid or does not list the $rows tests graded once each"
import sys, xml.etree.ElementTree as tree
cases = tree.parse(sys.argv[1]).getroot().iter("testcase")
names = [(case.get("classname"), case.get("name")) for case in cases]
sys.exit(not (len(names) == int(sys.argv[2]) == len(set(names))))
PY
echo "lab-check: $((SECONDS - start)) s"
[ "$bad" -eq 0 ] && echo "lab-check: every skeleton scores 0 on its step, each piece fails on its own, the reference full marks"
exit "$bad"
