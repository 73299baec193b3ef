/*
 * A look at the top level of a JSON-RPC message without decoding it: the id, the method and
 * whether it has a result or an error. gopls's answers are relayed as the bytes that came in,
 * so a completion list of megabytes is walked once, at the speed of a byte loop, instead of
 * being built as a tree and thrown away. Pure: no libuv, no globals.
 */
#include "companion/companion.h"

#include <errno.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* p is at an opening quote: returns what follows the closing one, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Returns what follows the value at p, or NULL when it does not end inside [p, end). Only the
 * brackets and strings are checked: the bytes of a scalar are not. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        while (p < end) {
            char ch = *p;
            if (ch == '"') {
                p = skip_string(p, end);
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
    while (p < end && strchr(",}] \t\r\n", *p) == NULL)
        p++;
    return p > start ? p : NULL;
}

static bool key_is(const char *key, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(key, want, n) == 0;
}

/* Records the value [v, e) of the top-level key [key, key + n). */
static void note(struct ge_companion_peek *out, const char *key, size_t n, const char *v,
                 const char *e)
{
    if (key_is(key, n, "id")) {
        json_decref(out->id);
        out->id = NULL;
        if (*v == '"' || *v == '-' || (*v >= '0' && *v <= '9'))
            out->id = json_loadb(v, (size_t)(e - v), JSON_DECODE_ANY, NULL);
        if (out->id != NULL && !json_is_string(out->id) && !json_is_integer(out->id)) {
            json_decref(out->id);
            out->id = NULL;
        }
    } else if (key_is(key, n, "method")) {
        out->has_method = true;
        /* A name with an escape in it is left to the decoder. */
        bool plain = *v == '"' && e - v >= 2 && memchr(v, '\\', (size_t)(e - v)) == NULL;
        out->method = plain ? v + 1 : NULL;
        out->method_len = plain ? (size_t)(e - v - 2) : 0;
    } else if (key_is(key, n, "result")) {
        out->has_result = true;
    } else if (key_is(key, n, "error")) {
        out->has_error = true;
    }
}

int ge_companion_peek(const char *body, size_t len, struct ge_companion_peek *out)
{
    *out = (struct ge_companion_peek){0};
    const char *p = skip_ws(body, body + len), *end = body + len;
    if (p >= end || *p != '{')
        return -EBADMSG;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        p++;
    else {
        for (;;) {
            if (p >= end || *p != '"')
                goto bad;
            const char *key = p + 1;
            p = skip_string(p, end);
            if (p == NULL)
                goto bad;
            size_t n = (size_t)(p - 1 - key);
            /* A key written with an escape is left to the decoder, which reads it right. */
            if (memchr(key, '\\', n) != NULL)
                goto bad;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                goto bad;
            const char *v = skip_ws(p + 1, end);
            p = skip_value(v, end);
            if (p == NULL)
                goto bad;
            note(out, key, n, v, p);
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            goto bad;
        }
    }
    if (skip_ws(p, end) != end)
        goto bad;
    return 0;
bad:
    json_decref(out->id);
    *out = (struct ge_companion_peek){0};
    return -EBADMSG;
}
