/* container.c - beyond step 10: the state of a container between the
 * runtime's invocations. An engine runs the runtime once per verb: create
 * exits leaving the container's init behind, and start, state, kill and
 * delete are new processes. What they share is ROOT/<id>/state.json.
 *
 * Step 01's state (BOXES_RUN/<id>) is held by a live runtime's flock; here
 * no runtime stays, so the truth is the init itself: its pid, checked
 * against its start time so that a reused pid is not taken for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#include "oci-runtime/container.h"

static const char *runtime_root = "/run/boxes-runtime";

void container_set_root(const char *root)
{
	runtime_root = root;
}

bool container_id_valid(const char *id)
{
	size_t length = strlen(id);

	return length > 0 && length < 200 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_.+-") == length &&
	       strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static int set_dir(struct container *container, const char *id)
{
	memset(container, 0, sizeof(*container));
	if (!container_id_valid(id)) {
		box_error("invalid container id \"%s\" (letters, digits, _ . + - only)", id);
		return -1;
	}
	snprintf(container->id, sizeof(container->id), "%s", id);
	return path_join(container->dir, sizeof(container->dir), runtime_root, id);
}

int container_make_dir(struct container *container, const char *id)
{
	if (set_dir(container, id) < 0)
		return -1;
	if (mkdir(runtime_root, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", runtime_root);
	if (mkdir(container->dir, 0700) < 0) {
		if (errno == EEXIST)
			box_error("container with id exists: %s", id);
		else
			box_syserr("mkdir", container->dir);
		return -1;
	}
	return 0;
}

int container_load(struct container *container, const char *id, bool quiet)
{
	char path[4200];
	json_error_t error;
	json_t *json;
	const char *bundle, *created, *cgroup_path;

	if (set_dir(container, id) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", container->dir);
	json = json_load_file(path, 0, &error);
	if (!json) {
		if (!quiet)
			box_error("container does not exist: %s", id);
		return -1;
	}
	bundle = json_string_value(json_object_get(json, "bundle"));
	created = json_string_value(json_object_get(json, "created"));
	cgroup_path = json_string_value(json_object_get(json, "boxes.cgroup"));
	container->pid = (pid_t)json_integer_value(json_object_get(json, "pid"));
	container->start_time =
	    (unsigned long long)json_integer_value(json_object_get(json, "boxes.start_time"));
	snprintf(container->bundle, sizeof(container->bundle), "%s", bundle ? bundle : "");
	snprintf(container->created, sizeof(container->created), "%s", created ? created : "");
	snprintf(container->cgroup_path, sizeof(container->cgroup_path), "%s",
		 cgroup_path ? cgroup_path : "");
	container->annotations = json_incref(json_object_get(json, "annotations"));
	container->hooks = json_incref(json_object_get(json, "boxes.hooks"));
	json_decref(json);
	return 0;
}

/* The spec's fields, and ours prefixed "boxes." (a reader ignores them). */
static json_t *state_json(const struct container *container, const char *status, bool with_ours)
{
	json_t *json =
	    json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", OCI_VERSION, "id", container->id,
		      "status", status, "pid", (int)container->pid, "bundle", container->bundle);

	if (!json)
		return NULL;
	if (container->created[0])
		json_object_set_new(json, "created", json_string(container->created));
	json_object_set_new(json, "annotations",
			    container->annotations ? json_incref(container->annotations)
						   : json_object());
	if (with_ours) {
		json_object_set_new(json, "boxes.start_time",
				    json_integer((json_int_t)container->start_time));
		json_object_set_new(json, "boxes.cgroup", json_string(container->cgroup_path));
		if (container->hooks)
			json_object_set(json, "boxes.hooks", container->hooks);
	}
	return json;
}

int container_save(const struct container *container)
{
	char path[4200], temporary[4200];
	json_t *json = state_json(container, container_status(container), true);
	int result = 0;

	snprintf(path, sizeof(path), "%s/state.json", container->dir);
	snprintf(temporary, sizeof(temporary), "%s/.state.json.tmp", container->dir);
	if (!json || json_dump_file(json, temporary, JSON_INDENT(2)) < 0)
		result = box_syserr("write", temporary);
	else if (rename(temporary, path) < 0)
		result = box_syserr("rename", path);
	json_decref(json);
	return result;
}

unsigned long long process_start_time(pid_t pid)
{
	char path[64], text[1024], state;
	unsigned long long start = 0;
	const char *after_name;
	FILE *file;
	size_t got;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	file = fopen(path, "re");
	if (!file)
		return 0;
	got = fread(text, 1, sizeof(text) - 1, file);
	fclose(file);
	text[got] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces and ')'; skip to the last ')' */
	after_name = strrchr(text, ')');
	if (!after_name ||
	    sscanf(after_name + 1,
		   " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
		   "%llu",
		   &state, &start) != 2)
		return 0;
	return state == 'Z' || state == 'X' ? 0 : start;
}

void container_fifo(const struct container *container, char *out, size_t len)
{
	snprintf(out, len, "%s/exec.fifo", container->dir);
}

const char *container_status(const struct container *container)
{
	char fifo[4200];

	if (container->pid <= 0 || process_start_time(container->pid) != container->start_time)
		return "stopped";
	container_fifo(container, fifo, sizeof(fifo));
	return access(fifo, F_OK) == 0 ? "created" : "running";
}

void container_print_state(const struct container *container)
{
	json_t *json = state_json(container, container_status(container), false);
	char *text = json ? json_dumps(json, JSON_INDENT(2)) : NULL;

	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(json);
}

json_t *container_state(const struct container *container, const char *status)
{
	return state_json(container, status, false);
}

int container_remove(struct container *container)
{
	return remove_tree(container->dir);
}

void container_free(struct container *container)
{
	json_decref(container->annotations);
	json_decref(container->hooks);
	container->annotations = NULL;
	container->hooks = NULL;
}
