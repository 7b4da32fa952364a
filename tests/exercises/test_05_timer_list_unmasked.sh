# 05, exercise 3: /proc/timer_list taken out of masked_paths - the container
# then reads the host's timers (the reference shows it empty: /dev/null).
. "$(dirname "$0")/exercise.sh"
run_step 05-pivot-root "$build/rootfs" /bin/sh -c 'wc -c < /proc/timer_list'
[ "$status" -eq 0 ] || fail "05-pivot-root exited $status: $err"
[ "${out:-0}" -gt 0 ] || fail "/proc/timer_list is still masked (0 bytes): remove it from masked_paths"
echo "done: /proc/timer_list shows $out bytes of the host's timers"
