/* fuzz_capabilities.c - --cap-add / --cap-drop CAP: step 08's names.
 *
 * Each line of the input is one capability name; the bits of the first
 * byte say which lines are --cap-add (1) and which --cap-drop (0), and
 * the second byte is the size of the buffer describe_capabilities()
 * writes into (malloc'd to the byte). What must hold:
 * - a name capability_from_name() accepts is a capability this kernel
 *   has, and libcap prints it back as the same name (cap_to_name(3));
 * - the kept set never holds a capability the kernel does not have, and
 *   without an --cap-add it is a part of docker's default set;
 * - the description always fits its buffer, NUL included.
 */
#include <ctype.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/capability.h>

#include "08-seccomp/capabilities.h"
#include "fuzz.h"

static void check_name(const char *name)
{
	const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
	int cap = capability_from_name(name);
	char *printed;

	if (cap < 0)
		return;
	FUZZ_CHECK(cap < cap_max_bits(), "\"%s\" is capability %d, the kernel has %d", name, cap,
		   cap_max_bits());
	printed = cap_to_name(cap);
	FUZZ_CHECK(printed && strncmp(printed, "cap_", 4) == 0 &&
		       strcasecmp(printed + 4, bare) == 0,
		   "\"%s\" is capability %d, which libcap calls \"%s\"", name, cap,
		   printed ? printed : "(null)");
	cap_free(printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *names[2 * BOX_MAX_CAPS], *text, *description;
	struct box box;
	uint64_t kept;
	size_t description_len;
	int count, i;

	if (size < 2)
		return 0;
	description_len = (size_t)data[1] + 1;
	text = fuzz_string(data + 2, size - 2);
	count = fuzz_lines(text, names, 2 * BOX_MAX_CAPS);
	memset(&box, 0, sizeof(box));
	for (i = 0; i < count; i++) {
		bool add = data[0] >> (i % 8) & 1;

		check_name(names[i]);
		if (add && box.cap_add_count < BOX_MAX_CAPS)
			box.cap_add[box.cap_add_count++] = names[i];
		else if (!add && box.cap_drop_count < BOX_MAX_CAPS)
			box.cap_drop[box.cap_drop_count++] = names[i];
	}
	if (capability_mask_from_options(&box, &kept) == 0) {
		FUZZ_CHECK((kept & ~all_capabilities()) == 0, "kept %#llx, the kernel has %#llx",
			   (unsigned long long)kept, (unsigned long long)all_capabilities());
		if (box.cap_add_count == 0)
			FUZZ_CHECK((kept & ~default_capabilities()) == 0,
				   "no --cap-add, yet kept %#llx beyond the default set",
				   (unsigned long long)kept);
		description = malloc(description_len);
		if (!description)
			abort();
		describe_capabilities(kept, description, description_len);
		FUZZ_CHECK(strlen(description) < description_len, "description overflowed");
		free(description);
	}
	free(text);
	return 0;
}
