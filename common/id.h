/* id.h - short random container ids, like docker's (12 hex digits). */
#ifndef BOXES_ID_H
#define BOXES_ID_H

/* out must hold 13 bytes. 0 or -1. */
int make_container_id(char *out);

#endif
