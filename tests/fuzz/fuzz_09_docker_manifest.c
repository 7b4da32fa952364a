/* fuzz_09_docker_manifest: parse_docker_manifest (steps/09-image/manifest.c) on any bytes, as an
 * archive member would give them: it must fill its struct or refuse, never crash. */
#include <stddef.h>
#include <stdint.h>

#include "09-image/manifest.h"

#include "fuzz_json.h" /* mutations that keep the JSON whole */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_manifest parsed;
	char err[512];

	if (parse_docker_manifest((const char *)data, size, &parsed, err, sizeof(err)) == 0)
		docker_manifest_free(&parsed);
	return 0;
}
