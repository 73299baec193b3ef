/*
 * The open-document table and the bookkeeping that lets findings follow edits: each edit's
 * byte delta moves the findings of that file at once, and is logged while an analysis that
 * started before it is still running, so the analysis's results can be moved the same way.
 */
#include "lsp/documents.h"

#include "io/log.h"
#include "run/scheduler.h"
#include "io/fileio.h"
#include "run/workspace.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

struct ge_doc *ge_doc_find(struct ge_server *s, const char *uri)
{
    return ge_strmap_get(&s->docs, uri);
}

struct ge_doc *ge_doc_for_path(struct ge_server *s, const char *path)
{
    struct ge_file *f = ge_strmap_get(&s->files, path);
    if (f != NULL)
        return ge_doc_find(s, f->uri);
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(&s->docs, &i, &k, &v)) {
        struct ge_doc *d = v;
        if (d->path != NULL && strcmp(d->path, path) == 0)
            return d;
    }
    return NULL;
}

const char *ge_file_text(const struct ge_strmap *docs, const struct ge_file *f, size_t *len)
{
    const struct ge_doc *d = ge_strmap_get(docs, f->uri);
    if (d != NULL) {
        *len = d->text.len;
        return d->text.data ? d->text.data : "";
    }
    *len = f->disk ? f->disk->len : 0;
    return f->disk ? f->disk->data : "";
}

void ge_doc_destroy(struct ge_doc *d)
{
    free(d->uri);
    free(d->path);
    ge_buf_free(&d->text);
    free(d->deltas);
    free(d);
}

void ge_docs_free(struct ge_server *s)
{
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(&s->docs, &i, &k, &v))
        ge_doc_destroy(v);
    ge_strmap_free(&s->docs);
}

/*
 * Moves spans past the edit by the size difference; a span the edit touches is removed until
 * the next analysis, since its expression may no longer be what the compiler saw. An
 * insertion exactly at a span's start moves it; one exactly at its end leaves it alone.
 */
void ge_shift_findings(struct ge_finding_set *set, const struct ge_text_delta *d)
{
    size_t kept = 0;
    for (size_t i = 0; i < set->count; i++) {
        struct ge_finding *f = &set->items[i];
        if (f->span.start >= d->old_end && f->span.end > d->start) {
            f->span.start = f->span.start - d->old_end + d->new_end;
            f->span.end = f->span.end - d->old_end + d->new_end;
        } else if (f->span.end > d->start) {
            ge_finding_free(f);
            continue;
        }
        set->items[kept++] = *f;
    }
    set->count = kept;
}

void ge_doc_track_edit(struct ge_server *s, struct ge_doc *d, const struct ge_text_delta *delta)
{
    d->edit_seq++;
    if (d->pkg != NULL && ge_sched_pkg_in_run(d->pkg->sched)) {
        if (d->ndeltas == d->cap_deltas) {
            d->cap_deltas = d->cap_deltas ? d->cap_deltas * 2 : 16;
            d->deltas = ge_xrealloc(d->deltas, d->cap_deltas * sizeof *d->deltas);
        }
        if (d->ndeltas == 0)
            d->delta_seq0 = d->edit_seq;
        d->deltas[d->ndeltas++] = *delta;
    } else {
        d->ndeltas = 0;
    }
    struct ge_file *f = d->path ? ge_strmap_get(&s->files, d->path) : NULL;
    if (f != NULL)
        ge_shift_findings(&f->set, delta);
}
