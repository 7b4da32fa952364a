/* fuzz_09_oci_manifest: parse_oci_manifest (steps/09-image/manifest.c) on any bytes, as an
 * archive member would give them: it must fill its struct or refuse, never crash. */
#include <stddef.h>
#include <stdint.h>

#include "09-image/manifest.h"

#include "fuzz_json.h" /* mutations that keep the JSON whole */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_manifest parsed;
	char err[512];

	if (parse_oci_manifest((const char *)data, size, &parsed, err, sizeof(err)) == 0)
		oci_manifest_free(&parsed);
	return 0;
}
