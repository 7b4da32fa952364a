/* fuzz_options.c - the command line: parse_run_options().
 *
 * The input is a command line, one argument a line, after a first byte
 * that picks the step (1..10: 09 and 10 parse `run`'s options with the
 * same function). What must hold for whatever argv is accepted:
 * - every value is one the runtime can use (sizes above 0, a map that
 *   fits, an absolute -w, a hostname of 1 to 64 characters, ...);
 * - the ladder: an option of a later step is unknown to an earlier one,
 *   so it cannot have changed the box;
 * - nothing survives from one call to the next: each input is freed
 *   after its call, so getopt(3) state that still points into the last
 *   argv is a use after free that AddressSanitizer reports.
 */
#include <stdbool.h>
#include <stdint.h>

#include "fuzz.h"
#include "options.h"

#define MAX_ARGS 256

/* Is name (what follows "--", up to any '=') a prefix of option? That is
 * how getopt_long(3) matches abbreviations: --ver is --version. */
static bool abbreviates(const char *name, const char *option)
{
	size_t length = strcspn(name, "=");

	return length > 0 && strncmp(name, option, length) == 0;
}

/* -h/--help and --version print and exit(0) by design (and may return
 * instead, once options.c stops exiting): leave them out, an exit would
 * end the whole fuzzing run. -h can only start a cluster: every other
 * short option takes a value, which swallows the rest of the argument. */
static bool asks_for_help_or_version(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false; /* the rest is ROOTFS COMMAND... */
		if (argv[i][0] == '-' && argv[i][1] == 'h')
			return true;
		if (argv[i][0] == '-' && argv[i][1] == '-' &&
		    (abbreviates(argv[i] + 2, "help") || abbreviates(argv[i] + 2, "version")))
			return true;
	}
	return false;
}

static bool is_default_map(const struct id_map *map)
{
	return map->inside == 0 && map->outside == 100000 && map->count == 65536;
}

static void check_map(const struct id_map *map, const char *which)
{
	FUZZ_CHECK(map->count > 0 && map->count <= UINT32_MAX &&
		       map->inside <= UINT32_MAX - map->count &&
		       map->outside <= UINT32_MAX - map->count,
		   "%s %lu:%lu:%lu", which, map->inside, map->outside, map->count);
}

/* Every field holds a value the runtime can use. */
static void check_values(const struct box *box, int step, int argc, int next)
{
	int i;

	FUZZ_CHECK(box->step == step, "step %d, box says %d", step, box->step);
	FUZZ_CHECK(next >= 1 && next <= argc, "next %d of argc %d", next, argc);
	FUZZ_CHECK(box->env_count >= 0 && box->env_count <= BOX_MAX_ENV, "env_count %d",
		   box->env_count);
	for (i = 0; i < box->env_count; i++)
		FUZZ_CHECK(box->env_extra[i][0] && box->env_extra[i][0] != '=', "-e \"%s\"",
			   box->env_extra[i]);
	FUZZ_CHECK(box->workdir && box->workdir[0] == '/', "-w \"%s\"", box->workdir);
	FUZZ_CHECK(!box->hostname || (box->hostname[0] && strlen(box->hostname) <= 64),
		   "--hostname \"%s\"", box->hostname);
	FUZZ_CHECK(box->memory_bytes >= 0 && box->pids_limit >= 0, "memory %lld, pids %lld",
		   box->memory_bytes, box->pids_limit);
	FUZZ_CHECK(box->cpu_quota_us == 0 || box->cpu_quota_us >= 1000, "cpu quota %lld",
		   box->cpu_quota_us);
	FUZZ_CHECK(box->net == NET_VETH || box->net == NET_NONE || box->net == NET_HOST, "net %d",
		   box->net);
	FUZZ_CHECK(box->seccomp == SECCOMP_DEFAULT || box->seccomp == SECCOMP_UNCONFINED,
		   "seccomp %d", box->seccomp);
	check_map(&box->uid_map, "--uidmap");
	check_map(&box->gid_map, "--gidmap");
	FUZZ_CHECK(box->cap_add_count >= 0 && box->cap_add_count <= BOX_MAX_CAPS &&
		       box->cap_drop_count >= 0 && box->cap_drop_count <= BOX_MAX_CAPS,
		   "caps %d/%d", box->cap_add_count, box->cap_drop_count);
}

/* The ladder: what a step does not teach stays at its default. */
static void check_ladder(const struct box *box, int step)
{
	if (step < 2)
		FUZZ_CHECK(!box->hostname && !box->init, "step %d took --hostname/--init", step);
	if (step < 3)
		FUZZ_CHECK(!box->memory_bytes && !box->pids_limit && !box->cpu_quota_us,
			   "step %d took a cgroup limit", step);
	if (step < 6)
		FUZZ_CHECK(box->net == NET_VETH, "step %d took --net", step);
	if (step < 7)
		FUZZ_CHECK(is_default_map(&box->uid_map) && is_default_map(&box->gid_map),
			   "step %d took --uidmap/--gidmap", step);
	if (step < 8)
		FUZZ_CHECK(box->seccomp == SECCOMP_DEFAULT && !box->cap_add_count &&
			       !box->cap_drop_count,
			   "step %d took --seccomp/--cap-*", step);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *text;
	struct box box;
	int argc, step, next = -1;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 10;
	text = fuzz_string(data + 1, size - 1);
	argv[0] = "boxes";
	argc = 1 + fuzz_lines(text, argv + 1, MAX_ARGS);
	argv[argc] = NULL;
	if (!asks_for_help_or_version(argc, argv) &&
	    parse_run_options(&box, step, argc, argv, &next) == 0) {
		check_values(&box, step, argc, next);
		check_ladder(&box, step);
	}
	free(text);
	return 0;
}
