/* fuzz_09_reference: reference_parse (steps/09-image/reference.c) on any
 * text: an image name comes from the command line and from archives. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "09-image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024], err[512], out[600];
	struct reference ref;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (reference_parse(text, &ref, err, sizeof(err)) == 0)
		reference_format(&ref, out, sizeof(out));
	return 0;
}
