/*
 * Shared basics for every goescape module: the version, allocation helpers that abort on
 * out-of-memory, the position encoding enum and a few macros. Nothing here touches libuv,
 * so protocol/ and analysis/ can include it.
 *
 * Error convention (all modules): a function that can fail returns int, 0 on success or a
 * negative errno value (equal to libuv's UV_E* codes on Unix). A function that cannot fail
 * returns void. Memory exhaustion is not an error that callers handle: the ge_x* helpers abort.
 */
#ifndef GOESCAPE_COMMON_H
#define GOESCAPE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define GE_VERSION "0.1.0"

#define GE_ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define ge_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* How LSP positions count characters within a line, as negotiated in initialize. */
enum ge_encoding {
    GE_ENC_UTF16 = 0, /* UTF-16 code units: the LSP default */
    GE_ENC_UTF8 = 1,  /* bytes */
};

/* Allocation helpers. They never return NULL: on exhaustion they print to stderr and abort.
 * Every returned pointer is new and owned by the caller, freed with free(). */
void *ge_xmalloc(size_t n);
void *ge_xcalloc(size_t count, size_t n);
void *ge_xrealloc(void *p, size_t n);
char *ge_xstrdup(const char *s);
/* Copies n bytes and adds a NUL terminator. */
char *ge_xstrndup(const char *s, size_t n);
/* Formats into a new string. */
char *ge_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
