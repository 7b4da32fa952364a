/* fuzz_11_spec: spec_parse (beyond/oci-runtime/spec.c) on any bytes, as an
 * engine's config.json: it must fill the spec or refuse, never crash. */
#include "fuzz.h"

#include "fuzz_json.h" /* mutations that keep the JSON whole */
#include "oci-runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1); /* jansson reads a C string */
	struct spec spec;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (spec_parse(&spec, text, "/bundle") == 0) {
		FUZZ_CHECK(spec.process.args[0] != NULL, "a parsed spec without process.args");
		FUZZ_CHECK(spec.rootfs[0] == '/', "a rootfs that is not absolute: %s", spec.rootfs);
		spec_free(&spec);
	}
	free(text);
	return 0;
}
