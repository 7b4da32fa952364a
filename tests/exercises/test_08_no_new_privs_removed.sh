# 08, exercise 1: set_no_new_privs() taken out of the recipe - the kernel
# then refuses the seccomp filter to a process without CAP_SYS_ADMIN.
. "$(dirname "$0")/exercise.sh"
run_step 08-seccomp "$build/rootfs" /bin/true
[ "$status" -eq 125 ] || fail "08-seccomp still starts (exit $status): set_no_new_privs() is still in main.c"
case "$err" in
*"seccomp_load(the container's filter): Permission denied"*) ;;
*) fail "exit 125, but not because of seccomp_load: $err" ;;
esac
echo "done: $err"
