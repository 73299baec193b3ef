/*
 * Open-addressing hash table with FNV-1a hashing. Deletion leaves tombstones, which a rehash
 * clears when they and the live entries fill three quarters of the table.
 */
#include "strmap.h"

#include "goescape/common.h"

#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void ge_strmap_init(struct ge_strmap *m)
{
    *m = (struct ge_strmap){0};
}

void ge_strmap_free(struct ge_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    *m = (struct ge_strmap){0};
}

static struct ge_strmap_slot *find(const struct ge_strmap *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct ge_strmap_slot *s = &m->slots[i];
        if (s->key == NULL && !s->tomb)
            return NULL;
        if (s->key != NULL && strcmp(s->key, key) == 0)
            return s;
    }
}

static void rehash(struct ge_strmap *m, size_t cap)
{
    struct ge_strmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = ge_xcalloc(cap, sizeof *m->slots);
    m->cap = cap;
    m->used = m->count;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key == NULL)
            continue;
        size_t j = hash(old[i].key) & (cap - 1);
        while (m->slots[j].key != NULL)
            j = (j + 1) & (cap - 1);
        m->slots[j] = (struct ge_strmap_slot){.key = old[i].key, .value = old[i].value};
    }
    free(old);
}

void *ge_strmap_get(const struct ge_strmap *m, const char *key)
{
    struct ge_strmap_slot *s = find(m, key);
    return s ? s->value : NULL;
}

void *ge_strmap_put(struct ge_strmap *m, const char *key, void *value)
{
    struct ge_strmap_slot *s = find(m, key);
    if (s != NULL) {
        void *prev = s->value;
        s->value = value;
        return prev;
    }
    if ((m->used + 1) * 4 > m->cap * 3)
        rehash(m, m->cap ? (m->count * 2 + 2 > m->cap ? m->cap * 2 : m->cap) : 16);
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key != NULL)
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i].tomb)
        m->used++;
    m->slots[i] = (struct ge_strmap_slot){.key = ge_xstrdup(key), .value = value};
    m->count++;
    return NULL;
}

void *ge_strmap_del(struct ge_strmap *m, const char *key)
{
    struct ge_strmap_slot *s = find(m, key);
    if (s == NULL)
        return NULL;
    void *prev = s->value;
    free(s->key);
    *s = (struct ge_strmap_slot){.tomb = 1};
    m->count--;
    return prev;
}

int ge_strmap_next(const struct ge_strmap *m, size_t *iter, const char **key, void **value)
{
    for (; *iter < m->cap; (*iter)++) {
        struct ge_strmap_slot *s = &m->slots[*iter];
        if (s->key != NULL) {
            *key = s->key;
            *value = s->value;
            (*iter)++;
            return 1;
        }
    }
    return 0;
}
