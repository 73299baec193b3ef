/*
 * A string-keyed hash table (open addressing, linear probing) for the server's tables:
 * documents by URI, packages by directory. Keys are copied; values are borrowed pointers the
 * caller owns.
 */
#ifndef GE_SERVER_STRMAP_H
#define GE_SERVER_STRMAP_H

#include <stddef.h>

struct ge_strmap_slot {
    char *key; /* owned; NULL for an empty slot */
    void *value;
    int tomb;
};

struct ge_strmap {
    struct ge_strmap_slot *slots;
    size_t cap;   /* power of two, or 0 */
    size_t count; /* live entries */
    size_t used;  /* live entries plus tombstones */
};

void ge_strmap_init(struct ge_strmap *m);
/* Frees the keys and slots; values are the caller's. */
void ge_strmap_free(struct ge_strmap *m);
void *ge_strmap_get(const struct ge_strmap *m, const char *key);
/* Inserts or replaces; returns the previous value or NULL. key is borrowed (copied). */
void *ge_strmap_put(struct ge_strmap *m, const char *key, void *value);
/* Removes key and returns its value, or NULL. */
void *ge_strmap_del(struct ge_strmap *m, const char *key);

/* Iteration: for (size_t i = 0; ge_strmap_next(m, &i, &k, &v);) visits every entry once.
 * The table must not be modified during the walk except through ge_strmap_del of the
 * current key. */
int ge_strmap_next(const struct ge_strmap *m, size_t *iter, const char **key, void **value);

#endif
