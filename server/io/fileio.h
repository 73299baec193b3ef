/*
 * Reading whole files into memory with a size cap, and the texts that are shared between the
 * loop and the thread pool. Used on the loop for small files (overlay checks) and on the
 * thread pool for the package's sources; it touches no server state.
 */
#ifndef GE_SERVER_FILEIO_H
#define GE_SERVER_FILEIO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Reads path into a new NUL-terminated buffer of at most max bytes. Returns NULL (with errno
 * set: ENOBUFS past the cap) when the file cannot be read whole. */
char *ge_file_read(const char *path, size_t max, size_t *len);

/* True when the file at path holds exactly the len bytes of text (borrowed). False when it
 * differs or cannot be read. Compares as it reads, without a copy of the file. */
bool ge_file_holds(const char *path, const char *text, size_t len);

/*
 * An immutable text with a reference count, so a file's disk text can be held by its file
 * record and by an analysis on the thread pool at once, and a text that did not change
 * between two analyses is kept once. References may be taken and dropped on any thread.
 */
struct ge_blob {
    atomic_uint refs;
    size_t len;
    char data[]; /* len bytes and a NUL */
};

/* A copy of text[0..len) with one reference. Never NULL. */
struct ge_blob *ge_blob_new(const char *text, size_t len);
/* The file at path, as ge_file_read; NULL with errno set when it cannot be read whole. */
struct ge_blob *ge_blob_read(const char *path, size_t max);
/* Takes another reference; b may be NULL. Returns b. */
struct ge_blob *ge_blob_ref(struct ge_blob *b);
/* Drops a reference, freeing the text with the last; b may be NULL. */
void ge_blob_unref(struct ge_blob *b);

#endif
