/* id.c - a short random container id: 12 hex digits, like docker's. */
#include <stdio.h>
#include <sys/random.h>

#include "box.h"
#include "id.h"
#include "log.h"

int make_container_id(char *out)
{
	unsigned char random_bytes[BOX_ID_LEN / 2];
	int i;

	if (getrandom(random_bytes, sizeof(random_bytes), 0) != (ssize_t)sizeof(random_bytes))
		return box_syserr("getrandom", "container id");
	for (i = 0; i < BOX_ID_LEN / 2; i++)
		sprintf(out + 2 * i, "%02x", random_bytes[i]);
	return 0;
}
