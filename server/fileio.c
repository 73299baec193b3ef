/*
 * Whole-file reads with a size cap. The buffer is sized from fstat, so a file's text costs
 * its length plus one byte; a file that grows while it is read is still read whole, up to the
 * cap.
 */
#include "fileio.h"

#include "goescape/common.h"
#include "goescape/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *ge_file_read(const char *path, size_t max, size_t *len)
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
    char *data = ge_xmalloc(cap + 1);
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
            data = ge_xrealloc(data, cap + 1);
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
        free(data);
        errno = -rc;
        return NULL;
    }
    if (n + 64 < cap)
        data = ge_xrealloc(data, n + 1);
    data[n] = '\0';
    *len = n;
    return data;
}

bool ge_file_holds(const char *path, const char *text, size_t len)
{
    size_t disk_len = 0;
    char *disk = ge_file_read(path, GE_TEXT_MAX, &disk_len);
    bool same = disk != NULL && disk_len == len && (len == 0 || memcmp(disk, text, len) == 0);
    free(disk);
    return same;
}
