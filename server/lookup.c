/*
 * Helpers shared by the request handlers: finding the document a request is about, and the
 * findings at a position.
 */
#include "lookup.h"

#include "goescape/lsp.h"

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

bool ge_hints_on(const struct ge_server *s)
{
    return s->config.inlay_hints && s->hints_enabled;
}

bool ge_finding_shown(struct ge_server *s, const struct ge_finding *f, const char *text,
                      size_t len)
{
    return ge_category_is_heap(f->category) && s->config.categories[f->category] &&
           !ge_finding_ignored(text, len, f);
}

const struct ge_finding *ge_finding_at(struct ge_file *f, size_t offset)
{
    const struct ge_finding *best = NULL;
    for (size_t i = 0; f != NULL && i < f->set.count; i++) {
        const struct ge_finding *fi = &f->set.items[i];
        if (offset < fi->span.start || offset > fi->span.end)
            continue;
        /* The innermost span wins; among equal spans, a heap escape beats a fact. */
        if (best == NULL || fi->span.end - fi->span.start < best->span.end - best->span.start ||
            (fi->span.end - fi->span.start == best->span.end - best->span.start &&
             ge_category_is_heap(fi->category) && !ge_category_is_heap(best->category)))
            best = fi;
    }
    return best;
}
