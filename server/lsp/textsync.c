/*
 * textDocument/didOpen, didChange, didSave and didClose: keeping the document table exact
 * and telling the scheduler (run/scheduler.h), which decides when a package is analyzed.
 */
#include "lsp/methods.h"

#include "io/fileio.h"
#include "io/log.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "lsp/progress.h"
#include "run/scheduler.h"
#include "lsp/publish.h"
#include "run/workspace.h"
#include "server.h"
#include "goescape/lsp.h"
#include "goescape/uri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_go_file(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".go") == 0;
}

void ge_m_did_open(struct ge_server *s, json_t *params)
{
    json_error_t jerr;
    const char *uri = NULL, *text = NULL;
    size_t text_len = 0;
    json_int_t version = 0;
    if (json_unpack_ex(params, &jerr, 0, "{s:{s:s, s?I, s:s%}}", "textDocument", "uri", &uri,
                       "version", &version, "text", &text, &text_len) != 0) {
        ge_log_warn("didOpen with invalid params: %s", jerr.text);
        return;
    }
    struct ge_doc *d = ge_doc_find(s, uri);
    if (d != NULL) {
        ge_log_warn("didOpen for %s, which is already open; replacing its text", uri);
    } else {
        d = ge_xcalloc(1, sizeof *d);
        d->uri = ge_xstrdup(uri);
        ge_buf_init(&d->text, GE_TEXT_MAX);
    }
    ge_buf_reset(&d->text);
    if (ge_buf_append(&d->text, text, text_len) != 0) {
        ge_show_message(s, 2, "goescape: %s is larger than %u MB; it is not analyzed", uri,
                        GE_TEXT_MAX >> 20);
        ge_buf_free(&d->text);
        ge_buf_init(&d->text, GE_TEXT_MAX);
    }
    d->version = version;
    ge_strmap_put(&s->docs, uri, d);
    if (d->path == NULL && ge_uri_to_path(uri, &d->path) != 0) {
        ge_log_info("not analyzing %s: not a file: URI", uri);
        return;
    }
    if (d->pkg != NULL || !is_go_file(d->path))
        return;
    d->pkg = ge_pkg_for_file(s, d->path);
    if (d->pkg == NULL)
        return;
    d->pkg->nopen++;
    struct ge_file *f = ge_strmap_get(&s->files, d->path);
    if (f != NULL && strcmp(f->uri, d->uri) != 0) {
        free(f->uri);
        f->uri = ge_xstrdup(d->uri);
        f->published = false;
    }
    if (f != NULL && f->disk != NULL &&
        (f->disk->len != d->text.len || memcmp(f->disk->data, d->text.data, f->disk->len) != 0)) {
        /* The findings were placed in a different text; they come back with the next run. */
        ge_finding_set_free(&f->set);
    }
    /* Without a new run, the file gets the findings its package has. */
    if (d->pkg->analyzed && s->config.analyze_on == GE_ANALYZE_SAVE && f != NULL)
        ge_publish_file(s, f);
    ge_sched_opened(s->sched, d->pkg->sched, d, ge_is_test_file(d->path));
    ge_progress_refresh(s, d->pkg);
}

static int apply_change(struct ge_server *s, struct ge_doc *d, json_t *change)
{
    json_t *range = json_object_get(change, "range");
    json_t *text = json_object_get(change, "text");
    if (!json_is_string(text))
        return -EINVAL;
    struct ge_range r;
    if (range != NULL && ge_lsp_range_unpack(range, &r) != 0)
        return -EINVAL;
    size_t off;
    if (range != NULL &&
        ge_text_line_offset(d->text.data, d->text.len, r.start.line, &off) == -ERANGE)
        ge_log_warn("change to %s starts at line %u, past the end of the document; clamped to "
                    "its end",
                    d->uri, r.start.line + 1);
    /* A change without a range (full sync, a revert, a formatter) replaces the whole text, but
     * the delta covers only what differs, so findings outside it move as for a ranged edit. */
    struct ge_text_delta delta;
    int rc = ge_text_apply(&d->text, range != NULL ? &r : NULL, s->enc, json_string_value(text),
                           json_string_length(text), &delta);
    if (rc == 0)
        ge_doc_track_edit(s, d, &delta);
    return rc;
}

void ge_m_did_change(struct ge_server *s, json_t *params)
{
    json_error_t jerr;
    const char *uri = NULL;
    json_int_t version = 0;
    json_t *changes = NULL;
    if (json_unpack_ex(params, &jerr, 0, "{s:{s:s, s?I}, s:o}", "textDocument", "uri", &uri,
                       "version", &version, "contentChanges", &changes) != 0 ||
        !json_is_array(changes)) {
        ge_log_warn("didChange with invalid params: %s", jerr.text);
        return;
    }
    struct ge_doc *d = ge_doc_find(s, uri);
    if (d == NULL) {
        ge_log_warn("didChange for %s, which is not open; ignored", uri);
        return;
    }
    if (version != 0 && version <= d->version)
        ge_log_warn("didChange for %s goes from version %lld to %lld; applying it in arrival "
                    "order",
                    uri, (long long)d->version, (long long)version);
    size_t i;
    json_t *change;
    json_array_foreach(changes, i, change)
    {
        int rc = apply_change(s, d, change);
        if (rc != 0) {
            ge_log_error("cannot apply change %zu to %s (%s); asking for a fresh analysis", i, uri,
                         rc == -ENOBUFS ? "document too large" : "invalid range");
            break;
        }
    }
    d->version = version;
    if (d->pkg == NULL)
        return;
    ge_sched_edited(s->sched, d->pkg->sched);
    struct ge_file *f = ge_strmap_get(&s->files, d->path);
    if (f != NULL)
        ge_publish_file_later(s, f);
}

void ge_m_did_save(struct ge_server *s, json_t *params)
{
    const char *uri =
        json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
    struct ge_doc *d = uri ? ge_doc_find(s, uri) : NULL;
    if (d == NULL) {
        ge_log_warn("didSave for a document that is not open");
        return;
    }
    if (d->pkg != NULL)
        ge_sched_saved(s->sched, d->pkg->sched, ge_is_test_file(d->path));
}

void ge_m_did_close(struct ge_server *s, json_t *params)
{
    const char *uri =
        json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
    struct ge_doc *d = uri ? ge_strmap_del(&s->docs, uri) : NULL;
    if (d == NULL) {
        ge_log_warn("didClose for a document that is not open");
        return;
    }
    struct ge_pkg *pkg = d->pkg;
    struct ge_file *f = d->path ? ge_strmap_get(&s->files, d->path) : NULL;
    if (f != NULL && pkg != NULL && pkg->nopen > 1) {
        /* Findings now refer to the disk text; keep them only if it is what they were
         * placed in. */
        ge_blob_unref(f->disk);
        f->disk = ge_blob_new(d->text.data ? d->text.data : "", d->text.len);
    }
    ge_doc_destroy(d);
    /* Out of view now (with diagnosticsScope "open"): its diagnostics are cleared. */
    if (f != NULL && pkg != NULL && pkg->nopen > 1)
        ge_publish_file(s, f);
    if (pkg != NULL && --pkg->nopen == 0) {
        /* No open document belongs to the package any more: clear what it published. */
        ge_publish_clear_pkg(s, pkg);
        ge_sched_closed(s->sched, pkg->sched);
    }
}
