/* size.h - docker's sizes and counts: "64M", "512k", "1g", "0.5" CPUs. */
#ifndef BOXES_SIZE_H
#define BOXES_SIZE_H

/* "512k", "64m", "64M", "1g", "1048576", "10b" -> bytes. 0 on success,
 * -1 for nonsense ("64X", "-1", "", overflow, 0). */
int parse_size(const char *text, long long *bytes);

/* A positive whole number ("64"); -1 for anything else. */
int parse_count(const char *text, long long *count);

/* "0.5" CPUs -> a CFS quota per period: 50000 us per 100000 us. -1 for
 * nonsense ("abc", "0", "-1", more CPUs than 1000) and for anything but a
 * plain decimal number ("0x1", "1e0", "inf"). */
int parse_cpus(const char *text, long long *quota_us, long long *period_us);

/* 67108864 -> "64M" (for messages). */
void format_size(long long bytes, char *out, int out_len);

#endif
