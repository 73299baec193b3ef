/*
 * NULL-terminated string lists: argv and environment vectors, and lists of paths.
 */
#include "strv.h"

#include "goescape/common.h"

#include <stdlib.h>

void ge_strv_push(char ***list, size_t *n, char *item_new)
{
    *list = ge_xrealloc(*list, (*n + 2) * sizeof(char *));
    (*list)[(*n)++] = item_new;
    (*list)[*n] = NULL;
}

void ge_strv_free(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}
