/*
 * textDocument/hover: over an escaping expression, what escapes, why, the path to the heap as
 * numbered steps with links, and a remedy; over a function name, a summary of its escapes.
 * Facts that are not displayed (does not escape, leaking parameters, values that need no
 * allocation) still answer hovers. An escape that an assertion accepts or that breaks one
 * says so, with the reason of the accepting comment.
 */
#include "lsp/methods.h"

#include "lsp/caps.h"
#include "lsp/documents.h"
#include "lsp/lookup.h"
#include "lsp/render.h"
#include "run/workspace.h"
#include "goescape/assert.h"
#include "goescape/buf.h"
#include "goescape/lsp.h"
#include "goescape/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define GE_HOVER_MAX (64u * 1024u)

/* A summary of one function's findings, for a hover over its name. */
static char *function_summary(const struct ge_render_ctx *r, struct ge_file *f,
                              const struct ge_func_decl *fn, const char *text, size_t len)
{
    size_t counts[GE_CAT_COUNT] = {0};
    struct ge_buf params;
    ge_buf_init(&params, GE_HOVER_MAX);
    size_t total = 0;
    for (size_t i = 0; i < f->set.count; i++) {
        const struct ge_finding *fi = &f->set.items[i];
        if (fi->span.start < fn->decl.start || fi->span.start >= fn->decl.end)
            continue;
        if (fi->category == GE_CAT_PARAM)
            ge_buf_printf(&params, "- `%s`: %s\n", fi->subject, fi->cause ? fi->cause : "leaks");
        if (ge_finding_shown(r, fi, text, len)) {
            counts[fi->category]++;
            total++;
        }
    }
    struct ge_buf b;
    ge_buf_init(&b, GE_HOVER_MAX);
    ge_buf_printf(&b, "**goescape** · `%s`: %zu heap escape%s", fn->name, total,
                  total == 1 ? "" : "s");
    const char *sep = "\n\n";
    for (int c = 0; c < GE_CAT_COUNT; c++) {
        if (counts[c] == 0)
            continue;
        ge_buf_printf(&b, "%s%zu %s", sep, counts[c], ge_category_name((enum ge_category)c));
        sep = ", ";
    }
    if (params.len > 0)
        ge_buf_printf(&b, "\n\n**Leaking parameters:**\n%s", params.data);
    if (f->stale)
        ge_buf_appends(&b, "\n\n_From the last successful build._");
    ge_buf_free(&params);
    return ge_buf_steal(&b, NULL);
}

/* The same text for clients that cannot render markdown: emphasis and code marks dropped,
 * links reduced to their text. Works in place, since the result is never longer. */
static void markdown_to_plain(char *md)
{
    char *out = md;
    for (const char *p = md; *p;) {
        if (p[0] == '*' && p[1] == '*') {
            p += 2;
        } else if (*p == '`' ||
                   (*p == '_' && (p == md || p[-1] == '\n' || p[1] == '\n' || p[1] == '\0'))) {
            p++;
        } else if (*p == '[' && strstr(p, "](") != NULL && strchr(p, ']') == strstr(p, "](")) {
            const char *close = strchr(p, ']');
            const char *end = strchr(close, ')');
            memmove(out, p + 1, (size_t)(close - p - 1));
            out += close - p - 1;
            p = end ? end + 1 : close + 1;
        } else {
            *out++ = *p++;
        }
    }
    *out = '\0';
}

static json_t *hover_result(const struct ge_render_ctx *r, char *markdown_new, const char *text,
                            size_t len, struct ge_span span)
{
    struct ge_range rg = ge_span_range(r->enc, text, len, span);
    if (!r->caps->hover_markdown)
        markdown_to_plain(markdown_new);
    json_t *res = json_pack("{s:{s:s, s:s}, s:o}", "contents", "kind",
                            r->caps->hover_markdown ? "markdown" : "plaintext", "value",
                            markdown_new, "range", ge_lsp_range_pack(&rg));
    free(markdown_new);
    return res;
}

/* What an assertion in the text says about fi, as a markdown paragraph appended to md_new
 * (stolen; the result is new): the reason of an allow, or the assertion it breaks. */
static char *with_assertion(struct ge_file *f, const struct ge_finding *fi, const char *text,
                            size_t len, char *md_new)
{
    struct ge_assertion *a = NULL;
    size_t na = ge_assert_scan(text, len, &a);
    struct ge_assert_result *r = NULL;
    size_t nr = na > 0 ? ge_assert_check(a, na, f->set.items, f->set.count, &r) : 0;
    size_t idx = (size_t)(fi - f->set.items);
    char *out = md_new;
    for (size_t i = 0; i < nr && out == md_new; i++) {
        if (r[i].finding != idx)
            continue;
        const struct ge_assertion *as = &a[r[i].assertion];
        if (r[i].verdict == GE_VERDICT_ALLOWED)
            out = ge_xasprintf("%s\n\n**Accepted** by `%s`: %s", md_new, ge_assert_name(as),
                               as->reason);
        else if (r[i].verdict == GE_VERDICT_BROKEN)
            out = ge_xasprintf("%s\n\n**Breaks** `%s`%s.", md_new, ge_assert_name(as),
                               as->func_scope ? " on this function" : "");
    }
    if (out != md_new)
        free(md_new);
    free(r);
    free(a);
    return out;
}

/* A function's name follows "func" on its line: only then is the whole file scanned for
 * declarations (a cost every hover would otherwise pay). */
static bool after_func_keyword(const char *text, size_t offset)
{
    size_t start = offset;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    for (size_t i = start; i + 4 <= offset; i++)
        if (memcmp(text + i, "func", 4) == 0)
            return true;
    return false;
}

int ge_m_hover(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
               const char **err)
{
    (void)id;
    struct ge_doc *d;
    struct ge_file *f;
    struct ge_position pos;
    int rc = ge_params_doc(s, params, &d, &f);
    if (rc == 0 && ge_lsp_position_unpack(json_object_get(params, "position"), &pos) != 0)
        rc = -EINVAL;
    if (rc != 0) {
        *err = rc == -ENOENT ? "document is not open" : "hover needs textDocument and position";
        return rc;
    }
    struct ge_render_ctx r = ge_render_ctx_of(s);
    const char *text = d->text.data ? d->text.data : "";
    size_t offset;
    ge_text_offset(text, d->text.len, pos, r.enc, &offset);
    const struct ge_finding *fi = ge_finding_at(f, offset);
    if (fi != NULL) {
        char *md = with_assertion(f, fi, text, d->text.len, ge_finding_markdown(&r, f, fi));
        *result_new = hover_result(&r, md, text, d->text.len, fi->span);
        return 0;
    }
    if (f == NULL || f->set.count == 0 || !after_func_keyword(text, offset))
        return 0;
    struct ge_func_decl *fns = NULL;
    size_t n = ge_scan_funcs(text, d->text.len, &fns);
    for (size_t i = 0; i < n && *result_new == NULL; i++)
        if (offset >= fns[i].name_span.start && offset <= fns[i].name_span.end)
            *result_new = hover_result(&r, function_summary(&r, f, &fns[i], text, d->text.len),
                                       text, d->text.len, fns[i].name_span);
    ge_func_decls_free(fns, n);
    return 0;
}
