/*
 * A growable byte buffer with a hard size cap, in the spirit of curl's dynbuf. Every buffer
 * that is fed from outside the process (frame bodies, child output, document text) is one of
 * these, so a hostile or runaway producer meets a clear -ENOBUFS instead of unbounded growth.
 * The data is always NUL-terminated one byte past len when data is not NULL.
 */
#ifndef GOESCAPE_BUF_H
#define GOESCAPE_BUF_H

#include "goescape/common.h"

struct ge_buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated, excluding the terminator */
    size_t max; /* hard cap on len */
};

/* Prepares an empty buffer that will never hold more than max bytes. Allocates nothing. */
void ge_buf_init(struct ge_buf *b, size_t max);
/* Releases the storage; the buffer is empty and reusable afterwards. */
void ge_buf_free(struct ge_buf *b);
/* Makes room for extra more bytes. Returns 0, or -ENOBUFS when len + extra would pass max. */
int ge_buf_reserve(struct ge_buf *b, size_t extra);
/* Appends n bytes from p (borrowed). Returns 0 or -ENOBUFS; on error nothing is appended. */
int ge_buf_append(struct ge_buf *b, const void *p, size_t n);
int ge_buf_appends(struct ge_buf *b, const char *s);
int ge_buf_printf(struct ge_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces bytes [off, off + old_len) with n bytes from p. Returns 0, -ERANGE when the span
 * is outside the buffer, or -ENOBUFS past the cap (the buffer is then unchanged). */
int ge_buf_splice(struct ge_buf *b, size_t off, size_t old_len, const void *p, size_t n);
/* Drops the first n bytes (all of them when n >= len), moving the rest to the front. */
void ge_buf_consume(struct ge_buf *b, size_t n);
/* Sets len to 0 and keeps the storage. */
void ge_buf_reset(struct ge_buf *b);
/* Hands the storage to the caller (new, NUL-terminated, may be NULL when empty) and leaves
 * the buffer empty. */
char *ge_buf_steal(struct ge_buf *b, size_t *len_out);

#endif
