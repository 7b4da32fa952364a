/* hooks.h - beyond step 10: config.json's hooks (config.md, "POSIX-platform
 * Hooks"): programs the engine asks the runtime to run at points of the
 * container's life, each with the container's state (the JSON `state`
 * prints) on its standard input.
 *
 *     prestart, createRuntime  in create, once the namespaces are made and
 *                              before the init's mounts and pivot_root; in
 *                              the runtime's namespaces. One that fails
 *                              fails create.
 *     poststart                in start, once the program is let go; one
 *                              that fails is a warning.
 *     poststop                 in delete, once the container is gone; one
 *                              that fails is a warning.
 *
 * createContainer and startContainer run inside the container's mount
 * namespace: refused by name. A hook is {path, args, env, timeout}: path
 * absolute; args is its whole argv (argv[0] too); without env it gets the
 * runtime's environment (as runc); timeout in seconds, none: no limit. */
#ifndef BOXES_OCI_HOOKS_H
#define BOXES_OCI_HOOKS_H

#include <jansson.h>

/* config.json's "hooks" (NULL: none). 0, or -1 after one line naming the
 * field, as spec.c does. */
int hooks_check(json_t *hooks);

/* Every hook of stage ("prestart", ...) in order, each given state.
 * 0, or -1 after one line naming the hook that failed and how; the
 * hooks after it do not run. */
int hooks_run(json_t *hooks, const char *stage, json_t *state);

#endif
