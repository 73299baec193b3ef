/*
 * A byte-level look at JSON text without decoding it: whitespace, strings and whole values
 * are skipped, and an object's members are walked one by one. Only brackets and strings are
 * checked, not the bytes of scalars, so a caller uses it to find where things are in a
 * message that it then relays as it came, and decodes the message in full when the look
 * fails. Companion mode reads gopls's answers with it (server/companion/companion_peek.c)
 * and splices goescape's hover section into them (protocol/splice.c). Pure: no libuv, no
 * globals.
 */
#ifndef GOESCAPE_JSCAN_H
#define GOESCAPE_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Returns the first byte at or after p that is not JSON whitespace (end when none is). */
const char *ge_jscan_ws(const char *p, const char *end);
/* p is at an opening quote: returns what follows the closing one, or NULL when the string
 * does not end before end. */
const char *ge_jscan_string(const char *p, const char *end);
/* Returns what follows the value at p, or NULL when it does not end inside [p, end). */
const char *ge_jscan_value(const char *p, const char *end);

/* One member of an object: the key's bytes between its quotes, and the value's bytes. All
 * borrowed from the text walked. */
struct ge_jscan_member {
    const char *key;
    size_t key_len;
    bool key_escaped; /* the key has a backslash in it: its bytes are not its name */
    const char *value;
    const char *value_end;
};

/* A walk over an object's members. */
struct ge_jscan_obj {
    const char *p;
    const char *end;
    bool first;
};

/* Starts a walk over the object at p (after any whitespace). Returns 0, or -EBADMSG when p
 * is not at '{'. */
int ge_jscan_object(struct ge_jscan_obj *it, const char *p, const char *end);
/* The next member into m: returns 1, 0 when the object ended (it->p is then just past its
 * '}'), or -EBADMSG when the text is not an object's members. */
int ge_jscan_next(struct ge_jscan_obj *it, struct ge_jscan_member *m);
/* True when the member's key is want (NUL-terminated), written without escapes. */
bool ge_jscan_key_is(const struct ge_jscan_member *m, const char *want);

/* The length of the n bytes of s (UTF-8) written as the inside of a JSON string. */
size_t ge_jscan_escaped_len(const char *s, size_t n);
/* Writes them so into out, which has room for ge_jscan_escaped_len(s, n) bytes; returns
 * what follows the last byte written. */
char *ge_jscan_escape(char *out, const char *s, size_t n);

#endif
