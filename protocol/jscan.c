/*
 * JSON seen as bytes (see jscan.h). Strings are skipped with memchr to the next quote and a
 * count of the backslashes in front of it, since most bytes of an LSP answer are inside
 * strings: a completion list of megabytes is walked at the speed of memchr.
 */
#include "goescape/jscan.h"

#include <errno.h>
#include <string.h>

const char *ge_jscan_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

const char *ge_jscan_string(const char *p, const char *end)
{
    const char *from = p + 1;
    while (from < end) {
        const char *q = memchr(from, '"', (size_t)(end - from));
        if (q == NULL)
            return NULL;
        /* The quote is escaped when an odd number of backslashes stands before it. A run of
         * them cannot start before from: from follows the opening quote or an escaped one. */
        size_t n = 0;
        while (q - n > from && q[-1 - (ptrdiff_t)n] == '\\')
            n++;
        if (n % 2 == 0)
            return q + 1;
        from = q + 1;
    }
    return NULL;
}

/* True for the bytes that end a number, true, false or null: what may follow a value. */
static bool ends_scalar(char c)
{
    switch (c) {
    case ',':
    case '}':
    case ']':
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return true;
    default:
        return false;
    }
}

const char *ge_jscan_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return ge_jscan_string(p, end);
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        while (p < end) {
            char ch = *p;
            if (ch == '"') {
                p = ge_jscan_string(p, end);
                if (p == NULL)
                    return NULL;
                continue;
            }
            if (ch == '{' || ch == '[') {
                depth++;
            } else if (ch == '}' || ch == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return NULL;
    }
    const char *start = p;
    while (p < end && !ends_scalar(*p))
        p++;
    return p > start ? p : NULL;
}

int ge_jscan_object(struct ge_jscan_obj *it, const char *p, const char *end)
{
    p = ge_jscan_ws(p, end);
    if (p >= end || *p != '{')
        return -EBADMSG;
    *it = (struct ge_jscan_obj){.p = p + 1, .end = end, .first = true};
    return 0;
}

int ge_jscan_next(struct ge_jscan_obj *it, struct ge_jscan_member *m)
{
    const char *p = ge_jscan_ws(it->p, it->end), *end = it->end;
    if (p < end && *p == '}') {
        it->p = p + 1;
        return 0;
    }
    if (!it->first) {
        if (p >= end || *p != ',')
            return -EBADMSG;
        p = ge_jscan_ws(p + 1, end);
    }
    if (p >= end || *p != '"')
        return -EBADMSG;
    const char *key = p + 1;
    p = ge_jscan_string(p, end);
    if (p == NULL)
        return -EBADMSG;
    m->key = key;
    m->key_len = (size_t)(p - 1 - key);
    m->key_escaped = memchr(key, '\\', m->key_len) != NULL;
    p = ge_jscan_ws(p, end);
    if (p >= end || *p != ':')
        return -EBADMSG;
    m->value = ge_jscan_ws(p + 1, end);
    m->value_end = ge_jscan_value(m->value, end);
    if (m->value_end == NULL)
        return -EBADMSG;
    it->p = m->value_end;
    it->first = false;
    return 1;
}

bool ge_jscan_key_is(const struct ge_jscan_member *m, const char *want)
{
    return !m->key_escaped && m->key_len == strlen(want) && memcmp(m->key, want, m->key_len) == 0;
}

/* The escape of byte c, or NULL when it stands as itself. Control characters without a short
 * form take \u00XX, as jansson writes them. */
static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        return NULL;
    }
}

size_t ge_jscan_escaped_len(const char *s, size_t n)
{
    size_t out = n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (short_escape(c) != NULL)
            out += 1;
        else if (c < 0x20)
            out += 5;
    }
    return out;
}

char *ge_jscan_escape(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = short_escape(c);
        if (e != NULL) {
            *out++ = e[0];
            *out++ = e[1];
        } else if (c < 0x20) {
            memcpy(out, "\\u00", 4);
            out[4] = hex[c >> 4];
            out[5] = hex[c & 15];
            out += 6;
        } else {
            *out++ = (char)c;
        }
    }
    return out;
}
