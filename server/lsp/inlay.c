/*
 * textDocument/inlayHint: a short label such as "heap: returned" for each shown heap escape.
 * A hint sits right after its expression only where the code goes on with a delimiter or the
 * line ends (ge_scan_hint_offset); otherwise at the end of the line, so it never splits the
 * code it annotates. The findings whose hints fall on one place share one hint: its label
 * names their causes ("heap: returned, global"), each cause part links to where its value
 * escapes (the return, the call that keeps it, the capturing closure), and its tooltip
 * carries every finding's whole explanation.
 */
#include "lsp/methods.h"

#include "lsp/caps.h"
#include "lsp/documents.h"
#include "lsp/render.h"
#include "run/workspace.h"
#include "strmap.h"
#include "goescape/lsp.h"
#include "goescape/uri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Causes a merged label names; the findings past them are counted ("+2"), and the tooltip
 * has them all. Two keep a label short enough to sit at the end of a line. */
#define HINT_CAUSES_MAX 2
/* Cap on a merged tooltip (one finding's explanation is capped at 64 KiB). */
#define HINT_TOOLTIP_MAX (256u * 1024u)
#define HINT_RULE        "\n\n---\n\n"

/* One inlayHint request: the document's text and, made once, the offsets of its lines, so
 * that placing many hints (and the links of their causes into the same text) does not count
 * lines from the start of the text for each. */
struct req {
    const struct ge_render_ctx *r;
    struct ge_file *file;
    const char *text; /* borrowed: the document's text */
    size_t len;
    struct ge_lines lines;
};

/* The escape point's location, or NULL when the flow has none in the package. */
static json_t *escape_location(const struct req *q, const struct ge_finding *f)
{
    if (f->escape_step < 0 || (size_t)f->escape_step >= f->nsteps)
        return NULL;
    const struct ge_flow_step *st = &f->steps[f->escape_step];
    if (st->path == NULL || st->line == 0)
        return NULL;
    struct ge_range r = {{st->line - 1, 0}, {st->line - 1, 0}};
    const struct ge_file *other = ge_strmap_get(q->r->files, st->path);
    if (other != NULL) {
        size_t len, off;
        const char *text = ge_file_text(q->r->docs, other, &len);
        int rc = text == q->text ? ge_lines_offset(&q->lines, st->line - 1, &off)
                                 : ge_text_line_offset(text, len, st->line - 1, &off);
        if (rc == 0) {
            size_t n = ge_text_line_length(text, len, off);
            r.start.character = ge_text_units(text + off, n, st->col ? st->col - 1 : 0, q->r->enc);
            r.end = r.start;
        }
    }
    char *uri = ge_uri_from_path(st->path);
    json_t *loc = ge_lsp_location_pack(uri, &r);
    free(uri);
    return loc;
}

/* One cause a label names: "heap: returned" is head "heap" and tail "returned"; a bare
 * "heap" has no tail. */
struct cause {
    const char *label; /* static, from ge_finding_label */
    size_t head_len;
    const char *tail; /* in label, or NULL */
    size_t item;      /* the first finding of the group with this label */
    size_t count;     /* findings of the group with this label */
};

static struct cause cause_of(const char *label, size_t item)
{
    const char *colon = strchr(label, ':');
    struct cause c = {.label = label, .head_len = strlen(label), .item = item};
    if (colon != NULL) {
        c.head_len = (size_t)(colon - label);
        c.tail = colon + 1 + strspn(colon + 1, " ");
    }
    return c;
}

static bool same_head(const struct cause *a, const struct cause *b)
{
    return a->head_len == b->head_len && memcmp(a->label, b->label, a->head_len) == 0;
}

/* The causes a label for fs[0..n) names, at most HINT_CAUSES_MAX, in order: each distinct
 * label once with the number of findings that have it, and a bare head only when no label
 * with that head has a tail (it says nothing more). Returns their count; *others gets the
 * number of findings they leave out. */
static size_t pick_causes(const struct ge_finding *const *fs, size_t n, struct cause *out,
                          size_t *others)
{
    size_t k = 0;
    *others = 0;
    for (size_t i = 0; i < n; i++) {
        struct cause c = cause_of(ge_finding_label(fs[i]), i);
        c.count = 1;
        size_t same = k;
        for (size_t j = 0; j < k && same == k; j++)
            if (strcmp(out[j].label, c.label) == 0)
                same = j;
        if (same < k) {
            out[same].count++;
            continue;
        }
        bool absorbed = false;
        for (size_t j = 0; j < n && !absorbed && c.tail == NULL; j++) {
            struct cause o = cause_of(ge_finding_label(fs[j]), j);
            absorbed = o.tail != NULL && same_head(&c, &o);
        }
        if (absorbed || k == HINT_CAUSES_MAX)
            ++*others;
        else
            out[k++] = c;
    }
    return k;
}

/* Label parts under construction: plain text gathers in pending until a linked part comes. */
struct parts {
    json_t *array;
    struct ge_buf pending;
    bool linked;
};

static void flush_plain(struct parts *p)
{
    if (p->pending.len == 0)
        return;
    json_array_append_new(p->array, json_pack("{s:s%}", "value", p->pending.data, p->pending.len));
    ge_buf_reset(&p->pending);
}

static void add_part(struct parts *p, const char *text, size_t n, json_t *loc_new,
                     const char *tooltip)
{
    if (loc_new == NULL) {
        ge_buf_append(&p->pending, text, n);
        return;
    }
    flush_plain(p);
    json_array_append_new(p->array,
                          json_pack("{s:s%, s:o, s:{s:s, s:s}}", "value", text, n, "location",
                                    loc_new, "tooltip", "kind", "markdown", "value", tooltip));
    p->linked = true;
}

/* Adds one cause, after the separator sp, and its count when several findings have it
 * ("interface ×2"). A linked part starts with sp, as "heap:" then " returned", so the link
 * underlines the word and its space. */
static void add_cause(const struct req *q, struct parts *p, const char *sp, const char *word,
                      const struct cause *c, const struct ge_finding *f, const char *tooltip)
{
    json_t *loc = q->r->caps->label_location ? escape_location(q, f) : NULL;
    char text[64];
    int n = snprintf(text, sizeof(text), "%s%s", sp, word);
    size_t used = n < 0 ? 0 : (size_t)n;
    add_part(p, text, used < sizeof(text) ? used : sizeof(text) - 1, loc, tooltip);
    if (c->count > 1) {
        n = snprintf(text, sizeof(text), " \xc3\x97%zu", c->count); /* U+00D7, times */
        add_part(p, text, (size_t)n, NULL, NULL);
    }
}

/* The label of the findings fs[0..n) at one place: "heap: returned", "heap: returned, global",
 * "heap: global +1". A plain string unless a part links somewhere. */
static json_t *label(const struct req *q, const struct ge_finding *const *fs, char *const *tips,
                     size_t n)
{
    struct cause c[HINT_CAUSES_MAX];
    size_t others;
    size_t k = pick_causes(fs, n, c, &others);
    bool done[HINT_CAUSES_MAX] = {false};
    struct parts p = {.array = json_array()};
    ge_buf_init(&p.pending, 256);
    for (size_t i = 0; i < k; i++) {
        if (done[i])
            continue;
        /* c[0] always comes first, so any later group follows another. */
        const char *sp = i > 0 ? " " : "";
        if (i > 0)
            add_part(&p, ";", 1, NULL, NULL);
        if (c[i].tail == NULL) {
            add_cause(q, &p, sp, c[i].label, &c[i], fs[c[i].item], tips[c[i].item]);
            continue;
        }
        /* A head names its group once: "heap: returned, global". */
        add_part(&p, sp, strlen(sp), NULL, NULL);
        add_part(&p, c[i].label, c[i].head_len + 1, NULL, NULL);
        for (size_t j = i; j < k; j++) {
            if (done[j] || c[j].tail == NULL || !same_head(&c[i], &c[j]))
                continue;
            if (j > i)
                add_part(&p, ",", 1, NULL, NULL);
            add_cause(q, &p, " ", c[j].tail, &c[j], fs[c[j].item], tips[c[j].item]);
            done[j] = true;
        }
    }
    if (others > 0) {
        char more[32];
        int m = snprintf(more, sizeof(more), " +%zu", others);
        add_part(&p, more, (size_t)m, NULL, NULL);
    }
    json_t *out;
    if (p.linked) {
        flush_plain(&p);
        out = p.array;
    } else {
        out = json_stringn(p.pending.data ? p.pending.data : "", p.pending.len);
        json_decref(p.array);
    }
    ge_buf_free(&p.pending);
    return out;
}

/* Where a finding's hint goes, and which finding it is. */
struct spot {
    size_t at;
    size_t item;
};

static int spot_cmp(const void *a, const void *b)
{
    const struct spot *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* The hint for the findings of spots[0..n), which share one place. */
static json_t *hint(const struct req *q, const struct spot *spots, size_t n)
{
    const struct ge_finding **fs = ge_xmalloc(n * sizeof(*fs));
    char **tips = ge_xmalloc(n * sizeof(*tips));
    struct ge_buf all;
    ge_buf_init(&all, HINT_TOOLTIP_MAX);
    for (size_t i = 0; i < n; i++) {
        fs[i] = &q->file->set.items[spots[i].item];
        tips[i] = ge_finding_markdown(q->r, q->file, fs[i]);
        if (i > 0)
            ge_buf_appends(&all, HINT_RULE);
        ge_buf_appends(&all, tips[i]);
    }
    struct ge_position at = ge_lines_position(&q->lines, q->text, q->len, spots[0].at, q->r->enc);
    json_t *h = json_pack("{s:o, s:o, s:b, s:{s:s, s:s%}}", "position", ge_lsp_position_pack(at),
                          "label", label(q, fs, tips, n), "paddingLeft", 1, "tooltip", "kind",
                          "markdown", "value", all.data ? all.data : "", all.len);
    for (size_t i = 0; i < n; i++)
        free(tips[i]);
    free(tips);
    free(fs);
    ge_buf_free(&all);
    return h;
}

int ge_m_inlay_hint(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                    const char **err)
{
    (void)id;
    struct ge_doc *d;
    struct ge_file *f;
    struct ge_range range;
    int rc = ge_params_doc(s, params, &d, &f);
    if (rc == 0 && ge_lsp_range_unpack(json_object_get(params, "range"), &range) != 0)
        rc = -EINVAL;
    if (rc != 0) {
        *err = rc == -ENOENT ? "document is not open" : "inlayHint needs textDocument and range";
        return rc;
    }
    json_t *hints = json_array();
    *result_new = hints;
    struct ge_render_ctx r = ge_render_ctx_of(s);
    if (f == NULL || !ge_hints_on(&r))
        return 0;
    const char *text = d->text.data ? d->text.data : "";
    size_t len = d->text.len, lo, hi;
    ge_text_offset(text, len, range.start, r.enc, &lo);
    ge_text_offset(text, len, range.end, r.enc, &hi);
    /* A hint is on the line where its expression ends: findings that end on a line before
     * the range's first are not looked at. */
    size_t first_line = lo;
    while (first_line > 0 && text[first_line - 1] != '\n')
        first_line--;
    struct spot *spots = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < f->set.count; i++) {
        const struct ge_finding *fi = &f->set.items[i];
        if (fi->span.end < first_line || fi->span.end > hi || !ge_finding_shown(&r, fi, text, len))
            continue;
        size_t at = ge_scan_hint_offset(text, len, fi->span.end);
        if (at < lo || at > hi)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            spots = ge_xrealloc(spots, cap * sizeof(*spots));
        }
        spots[n++] = (struct spot){at, i};
    }
    if (n == 0)
        return 0;
    qsort(spots, n, sizeof(*spots), spot_cmp);
    struct req q = {.r = &r, .file = f, .text = text, .len = len};
    ge_lines_init(&q.lines, text, len);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && spots[j].at == spots[i].at;)
            j++;
        json_array_append_new(hints, hint(&q, spots + i, j - i));
    }
    ge_lines_free(&q.lines);
    free(spots);
    return 0;
}
