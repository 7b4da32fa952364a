/* boxes-sweep - remove what dead boxes runs left in BOXES_RUN, at any time.
 *
 *     build/bin/boxes-sweep [--trace]       (scripts/cleanup.sh runs it)
 *
 * The same sweep every step runs when it starts (common/sweep.c), with the
 * sweepers of every step: it undoes whatever a run of any step left (a
 * step 02 binary, sweeping at its start, knows no veth). A live run holds
 * its lock, and is never touched. A program of its own rather than a
 * --sweep option of a step: a step knows only the steps up to itself, and
 * this needs neither a ROOTFS nor a COMMAND.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "state.h"
#include "sweep.h"

#include "03-cgroups/cgroup.h"
#include "06-net-namespace/net.h"
#include "10-compose/project_state.h"

static const struct sweeper every_sweeper[] = {SWEEPERS_03, SWEEPERS_06, SWEEPERS_10, {NULL, NULL}};

int main(int argc, char **argv)
{
	int removed;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--trace") != 0)) {
		fprintf(stderr, "usage: boxes-sweep [--trace]   (BOXES_RUN: default /run/boxes)\n");
		return EXIT_BOXES_FAILED;
	}
	if (argc == 2)
		trace_enable();
	removed = sweep_dead_runs(every_sweeper);
	printf("boxes-sweep: %d dead run%s removed from %s\n", removed, removed == 1 ? "" : "s",
	       state_root());
	return 0;
}
