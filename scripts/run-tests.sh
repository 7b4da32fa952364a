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
skipped=0
failed_names=()

# cmocka's own summary lines: "[  PASSED  ] N test(s)." and friends.
summary_count() { # summary_count OUTPUT WORD
	printf '%s\n' "$1" | sed -n "s/^\[  *$2  *\] \([0-9][0-9]*\) test(s).*/\1/p" | tail -n 1
}

run_one() {
	local test=$1 output rc ok bad skip
	output=$("$test" 2>&1)
	rc=$?
	ok=$(summary_count "$output" PASSED)
	bad=$(summary_count "$output" FAILED)
	skip=$(summary_count "$output" SKIPPED)
	ok=${ok:-0} bad=${bad:-0} skip=${skip:-0}
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # it crashed, or its setup failed
	fi
	# a group setup or teardown that failed (the host was left changed)
	if printf '%s\n' "$output" | grep -qE '^\[  ERROR   \] [^-]'; then
		bad=$((bad + 1))
	fi
	if [ "$bad" -gt 0 ] || [ "$skip" -gt 0 ]; then
		# everything but the passing tests' lines: what failed and why
		printf '%s\n' "$output" | grep -vE '^\[ RUN      \]|^\[       OK \]'
	else
		printf '%s\n' "$output" | grep -E '^\[  PASSED  \]|^\[==========\] .* run\.'
	fi
	[ "$bad" -gt 0 ] && failed_names+=("$(basename "$test")")
	passed=$((passed + ok))
	failed=$((failed + bad))
	skipped=$((skipped + skip))
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
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
