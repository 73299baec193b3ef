/*
 * Reading whole files into memory with a size cap. Used on the loop for small files (overlay
 * checks) and on the thread pool for the package's sources; it touches no server state.
 */
#ifndef GE_SERVER_FILEIO_H
#define GE_SERVER_FILEIO_H

#include <stddef.h>

/* Reads path into a new NUL-terminated buffer of at most max bytes. Returns NULL (with errno
 * set: ENOBUFS past the cap) when the file cannot be read whole. */
char *ge_file_read(const char *path, size_t max, size_t *len);

#endif
