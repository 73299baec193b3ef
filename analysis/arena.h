/*
 * A bump allocator for the strings and arrays of one report (and of the parser's block keys).
 * Everything taken from an arena lives until the arena is destroyed, which makes a report one
 * free() per block instead of one per string. Private to analysis/.
 */
#ifndef GE_ANALYSIS_ARENA_H
#define GE_ANALYSIS_ARENA_H

#include "goescape/common.h"

/* Size of the blocks the arena carves from; larger requests get a block of their own. */
#define GE_ARENA_BLOCK (64u * 1024u)

struct ge_arena_block;

struct ge_arena {
    struct ge_arena_block *head; /* owned; newest block first */
    char *cur;                   /* free tail of head */
    size_t left;                 /* bytes free at cur */
};

/* Creates an empty arena (no block is allocated until the first request). Never fails. */
struct ge_arena *ge_arena_create(void);
/* Frees every block and the arena itself. NULL is allowed. */
void ge_arena_destroy(struct ge_arena *a);
/* Returns n bytes aligned for any object, owned by the arena. Never NULL. */
void *ge_arena_alloc(struct ge_arena *a, size_t n);
/* Copies s[0..n) into the arena and adds a NUL terminator. */
char *ge_arena_strndup(struct ge_arena *a, const char *s, size_t n);
/* Copies count elements of size bytes; returns NULL when count is 0. */
void *ge_arena_memdup(struct ge_arena *a, const void *p, size_t count, size_t size);

#endif
