/*
 * The bump allocator behind reports. Blocks are linked newest first; a request that does not
 * fit in the free tail starts a new block, and requests larger than a block get a block of
 * their own behind the head so that the head's free tail is not wasted. Strings are packed
 * without alignment; other requests are aligned for any object.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct ge_arena_block {
    struct ge_arena_block *next;
    alignas(max_align_t) char data[];
};

#define ALIGNMENT ((uintptr_t)alignof(max_align_t))

struct ge_arena *ge_arena_create(void)
{
    return ge_xcalloc(1, sizeof(struct ge_arena));
}

void ge_arena_destroy(struct ge_arena *a)
{
    if (a == NULL)
        return;
    struct ge_arena_block *b = a->head;
    while (b != NULL) {
        struct ge_arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* Returns the data of a new block of size bytes; a standard-size block becomes the head. */
static char *new_block(struct ge_arena *a, size_t size)
{
    struct ge_arena_block *b = ge_xmalloc(sizeof(*b) + size);
    if (size > GE_ARENA_BLOCK && a->head != NULL) {
        b->next = a->head->next;
        a->head->next = b;
        return b->data;
    }
    b->next = a->head;
    a->head = b;
    a->cur = b->data;
    a->left = size;
    return b->data;
}

/* Takes n bytes from the tail after skipping pad bytes, or from a new block. */
static char *take(struct ge_arena *a, size_t n, size_t pad)
{
    if (n + pad > a->left) {
        if (n > GE_ARENA_BLOCK)
            return new_block(a, n);
        new_block(a, GE_ARENA_BLOCK);
        pad = 0;
    }
    char *p = a->cur + pad;
    a->cur = p + n;
    a->left -= n + pad;
    return p;
}

void *ge_arena_alloc(struct ge_arena *a, size_t n)
{
    size_t pad = 0;
    if (a->cur != NULL)
        pad = (size_t)((ALIGNMENT - ((uintptr_t)a->cur & (ALIGNMENT - 1))) & (ALIGNMENT - 1));
    return take(a, n ? n : 1, pad);
}

char *ge_arena_strndup(struct ge_arena *a, const char *s, size_t n)
{
    char *p = take(a, n + 1, 0);
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *ge_arena_memdup(struct ge_arena *a, const void *p, size_t count, size_t size)
{
    if (count == 0)
        return NULL;
    void *q = ge_arena_alloc(a, count * size);
    memcpy(q, p, count * size);
    return q;
}
