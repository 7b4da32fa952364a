/* fuzz_09_image_config: parse_image_config (steps/09-image/manifest.c) on any bytes, as an
 * archive member would give them: it must fill its struct or refuse, never crash. */
#include <stddef.h>
#include <stdint.h>

#include "09-image/manifest.h"

#include "fuzz_json.h" /* mutations that keep the JSON whole */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_config parsed;
	char err[512];

	if (parse_image_config((const char *)data, size, &parsed, err, sizeof(err)) == 0)
		image_config_free(&parsed);
	return 0;
}
