/*
 * textDocument/codeAction: quick fixes written as comments. On a heap escape: ignore it
 * (//goescape:ignore above the line), accept it (//goescape:allow with the cursor on the
 * reason, as a snippet where the client takes one), or assert the line stays on the stack
 * (//goescape:noescape). On an assertion's own diagnostic: remove the assertion, and for a
 * broken one, show why the value escapes (the goescape.showFlow command, which every client
 * runs by sending it back as workspace/executeCommand). Each action carries the diagnostics it
 * fixes and edits the document at the version the client has.
 */
#include "lsp/methods.h"

#include "lsp/caps.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "lsp/lookup.h"
#include "lsp/render.h"
#include "run/workspace.h"
#include "server.h"
#include "goescape/assert.h"
#include "goescape/lsp.h"
#include "goescape/uri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Lines of one request that get actions; a selection of a whole file asks for no more. */
#define GE_ACTION_LINES_MAX 64u

struct request {
    const struct ge_render_ctx *ctx;
    struct ge_doc *doc;
    const char *text;
    size_t len;
    struct ge_lines lines; /* owned: line index of text */
    json_t *diagnostics;   /* borrowed: context.diagnostics */
    json_t *actions;       /* the result */
};

/* The client's diagnostics of goescape on line (0-based), of an assertion or not. */
static json_t *diagnostics_on(const struct request *r, uint32_t line, bool assertion)
{
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(r->diagnostics, i, d)
    {
        struct ge_range rg;
        const char *src = json_string_value(json_object_get(d, "source"));
        const char *code = json_string_value(json_object_get(d, "code"));
        if (src == NULL || strcmp(src, "goescape") != 0 || code == NULL ||
            ge_lsp_range_unpack(json_object_get(d, "range"), &rg) != 0)
            continue;
        bool is_assert = strcmp(code, "assertion") == 0;
        if (is_assert == assertion && rg.start.line <= line && rg.end.line >= line)
            json_array_append(out, d);
    }
    return out;
}

static uint32_t line_of(const struct request *r, size_t off)
{
    return ge_lines_position(&r->lines, r->text, r->len, off, r->ctx->enc).line;
}

/* A WorkspaceEdit with one edit (stolen) of the document: at the version the client has when
 * it takes documentChanges, else as a plain change. */
static json_t *workspace_edit(const struct request *r, json_t *edit_new)
{
    if (!r->ctx->caps->document_changes)
        return json_pack("{s:{s:[o]}}", "changes", r->doc->uri, edit_new);
    return json_pack("{s:[{s:{s:s, s:I}, s:[o]}]}", "documentChanges", "textDocument", "uri",
                     r->doc->uri, "version", (json_int_t)r->doc->version, "edits", edit_new);
}

static void add_action(struct request *r, const char *title, json_t *diags_new, json_t *edit_new,
                       json_t *command_new)
{
    json_t *a =
        json_pack("{s:s, s:s, s:o}", "title", title, "kind", "quickfix", "diagnostics", diags_new);
    if (edit_new != NULL)
        json_object_set_new(a, "edit", edit_new);
    if (command_new != NULL)
        json_object_set_new(a, "command", command_new);
    json_array_append_new(r->actions, a);
}

/* The byte offset of line's start and the length of its indentation. */
static size_t line_indent(const struct request *r, uint32_t line, size_t *indent)
{
    size_t off = 0;
    ge_text_line_offset(r->text, r->len, line, &off);
    size_t n = ge_text_line_length(r->text, r->len, off), k = 0;
    while (k < n && (r->text[off + k] == ' ' || r->text[off + k] == '\t'))
        k++;
    *indent = k;
    return off;
}

/* A comment line inserted above line, with its indentation. A snippet when snippet is set. */
static json_t *insert_above(const struct request *r, uint32_t line, const char *comment,
                            const char *snippet)
{
    size_t indent;
    size_t off = line_indent(r, line, &indent);
    struct ge_range at = ge_span_range(r->ctx->enc, r->text, r->len, (struct ge_span){off, off});
    char *text =
        ge_xasprintf("%.*s%s\n", (int)indent, r->text + off, snippet != NULL ? snippet : comment);
    json_t *e = snippet != NULL
                    ? json_pack("{s:o, s:{s:s, s:s}}", "range", ge_lsp_range_pack(&at), "snippet",
                                "kind", "snippet", "value", text)
                    : json_pack("{s:o, s:s}", "range", ge_lsp_range_pack(&at), "newText", text);
    free(text);
    return e;
}

static void escape_actions(struct request *r, uint32_t line)
{
    add_action(r, "Ignore this escape", diagnostics_on(r, line, false),
               workspace_edit(r, insert_above(r, line, "//goescape:ignore", NULL)), NULL);
    /* The snippet's tab stop leaves the cursor on the reason, selected for typing. */
    bool snippet = r->ctx->caps->snippet_edits;
    add_action(r, "Accept this escape\xE2\x80\xA6", diagnostics_on(r, line, false),
               workspace_edit(r, insert_above(r, line, "//goescape:allow ",
                                              snippet ? "//goescape:allow ${1:reason}" : NULL)),
               NULL);
    add_action(r, "Assert this line stays on the stack", diagnostics_on(r, line, false),
               workspace_edit(r, insert_above(r, line, "//goescape:noescape", NULL)), NULL);
}

/* The bytes that removing the comment of a takes: its whole line when the comment is alone
 * on it, else the comment and the blanks before it. */
static struct ge_span removal(const struct request *r, const struct ge_assertion *a)
{
    size_t start = a->comment.start, end = a->comment.end;
    while (start > 0 && (r->text[start - 1] == ' ' || r->text[start - 1] == '\t'))
        start--;
    bool alone = start == 0 || r->text[start - 1] == '\n';
    if (alone && end < r->len && r->text[end] == '\n')
        end++;
    return (struct ge_span){(uint32_t)start, (uint32_t)end};
}

static void assertion_actions(struct request *r, const struct ge_assertion *a,
                              const struct ge_assert_result *v, const struct ge_finding *f,
                              uint32_t line)
{
    struct ge_range rg = ge_span_range(r->ctx->enc, r->text, r->len, removal(r, a));
    char title[64];
    snprintf(title, sizeof title, "Remove the %s assertion", ge_assert_name(a));
    add_action(
        r, title, diagnostics_on(r, line, true),
        workspace_edit(r, json_pack("{s:o, s:s}", "range", ge_lsp_range_pack(&rg), "newText", "")),
        NULL);
    if (v->verdict != GE_VERDICT_BROKEN || f == NULL)
        return;
    struct ge_position at = ge_text_position(r->text, r->len, f->span.start, r->ctx->enc);
    add_action(r, "Show why it escapes", diagnostics_on(r, line, true), NULL,
               json_pack("{s:s, s:s, s:[s, i, i]}", "title", "Show why it escapes", "command",
                         "goescape.showFlow", "arguments", r->doc->uri, at.line, at.character));
}

/* Lines [first, last] that hold an assertion verdict get their actions; those lines are
 * marked in done so that their escapes get no others. */
static void add_assertions(struct request *r, const struct ge_finding *items, size_t n,
                           uint32_t first, uint32_t last, bool *done)
{
    struct ge_assertion *a = NULL;
    size_t na = ge_assert_scan(r->text, r->len, &a);
    struct ge_assert_result *v = NULL;
    size_t nv = na > 0 ? ge_assert_check(a, na, items, n, &v) : 0;
    for (size_t i = 0; i < nv; i++) {
        const struct ge_finding *f = v[i].finding != SIZE_MAX ? &items[v[i].finding] : NULL;
        struct ge_span at = f != NULL ? f->span : a[v[i].assertion].comment;
        uint32_t line = line_of(r, at.start);
        if (line < first || line > last)
            continue;
        if (f != NULL)
            done[line - first] = true;
        if (v[i].verdict != GE_VERDICT_ALLOWED)
            assertion_actions(r, &a[v[i].assertion], &v[i], f, line);
    }
    free(v);
    free(a);
}

int ge_m_code_action(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                     const char **err)
{
    (void)id;
    struct ge_doc *d;
    struct ge_file *file;
    struct ge_range range;
    int rc = ge_params_doc(s, params, &d, &file);
    if (rc == 0 && ge_lsp_range_unpack(json_object_get(params, "range"), &range) != 0)
        rc = -EINVAL;
    if (rc != 0) {
        *err = rc == -ENOENT ? "document is not open" : "codeAction needs textDocument and range";
        return rc;
    }
    json_t *context = json_object_get(params, "context");
    struct ge_render_ctx ctx = ge_render_ctx_of(s);
    struct request r = {.ctx = &ctx,
                        .doc = d,
                        .text = d->text.data ? d->text.data : "",
                        .len = d->text.len,
                        .diagnostics = json_object_get(context, "diagnostics"),
                        .actions = json_array()};
    *result_new = r.actions;
    if (file == NULL || range.end.line < range.start.line)
        return 0;
    ge_lines_init(&r.lines, r.text, r.len);
    uint32_t first = range.start.line, last = range.end.line;
    if (last - first >= GE_ACTION_LINES_MAX)
        last = first + GE_ACTION_LINES_MAX - 1;
    bool done[GE_ACTION_LINES_MAX] = {0};
    const struct ge_finding *items = file->set.items;
    size_t n = file->set.count;
    add_assertions(&r, items, n, first, last, done);
    for (size_t i = 0; i < n; i++) {
        if (!ge_finding_shown(&ctx, &items[i], r.text, r.len))
            continue;
        uint32_t line = line_of(&r, items[i].span.start);
        if (line < first || line > last || done[line - first])
            continue;
        done[line - first] = true;
        escape_actions(&r, line);
    }
    ge_lines_free(&r.lines);
    return 0;
}

/* The flow of f as plain text: its message, then one numbered line per step. */
static char *flow_text_new(const struct ge_finding *f)
{
    struct ge_buf b, msg;
    ge_buf_init(&b, GE_MESSAGE_MAX * 4);
    ge_buf_init(&msg, GE_MESSAGE_MAX);
    ge_buf_appends(&b, ge_finding_message(f, &msg));
    for (size_t i = 0; i < f->nsteps; i++) {
        const struct ge_flow_step *st = &f->steps[i];
        const char *slash = st->path != NULL ? strrchr(st->path, '/') : NULL;
        ge_buf_printf(&b, "\n%zu. %s", i + 1, st->message);
        if (st->path != NULL)
            ge_buf_printf(&b, " (%s:%u)", slash != NULL ? slash + 1 : st->path, st->line);
    }
    ge_buf_free(&msg);
    char *out = ge_xstrndup(b.data != NULL ? b.data : "", b.len);
    ge_buf_free(&b);
    return out;
}

int ge_cmd_show_flow(struct ge_server *s, json_t *args, json_t **result_new, const char **err)
{
    const char *uri = NULL;
    json_int_t line = 0, character = 0;
    json_error_t e;
    if (json_unpack_ex(args, &e, 0, "[sII]", &uri, &line, &character) != 0 || line < 0 ||
        character < 0 || line > UINT32_MAX || character > UINT32_MAX) {
        *err = "goescape.showFlow takes a document URI, a line and a character";
        return -EINVAL;
    }
    struct ge_doc *d = ge_doc_find(s, uri);
    struct ge_file *file = d != NULL && d->path ? ge_strmap_get(&s->files, d->path) : NULL;
    if (d == NULL) {
        *err = "document is not open";
        return -ENOENT;
    }
    size_t off;
    struct ge_position pos = {(uint32_t)line, (uint32_t)character};
    ge_text_offset(d->text.data ? d->text.data : "", d->text.len, pos, s->enc, &off);
    const struct ge_finding *f = ge_finding_at(file, off);
    if (f == NULL)
        return 0; /* the escape went away since the action was offered: nothing to show */
    char *text = flow_text_new(f);
    /* Every client shows a message; one that can open documents also goes to the step where
     * the value escapes. */
    ge_notify(s, "window/showMessage", json_pack("{s:i, s:s}", "type", 3, "message", text));
    const struct ge_flow_step *st = f->escape_step >= 0 && (uint32_t)f->escape_step < f->nsteps
                                        ? &f->steps[f->escape_step]
                                        : NULL;
    if (s->caps.show_document && st != NULL && st->path != NULL) {
        char *step_uri = ge_uri_from_path(st->path);
        uint32_t col = st->col ? st->col - 1 : 0;
        struct ge_range rg = {{st->line - 1, col}, {st->line - 1, col}};
        ge_request(s, "window/showDocument",
                   json_pack("{s:s, s:b, s:o}", "uri", step_uri, "takeFocus", 1, "selection",
                             ge_lsp_range_pack(&rg)),
                   NULL, NULL);
        free(step_uri);
    }
    *result_new = json_pack("{s:s}", "message", text);
    free(text);
    return 0;
}
