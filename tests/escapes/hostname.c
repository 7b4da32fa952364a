/* escape: hostname
 * blocked-from: 02
 * explain: sethostname() inside the container renames the host
 * run: uts
 *
 * Without a UTS namespace there is one hostname for the whole machine:
 * a container that sets its own renames the host, and every log line,
 * prompt and cluster member that trusts the name with it. matrix.sh runs
 * this in a throwaway UTS namespace of its own and checks whether the
 * name changed out there, so the real host is never renamed.
 */
#include <unistd.h>

#include "escape.h"

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "escaped-box";

	if (sethostname(name, strlen(name)) < 0)
		blocked("sethostname: %s", strerror(errno));
	/* Only the outside can tell whether this was the host's name. */
	printf("sethostname(\"%s\") succeeded: look at the hostname outside\n", name);
	return 0;
}
