/* size.c - docker's sizes ("64M"), counts and CPU fractions. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

int parse_size(const char *text, long long *bytes)
{
	char *end;
	unsigned long long number;
	long long multiplier = 1;

	/* a digit first: strtoull/strtoll skip any blank ("\t64M") and take a sign */
	if (!text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	number = strtoull(text, &end, 10);
	if (errno || end == text)
		return -1;
	switch (*end) {
	case '\0':
	case 'b':
	case 'B':
		break;
	case 'k':
	case 'K':
		multiplier = 1LL << 10;
		break;
	case 'm':
	case 'M':
		multiplier = 1LL << 20;
		break;
	case 'g':
	case 'G':
		multiplier = 1LL << 30;
		break;
	default:
		return -1;
	}
	if (*end && end[1] != '\0')
		return -1;
	if (number == 0 || number > (unsigned long long)(LLONG_MAX / multiplier))
		return -1;
	*bytes = (long long)number * multiplier;
	return 0;
}

int parse_count(const char *text, long long *count)
{
	char *end;
	long long number;

	/* a digit first, as in parse_size */
	if (!text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	number = strtoll(text, &end, 10);
	if (errno || *end || number <= 0)
		return -1;
	*count = number;
	return 0;
}

/* "12", "0.5", "2.": digits with at most one '.', at least one digit. */
static int is_decimal(const char *text)
{
	size_t digits;

	if (!text)
		return 0;
	digits = strspn(text, "0123456789");
	if (text[digits] == '.')
		return strspn(text + digits + 1, "0123456789") == strlen(text + digits + 1) &&
		       (digits > 0 || text[digits + 1] != '\0');
	return digits > 0 && text[digits] == '\0';
}

int parse_cpus(const char *text, long long *quota_us, long long *period_us)
{
	char *end;
	double cpus;
	const long long period = 100000; /* the kernel's default CFS period */

	/* Decimal only, as a person writes a number of CPUs: strtod(3) alone
	 * would also take "0x1", "1e-1", "inf" and " 1". */
	if (!is_decimal(text))
		return -1;
	errno = 0;
	cpus = strtod(text, &end);
	if (errno || *end || !isfinite(cpus) || cpus <= 0 || cpus > 1000)
		return -1;
	*period_us = period;
	*quota_us = llround(cpus * (double)period);
	if (*quota_us < 1000) /* the kernel refuses quotas under 1 ms */
		return -1;
	return 0;
}

void format_size(long long bytes, char *out, int out_len)
{
	static const char units[] = "kMG";
	int unit;

	for (unit = 2; unit >= 0; unit--) {
		long long scale = 1LL << (10 * (unit + 1));

		if (bytes >= scale && bytes % scale == 0) {
			snprintf(out, (size_t)out_len, "%lld%c", bytes / scale, units[unit]);
			return;
		}
	}
	snprintf(out, (size_t)out_len, "%lld", bytes);
}
