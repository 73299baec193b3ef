/*
 * A look at the top level of a JSON-RPC message without decoding it: the id, the method and
 * whether it has a result or an error. gopls's answers are relayed as the bytes that came in,
 * so a completion list of megabytes is walked once by the scanner of jscan.h instead of being
 * built as a tree and thrown away. Pure: no libuv, no globals.
 */
#include "companion/companion.h"

#include "goescape/jscan.h"

#include <errno.h>
#include <string.h>

static bool key_is(const char *key, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(key, want, n) == 0;
}

/* The id written at [v, e) (new), or NULL when it is not an integer or a string. An integer
 * of up to 18 digits, the id every client uses, is read here without jansson's parser. */
static json_t *read_id(const char *v, const char *e)
{
    const char *d = v + (*v == '-');
    size_t nd = (size_t)(e - d);
    bool plain = nd >= 1 && nd <= 18 && (nd == 1 || *d != '0');
    json_int_t x = 0;
    for (const char *q = d; plain && q < e; q++) {
        plain = *q >= '0' && *q <= '9';
        x = x * 10 + (*q - '0');
    }
    if (plain)
        return json_integer(*v == '-' ? -x : x);
    if (*v != '"' && *v != '-' && (*v < '0' || *v > '9'))
        return NULL;
    json_t *id = json_loadb(v, (size_t)(e - v), JSON_DECODE_ANY, NULL);
    if (id != NULL && !json_is_string(id) && !json_is_integer(id)) {
        json_decref(id);
        id = NULL;
    }
    return id;
}

/* Records the value [v, e) of the top-level key [key, key + n). */
static void note(struct ge_companion_peek *out, const char *key, size_t n, const char *v,
                 const char *e)
{
    if (key_is(key, n, "id")) {
        json_decref(out->id);
        out->id = read_id(v, e);
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
    const char *end = body + len;
    struct ge_jscan_obj it;
    struct ge_jscan_member m;
    int rc = ge_jscan_object(&it, body, end);
    while (rc == 0 && (rc = ge_jscan_next(&it, &m)) == 1) {
        /* A key written with an escape is left to the decoder, which reads it right. */
        rc = m.key_escaped ? -EBADMSG : 0;
        if (rc == 0)
            note(out, m.key, m.key_len, m.value, m.value_end);
    }
    if (rc == 0 && ge_jscan_ws(it.p, end) == end)
        return 0;
    json_decref(out->id);
    *out = (struct ge_companion_peek){0};
    return -EBADMSG;
}
