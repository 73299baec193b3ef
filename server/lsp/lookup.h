/*
 * Shared pieces of the hover, inlay hint and code lens handlers: finding the findings at a
 * position and deciding what is shown.
 */
#ifndef GE_SERVER_LOOKUP_H
#define GE_SERVER_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "goescape/finding.h"

struct ge_server;
struct ge_file;

/* Inlay hints are on in the settings and not toggled off. */
bool ge_hints_on(const struct ge_server *s);
/* A heap escape of an enabled category, not suppressed by //goescape:ignore. */
bool ge_finding_shown(struct ge_server *s, const struct ge_finding *f, const char *text,
                      size_t len);
/* The number of f's findings that ge_finding_shown shows in f's current text: the heap escapes
 * the user sees as diagnostics, which the status bars and the analyze command count. */
size_t ge_file_count_shown(struct ge_server *s, struct ge_file *f);
/* The innermost finding whose span contains offset (ends included), or NULL. Borrowed. */
const struct ge_finding *ge_finding_at(struct ge_file *f, size_t offset);
/* Markdown explaining one finding: what, cause, numbered flow with links, remedy.
 * Returns a new string. */
char *ge_finding_markdown(struct ge_server *s, struct ge_file *file, const struct ge_finding *f);

#endif
