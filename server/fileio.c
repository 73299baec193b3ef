/*
 * Whole-file reads through a capped buffer.
 */
#include "fileio.h"

#include "goescape/buf.h"

#include <errno.h>
#include <stdio.h>

char *ge_file_read(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct ge_buf b;
    ge_buf_init(&b, max);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = ge_buf_append(&b, chunk, n);
    if (rc == 0 && ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc == 0)
        rc = ge_buf_reserve(&b, 0);
    if (rc != 0) {
        ge_buf_free(&b);
        errno = -rc;
        return NULL;
    }
    return ge_buf_steal(&b, len);
}
