/* fuzz_cpus.c - --cpus N: parse_cpus().
 *
 * What the kernel will take (sched-bwc.rst): a quota of at least 1 ms
 * per period, and we allow up to 1000 CPUs' worth. parse_cpus turns the
 * text into quota and period; whatever text it accepts, those two must
 * be something a cpu.max / cpu.cfs_quota_us write can hold.
 */
#include "fuzz.h"
#include "size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	long long quota = 0, period = 0;

	if (parse_cpus(text, &quota, &period) == 0) {
		FUZZ_CHECK(period == 100000, "\"%s\": period %lld", text, period);
		FUZZ_CHECK(quota >= 1000 && quota <= 1000 * period, "\"%s\": quota %lld", text,
			   quota);
	}
	free(text);
	return 0;
}
