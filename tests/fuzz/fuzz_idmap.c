/* fuzz_idmap.c - --uidmap / --gidmap C:H:N (parse_id_map, via the options).
 *
 * user_namespaces(7): ids are 32-bit, and a line of uid_map maps COUNT
 * ids from INSIDE and from OUTSIDE. The kernel refuses a range whose end,
 * first + count, passes 2^32 - 1 ((uid_t)-1 means "no id"), and a count
 * past 2^32 is cut to 32 bits before it is checked at all. A map
 * parse_id_map accepts must fit, and print back as itself.
 */
#include <stdint.h>

#include "fuzz.h"
#include "options.h"

/* The text as --uidmap's value, the way a user gives it: through the
 * option parser of step 07, whatever helper it uses inside. 0 and the map,
 * or -1. */
static int parse_as_uidmap(char *text, struct id_map *map)
{
	char *argv[] = {"boxes", "--uidmap", text, "rootfs", "sh", NULL};
	struct box box;
	int next;

	if (parse_run_options(&box, 7, 5, argv, &next) != 0)
		return -1;
	*map = box.uid_map;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	char printed[80];
	struct id_map map, again;

	if (parse_as_uidmap(text, &map) == 0) {
		FUZZ_CHECK(map.count > 0, "\"%s\": count 0", text);
		FUZZ_CHECK(map.count <= UINT32_MAX && map.inside <= UINT32_MAX - map.count &&
			       map.outside <= UINT32_MAX - map.count,
			   "\"%s\" = %lu:%lu:%lu does not fit 32-bit ids", text, map.inside,
			   map.outside, map.count);
		snprintf(printed, sizeof(printed), "%lu:%lu:%lu", map.inside, map.outside,
			 map.count);
		FUZZ_CHECK(parse_as_uidmap(printed, &again) == 0 && again.inside == map.inside &&
			       again.outside == map.outside && again.count == map.count,
			   "\"%s\" printed as \"%s\" does not read back", text, printed);
	}
	free(text);
	return 0;
}
