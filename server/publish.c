/*
 * textDocument/publishDiagnostics. Each file's diagnostics are built from its findings, the
 * text they refer to and the settings, and sent only when they differ from what the client
 * already has. An edit republishes its own file after a short delay, so typing does not flood
 * the client; a settings change republishes every file.
 */
#include "server.h"

#include "log.h"
#include "goescape/lsp.h"
#include "goescape/uri.h"

#include <stdlib.h>
#include <string.h>

#define GE_REPUBLISH_DELAY_MS 150
#define GE_IGNORE_MARK        "//goescape:ignore"

struct ge_range ge_span_range(struct ge_server *s, const char *text, size_t len,
                              struct ge_span span)
{
    return (struct ge_range){
        .start = ge_text_position(text, len, span.start, s->enc),
        .end = ge_text_position(text, len, span.end, s->enc),
    };
}

static bool line_has_mark(const char *text, size_t len, size_t line_start)
{
    size_t n = ge_text_line_length(text, len, line_start);
    const char *line = text + line_start;
    size_t m = sizeof GE_IGNORE_MARK - 1;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(line + i, GE_IGNORE_MARK, m) == 0)
            return true;
    return false;
}

bool ge_finding_ignored(const char *text, size_t len, const struct ge_finding *f)
{
    if (f->span.start > len)
        return false;
    size_t start = f->span.start;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    if (line_has_mark(text, len, start))
        return true;
    if (start == 0)
        return false;
    size_t prev = start - 1;
    while (prev > 0 && text[prev - 1] != '\n')
        prev--;
    return line_has_mark(text, len, prev);
}

/* True when the settings show this finding at all. */
static bool visible(struct ge_server *s, const struct ge_finding *f)
{
    return s->config.categories[f->category];
}

/* The text a diagnostic's own file is published with, and its line index. */
struct own_text {
    const char *uri;
    const char *text;
    size_t len;
    const struct ge_lines *lines;
};

static json_t *related(struct ge_server *s, const struct ge_finding *f, const struct own_text *own)
{
    json_t *list = json_array();
    for (size_t i = 0; i < f->nsteps; i++) {
        const struct ge_flow_step *st = &f->steps[i];
        if (st->path == NULL)
            continue;
        /* Steps point into files of the same package; their column is a byte column, which
         * is exact for the line start and for ASCII text, and is converted when the file's
         * text is at hand. Most are in the finding's own file. */
        bool is_own = st->path == f->path || strcmp(st->path, f->path) == 0;
        struct ge_file *other = is_own ? NULL : ge_strmap_get(&s->files, st->path);
        struct ge_range r = {{st->line - 1, st->col ? st->col - 1 : 0},
                             {st->line - 1, st->col ? st->col - 1 : 0}};
        const char *text = own->text;
        size_t len = own->len, off;
        int found = -1;
        if (is_own) {
            found = ge_lines_offset(own->lines, st->line - 1, &off);
        } else if (other != NULL) {
            text = ge_file_text(s, other, &len);
            found = ge_text_line_offset(text, len, st->line - 1, &off);
        }
        if (found == 0) {
            size_t line_len = ge_text_line_length(text, len, off);
            size_t col = st->col ? st->col - 1 : 0;
            r.start.character = ge_text_units(text + off, line_len, col, s->enc);
            r.end = r.start;
        }
        char *uri = is_own ? NULL : ge_uri_from_path(st->path);
        json_array_append_new(list, json_pack("{s:o, s:s}", "location",
                                              ge_lsp_location_pack(is_own ? own->uri : uri, &r),
                                              "message", st->message));
        free(uri);
    }
    return list;
}

static json_t *diagnostic(struct ge_server *s, const struct ge_finding *f,
                          const struct own_text *own, bool stale)
{
    struct ge_range r = {
        .start = ge_lines_position(own->lines, own->text, own->len, f->span.start, s->enc),
        .end = ge_lines_position(own->lines, own->text, own->len, f->span.end, s->enc),
    };
    json_t *d = json_pack("{s:o, s:i, s:s, s:s, s:s}", "range", ge_lsp_range_pack(&r), "severity",
                          s->config.severity[f->category], "code", ge_category_name(f->category),
                          "source", "goescape", "message", f->message);
    if (stale) {
        char *msg = ge_xasprintf("%s (from the last successful build)", f->message);
        json_object_set_new(d, "message", json_string(msg));
        free(msg);
    }
    if (f->nsteps > 0)
        json_object_set_new(d, "relatedInformation", related(s, f, own));
    return d;
}

void ge_file_set_errors(struct ge_file *f, struct ge_build_error *errors_new, size_t n)
{
    for (size_t i = 0; i < f->nerrors; i++)
        free(f->errors[i].text);
    free(f->errors);
    f->errors = errors_new;
    f->nerrors = n;
}

static json_t *error_diagnostic(struct ge_server *s, const struct ge_build_error *e,
                                const char *text, size_t len)
{
    struct ge_range r = {{e->line - 1, 0}, {e->line - 1, 0}};
    size_t off;
    if (ge_text_line_offset(text, len, e->line - 1, &off) == 0) {
        size_t n = ge_text_line_length(text, len, off);
        r.start.character = ge_text_units(text + off, n, e->col ? e->col - 1 : 0, s->enc);
        r.end.character = e->col ? r.start.character + 1 : ge_text_units(text + off, n, n, s->enc);
    }
    return json_pack("{s:o, s:i, s:s, s:s, s:s}", "range", ge_lsp_range_pack(&r), "severity", 1,
                     "code", "build", "source", "goescape", "message", e->text);
}

/* FNV-1a over the JSON text, fed by json_dump_callback without building the string. */
static int digest_cb(const char *buf, size_t size, void *data)
{
    uint64_t *h = data;
    for (size_t i = 0; i < size; i++)
        *h = (*h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
    return 0;
}

static uint64_t digest(const json_t *diags)
{
    uint64_t h = 0xcbf29ce484222325ull;
    json_dump_callback(diags, digest_cb, &h, JSON_COMPACT);
    return h;
}

void ge_publish_file(struct ge_server *s, struct ge_file *f)
{
    size_t len;
    const char *text = ge_file_text(s, f, &len);
    json_t *diags = json_array();
    for (size_t i = 0; s->config.report_build_errors && i < f->nerrors; i++)
        json_array_append_new(diags, error_diagnostic(s, &f->errors[i], text, len));
    /* One line index per publish keeps a file with many findings linear, not quadratic. */
    struct ge_lines lines;
    ge_lines_init(&lines, text, len);
    struct own_text own = {.uri = f->uri, .text = text, .len = len, .lines = &lines};
    for (size_t i = 0; i < f->set.count; i++) {
        const struct ge_finding *fi = &f->set.items[i];
        if (visible(s, fi) && !ge_finding_ignored(text, len, fi))
            json_array_append_new(diags, diagnostic(s, fi, &own, f->stale));
    }
    ge_lines_free(&lines);
    /* Only a digest of what the client has is kept, not the text. */
    uint64_t h = digest(diags);
    if (f->published && f->published_digest == h) {
        json_decref(diags);
        return;
    }
    f->published = true;
    f->published_digest = h;
    f->published_empty = json_array_size(diags) == 0;
    struct ge_doc *d = ge_doc_find(s, f->uri);
    json_t *params = json_pack("{s:s, s:o}", "uri", f->uri, "diagnostics", diags);
    if (d != NULL)
        json_object_set_new(params, "version", json_integer(d->version));
    ge_notify(s, "textDocument/publishDiagnostics", params);
}

void ge_publish_pkg(struct ge_server *s, struct ge_pkg *pkg)
{
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f != NULL)
            ge_publish_file(s, f);
    }
}

void ge_publish_clear_pkg(struct ge_server *s, struct ge_pkg *pkg)
{
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f == NULL)
            continue;
        ge_finding_set_free(&f->set);
        if (f->published && !f->published_empty)
            ge_notify(s, "textDocument/publishDiagnostics",
                      json_pack("{s:s, s:[]}", "uri", f->uri, "diagnostics"));
        f->published = false;
    }
}

static void republish_fired(uv_timer_t *t)
{
    struct ge_server *s = t->data;
    size_t i = 0;
    const char *k;
    void *v;
    bool all = s->republish_all;
    s->republish_all = false;
    while (ge_strmap_next(&s->files, &i, &k, &v)) {
        struct ge_file *f = v;
        if ((all || f->republish) && f->pkg != NULL && f->pkg->analyzed && f->pkg->nopen > 0)
            ge_publish_file(s, f);
        f->republish = false;
    }
    if (s->caps.inlay_refresh)
        ge_request(s, "workspace/inlayHint/refresh", NULL, NULL, NULL);
    if (s->caps.codelens_refresh)
        ge_request(s, "workspace/codeLens/refresh", NULL, NULL, NULL);
}

void ge_publish_all_later(struct ge_server *s)
{
    s->republish_all = true;
    if (!s->stopping)
        uv_timer_start(&s->republish, republish_fired, GE_REPUBLISH_DELAY_MS, 0);
}

void ge_publish_file_later(struct ge_server *s, struct ge_file *f)
{
    f->republish = true;
    if (!s->stopping)
        uv_timer_start(&s->republish, republish_fired, GE_REPUBLISH_DELAY_MS, 0);
}
