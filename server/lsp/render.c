/*
 * The pieces the renderers share: the narrow context they read, byte spans as LSP ranges,
 * which findings are shown, and a finding's markdown explanation (hovers, inlay hint
 * tooltips).
 */
#include "lsp/render.h"

#include "config.h"
#include "run/workspace.h"
#include "server.h"
#include "goescape/buf.h"
#include "goescape/filter.h"
#include "goescape/uri.h"

#include <stdlib.h>
#include <string.h>

/* Cap on one finding's explanation. */
#define GE_MARKDOWN_MAX (64u * 1024u)

struct ge_render_ctx ge_render_ctx_of(const struct ge_server *s)
{
    return (struct ge_render_ctx){.enc = s->enc,
                                  .config = &s->config,
                                  .caps = &s->caps,
                                  .hints_enabled = s->hints_enabled,
                                  .docs = &s->docs,
                                  .files = &s->files};
}

struct ge_range ge_span_range(enum ge_encoding enc, const char *text, size_t len,
                              struct ge_span span)
{
    return (struct ge_range){
        .start = ge_text_position(text, len, span.start, enc),
        .end = ge_text_position(text, len, span.end, enc),
    };
}

bool ge_hints_on(const struct ge_render_ctx *r)
{
    return r->config->inlay_hints && r->hints_enabled;
}

bool ge_finding_shown(const struct ge_render_ctx *r, const struct ge_finding *f, const char *text,
                      size_t len)
{
    return ge_category_is_heap(f->category) && ge_filter_shows(r->config->categories, text, len, f);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Appends text as inline code, with a fence longer than any run of backticks inside it. */
static void append_code(struct ge_buf *b, const char *text)
{
    size_t longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    bool pad = longest > 0;
    for (size_t i = 0; i <= longest; i++)
        ge_buf_appends(b, "`");
    ge_buf_printf(b, "%s%s%s", pad ? " " : "", text, pad ? " " : "");
    for (size_t i = 0; i <= longest; i++)
        ge_buf_appends(b, "`");
}

static void append_steps(struct ge_buf *b, const struct ge_finding *f)
{
    if (f->nsteps == 0)
        return;
    ge_buf_appends(b, f->category == GE_CAT_STATIC ? "\n\n**What the compiler reports:**\n"
                                                   : "\n\n**Path to the heap:**\n");
    for (size_t i = 0; i < f->nsteps; i++) {
        const struct ge_flow_step *st = &f->steps[i];
        ge_buf_printf(b, "%s%zu. %s", i ? "\n" : "", i + 1, st->message);
        if (st->path != NULL) {
            char *uri = ge_uri_from_path(st->path);
            ge_buf_printf(b, " ([%s:%u](%s#L%u))", base_name(st->path), st->line, uri, st->line);
            free(uri);
        }
    }
    if (f->truncated)
        ge_buf_appends(b, "\n\n_The compiler cut this explanation short (assignment cycle)._");
}

char *ge_finding_markdown(const struct ge_render_ctx *r, const struct ge_file *file,
                          const struct ge_finding *f)
{
    struct ge_buf b;
    ge_buf_init(&b, GE_MARKDOWN_MAX);
    /* A static value is reported as escaping but is never allocated: the hover over the
     * line says so, which is why it is not marked. */
    const char *what = f->category == GE_CAT_STATIC  ? "is reported as escaping but needs no "
                                                       "allocation"
                       : f->kind == GE_FACT_MOVED    ? "moves to the heap"
                       : f->kind == GE_FACT_ESCAPE   ? "escapes to the heap"
                       : f->kind == GE_FACT_NOESCAPE ? "stays on the stack"
                                                     : "leaks";
    ge_buf_printf(&b, "**goescape** · `%s`\n\n", ge_category_name(f->category));
    append_code(&b, f->subject);
    ge_buf_printf(&b, " %s", what);
    if (f->func != NULL) {
        ge_buf_appends(&b, " in ");
        append_code(&b, f->func);
    }
    ge_buf_appends(&b, ".");
    if (f->cause != NULL && *f->cause)
        ge_buf_printf(&b, "\n\n**Cause:** %s.", f->cause);
    append_steps(&b, f);
    if (r->config->hover_remedies && ge_category_is_heap(f->category)) {
        char *remedy = ge_finding_remedy_new(f);
        if (remedy != NULL)
            ge_buf_printf(&b, "\n\n**Remedy:** %s", remedy);
        free(remedy);
    }
    if (file != NULL && file->stale)
        ge_buf_appends(&b, "\n\n_From the last successful build; the package does not compile "
                           "now._");
    if (b.data == NULL)
        ge_buf_reserve(&b, 0);
    return ge_buf_steal(&b, NULL);
}
