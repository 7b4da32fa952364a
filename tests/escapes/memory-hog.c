/* escape: memory-hog
 * blocked-from: 03
 * explain: allocates and touches 256 MiB: without a memory cgroup it all comes from the host
 * run: plain
 *
 * A container without a memory limit can take the host's memory until the
 * host's OOM killer picks a victim - maybe the database next door, maybe
 * sshd. Shared CI runners and hosting sites have been taken down this way
 * by one job that leaked memory. We allocate 256 MiB (or argv[1] MiB) in
 * 16 MiB chunks and write to every page, since Linux only gives a page real
 * memory when it is first touched. It is bounded on purpose: under steps
 * 01 and 02 it runs in the host's memory. Under a memory cgroup with a
 * smaller limit the kernel OOM-kills it: it never prints, the runtime says
 * "container killed: out of memory" and exits 137.
 * By hand: build/bin/02-pid-namespace build/rootfs /escapes/memory-hog
 */
#include <sys/mman.h>
#include <unistd.h>

#include "escape.h"

#define CHUNK_MIB 16

int main(int argc, char **argv)
{
	long wanted_mib = argc > 1 ? atol(argv[1]) : 256;
	long page = sysconf(_SC_PAGESIZE), touched_mib = 0;

	if (wanted_mib <= 0 || wanted_mib > 1024)
		cannot_test("size %s MiB: give 1 to 1024", argv[1]);
	while (touched_mib < wanted_mib) {
		size_t bytes = (size_t)CHUNK_MIB << 20;
		char *chunk =
		    mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t offset;

		if (chunk == MAP_FAILED)
			blocked("mmap failed after %ld MiB: %s", touched_mib, strerror(errno));
		for (offset = 0; offset < bytes; offset += (size_t)page)
			chunk[offset] = 1; /* now the page is real memory */
		touched_mib += CHUNK_MIB;
	}
	/* Exiting gives it all back. */
	escaped("allocated and touched %ld MiB: no memory limit stopped us", touched_mib);
}
