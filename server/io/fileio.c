/*
 * Whole-file reads with a size cap. The buffer is sized from fstat, so a file's text costs
 * its length plus one byte; a file that grows while it is read is still read whole, up to the
 * cap. Blobs are the same reads behind a reference count.
 */
#include "io/fileio.h"

#include "goescape/common.h"
#include "goescape/text.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Reads path into a new buffer with head spare bytes before the text; see ge_file_read. */
static char *read_after(const char *path, size_t max, size_t head, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    size_t cap = 4096;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size;
    if (cap > max)
        cap = max;
    char *base = ge_xmalloc(head + cap + 1);
    char *data = base + head;
    size_t n = 0;
    int rc = 0;
    for (;;) {
        if (n == cap) {
            /* Past the expected size: one more byte tells a full buffer from a longer file. */
            int c = getc(f);
            if (c == EOF)
                break;
            if (cap == max) {
                rc = -ENOBUFS;
                break;
            }
            cap = cap > max / 2 ? max : cap * 2;
            base = ge_xrealloc(base, head + cap + 1);
            data = base + head;
            data[n++] = (char)c;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    if (rc == 0 && ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc != 0) {
        free(base);
        errno = -rc;
        return NULL;
    }
    if (n + 64 < cap) {
        base = ge_xrealloc(base, head + n + 1);
        data = base + head;
    }
    data[n] = '\0';
    *len = n;
    return base;
}

char *ge_file_read(const char *path, size_t max, size_t *len)
{
    return read_after(path, max, 0, len);
}

bool ge_file_holds(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    struct stat st;
    bool same = fstat(fileno(f), &st) == 0 && (!S_ISREG(st.st_mode) || (size_t)st.st_size == len);
    char chunk[16384];
    size_t off = 0;
    while (same) {
        size_t got = fread(chunk, 1, sizeof chunk, f);
        if (got == 0) {
            same = off == len && !ferror(f);
            break;
        }
        same = got <= len - off && memcmp(chunk, text + off, got) == 0;
        off += got;
    }
    fclose(f);
    return same;
}

struct ge_blob *ge_blob_new(const char *text, size_t len)
{
    struct ge_blob *b = ge_xmalloc(offsetof(struct ge_blob, data) + len + 1);
    atomic_init(&b->refs, 1);
    b->len = len;
    if (len > 0)
        memcpy(b->data, text, len);
    b->data[len] = '\0';
    return b;
}

struct ge_blob *ge_blob_read(const char *path, size_t max)
{
    size_t len = 0;
    struct ge_blob *b =
        (struct ge_blob *)(void *)read_after(path, max, offsetof(struct ge_blob, data), &len);
    if (b == NULL)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    return b;
}

struct ge_blob *ge_blob_ref(struct ge_blob *b)
{
    if (b != NULL)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void ge_blob_unref(struct ge_blob *b)
{
    if (b != NULL && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}
