/* escape: keyctl-int80
 * blocked-from: 08
 * explain: keyctl through the 32-bit door (int 0x80), which a 64-bit-only filter forgets
 *
 * A 64-bit x86 kernel still answers 32-bit system calls: `int $0x80`
 * works from a 64-bit program, with the i386 numbers (keyctl is 288 there,
 * 250 on x86_64). A seccomp filter that checks only x86_64 numbers lets
 * these through - the bypass that made libseccomp and docker check the
 * architecture of every call. We ask the keyring for our user keyring's
 * id (KEYCTL_GET_KEYRING_ID, read only) through the 32-bit door.
 */
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include "escape.h"

#define I386_NR_KEYCTL 288
#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_USER_KEYRING -4

#if defined(__x86_64__)
static long syscall_int80(long number, long arg1, long arg2, long arg3)
{
	long result;

	/* 32-bit convention: eax = number, ebx, ecx, edx = arguments. The
	 * kernel zeroes r8-r11 on the way back from a 32-bit call. */
	__asm__ volatile("int $0x80"
			 : "=a"(result)
			 : "a"(number), "b"(arg1), "c"(arg2), "d"(arg3)
			 : "memory", "r8", "r9", "r10", "r11");
	return result;
}

static sigjmp_buf no_int80;

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(no_int80, 1);
}

int main(void)
{
	long result;

	/* A kernel without 32-bit support (ia32_emulation=0, some virtual
	 * machines) has no gate at vector 0x80: the CPU faults, SIGSEGV. */
	signal(SIGSEGV, on_fault);
	if (sigsetjmp(no_int80, 1))
		cannot_test("int 0x80 faults: this kernel runs no 32-bit calls at all, so there is "
			    "no 32-bit door to try (ia32_emulation off)");
	result = syscall_int80(I386_NR_KEYCTL, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	signal(SIGSEGV, SIG_DFL);
	if (result == -ENOSYS)
		cannot_test("int 0x80: this kernel runs no 32-bit calls (ia32_emulation off)");
	if (result < 0 && result > -4096)
		blocked("int 0x80 keyctl(KEYCTL_GET_KEYRING_ID): %s", strerror((int)-result));
	escaped("int 0x80 keyctl(KEYCTL_GET_KEYRING_ID) = %ld: the 32-bit door reaches the keyring",
		result);
}
#else
int main(void)
{
	cannot_test("int 0x80 is x86_64 only");
}
#endif
