#!/bin/bash
# run-tests.sh [STEP] - run the unit tests, then the integration tests (as
# root), and print one closing line: "N passed, N failed".
# With STEP (e.g. 02), only the test files named *_02_* (and the common
# unit tests) run: what a learner or grader checks after one step.
set -u
build=${BUILD:-build}
step=${1:-}
if [ -n "$step" ]; then
	# 5, 05 and 005 all name step 05; anything else names no step.
	# 11 is beyond/oci-runtime: no steps/11-* folder, but tests named _11_.
	if ! [[ "$step" =~ ^[0-9]{1,3}$ ]] || {
		! compgen -G "steps/$(printf '%02d' $((10#$step)))-*/" >/dev/null &&
			! compgen -G "tests/*/test_$(printf '%02d' $((10#$step)))_*.c" >/dev/null
	}; then
		echo "boxes: STEP=$step: no such step (steps are $(cd steps && ls -d [0-9][0-9]-* | cut -c1-2 | tr '\n' ' ')11)" >&2
		exit 2
	fi
	step=$(printf '%02d' $((10#$step)))
fi
passed=0
failed=0
skipped=0
step_ran=0 # tests run from the step's own files (_NN_ in the name)
failed_names=()

# cmocka's own summary lines: "[  PASSED  ] N test(s)." and friends.
summary_count() { # summary_count OUTPUT WORD
	printf '%s\n' "$1" | sed -n "s/^\[  *$2  *\] \([0-9][0-9]*\) test(s).*/\1/p" | tail -n 1
}

run_one() {
	local test=$1 output rc ok bad skip
	output=$("$test" 2>&1)
	rc=$?
	case "${CMOCKA_MESSAGE_OUTPUT:-}" in
	[Tt][Aa][Pp]) # "ok 1 - name", "ok 2 # SKIP", "not ok 3 - name"
		ok=$(printf '%s\n' "$output" | grep -E '^ok [0-9]' | grep -cv '# SKIP')
		skip=$(printf '%s\n' "$output" | grep -E '^ok [0-9]' | grep -c '# SKIP')
		bad=$(printf '%s\n' "$output" | grep -cE '^not ok [0-9]') ;;
	[Xx][Mm][Ll]) # <testsuite ... tests="N" failures="F" errors="E" skipped="S">
		local suite total
		suite=$(printf '%s\n' "$output" | grep -m1 '<testsuite ')
		total=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$suite")
		bad=$(($(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$suite") + $(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$suite")))
		skip=$(sed -n 's/.* skipped="\([0-9]*\)".*/\1/p' <<<"$suite")
		ok=$((${total:-0} - bad - ${skip:-0})) ;;
	*)
		ok=$(summary_count "$output" PASSED)
		bad=$(summary_count "$output" FAILED)
		skip=$(summary_count "$output" SKIPPED) ;;
	esac
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
	[[ "$(basename "$test")" == *"_${step}_"* ]] && step_ran=$((step_ran + ok + bad + skip))
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
if [ -n "$step" ] && [ "$step_ran" -eq 0 ]; then
	echo "step $step: no test ran (a step with no test cannot pass)"
	failed=$((failed + 1))
fi
[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
