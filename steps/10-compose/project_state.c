/* project_state.c - step 10: a project's state files (project_state.h).
 *
 * ps, logs and down run in other processes than the supervisors, maybe
 * long after up returned: everything they need is in small files. Whether
 * a supervisor is alive is not read from a pid (pids are reused) but from
 * its lock: the kernel drops a flock(2) when its holder dies, even by
 * SIGKILL, as for every run's state since step 01 (state.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#include "10-compose/project_state.h"

int project_dir(const char *project, char *out, size_t out_len, int make)
{
	char compose[4096];

	if (path_join(compose, sizeof(compose), state_root(), "compose") < 0 ||
	    path_join(out, (int)out_len, compose, project) < 0)
		return -1;
	if (!make)
		return 0;
	if (mkdir(state_root(), 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", state_root());
	if (mkdir(compose, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", compose);
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", out);
	return 0;
}

int project_lock(const char *dir)
{
	char path[4096];
	int fd;

	if (path_join(path, sizeof(path), dir, "lock") < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return box_syserr("open", path);
	if (flock(fd, LOCK_EX) < 0) {
		box_syserr("flock", path);
		close(fd);
		return -1;
	}
	return fd;
}

int project_file(const char *dir, const char *name, const char *ext, char *out, size_t out_len)
{
	if (snprintf(out, out_len, "%s/%s.%s", dir, name, ext) >= (int)out_len) {
		box_error("path too long: %s/%s.%s", dir, name, ext);
		return -1;
	}
	return 0;
}

/* A value on one line: a command written as a YAML block has newlines. */
static const char *one_line(const char *value, char *out, size_t len)
{
	snprintf(out, len, "%s", value);
	for (char *at = out; *at; at++)
		if (*at == '\n' || *at == '\r' || *at == '\t')
			*at = ' ';
	return out;
}

/* A temporary file beside path, to be renamed over it (finish_file). */
static FILE *start_file(const char *path, char *temp, size_t temp_len)
{
	FILE *out;

	snprintf(temp, temp_len, "%s.%d", path, (int)getpid());
	out = fopen(temp, "we");
	if (!out)
		box_syserr("create", temp);
	return out;
}

/* Written whole or not at all: a reader never sees half. */
static int finish_file(FILE *out, const char *temp, const char *path)
{
	if (fclose(out) != 0 || rename(temp, path) < 0) {
		unlink(temp);
		return box_syserr("write", path);
	}
	return 0;
}

/* The "key value" lines of path into entries: their count, or -1. */
static int read_entries(const char *path, struct state_entry *entries, int max)
{
	static char text[16384];
	ssize_t length;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	length = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (length < 0)
		return -1;
	text[length] = '\0';
	return state_parse(text, entries, max);
}

int project_info_write(const char *dir, const struct project_info *info)
{
	char path[4096], temp[4200];
	FILE *out;

	if (path_join(path, sizeof(path), dir, "project") < 0 ||
	    !(out = start_file(path, temp, sizeof(temp))))
		return -1;
	fprintf(out, "run %s\nbridge %s\nnetwork %s\nlease %s\n", info->run, info->bridge,
		info->network, info->lease);
	return finish_file(out, temp, path);
}

int project_info_read(const char *dir, struct project_info *info)
{
	struct state_entry entries[STATE_ENTRIES_MAX];
	char path[4096];
	int count, found = 0;

	memset(info, 0, sizeof(*info));
	if (path_join(path, sizeof(path), dir, "project") < 0)
		return -1;
	count = read_entries(path, entries, STATE_ENTRIES_MAX);
	for (int i = 0; i < count; i++) {
		const char *key = entries[i].key, *value = entries[i].value;

		if (strcmp(key, "run") == 0)
			found += snprintf(info->run, sizeof(info->run), "%s", value) > 0;
		else if (strcmp(key, "bridge") == 0)
			found += snprintf(info->bridge, sizeof(info->bridge), "%s", value) > 0;
		else if (strcmp(key, "network") == 0)
			found += snprintf(info->network, sizeof(info->network), "%s", value) > 0;
		else if (strcmp(key, "lease") == 0)
			found += snprintf(info->lease, sizeof(info->lease), "%s", value) > 0;
	}
	return found == 4 ? 0 : -1;
}

int record_write(const char *dir, const struct container_record *r)
{
	char path[4096], temp[4200], command[sizeof(r->command)], error[sizeof(r->error)];
	FILE *out;

	if (project_file(dir, r->name, "state", path, sizeof(path)) < 0 ||
	    !(out = start_file(path, temp, sizeof(temp))))
		return -1;
	fprintf(out, "name %s\nservice %s\nimage %s\ncommand %s\nip %s\nports %s\nstatus %s\n",
		r->name, r->service, r->image,
		r->command[0] ? one_line(r->command, command, sizeof(command)) : "-", r->ip,
		r->ports[0] ? r->ports : "-", r->status);
	fprintf(out, "health %s\nsupervisor %d\nexit_code %d\nrestarts %d\nstarts %d\nerror %s\n",
		r->health[0] ? r->health : "-", r->supervisor, r->exit_code, r->restarts, r->starts,
		r->error[0] ? one_line(r->error, error, sizeof(error)) : "-");
	fprintf(out, "start_order %d\nvolumes %s\n", r->start_order,
		r->volumes[0] ? r->volumes : "-");
	fprintf(out, "created %lld\nstarted %lld\nfinished %lld\n", r->created, r->started,
		r->finished);
	return finish_file(out, temp, path);
}

/* The keys of a record file, and where each goes. */
#define TEXT_FIELD(key)                                                                            \
	{                                                                                          \
#key, offsetof(struct container_record, key),                                      \
		    sizeof(((struct container_record *)0)->key), 0                                 \
	}
#define INT_FIELD(key)                                                                             \
	{                                                                                          \
#key, offsetof(struct container_record, key), sizeof(int), 1                       \
	}
#define TIME_FIELD(key)                                                                            \
	{                                                                                          \
#key, offsetof(struct container_record, key), sizeof(long long), 2                 \
	}
#define RECORD_KEYS_MAX 24 /* more than a run's state holds (STATE_ENTRIES_MAX) */
static const struct {
	const char *key;
	size_t offset, size;
	int kind; /* 0 text ("-" = empty), 1 int, 2 long long */
} fields[] = {
    TEXT_FIELD(name),	   TEXT_FIELD(service),	   TEXT_FIELD(image),	TEXT_FIELD(command),
    TEXT_FIELD(ip),	   TEXT_FIELD(ports),	   TEXT_FIELD(status),	TEXT_FIELD(health),
    INT_FIELD(supervisor), INT_FIELD(exit_code),   INT_FIELD(restarts), INT_FIELD(starts),
    TEXT_FIELD(error),	   INT_FIELD(start_order), TEXT_FIELD(volumes), TIME_FIELD(created),
    TIME_FIELD(started),   TIME_FIELD(finished),
};

static void set_field(struct container_record *r, const char *key, const char *value)
{
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		char *at = (char *)r + fields[f].offset;

		if (strcmp(fields[f].key, key) != 0)
			continue;
		if (fields[f].kind == 0)
			snprintf(at, fields[f].size, "%s", strcmp(value, "-") == 0 ? "" : value);
		else if (fields[f].kind == 1)
			*(int *)at = atoi(value);
		else
			*(long long *)at = atoll(value);
	}
}

int record_read(const char *path, struct container_record *r)
{
	struct state_entry entries[RECORD_KEYS_MAX];
	int count;

	memset(r, 0, sizeof(*r));
	count = read_entries(path, entries, RECORD_KEYS_MAX);
	for (int i = 0; i < count; i++)
		set_field(r, entries[i].key, entries[i].value);
	return count > 0 ? 0 : -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct container_record *)a)->name,
		      ((const struct container_record *)b)->name);
}

int records_list(const char *dir, struct container_record *records, int max)
{
	DIR *entries = opendir(dir);
	struct dirent *entry;
	char path[4096];
	int count = 0;

	if (!entries)
		return 0;
	while ((entry = readdir(entries)) && count < max) {
		size_t length = strlen(entry->d_name);

		if (length < 7 || strcmp(entry->d_name + length - 6, ".state") != 0)
			continue;
		if (path_join(path, sizeof(path), dir, entry->d_name) == 0 &&
		    record_read(path, &records[count]) == 0)
			count++;
	}
	closedir(entries);
	qsort(records, (size_t)count, sizeof(*records), by_name);
	return count;
}

int supervisor_alive(const char *dir, const char *name)
{
	char path[4096];
	int fd, alive;

	if (project_file(dir, name, "lock", path, sizeof(path)) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	alive = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

int project_sweep_dir(const char *dir)
{
	char compose[4096];
	size_t length;

	if (path_join(compose, sizeof(compose), state_root(), "compose/") < 0)
		return -1;
	length = strlen(compose);
	if (strncmp(dir, compose, length) != 0 || !dir[length] || strchr(dir + length, '/')) {
		box_error("sweep: \"compose %s\" is not a project dir in %s; not touched", dir,
			  compose);
		return -1;
	}
	trace(10, "rm -r \"%s\": a dead project's state", dir);
	if (remove_tree(dir) < 0 && errno != ENOENT)
		return box_syserr("remove", dir);
	return 0;
}
