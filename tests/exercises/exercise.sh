# exercise.sh - sourced by the exercise tests: run_step STEP ARGS... runs
# build/bin/STEP on build/rootfs with a BOXES_RUN of its own (removed after),
# and leaves stdout in $out, stderr in $err, the exit status in $status.
build=${BUILD:-build}
run_dir=$(mktemp -d /tmp/boxes-exercise-XXXXXX)
trap 'rm -rf --one-file-system "$run_dir"' EXIT
run_step() {
	local step=$1
	shift
	out=$(BOXES_RUN=$run_dir timeout -k 5 30 "$build/bin/$step" "$@" 2>"$run_dir/stderr")
	status=$?
	err=$(cat "$run_dir/stderr")
}
fail() { echo "exercise not done: $*"; exit 1; }
