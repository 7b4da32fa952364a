/* fuzz_count.c - --pids-limit N: parse_count().
 *
 * A count is a whole decimal number above 0 that fits a long long,
 * written as digits only ("64"): no sign, no blank, no unit.
 */
#include <ctype.h>

#include "fuzz.h"
#include "size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	long long count = 0;
	size_t i;

	if (parse_count(text, &count) == 0) {
		FUZZ_CHECK(count > 0, "\"%s\" gave %lld", text, count);
		for (i = 0; text[i]; i++)
			FUZZ_CHECK(isdigit((unsigned char)text[i]), "\"%s\" accepted", text);
	}
	free(text);
	return 0;
}
