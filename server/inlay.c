/*
 * textDocument/inlayHint: one hint right after each shown heap escape, e.g. "heap: returned".
 * The part naming the cause links to where the value escapes (the return, the call that
 * keeps it, the capturing closure); the tooltip carries the whole explanation.
 */
#include "lookup.h"

#include "goescape/lsp.h"
#include "goescape/uri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The escape point's location, or NULL when the flow has none in the package. */
static json_t *escape_location(struct ge_server *s, const struct ge_finding *f)
{
    if (f->escape_step < 0 || (size_t)f->escape_step >= f->nsteps)
        return NULL;
    const struct ge_flow_step *st = &f->steps[f->escape_step];
    if (st->path == NULL || st->line == 0)
        return NULL;
    struct ge_range r = {{st->line - 1, 0}, {st->line - 1, 0}};
    struct ge_file *other = ge_strmap_get(&s->files, st->path);
    if (other != NULL) {
        size_t len, off;
        const char *text = ge_file_text(s, other, &len);
        if (ge_text_line_offset(text, len, st->line - 1, &off) == 0) {
            size_t n = ge_text_line_length(text, len, off);
            r.start.character = ge_text_units(text + off, n, st->col ? st->col - 1 : 0, s->enc);
            r.end = r.start;
        }
    }
    char *uri = ge_uri_from_path(st->path);
    json_t *loc = ge_lsp_location_pack(uri, &r);
    free(uri);
    return loc;
}

static json_t *label(struct ge_server *s, const struct ge_finding *f, char *tooltip)
{
    const char *text = ge_finding_label(f);
    json_t *loc = s->caps.label_location ? escape_location(s, f) : NULL;
    if (loc == NULL)
        return json_string(text);
    const char *colon = strchr(text, ':');
    size_t head = colon ? (size_t)(colon - text) + 1 : 0;
    json_t *parts = json_array();
    if (head > 0)
        json_array_append_new(parts, json_pack("{s:s%}", "value", text, head));
    json_array_append_new(parts,
                          json_pack("{s:s, s:o, s:{s:s, s:s}}", "value", text + head, "location",
                                    loc, "tooltip", "kind", "markdown", "value", tooltip));
    return parts;
}

static bool in_range(size_t off, size_t lo, size_t hi)
{
    return off >= lo && off <= hi;
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
    if (f == NULL || !ge_hints_on(s))
        return 0;
    const char *text = d->text.data ? d->text.data : "";
    size_t lo, hi;
    ge_text_offset(text, d->text.len, range.start, s->enc, &lo);
    ge_text_offset(text, d->text.len, range.end, s->enc, &hi);
    for (size_t i = 0; i < f->set.count; i++) {
        const struct ge_finding *fi = &f->set.items[i];
        if (!ge_finding_shown(s, fi, text, d->text.len) || !in_range(fi->span.end, lo, hi))
            continue;
        struct ge_position at = ge_text_position(text, d->text.len, fi->span.end, s->enc);
        char *tooltip = ge_finding_markdown(s, f, fi);
        json_t *hint = json_pack("{s:o, s:o, s:b, s:{s:s, s:s}}", "position",
                                 ge_lsp_position_pack(at), "label", label(s, fi, tooltip),
                                 "paddingLeft", 1, "tooltip", "kind", "markdown", "value", tooltip);
        free(tooltip);
        json_array_append_new(hints, hint);
    }
    return 0;
}
