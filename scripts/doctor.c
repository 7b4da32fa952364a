/* doctor - can this machine run every step? `make doctor`, `make demo`.
 *
 * Prints a table: each kernel feature, the first step that needs it,
 * whether this machine has it, and the one-line fix when it does not.
 * The steps run the same checks (common/kernel_features.c) before they start.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/utsname.h>

#include "kernel_features.h"

/* Where this machine is, when that changes the advice. */
static void print_environment_notes(void)
{
	struct utsname uts;

	uname(&uts);
	printf("note: from step 07 on the rootfs's mount is idmapped, so it must be on %s\n",
	       idmap_filesystems());
	if (strstr(uts.release, "microsoft") || strstr(uts.release, "WSL"))
		printf("note: WSL2 detected: run as root inside the distro; cgroups may be v1/v2 "
		       "mixed "
		       "(see the cgroups line)\n");
	if (access("/.dockerenv", F_OK) == 0 || access("/run/.containerenv", F_OK) == 0)
		printf("note: this looks like a container (/.dockerenv): if a step fails here, use "
		       "a VM or a container started with --privileged\n");
}

/* The steps up to (not including) the first one whose feature is missing. */
static void print_runnable_steps(int first_blocked_step)
{
	int step;

	printf("\nsteps that can run here:");
	for (step = 1; step <= 8 && step < first_blocked_step; step++)
		printf(" %02d", step);
	if (first_blocked_step <= 8)
		printf("  (from %02d on: see the fix above)", first_blocked_step);
	printf("\n");
}

int main(void)
{
	int count, i, missing = 0, first_blocked_step = 99;
	const struct feature *list = feature_list(&count);

	printf("boxes doctor: what each step needs, and this machine\n\n");
	printf("  %-4s %-36s %-4s %s\n", "step", "feature", "ok?", "seen");
	printf("  %-4s %-36s %-4s %s\n", "----", "-------", "---", "----");
	printf("  %-4s %-36s %-4s uid %d\n", "all", "root", geteuid() == 0 ? "yes" : "NO",
	       (int)geteuid());
	if (geteuid() != 0) {
		printf("       fix: run as root: sudo make demo, sudo build/bin/...\n");
		missing++;
		first_blocked_step = 1;
	}
	for (i = 0; i < count; i++) {
		char detail[256];
		int present = feature_present(&list[i], detail, sizeof(detail));

		printf("  %02d   %-36s %-4s %s\n", list[i].step, list[i].name,
		       present ? "yes" : "NO", detail);
		if (!present) {
			printf("       fix: %s\n", list[i].fix);
			missing++;
			if (list[i].step < first_blocked_step)
				first_blocked_step = list[i].step;
		}
	}
	print_runnable_steps(first_blocked_step);
	print_environment_notes();
	printf("\n%s\n", missing ? "Some steps will not run here: see the fixes above."
				 : "Every step can run on this machine.");
	return missing ? 1 : 0;
}
