/*
 * Looking findings up (lookup.c): the finding at a position, for hovers, quick fixes and
 * goescape.showFlow, and the number of a file's findings that are shown, for the status bars
 * and goescape.analyze. Which findings are shown is decided in render.h.
 */
#ifndef GE_SERVER_LOOKUP_H
#define GE_SERVER_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "goescape/finding.h"

struct ge_server;
struct ge_file;

/* The number of f's findings that ge_finding_shown shows in f's current text: the heap
 * escapes the user sees as diagnostics, which the status bars and the analyze command count. */
size_t ge_file_count_shown(struct ge_server *s, struct ge_file *f);
/* The innermost finding whose span contains offset (ends included), or NULL. Borrowed. */
const struct ge_finding *ge_finding_at(struct ge_file *f, size_t offset);

#endif
