/*
 * textDocument/codeLens: above each function with heap escapes, a count by category, such as
 * "3 heap escapes: 1 map, 1 closure, 1 interface". Functions without escapes get none.
 */
#include "lsp/methods.h"

#include "config.h"
#include "lsp/documents.h"
#include "lsp/render.h"
#include "run/workspace.h"
#include "goescape/buf.h"
#include "goescape/lsp.h"
#include "goescape/scan.h"

#include <errno.h>
#include <stdlib.h>

static char *lens_title(const size_t *counts, size_t total)
{
    struct ge_buf b;
    ge_buf_init(&b, 1024);
    ge_buf_printf(&b, "%zu heap escape%s", total, total == 1 ? "" : "s");
    const char *sep = ": ";
    for (int c = 0; c < GE_CAT_COUNT; c++) {
        if (counts[c] == 0)
            continue;
        const char *name = ge_category_name((enum ge_category)c);
        bool plural = counts[c] > 1 && c != GE_CAT_MOVED && c != GE_CAT_OTHER;
        ge_buf_printf(&b, "%s%zu %s%s", sep, counts[c], name, plural ? "s" : "");
        sep = ", ";
    }
    return ge_buf_steal(&b, NULL);
}

int ge_m_code_lens(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                   const char **err)
{
    (void)id;
    struct ge_doc *d;
    struct ge_file *f;
    int rc = ge_params_doc(s, params, &d, &f);
    if (rc != 0) {
        *err = rc == -ENOENT ? "document is not open" : "codeLens needs textDocument";
        return rc;
    }
    json_t *lenses = json_array();
    *result_new = lenses;
    struct ge_render_ctx r = ge_render_ctx_of(s);
    if (f == NULL || !r.config->code_lens || f->set.count == 0)
        return 0;
    const char *text = d->text.data ? d->text.data : "";
    struct ge_func_decl *fns = NULL;
    size_t n = ge_scan_funcs(text, d->text.len, &fns);
    for (size_t i = 0; i < n; i++) {
        size_t counts[GE_CAT_COUNT] = {0};
        size_t total = 0;
        for (size_t j = 0; j < f->set.count; j++) {
            const struct ge_finding *fi = &f->set.items[j];
            if (fi->span.start >= fns[i].decl.start && fi->span.start < fns[i].decl.end &&
                ge_finding_shown(&r, fi, text, d->text.len)) {
                counts[fi->category]++;
                total++;
            }
        }
        if (total == 0)
            continue;
        struct ge_range rg = ge_span_range(r.enc, text, d->text.len, fns[i].name_span);
        char *title = lens_title(counts, total);
        json_array_append_new(lenses,
                              json_pack("{s:o, s:{s:s, s:s}}", "range", ge_lsp_range_pack(&rg),
                                        "command", "title", title, "command", ""));
        free(title);
    }
    ge_func_decls_free(fns, n);
    return 0;
}
