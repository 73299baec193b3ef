/*
 * Helpers shared by the request handlers: finding the document a request is about, and the
 * findings at a position.
 */
#include "lsp/lookup.h"

#include "lsp/documents.h"
#include "lsp/methods.h"
#include "lsp/render.h"
#include "run/workspace.h"
#include "server.h"

#include <errno.h>
#include <string.h>

int ge_params_doc(struct ge_server *s, json_t *params, struct ge_doc **doc, struct ge_file **file)
{
    json_t *td = json_object_get(params, "textDocument");
    const char *uri = json_string_value(json_object_get(td, "uri"));
    if (uri == NULL)
        return -EINVAL;
    *doc = ge_doc_find(s, uri);
    if (*doc == NULL)
        return -ENOENT;
    *file = (*doc)->path ? ge_strmap_get(&s->files, (*doc)->path) : NULL;
    return 0;
}

size_t ge_file_count_shown(struct ge_server *s, struct ge_file *f)
{
    struct ge_render_ctx r = ge_render_ctx_of(s);
    size_t len;
    const char *text = ge_file_text(r.docs, f, &len);
    size_t n = 0;
    for (size_t i = 0; i < f->set.count; i++)
        if (ge_finding_shown(&r, &f->set.items[i], text, len))
            n++;
    return n;
}

/* The innermost finding whose span holds offset; with at_end, also spans ending at offset. */
static const struct ge_finding *innermost(struct ge_file *f, size_t offset, bool at_end)
{
    const struct ge_finding *best = NULL;
    for (size_t i = 0; f != NULL && i < f->set.count; i++) {
        const struct ge_finding *fi = &f->set.items[i];
        bool inside = offset >= fi->span.start &&
                      (offset < fi->span.end || (at_end && offset == fi->span.end));
        if (!inside)
            continue;
        /* The innermost span wins; among equal spans, a heap escape beats a fact. */
        size_t len = fi->span.end - fi->span.start;
        size_t best_len = best ? best->span.end - best->span.start : 0;
        if (best == NULL || len < best_len ||
            (len == best_len && ge_category_is_heap(fi->category) &&
             !ge_category_is_heap(best->category)))
            best = fi;
    }
    return best;
}

const struct ge_finding *ge_finding_at(struct ge_file *f, size_t offset)
{
    /* A cursor right after an expression still hovers it, unless another starts there. */
    const struct ge_finding *fi = innermost(f, offset, false);
    return fi != NULL ? fi : innermost(f, offset, true);
}
