/*
 * Capped growable buffers. Growth doubles the allocation so appends are amortised O(1), and
 * every growth is checked against the buffer's own cap before any memory is touched.
 */
#include "goescape/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ge_buf_init(struct ge_buf *b, size_t max)
{
    *b = (struct ge_buf){.data = NULL, .len = 0, .cap = 0, .max = max};
}

void ge_buf_free(struct ge_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int ge_buf_reserve(struct ge_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return -ENOBUFS;
    size_t need = b->len + extra;
    if (need <= b->cap && b->data != NULL)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max)
        cap = b->max;
    b->data = ge_xrealloc(b->data, cap + 1);
    b->cap = cap;
    b->data[b->len] = '\0';
    return 0;
}

int ge_buf_append(struct ge_buf *b, const void *p, size_t n)
{
    int rc = ge_buf_reserve(b, n);
    if (rc != 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ge_buf_appends(struct ge_buf *b, const char *s)
{
    return ge_buf_append(b, s, strlen(s));
}

int ge_buf_printf(struct ge_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    int rc = ge_buf_reserve(b, (size_t)n);
    if (rc != 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int ge_buf_splice(struct ge_buf *b, size_t off, size_t old_len, const void *p, size_t n)
{
    if (off > b->len || old_len > b->len - off)
        return -ERANGE;
    if (n > old_len) {
        int rc = ge_buf_reserve(b, n - old_len);
        if (rc != 0)
            return rc;
    } else if (b->data == NULL) {
        int rc = ge_buf_reserve(b, 0);
        if (rc != 0)
            return rc;
    }
    size_t tail = b->len - off - old_len;
    memmove(b->data + off + n, b->data + off + old_len, tail);
    if (n > 0)
        memcpy(b->data + off, p, n);
    b->len = b->len - old_len + n;
    b->data[b->len] = '\0';
    return 0;
}

void ge_buf_consume(struct ge_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data != NULL)
        b->data[b->len] = '\0';
}

void ge_buf_reset(struct ge_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

char *ge_buf_steal(struct ge_buf *b, size_t *len_out)
{
    char *p = b->data;
    if (len_out != NULL)
        *len_out = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
