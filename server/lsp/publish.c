/*
 * textDocument/publishDiagnostics. Each file's diagnostics are built from its findings, the
 * text they refer to and the settings, and sent only when they differ from what the client
 * already has. An edit republishes its own file after a short delay, so typing does not flood
 * the client; a settings change republishes every file.
 */
#include "lsp/publish.h"

#include "io/log.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "lsp/render.h"
#include "run/workspace.h"
#include "server.h"
#include "goescape/filter.h"
#include "goescape/lsp.h"
#include "goescape/uri.h"

#include <stdlib.h>
#include <string.h>

#define GE_REPUBLISH_DELAY_MS 150

/* The text a diagnostic's own file is published with, and its line index. */
struct own_text {
    const char *uri;
    const char *text;
    size_t len;
    const struct ge_lines *lines;
};

static json_t *related(const struct ge_render_ctx *r, const struct ge_finding *f,
                       const struct own_text *own)
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
        const struct ge_file *other = is_own ? NULL : ge_strmap_get(r->files, st->path);
        struct ge_range rg = {{st->line - 1, st->col ? st->col - 1 : 0},
                              {st->line - 1, st->col ? st->col - 1 : 0}};
        const char *text = own->text;
        size_t len = own->len, off;
        int found = -1;
        if (is_own) {
            found = ge_lines_offset(own->lines, st->line - 1, &off);
        } else if (other != NULL) {
            text = ge_file_text(r->docs, other, &len);
            found = ge_text_line_offset(text, len, st->line - 1, &off);
        }
        if (found == 0) {
            size_t line_len = ge_text_line_length(text, len, off);
            size_t col = st->col ? st->col - 1 : 0;
            rg.start.character = ge_text_units(text + off, line_len, col, r->enc);
            rg.end = rg.start;
        }
        char *uri = is_own ? NULL : ge_uri_from_path(st->path);
        json_array_append_new(list, json_pack("{s:o, s:s}", "location",
                                              ge_lsp_location_pack(is_own ? own->uri : uri, &rg),
                                              "message", st->message));
        free(uri);
    }
    return list;
}

static json_t *diagnostic(const struct ge_render_ctx *r, const struct ge_finding *f,
                          const struct own_text *own, bool stale, const struct ge_assertion *a)
{
    struct ge_range rg = {
        .start = ge_lines_position(own->lines, own->text, own->len, f->span.start, r->enc),
        .end = ge_lines_position(own->lines, own->text, own->len, f->span.end, r->enc),
    };
    struct ge_buf msg;
    ge_buf_init(&msg, GE_MESSAGE_MAX);
    const char *text = ge_finding_message(f, &msg);
    json_t *d = json_pack("{s:o, s:i, s:s, s:s, s:s}", "range", ge_lsp_range_pack(&rg), "severity",
                          r->config->severity[f->category], "code", ge_category_name(f->category),
                          "source", "goescape", "message", text);
    if (a != NULL) {
        /* An accepted escape is a hint that carries its reason, not a problem. */
        struct ge_assert_result verdict = {.verdict = GE_VERDICT_ALLOWED};
        char *m = ge_assert_message_new(a, &verdict, text);
        json_object_set_new(d, "message", json_string(m));
        json_object_set_new(d, "severity", json_integer(4));
        free(m);
    }
    if (stale) {
        char *old = ge_xasprintf("%s (from the last successful build)",
                                 json_string_value(json_object_get(d, "message")));
        json_object_set_new(d, "message", json_string(old));
        free(old);
    }
    ge_buf_free(&msg);
    if (f->nsteps > 0)
        json_object_set_new(d, "relatedInformation", related(r, f, own));
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

static json_t *error_diagnostic(enum ge_encoding enc, const struct ge_build_error *e,
                                const char *text, size_t len)
{
    struct ge_range r = {{e->line - 1, 0}, {e->line - 1, 0}};
    size_t off;
    if (ge_text_line_offset(text, len, e->line - 1, &off) == 0) {
        size_t n = ge_text_line_length(text, len, off);
        r.start.character = ge_text_units(text + off, n, e->col ? e->col - 1 : 0, enc);
        r.end.character = e->col ? r.start.character + 1 : ge_text_units(text + off, n, n, enc);
    }
    return json_pack("{s:o, s:i, s:s, s:s, s:s}", "range", ge_lsp_range_pack(&r), "severity", 1,
                     "code", "build", "source", "goescape", "message", e->text);
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static int append_cb(const char *buf, size_t size, void *data)
{
    return ge_buf_append(data, buf, size) == 0 ? 0 : -1;
}

void ge_publish_job_reset(struct ge_publish_job *job)
{
    if (job->file != NULL)
        ge_lines_free(&job->lines);
    free(job->asserts);
    free(job->assert_of);
    ge_buf_free(&job->list);
    *job = (struct ge_publish_job){0};
}

/* Appends one diagnostic (stolen) to the job's encoded list. */
static void job_add(struct ge_publish_job *job, json_t *diag_new)
{
    size_t mark = job->list.len;
    int rc = ge_buf_append(&job->list, job->count_out ? "," : "", job->count_out ? 1 : 0);
    if (rc == 0 && json_dump_callback(diag_new, append_cb, &job->list, JSON_COMPACT) != 0)
        rc = -ENOBUFS;
    json_decref(diag_new);
    if (rc != 0) {
        if (!job->truncated)
            ge_log_warn("diagnostics of %s exceed %u MB; the rest are not shown", job->file->path,
                        GE_OUT_QUEUE_MAX >> 20);
        job->truncated = true;
        job->list.len = mark;
        return;
    }
    /* Hashed slice by slice, so the end of a large file is not one long pass over it. */
    for (size_t i = mark; i < job->list.len; i++)
        job->digest = (job->digest ^ (unsigned char)job->list.data[i]) * FNV_PRIME;
    job->count_out++;
}

/* An assertion's own diagnostic: broken (at the escape, with its flow), a bare allow or one
 * that matches no code (at the comment). Code "assertion" tells them from findings. */
static json_t *assert_diagnostic(const struct ge_render_ctx *rc, const struct ge_publish_job *job,
                                 const struct ge_assert_result *r)
{
    const struct ge_assertion *a = &job->asserts[r->assertion];
    const struct ge_finding *fi = r->finding != SIZE_MAX ? &job->items[r->finding] : NULL;
    struct ge_buf msg;
    ge_buf_init(&msg, GE_MESSAGE_MAX);
    char *m = ge_assert_message_new(a, r, fi != NULL ? ge_finding_message(fi, &msg) : "");
    struct ge_span span = fi != NULL ? fi->span : a->comment;
    struct ge_range rg = {
        .start = ge_lines_position(&job->lines, job->text, job->len, span.start, rc->enc),
        .end = ge_lines_position(&job->lines, job->text, job->len, span.end, rc->enc),
    };
    int severity = r->verdict == GE_VERDICT_UNMATCHED ? 2 : 1;
    json_t *d = json_pack("{s:o, s:i, s:s, s:s, s:s}", "range", ge_lsp_range_pack(&rg), "severity",
                          severity, "code", "assertion", "source", "goescape", "message", m);
    free(m);
    ge_buf_free(&msg);
    struct own_text own = {
        .uri = job->file->uri, .text = job->text, .len = job->len, .lines = &job->lines};
    if (fi != NULL && fi->nsteps > 0)
        json_object_set_new(d, "relatedInformation", related(rc, fi, &own));
    return d;
}

/* Checks the file's assertions against its findings: their diagnostics go first, and the
 * findings they break or allow are marked, to be left out or shown as hints. */
static void add_assertions(const struct ge_render_ctx *r, struct ge_publish_job *job)
{
    size_t na = ge_assert_scan(job->text, job->len, &job->asserts);
    if (na == 0)
        return;
    struct ge_assert_result *v;
    size_t nv = ge_assert_check(job->asserts, na, job->items, job->count, &v);
    for (size_t i = 0; i < nv; i++) {
        if (v[i].finding != SIZE_MAX) {
            if (job->assert_of == NULL)
                job->assert_of = ge_xcalloc(job->count, sizeof *job->assert_of);
            job->assert_of[v[i].finding] =
                (struct ge_assert_mark){(uint32_t)v[i].assertion + 1, v[i].verdict};
        }
        if (v[i].verdict != GE_VERDICT_ALLOWED)
            job_add(job, assert_diagnostic(r, job, &v[i]));
    }
    free(v);
}

/* Starts job on f's current findings and text. */
static void job_start(const struct ge_render_ctx *r, struct ge_publish_job *job, struct ge_file *f,
                      const char *text, size_t len, uint64_t seq)
{
    ge_publish_job_reset(job);
    *job = (struct ge_publish_job){.file = f,
                                   .text = text,
                                   .len = len,
                                   .items = f->set.items,
                                   .count = f->set.count,
                                   .edit_seq = seq,
                                   .stale = f->stale,
                                   .digest = FNV_OFFSET};
    ge_buf_init(&job->list, GE_OUT_QUEUE_MAX / 2);
    for (size_t i = 0; r->config->report_build_errors && i < f->nerrors; i++)
        job_add(job, error_diagnostic(r->enc, &f->errors[i], text, len));
    /* One line index per publish keeps a file with many findings linear, not quadratic. */
    ge_lines_init(&job->lines, text, len);
    add_assertions(r, job);
}

/* Sends job's list when it differs from what the client has. The list is already JSON text, so
 * the params are written around it rather than built as a tree and encoded in one go. */
static void job_finish(struct ge_server *s, struct ge_publish_job *job)
{
    struct ge_file *f = job->file;
    /* Only a digest of what the client has is kept, not the text. */
    uint64_t h = job->digest;
    if (f->published && f->published_digest == h) {
        ge_publish_job_reset(job);
        return;
    }
    f->published = true;
    f->published_digest = h;
    f->published_empty = job->count_out == 0;
    struct ge_buf head;
    ge_buf_init(&head, GE_OUT_QUEUE_MAX);
    json_t *uri = json_string(f->uri);
    int rc = ge_buf_appends(&head, "{\"uri\":");
    if (rc == 0 && json_dump_callback(uri, append_cb, &head, JSON_ENCODE_ANY) != 0)
        rc = -ENOBUFS;
    json_decref(uri);
    struct ge_doc *d = ge_doc_find(s, f->uri);
    if (rc == 0 && d != NULL)
        rc = ge_buf_printf(&head, ",\"version\":%lld", (long long)d->version);
    if (rc == 0)
        rc = ge_buf_appends(&head, ",\"diagnostics\":[");
    struct ge_rpc_piece params[] = {
        {head.data, head.len}, {job->list.data, job->list.len}, {"]}", 2}};
    struct ge_buf framed;
    ge_buf_init(&framed, GE_OUT_QUEUE_MAX);
    if (rc == 0)
        rc = ge_rpc_notification_encode_raw("textDocument/publishDiagnostics", params,
                                            GE_ARRAY_SIZE(params), &framed);
    if (rc == 0)
        ge_send_framed(s, &framed);
    else
        ge_log_error("cannot publish the diagnostics of %s: too large", f->path);
    ge_buf_free(&framed);
    ge_buf_free(&head);
    ge_publish_job_reset(job);
}

bool ge_file_in_view(struct ge_server *s, const struct ge_file *f)
{
    return s->config.diagnostics_scope == GE_SCOPE_PACKAGE || ge_doc_find(s, f->uri) != NULL;
}

/* A file out of view: the client keeps no diagnostics of it. */
static void clear_file(struct ge_server *s, struct ge_file *f)
{
    if (f->published && !f->published_empty)
        ge_notify(s, "textDocument/publishDiagnostics",
                  json_pack("{s:s, s:[]}", "uri", f->uri, "diagnostics"));
    if (f->published) {
        /* What an empty list digests to, so showing it again publishes what it has. */
        f->published_digest = FNV_OFFSET;
        f->published_empty = true;
    }
}

bool ge_publish_step(struct ge_server *s, struct ge_publish_job *job, struct ge_file *f,
                     uint64_t deadline_ns)
{
    if (!ge_file_in_view(s, f)) {
        if (job->file == f)
            ge_publish_job_reset(job);
        clear_file(s, f);
        return true;
    }
    struct ge_render_ctx r = ge_render_ctx_of(s);
    size_t len;
    const char *text = ge_file_text(r.docs, f, &len);
    struct ge_doc *d = ge_doc_find(s, f->uri);
    uint64_t seq = d != NULL ? d->edit_seq : 0;
    /* Anything that moved since the last slice (an edit, a reopen, new findings) starts the
     * file over; the pieces built so far may no longer match. */
    if (job->file != f || job->text != text || job->len != len || job->items != f->set.items ||
        job->count != f->set.count || job->edit_seq != seq || job->stale != f->stale)
        job_start(&r, job, f, text, len, seq);
    struct own_text own = {.uri = f->uri, .text = text, .len = len, .lines = &job->lines};
    while (job->next < job->count) {
        size_t i = job->next++;
        const struct ge_finding *fi = &job->items[i];
        const struct ge_assert_mark *m = job->assert_of != NULL ? &job->assert_of[i] : NULL;
        bool broken = m != NULL && m->assertion > 0 && m->verdict == GE_VERDICT_BROKEN;
        const struct ge_assertion *allow =
            m != NULL && m->assertion > 0 && m->verdict == GE_VERDICT_ALLOWED
                ? &job->asserts[m->assertion - 1]
                : NULL;
        if (!broken && ge_filter_shows(r.config->categories, text, len, fi))
            job_add(job, diagnostic(&r, fi, &own, f->stale, allow));
        if (job->next % 16 == 0 && job->next < job->count && uv_hrtime() >= deadline_ns)
            return false;
    }
    job_finish(s, job);
    return true;
}

void ge_publish_file(struct ge_server *s, struct ge_file *f)
{
    struct ge_publish_job job = {0};
    ge_publish_step(s, &job, f, UINT64_MAX);
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
    /* The edits have paused: what they grew and freed goes back to the system. */
    ge_server_trim_later(s);
}

void ge_publish_all_later(struct ge_server *s)
{
    s->republish_all = true;
    if (s->state != GE_STATE_STOPPING)
        uv_timer_start(&s->republish, republish_fired, GE_REPUBLISH_DELAY_MS, 0);
}

void ge_publish_file_later(struct ge_server *s, struct ge_file *f)
{
    f->republish = true;
    if (s->state != GE_STATE_STOPPING)
        uv_timer_start(&s->republish, republish_fired, GE_REPUBLISH_DELAY_MS, 0);
}
