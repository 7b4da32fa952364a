/* compose_values.h - step 10: the small syntaxes inside a compose file's
 * values - durations, command strings, restart policies - and the
 * nearest-word search behind "did you mean ...?". */
#ifndef BOXES_COMPOSE_VALUES_H
#define BOXES_COMPOSE_VALUES_H

#include <stddef.h>

/* Go's time.ParseDuration, which compose uses: "1m30s", "500ms", "1.5h",
 * "10s"; units ns, us (or µs), ms, s, m, h; "0" alone needs no unit.
 * 0, or -1 with why ("what — fix"). */
int parse_duration(const char *text, long long *nanoseconds, char *why, size_t why_len);

/* As Go prints a Duration (and so docker compose config): "1m30s",
 * "500ms", "1h0m0s", "0s". */
void format_duration(long long nanoseconds, char *out, size_t out_len);

/* A command string split as compose splits it (shell words, but no
 * expansion): spaces separate words, '...' keeps everything, "..." keeps
 * all but \" \\ \$ \`, a backslash outside quotes escapes one character.
 *     sh -c 'echo "hi there"'  ->  [sh] [-c] [echo "hi there"]
 * The words are written into storage (strlen(text) + 1 bytes suffice) and
 * pointed to from words[]. Returns the count, or -1 with why (an unclosed
 * quote, more than max words). */
int split_words(const char *text, char *storage, char **words, int max, char *why, size_t why_len);

/* "no", "always", "unless-stopped", "on-failure", "on-failure:3".
 * *policy gets the compose_restart value. 0, or -1 with why, which reads
 * after the value: "is not a restart policy — use ...". */
int parse_restart(const char *text, int *policy, int *max_retries, char *why, size_t why_len);

/* The number of single-character edits (insert, delete, replace, or swap
 * two neighbours) from a to b: "prots" -> "ports" is 1. */
int edit_distance(const char *a, const char *b);

/* The candidate (a NULL-terminated list) nearest to word, if it is close
 * enough to be a typo of it (distance <= 2, and less than half the word),
 * else NULL. */
const char *nearest_word(const char *word, const char *const *candidates);

#endif
