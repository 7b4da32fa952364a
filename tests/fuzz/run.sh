#!/bin/bash
# run.sh BUILD SECONDS [NAME...] - run each libFuzzer target for SECONDS.
#
# make fuzz runs this after building every tests/fuzz/fuzz_NAME.c into
# BUILD/tests/fuzz/. Each target starts from its seeds (tests/fuzz/corpus/NAME,
# read only) plus what earlier runs found (BUILD/corpus/NAME, where new
# inputs go), and prints one line: executions per second, coverage (cov:
# code edges reached, ft: libFuzzer's finer "features"), corpus size, crashes.
# A crash is saved as BUILD/crashes/NAME/crash-<sha1>; the exit status is 1
# if any target crashed. FUZZ_TARGETS="size env" runs only those.
set -u
build=$1
seconds=$2
shift 2
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		read -r -a names <<<"$FUZZ_TARGETS"
	else
		for source in tests/fuzz/fuzz_*.c; do
			name=$(basename "$source" .c)
			names+=("${name#fuzz_}")
		done
	fi
fi

# The last status line libFuzzer printed ("#123 DONE cov: 45 ft: 67
# corp: 8/90b ... exec/s: 1234 ..."): the value after FIELD.
field() { # field LINE FIELD
	printf '%s\n' "$1" | sed -n "s|.* $2 \([^ ]*\).*|\1|p"
}

crashed=0
printf '%-14s %10s %6s %6s %14s %8s\n' target exec/s cov ft corpus crashes
for name in "${names[@]}"; do
	binary=$build/tests/fuzz/fuzz_$name
	seeds=tests/fuzz/corpus/$name
	corpus=$build/corpus/$name
	crashes=$build/crashes/$name
	log=$build/logs/$name.log
	if [ ! -x "$binary" ] || [ ! -d "$seeds" ]; then
		echo "boxes: fuzz target $name needs $binary and seed inputs in $seeds/" >&2
		crashed=1
		continue
	fi
	mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
	touch "$log.start" # crashes of earlier runs stay, but are not counted again
	# -timeout: one input taking 10 s is a hang, reported as a crash;
	# -rss_limit_mb: as is a parser that eats memory.
	"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" \
		"$corpus" "$seeds" >"$log" 2>&1
	status=$?
	stats=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1)
	found=$(find "$crashes" -type f -newer "$log.start" | wc -l)
	printf '%-14s %10s %6s %6s %14s %8s\n' "$name" "$(field "$stats" exec/s:)" \
		"$(field "$stats" cov:)" "$(field "$stats" ft:)" "$(field "$stats" corp:)" "$found"
	if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
		crashed=1
		grep -E '^(FUZZ_CHECK failed|SUMMARY|==[0-9]+==ERROR)' "$log" | head -n 3 | sed 's/^/    /'
		echo "    log: $log; replay: FUZZ_VERBOSE=1 $binary $crashes/FILE"
	fi
done
exit "$crashed"
