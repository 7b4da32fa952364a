#!/bin/bash
# run-tests.sh [STEP] - run the unit tests, then the integration tests (as
# root), and print one closing line: "N passed, N failed".
# With STEP (e.g. 02), only the test files named *_02_* (and the common
# unit tests) run: what a learner or grader checks after one step.
set -u
build=${BUILD:-build}
step=${1:-}
passed=0
failed=0
failed_names=()

run_one() {
	local test=$1 output rc ok bad
	output=$("$test" 2>&1)
	rc=$?
	ok=$(printf '%s\n' "$output" | grep -cE '^\[       OK \]')
	bad=$(printf '%s\n' "$output" | grep -cE '^\[  (FAILED|ERROR)  \] [a-z]')
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # it crashed, or its setup failed
	fi
	if [ "$bad" -gt 0 ]; then
		# everything but the passing tests' lines: what failed and why
		printf '%s\n' "$output" | grep -vE '^\[ RUN      \]|^\[       OK \]'
		failed_names+=("$(basename "$test")")
	else
		printf '%s\n' "$output" | grep -E '^\[  PASSED  \]|^\[==========\] .* run\.'
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	return 0
}

select_tests() {
	local dir=$1 kind=$2
	for test in "$build/tests/$dir"/test_*; do
		[ -x "$test" ] || continue
		local name
		name=$(basename "$test")
		if [ -n "$step" ] && [[ "$name" != *"_${step}_"* ]] && { [ "$kind" = integration ] || [[ "$name" =~ _[0-9][0-9]_ ]]; }; then
			continue
		fi
		echo "$test"
	done
}

echo "== unit tests${step:+ (step $step)}"
for test in $(select_tests unit unit); do
	echo "-- $(basename "$test")"
	run_one "$test"
done
echo "== integration tests${step:+ (step $step)}"
if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root: sudo make test" >&2
	failed=$((failed + 1))
else
	for test in $(select_tests integration integration); do
		echo "-- $(basename "$test")"
		run_one "$test"
	done
fi
echo
[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
