/*
 * NULL-terminated lists of owned strings, the shape execve and uv_spawn take for argv and
 * the environment, and the shape the server keeps lists of paths in.
 */
#ifndef GE_SERVER_STRV_H
#define GE_SERVER_STRV_H

#include <stddef.h>

/* Appends item_new (stolen) to *list, a NULL-terminated list of *n items (*list may be NULL
 * when *n is 0), and keeps it NULL-terminated. Aborts on out of memory. */
void ge_strv_push(char ***list, size_t *n, char *item_new);
/* Frees every item of list and list itself; list may be NULL. */
void ge_strv_free(char **list);

#endif
