/*
 * The diagnostics of companion mode: for each URI, the latest list from gopls and the latest
 * from goescape, and the union of both sent to the client whenever either changes. Each list
 * is kept as the compact JSON text of its items, not as a tree: a tree takes several times the
 * memory, and the union is then written as pieces of text around the two lists.
 */
#include "companion/companion.h"

#include "io/log.h"
#include "io/transport.h"
#include "strmap.h"
#include "goescape/common.h"
#include "goescape/rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct diag_list {
    char *text; /* owned: the items without the brackets, or NULL before the side published */
    size_t len;
};

struct diag_pair {
    struct diag_list gopls;
    struct diag_list ours; /* kept only where keep said so; else text is NULL */
    json_int_t version;    /* of the newest list, when it carried one */
    bool has_version;
    bool ours_shown; /* goescape's latest list is not empty */
    unsigned sent;   /* unions sent */
};

static int append_cb(const char *buf, size_t size, void *data)
{
    return ge_buf_append(data, buf, size) == 0 ? 0 : -1;
}

/* Publishes the union of gopls's list of uri and goescape's (ours, len bytes), with the version
 * of the newest list. */
static void publish_union(struct ge_transport *t, const char *uri, struct diag_pair *p,
                          const char *ours, size_t ours_len)
{
    p->sent++;
    struct ge_buf head;
    ge_buf_init(&head, GE_OUT_QUEUE_MAX);
    json_t *juri = json_string(uri);
    int rc = ge_buf_appends(&head, "{\"uri\":");
    if (rc == 0 && json_dump_callback(juri, append_cb, &head, JSON_ENCODE_ANY) != 0)
        rc = -ENOBUFS;
    json_decref(juri);
    if (rc == 0 && p->has_version)
        rc = ge_buf_printf(&head, ",\"version\":%lld", (long long)p->version);
    if (rc == 0)
        rc = ge_buf_appends(&head, ",\"diagnostics\":[");
    bool both = p->gopls.len > 0 && ours_len > 0;
    struct ge_rpc_piece params[] = {{head.data, head.len},
                                    {p->gopls.text, p->gopls.len},
                                    {",", both ? 1 : 0},
                                    {ours, ours_len},
                                    {"]}", 2}};
    struct ge_buf framed;
    ge_buf_init(&framed, GE_OUT_QUEUE_MAX);
    if (rc == 0)
        rc = ge_rpc_notification_encode_raw("textDocument/publishDiagnostics", params,
                                            GE_ARRAY_SIZE(params), &framed);
    if (rc == 0)
        rc = ge_transport_send_framed(t, &framed);
    if (rc != 0 && rc != -ENOBUFS && rc != -ESHUTDOWN)
        ge_log_error("cannot publish the merged diagnostics of %s: %s", uri, strerror(-rc));
    ge_buf_free(&framed);
    ge_buf_free(&head);
}

/* Keeps list (borrowed) as text, without its brackets. */
static void keep_list(struct diag_list *l, const json_t *list)
{
    free(l->text);
    l->text = json_dumps(list, JSON_COMPACT);
    l->len = 0;
    size_t n = l->text != NULL ? strlen(l->text) : 0;
    if (n >= 2) {
        l->len = n - 2;
        memmove(l->text, l->text + 1, l->len);
        l->text[l->len] = '\0';
    }
}

static struct diag_pair *pair_of(struct ge_strmap *diags, const char *uri)
{
    struct diag_pair *p = ge_strmap_get(diags, uri);
    if (p == NULL) {
        p = ge_xcalloc(1, sizeof *p);
        ge_strmap_put(diags, uri, p);
    }
    return p;
}

/* Takes goescape's list of p (items, len bytes, borrowed), keeping it when keep is true, and
 * sends the union. */
static void set_ours(struct ge_transport *t, const char *uri, struct diag_pair *p,
                     const char *items, size_t len, bool keep)
{
    free(p->ours.text);
    p->ours = (struct diag_list){0};
    p->ours_shown = len > 0;
    if (keep && len > 0) {
        p->ours.text = ge_xmalloc(len + 1);
        memcpy(p->ours.text, items, len);
        p->ours.text[len] = '\0';
        p->ours.len = len;
    }
    publish_union(t, uri, p, items, len);
}

bool ge_companion_diags_set(struct ge_strmap *diags, struct ge_transport *t, json_t *params,
                            bool ours, ge_companion_keep_cb keep, void *ctx)
{
    const char *uri = json_string_value(json_object_get(params, "uri"));
    json_t *list = json_object_get(params, "diagnostics");
    if (uri == NULL || !json_is_array(list))
        return true;
    struct diag_pair *p = pair_of(diags, uri);
    /* Each side gives the version of the text its list is for, and a client may drop a list
     * whose version is older than its document: the newest list's version is the one to
     * give. */
    json_t *version = json_object_get(params, "version");
    bool has_version = json_is_integer(version);
    json_int_t v = has_version ? json_integer_value(version) : 0;
    struct diag_list l = {0};
    keep_list(&l, list);
    /* gopls sends the same list again often (an empty one for every file it checked): the
     * client has the union already, and goescape's list need not be made again for it. */
    bool same = !ours && l.len == p->gopls.len &&
                (l.len == 0 || memcmp(l.text, p->gopls.text, l.len) == 0) &&
                has_version == p->has_version && v == p->version;
    p->has_version = has_version;
    p->version = v;
    if (ours || same) {
        if (ours)
            set_ours(t, uri, p, l.text, l.len, keep(ctx, uri));
        free(l.text);
        return true;
    }
    free(p->gopls.text);
    p->gopls = l;
    if (p->ours_shown && p->ours.text == NULL)
        return false; /* goescape's list is needed and was not kept */
    publish_union(t, uri, p, p->ours.text, p->ours.len);
    return true;
}

void ge_companion_diags_flush(struct ge_strmap *diags, struct ge_transport *t, const char *uri)
{
    struct diag_pair *p = ge_strmap_get(diags, uri);
    if (p != NULL)
        publish_union(t, uri, p, p->ours.text, p->ours.len);
}

unsigned ge_companion_diags_sent(struct ge_strmap *diags, const char *uri)
{
    struct diag_pair *p = ge_strmap_get(diags, uri);
    return p != NULL ? p->sent : 0;
}

/* Reads the URI string at p (n bytes) into a new string; *used gets the bytes it took. */
static char *read_uri(const char *p, size_t n, size_t *used)
{
    json_error_t err;
    json_t *v = json_loadb(p, n, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &err);
    char *uri = json_is_string(v) ? ge_xstrdup(json_string_value(v)) : NULL;
    *used = err.position;
    json_decref(v);
    return uri;
}

static bool take(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

bool ge_companion_diags_set_raw(struct ge_strmap *diags, struct ge_transport *t, const char *body,
                                size_t len, ge_companion_keep_cb keep, void *ctx)
{
    const char *p = body, *end = body + len;
    if (!take(&p, end,
              "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\","
              "\"params\":{\"uri\":") ||
        len < 3 || memcmp(end - 3, "]}}", 3) != 0)
        return false;
    size_t used = 0;
    char *uri = read_uri(p, (size_t)(end - p), &used);
    if (uri == NULL)
        return false;
    p += used;
    bool has_version = false;
    long long version = 0;
    if (take(&p, end, ",\"version\":")) {
        bool neg = take(&p, end, "-");
        const char *digits = p;
        while (p < end && *p >= '0' && *p <= '9' && p - digits < 18)
            version = version * 10 + (*p++ - '0');
        has_version = p > digits;
        version = neg ? -version : version;
    }
    if (!take(&p, end, ",\"diagnostics\":[") || p > end - 3) {
        free(uri);
        return false;
    }
    struct diag_pair *pair = pair_of(diags, uri);
    pair->has_version = has_version;
    pair->version = version;
    set_ours(t, uri, pair, p, (size_t)(end - 3 - p), keep(ctx, uri));
    free(uri);
    return true;
}

void ge_companion_diags_drop_gopls(struct ge_strmap *diags, struct ge_transport *t)
{
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(diags, &i, &k, &v)) {
        struct diag_pair *p = v;
        bool had = p->gopls.len > 0;
        free(p->gopls.text);
        p->gopls = (struct diag_list){0};
        if (had)
            publish_union(t, k, p, p->ours.text, p->ours.len);
    }
}

void ge_companion_diags_free(struct ge_strmap *diags)
{
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(diags, &i, &k, &v)) {
        struct diag_pair *p = v;
        free(p->gopls.text);
        free(p->ours.text);
        free(p);
    }
    ge_strmap_free(diags);
}
