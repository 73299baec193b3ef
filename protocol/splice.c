/*
 * The hover splice (see splice.h). The shape is checked on the way down, member by member;
 * anything unexpected sends the caller back to decoding and merging, which handles every
 * shape gopls or another server may send.
 */
#include "goescape/splice.h"

#include "goescape/frame.h"
#include "goescape/jscan.h"

#include <errno.h>
#include <string.h>

/* A key looked for in an object, and what was found. */
struct want {
    const char *key;
    const char *v, *v_end;
    bool seen;
};

/* Walks the object at p, recording the value of each member named in w; *after (may be
 * NULL) is what follows the object. A key written with escapes, a wanted key twice, or (when
 * only is set) any other key is refused: -EBADMSG. */
static int walk(const char *p, const char *end, struct want *w, size_t nw, bool only,
                const char **after)
{
    struct ge_jscan_obj it = {.p = p, .end = end};
    struct ge_jscan_member m;
    int rc = ge_jscan_object(&it, p, end);
    while (rc == 0 && (rc = ge_jscan_next(&it, &m)) == 1) {
        rc = m.key_escaped ? -EBADMSG : only ? -EBADMSG : 0;
        for (size_t i = 0; i < nw && !m.key_escaped; i++) {
            if (!ge_jscan_key_is(&m, w[i].key))
                continue;
            rc = w[i].seen ? -EBADMSG : 0;
            w[i] = (struct want){.key = w[i].key, .v = m.value, .v_end = m.value_end, .seen = true};
        }
    }
    if (after != NULL)
        *after = it.p;
    return rc;
}

/* The offset in body of the closing quote of result.contents.value, or -EBADMSG. */
static int value_end(const char *body, size_t len, size_t *at)
{
    const char *end = body + len;
    /* A response with an error too, or a request, is not one this handles. */
    struct want top[] = {{.key = "result"}, {.key = "error"}, {.key = "method"}};
    const char *after = NULL;
    if (walk(body, end, top, 3, false, &after) != 0 || ge_jscan_ws(after, end) != end ||
        !top[0].seen || top[1].seen || top[2].seen)
        return -EBADMSG;
    struct want result[] = {{.key = "contents"}};
    if (walk(top[0].v, top[0].v_end, result, 1, false, NULL) != 0 || !result[0].seen)
        return -EBADMSG;
    struct want mc[] = {{.key = "kind"}, {.key = "value"}};
    if (walk(result[0].v, result[0].v_end, mc, 2, true, NULL) != 0 || !mc[0].seen || !mc[1].seen)
        return -EBADMSG;
    if (mc[0].v_end - mc[0].v != 10 || memcmp(mc[0].v, "\"markdown\"", 10) != 0 || *mc[1].v != '"')
        return -EBADMSG;
    *at = (size_t)(mc[1].v_end - 1 - body);
    return 0;
}

int ge_splice_hover(const char *body, size_t len, const char *section, size_t n, struct ge_buf *out)
{
    size_t at = 0;
    if (value_end(body, len, &at) != 0)
        return -EBADMSG;
    const size_t rule_len = sizeof GE_SPLICE_RULE - 1;
    size_t add = ge_jscan_escaped_len(GE_SPLICE_RULE, rule_len) + ge_jscan_escaped_len(section, n);
    char head[GE_FRAME_HEADER_OUT_MAX];
    size_t hn = ge_frame_header(head, len + add);
    int rc = ge_buf_reserve(out, hn + len + add);
    if (rc != 0)
        return rc;
    char *w = out->data + out->len;
    memcpy(w, head, hn);
    w += hn;
    memcpy(w, body, at);
    w += at;
    w = ge_jscan_escape(w, GE_SPLICE_RULE, rule_len);
    w = ge_jscan_escape(w, section, n);
    memcpy(w, body + at, len - at);
    w += len - at;
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    return 0;
}
