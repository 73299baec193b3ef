/*
 * Storage for explanation blocks while they wait for their summary. The parser reads its input
 * in chunks that are gone once ge_parse_feed returns, so a block's edges, steps and strings
 * are copied into one allocation of their own (the block's body) when the block closes, and
 * again at the end of each chunk while it is still open. A body is freed as soon as a summary
 * claims the block, so the parser holds only the blocks still waiting, never the input.
 */
#include "parse_internal.h"

#include <stdlib.h>
#include <string.h>

static size_t sv_size(struct sv s)
{
    return s.p != NULL ? s.n : 0;
}

/* Copies s to *cursor and returns the copy's view. */
static struct sv sv_copy(struct sv s, char **cursor)
{
    if (s.p == NULL)
        return s;
    struct sv out = {*cursor, s.n};
    if (s.n > 0)
        memcpy(*cursor, s.p, s.n);
    *cursor += s.n;
    return out;
}

void ge__block_store(struct ge_parser *p, struct pblock *b)
{
    size_t nedges = p->edges.n, nsteps = p->steps.n;
    size_t strings = 0;
    for (size_t i = 0; i < nedges; i++)
        strings += sv_size(p->edges.v[i].dst) + sv_size(p->edges.v[i].src);
    for (size_t i = 0; i < nsteps; i++)
        strings += sv_size(p->steps.v[i].what) + sv_size(p->steps.v[i].why);
    size_t edges_size = nedges * sizeof(struct raw_edge);
    size_t steps_size = nsteps * sizeof(struct raw_step);
    char *body = ge_xmalloc(edges_size + steps_size + strings + 1);
    struct raw_edge *edges = (struct raw_edge *)body;
    struct raw_step *steps = (struct raw_step *)(body + edges_size);
    char *cursor = body + edges_size + steps_size;
    for (size_t i = 0; i < nedges; i++) {
        edges[i] = p->edges.v[i];
        edges[i].dst = sv_copy(edges[i].dst, &cursor);
        edges[i].src = sv_copy(edges[i].src, &cursor);
    }
    for (size_t i = 0; i < nsteps; i++) {
        steps[i] = p->steps.v[i];
        steps[i].what = sv_copy(steps[i].what, &cursor);
        steps[i].why = sv_copy(steps[i].why, &cursor);
    }
    /* The scratch vectors may point into the old body; copy before freeing it. */
    free(b->body);
    b->body = body;
    b->edges = nedges ? edges : NULL;
    b->steps = nsteps ? steps : NULL;
    b->nedges = nedges;
}

void ge__block_pin_open(struct ge_parser *p)
{
    if (p->open_block < 0)
        return;
    struct pblock *b = &p->blocks.v[p->open_block];
    ge__block_store(p, b);
    /* Later lines of the block extend the scratch vectors, which now point at the body. */
    if (b->nedges > 0)
        memcpy(p->edges.v, b->edges, b->nedges * sizeof(struct raw_edge));
    if (p->steps.n > 0)
        memcpy(p->steps.v, b->steps, p->steps.n * sizeof(struct raw_step));
}

void ge__block_release(struct pblock *b)
{
    free(b->body);
    b->body = NULL;
    b->edges = NULL;
    b->steps = NULL;
    b->nedges = 0;
}
