/*
 * Storage of findings. A big package has tens of thousands of findings whose strings repeat:
 * every finding of a file names that file, and one call or return explains many values. So
 * neighbouring findings of one file (ge_findings_build pools them 256 at a time) share one
 * allocation, a pool, holding each distinct string once and all their steps; the pool starts
 * with the file's path, which the findings and their steps in that file point to.
 */
#include "explain_internal.h"
#include "hash.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* One distinct string: where it came from (borrowed from a loose finding) and where it goes. */
struct pool_str {
    const char *s;
    size_t len;
    size_t off; /* in the pool */
    uint32_t hash;
};

/* Open addressing over the distinct strings; slots hold index + 1, 0 is empty. */
struct pool_tab {
    uint32_t *slots;
    size_t mask;
    struct pool_str *strs;
    size_t n;
    size_t bytes; /* string bytes so far, after the path */
};

/* Returns the distinct string equal to s, adding it when new. s is not NULL. */
static struct pool_str *intern(struct pool_tab *t, const char *s)
{
    size_t len = strlen(s);
    uint32_t h = ge__hash_bytes(GE_HASH_SEED, s, len);
    size_t i = h & t->mask;
    for (; t->slots[i] != 0; i = (i + 1) & t->mask) {
        struct pool_str *e = &t->strs[t->slots[i] - 1];
        if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
            return e;
    }
    struct pool_str *e = &t->strs[t->n];
    *e = (struct pool_str){.s = s, .len = len, .off = t->bytes, .hash = h};
    t->slots[i] = (uint32_t)++t->n;
    t->bytes += len + 1;
    return e;
}

/* Every string field of f, in one order for counting and for placing. */
#define FOR_EACH_STR(f, DO)                                                                        \
    do {                                                                                           \
        DO((f)->subject);                                                                          \
        DO((f)->cause);                                                                            \
        DO((f)->message);                                                                          \
        DO((f)->func);                                                                             \
        for (uint32_t k_ = 0; k_ < (f)->nsteps; k_++) {                                            \
            DO((f)->steps[k_].message);                                                            \
            DO((f)->steps[k_].path);                                                               \
        }                                                                                          \
    } while (0)

void *ge_finding_pool_new(struct ge_finding *items, size_t n)
{
    if (n == 0)
        return NULL;
    size_t nstr = 0, nsteps = 0;
#define COUNT(x) nstr += (x) != NULL
    for (size_t i = 0; i < n; i++) {
        /* Most messages are the subject and the cause again; those are made when needed. */
        if (ge__message_derivable(&items[i])) {
            free(items[i].message);
            items[i].message = NULL;
        }
        FOR_EACH_STR(&items[i], COUNT);
        nsteps += items[i].nsteps;
    }
#undef COUNT
    size_t cap = 16;
    while (cap < 2 * (nstr + 1))
        cap *= 2;
    struct pool_tab t = {
        .slots = ge_xcalloc(cap, sizeof(uint32_t)),
        .mask = cap - 1,
        .strs = ge_xmalloc((nstr + 1) * sizeof(struct pool_str)),
    };
    /* The path comes first, so the pool names its file; steps in that file share it. */
    const char *path = items[0].path != NULL ? items[0].path : "";
    intern(&t, path);
#define ADD(x)                                                                                     \
    if ((x) != NULL)                                                                               \
    intern(&t, (x))
    for (size_t i = 0; i < n; i++)
        FOR_EACH_STR(&items[i], ADD);
#undef ADD
    const size_t align = alignof(struct ge_flow_step);
    size_t head = (t.strs[0].len + 1 + align - 1) / align * align;
    size_t steps_size = nsteps * sizeof(struct ge_flow_step);
    char *pool = ge_xmalloc(head + steps_size + (t.bytes - t.strs[0].len - 1));
    char *strings = pool + head + steps_size - (t.strs[0].len + 1);
    /* From here on the table leads to the pool's copies, so loose strings can go early. */
    t.strs[0].s = memcpy(pool, path, t.strs[0].len + 1);
    for (size_t i = 1; i < t.n; i++)
        t.strs[i].s = memcpy(strings + t.strs[i].off, t.strs[i].s, t.strs[i].len + 1);
    struct ge_flow_step *steps = (struct ge_flow_step *)(void *)(pool + head);
#define PLACE(x)                                                                                   \
    if ((x) != NULL)                                                                               \
    (x) = (char *)intern(&t, (x))->s
    for (size_t i = 0; i < n; i++) {
        struct ge_finding loose = items[i];
        struct ge_finding *f = &items[i];
        f->path = pool;
        if (f->nsteps > 0) {
            memcpy(steps, loose.steps, f->nsteps * sizeof *steps);
            f->steps = steps;
            steps += f->nsteps;
        } else {
            f->steps = NULL;
        }
        FOR_EACH_STR(f, PLACE);
        /* Every pointer of f now leads into the pool; the loose strings go. */
        ge_finding_free(&loose);
        f->pooled = true;
    }
#undef PLACE
    free(t.slots);
    free(t.strs);
    return pool;
}

void ge_finding_free(struct ge_finding *f)
{
    if (f == NULL)
        return;
    if (!f->pooled) {
        free(f->path);
        free(f->subject);
        free(f->cause);
        free(f->message);
        free(f->func);
        for (uint32_t i = 0; i < f->nsteps; i++) {
            free(f->steps[i].message);
            free(f->steps[i].path);
        }
        free(f->steps);
    }
    *f = (struct ge_finding){.escape_step = -1};
}

void ge_finding_set_free(struct ge_finding_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++)
        ge_finding_free(&s->items[i]);
    for (size_t i = 0; i < s->npools; i++)
        free(s->pools[i]);
    free(s->items);
    free(s->pools);
    *s = (struct ge_finding_set){0};
}
