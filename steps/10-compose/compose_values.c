/* compose_values.c - step 10: durations, command strings, restart
 * policies, project names, and the nearest key for a typo. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "10-compose/compose_file.h"
#include "10-compose/compose_values.h"

/* --- durations ----------------------------------------------------------- */

static const struct {
	const char *suffix;
	long long nanoseconds;
} duration_units[] = {
    {"ns", 1LL},       {"us", 1000LL},	    {"\xc2\xb5s", 1000LL}, /* µs, as Go prints it */
    {"ms", 1000000LL}, {"s", 1000000000LL}, {"m", 60 * 1000000000LL}, {"h", 3600 * 1000000000LL},
};

/* The unit at text: its length, and its size in *nanoseconds; 0 for none. */
static size_t duration_unit(const char *text, long long *nanoseconds)
{
	size_t best = 0;

	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		size_t length = strlen(duration_units[i].suffix);

		/* the longest match: "ms" before "m" */
		if (length > best && strncmp(text, duration_units[i].suffix, length) == 0) {
			best = length;
			*nanoseconds = duration_units[i].nanoseconds;
		}
	}
	return best;
}

int parse_duration(const char *text, long long *nanoseconds, char *why, size_t why_len)
{
	const char *p = text;
	double total = 0;

	if (strcmp(text, "0") == 0) {
		*nanoseconds = 0;
		return 0;
	}
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		double number;
		long long unit;
		size_t unit_length;

		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		errno = 0;
		number = strtod(p, &end);
		if (errno || end == p)
			goto bad;
		unit_length = duration_unit(end, &unit);
		if (!unit_length) {
			snprintf(why, why_len,
				 "the duration \"%s\" needs a unit — write e.g. %.*ss, 1m30s or "
				 "500ms (units: ns us ms s m h)",
				 text, (int)(end - p), p);
			return -1;
		}
		total += number * (double)unit;
		p = end + unit_length;
	}
	if (total > 9.2e18)
		goto bad;
	*nanoseconds = llround(total);
	return 0;
bad:
	snprintf(why, why_len,
		 "\"%s\" is not a duration — write e.g. 30s, 1m30s or 500ms (units: ns us ms s "
		 "m h)",
		 text);
	return -1;
}

/* A whole number of units and a fraction without trailing zeros: 1.5 */
static int format_fraction(char *out, size_t out_len, long long value, long long unit)
{
	char fraction[64];
	int digits = 0;

	for (long long u = unit; u > 1 && digits < 18; u /= 10)
		digits++;
	snprintf(fraction, sizeof(fraction), "%0*lld", digits, value % unit);
	for (int i = digits - 1; i >= 0 && fraction[i] == '0'; i--)
		fraction[i] = '\0';
	if (fraction[0])
		return snprintf(out, out_len, "%lld.%s", value / unit, fraction);
	return snprintf(out, out_len, "%lld", value / unit);
}

void format_duration(long long nanoseconds, char *out, size_t out_len)
{
	const long long second = 1000000000LL;
	int length;

	if (nanoseconds < 1000) {
		snprintf(out, out_len, nanoseconds ? "%lldns" : "0s", nanoseconds);
		return;
	}
	if (nanoseconds < second) {
		long long unit = nanoseconds < 1000000 ? 1000 : 1000000;

		length = format_fraction(out, out_len, nanoseconds, unit);
		snprintf(out + length, out_len - (size_t)length, "%s",
			 unit == 1000 ? "\xc2\xb5s" : "ms");
		return;
	}
	length = 0;
	if (nanoseconds >= 3600 * second)
		length = snprintf(out, out_len, "%lldh", nanoseconds / (3600 * second));
	if (nanoseconds >= 60 * second)
		length += snprintf(out + length, out_len - (size_t)length, "%lldm",
				   nanoseconds / (60 * second) % 60);
	length += format_fraction(out + length, out_len - (size_t)length,
				  nanoseconds % (60 * second), second);
	snprintf(out + length, out_len - (size_t)length, "s");
}

/* --- command strings ----------------------------------------------------- */

int split_words(const char *text, char *storage, char **words, int max, char *why, size_t why_len)
{
	int count = 0;
	char *out = storage;

	for (;;) {
		int in_word = 0;

		while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
			text++;
		if (!*text)
			break;
		if (count == max) {
			snprintf(why, why_len, "more than %d words — boxes keeps at most %d", max,
				 max);
			return -1;
		}
		words[count++] = out;
		while (*text && (in_word || !strchr(" \t\n\r", *text))) {
			if (*text == '\'') {
				const char *close = strchr(text + 1, '\'');

				if (!close)
					goto unclosed;
				memcpy(out, text + 1, (size_t)(close - text - 1));
				out += close - text - 1;
				text = close + 1;
			} else if (*text == '"') {
				text++;
				while (*text && *text != '"') {
					if (*text == '\\' && text[1] && strchr("\"\\$`", text[1]))
						text++;
					*out++ = *text++;
				}
				if (*text != '"')
					goto unclosed;
				text++;
			} else if (*text == '\\' && text[1]) {
				*out++ = text[1];
				text += 2;
			} else {
				*out++ = *text++;
			}
		}
		*out++ = '\0';
	}
	words[count] = NULL;
	return count;
unclosed:
	snprintf(why, why_len,
		 "a quote is not closed — close it, or write the command as a list: [\"sh\", "
		 "\"-c\", \"...\"]");
	return -1;
}

/* --- restart ------------------------------------------------------------- */

int parse_restart(const char *text, int *policy, int *max_retries, char *why, size_t why_len)
{
	*max_retries = 0;
	if (strcmp(text, "no") == 0 || strcmp(text, "false") == 0) {
		*policy = COMPOSE_RESTART_NO;
		return 0;
	}
	if (strcmp(text, "always") == 0) {
		*policy = COMPOSE_RESTART_ALWAYS;
		return 0;
	}
	if (strcmp(text, "unless-stopped") == 0) {
		*policy = COMPOSE_RESTART_UNLESS_STOPPED;
		return 0;
	}
	if (strncmp(text, "on-failure", 10) == 0 && (text[10] == '\0' || text[10] == ':')) {
		*policy = COMPOSE_RESTART_ON_FAILURE;
		if (text[10] == ':') {
			char *end;
			long retries;

			errno = 0;
			retries = strtol(text + 11, &end, 10);
			if (!isdigit((unsigned char)text[11]) || *end || errno || retries < 1 ||
			    retries > 1000000) {
				snprintf(why, why_len,
					 "has a bad number of retries — on-failure:N takes a whole "
					 "number from 1, e.g. on-failure:3");
				return -1;
			}
			*max_retries = (int)retries;
		}
		return 0;
	}
	snprintf(why, why_len,
		 "is not a restart policy — use \"no\", always, on-failure, on-failure:N or "
		 "unless-stopped");
	return -1;
}

/* --- names --------------------------------------------------------------- */

static int project_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int compose_project_name_valid(const char *name)
{
	if (!name[0] || name[0] == '_' || name[0] == '-')
		return 0;
	for (const char *p = name; *p; p++)
		if (!project_name_char(*p))
			return 0;
	return 1;
}

void compose_normalize_name(const char *name, char *out, size_t out_len)
{
	size_t length = 0;

	if (!out_len)
		return;
	for (const char *p = name; *p && length + 1 < out_len; p++) {
		char c = (char)tolower((unsigned char)*p);

		if (!project_name_char(c))
			continue;
		if (length == 0 && (c == '_' || c == '-'))
			continue; /* it must start with a letter or a digit */
		out[length++] = c;
	}
	out[length] = '\0';
}

/* --- did you mean -------------------------------------------------------- */

int edit_distance(const char *a, const char *b)
{
	/* Damerau-Levenshtein (optimal string alignment), one row at a time
	 * would do; three rows keep the swap readable. Keys are short. */
	enum { MAX = 64 };
	int rows[3][MAX + 1];
	size_t a_length = strlen(a), b_length = strlen(b);

	if (a_length > MAX || b_length > MAX)
		return (int)(a_length > b_length ? a_length : b_length);
	for (size_t j = 0; j <= b_length; j++)
		rows[0][j] = (int)j;
	for (size_t i = 1; i <= a_length; i++) {
		int *before = rows[(i + 1) % 3], *previous = rows[(i - 1) % 3], *row = rows[i % 3];

		row[0] = (int)i;
		for (size_t j = 1; j <= b_length; j++) {
			int cost = a[i - 1] != b[j - 1];
			int best = previous[j] + 1; /* delete */

			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1; /* insert */
			if (previous[j - 1] + cost < best)
				best = previous[j - 1] + cost; /* replace */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    before[j - 2] + 1 < best)
				best = before[j - 2] + 1; /* swap two neighbours */
			row[j] = best;
		}
	}
	return rows[a_length % 3][b_length];
}

const char *nearest_word(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	int best_distance = 3;
	int length = (int)strlen(word);

	for (int i = 0; candidates[i]; i++) {
		int distance = edit_distance(word, candidates[i]);

		if (distance < best_distance && distance * 2 < length + 1) {
			best = candidates[i];
			best_distance = distance;
		}
	}
	return best;
}
