/* fuzz_size.c - --memory SIZE: parse_size() and format_size().
 *
 * What parse_size promises (size.h, and docker's own rules): a whole
 * number of bytes with at most one unit letter, b k m g; never 0, never
 * negative, never past LLONG_MAX. And format_size prints a size that
 * parse_size reads back to the same number: the two must agree, or an
 * error message would name a limit other than the one in force.
 */
#include <ctype.h>
#include <limits.h>

#include "fuzz.h"
#include "size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	char printed[32];
	long long bytes = 0, again = 0;

	if (parse_size(text, &bytes) == 0) {
		FUZZ_CHECK(bytes > 0, "\"%s\" gave %lld bytes", text, bytes);
		/* " 64M" is refused (test_common_parsing.c); so must "\t64M" be */
		FUZZ_CHECK(isdigit((unsigned char)text[0]), "\"%s\" accepted", text);
		format_size(bytes, printed, sizeof(printed));
		FUZZ_CHECK(parse_size(printed, &again) == 0 && again == bytes,
			   "\"%s\" = %lld bytes, printed \"%s\", read back as %lld", text, bytes,
			   printed, again);
	}
	free(text);
	return 0;
}
