/*
 * Reading whole files into memory with a size cap. Used on the loop for small files (overlay
 * checks) and on the thread pool for the package's sources; it touches no server state.
 */
#ifndef GE_SERVER_FILEIO_H
#define GE_SERVER_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

/* Reads path into a new NUL-terminated buffer of at most max bytes. Returns NULL (with errno
 * set: ENOBUFS past the cap) when the file cannot be read whole. */
char *ge_file_read(const char *path, size_t max, size_t *len);

/* True when the file at path holds exactly the len bytes of text (borrowed). False when it
 * differs or cannot be read. */
bool ge_file_holds(const char *path, const char *text, size_t len);

#endif
