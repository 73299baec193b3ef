/*
 * Applying a finished analysis on the loop thread: findings are moved through the edits made
 * while the go command ran and stored per file (deliver.c then publishes them); a failed build
 * keeps the last good findings, marked stale, and tells the user once per failure episode.
 */
#include "run/run.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "lsp/publish.h"
#include "run/workspace.h"

#include "strv.h"
#include "io/fileio.h"
#include "io/log.h"
#include "lsp/lookup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ge_run_snap *find_snap(struct ge_run *run, const char *path)
{
    for (size_t i = 0; i < run->nsnaps; i++)
        if (strcmp(run->snaps[i].path, path) == 0)
            return &run->snaps[i];
    return NULL;
}

/* The disk text the worker placed path's findings in, or NULL when it read none. */
static struct ge_run_text *find_text(struct ge_run *run, const char *path)
{
    for (size_t i = 0; i < run->ntexts; i++)
        if (run->texts[i].checked && strcmp(run->texts[i].path, path) == 0)
            return &run->texts[i];
    return NULL;
}

/*
 * Moves one file's new findings to the text the server holds now. Returns false when that
 * cannot be done exactly (the document was reopened with other text), and the findings are
 * then dropped until the next analysis.
 */
static bool follow_edits(struct ge_server *s, struct ge_run *run, struct ge_file *f,
                         struct ge_finding_set *set)
{
    struct ge_doc *d = ge_doc_find(s, f->uri);
    struct ge_run_snap *snap = find_snap(run, f->path);
    struct ge_run_text *disk = find_text(run, f->path);
    ge_blob_unref(f->disk);
    f->disk = NULL;
    if (d != NULL && snap != NULL && d->edit_seq - snap->seq == d->ndeltas) {
        for (size_t i = 0; i < d->ndeltas; i++)
            ge_shift_findings(set, &d->deltas[i]);
        return true;
    }
    const char *text = snap ? snap->text : disk && disk->blob ? disk->blob->data : NULL;
    size_t len = snap ? snap->len : disk && disk->blob ? disk->blob->len : 0;
    if (d != NULL)
        return text != NULL && d->text.len == len && memcmp(d->text.data, text, len) == 0;
    if (snap != NULL) {
        f->disk = ge_blob_new(snap->text, snap->len);
    } else if (disk != NULL) {
        f->disk = disk->blob; /* the run's reference moves to the file */
        disk->blob = NULL;
    }
    return true;
}

size_t ge_pkg_count_heap(struct ge_server *s, struct ge_pkg *pkg)
{
    size_t n = 0;
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f == NULL || !ge_file_in_view(s, f))
            continue;
        n += ge_file_count_shown(s, f);
    }
    return n;
}

static void apply_good(struct ge_server *s, struct ge_run *run, struct ge_pkg *pkg,
                       struct ge_run_result *res)
{
    for (size_t k = 0; res->paths[k] != NULL; k++) {
        const char *path = res->paths[k];
        /* A run without tests did not compile the test files. When a test run follows (the
         * quick pass, a test file opened meanwhile) they keep what they have; otherwise they
         * take the empty set, so findings made for older sources are never shown. */
        if (!run->tests && ge_is_test_file(path) && ge_pkg_wants_tests(s, pkg))
            continue;
        struct ge_file *f = ge_file_get(s, pkg, path);
        struct ge_finding_set set = res->sets[k];
        /* The old findings go with the run, to be freed off the loop. */
        res->sets[k] = f->set;
        f->set = (struct ge_finding_set){0};
        if (!follow_edits(s, run, f, &set))
            ge_finding_set_free(&set);
        f->set = set;
        f->stale = false;
        ge_file_set_errors(f, NULL, 0);
    }
    /* Files that are gone from the directory keep nothing. */
    for (char **p = pkg->files; *p; p++) {
        bool present = false;
        for (char **q = res->paths; *q && !present; q++)
            present = strcmp(*p, *q) == 0;
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (!present && f != NULL)
            ge_finding_set_free(&f->set);
    }
    pkg->good = true;
    pkg->tests_current = run->tests;
    pkg->failing = false;
    free(pkg->first_error);
    pkg->first_error = NULL;
    size_t n = ge_pkg_count_heap(s, pkg);
    res->end_message = ge_xasprintf("%zu heap escape%s", n, n == 1 ? "" : "s");
}

static char *failure_reason(struct ge_server *s, struct ge_run *run, struct ge_run_result *res)
{
    const struct ge_job *job = &run->job;
    if (job->spawn_error != 0)
        return ge_xasprintf("cannot run %s: %s", s->config.go_binary,
                            job->spawn_error == UV_ENOENT  ? "command not found"
                            : job->spawn_error == -ENOEXEC ? "not an executable program or "
                                                             "#! script (goescape never runs "
                                                             "a shell)"
                                                           : uv_strerror(job->spawn_error));
    const char *again = run->retried ? ", on both tries" : "";
    if (job->timed_out && job->hard_limit)
        return ge_xasprintf("the go command was still running after %llu ms (%d times "
                            "timeoutMs) and was stopped%s",
                            (unsigned long long)(job->finished_ms - job->started_ms),
                            GE_JOB_HARD_FACTOR, again);
    if (job->timed_out)
        return ge_xasprintf("the go command made no progress (no output, no CPU time) for the "
                            "timeoutMs setting (%llu ms) and was stopped%s",
                            (unsigned long long)s->config.timeout_ms, again);
    if (job->output_capped)
        return ge_xasprintf("the go command printed more than %u MB and was stopped",
                            GE_JOB_STDERR_MAX >> 20);
    if (job->term_signal != 0)
        return ge_xasprintf("the go command was killed by signal %d", job->term_signal);
    const char *first = res->first_error ? res->first_error : run->first_error;
    if (first != NULL)
        return ge_xstrdup(first);
    return ge_xasprintf("the go command exited with status %lld and printed no error",
                        (long long)job->exit_status);
}

static bool needs_network(const char *reason)
{
    return strstr(reason, "GOPROXY=off") != NULL || strstr(reason, "GOTOOLCHAIN=local") != NULL ||
           strstr(reason, "module lookup disabled") != NULL ||
           strstr(reason, "toolchain not available") != NULL;
}

/* Hands each file its compile errors (files without any get none). */
static void give_errors(struct ge_server *s, struct ge_pkg *pkg, struct ge_run_result *res)
{
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f != NULL)
            ge_file_set_errors(f, NULL, 0);
    }
    for (size_t i = 0; i < res->nerrors; i++) {
        struct ge_file *f = ge_file_get(s, pkg, res->error_paths[i]);
        f->errors = ge_xrealloc(f->errors, (f->nerrors + 1) * sizeof *f->errors);
        f->errors[f->nerrors++] = res->errors[i];
        res->errors[i].text = NULL;
    }
}

static void apply_failed(struct ge_server *s, struct ge_run *run, struct ge_pkg *pkg,
                         struct ge_run_result *res)
{
    char *reason = failure_reason(s, run, res);
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f != NULL)
            f->stale = f->set.count > 0;
    }
    give_errors(s, pkg, res);
    bool missing = run->job.spawn_error == UV_ENOENT;
    if (missing && !s->go_missing_told) {
        s->go_missing_told = true;
        ge_show_message(s, 1,
                        "goescape: the go command \"%s\" was not found. Install Go, or set the "
                        "goBinary setting to its path.",
                        s->config.go_binary);
    } else if (!missing && !pkg->failing) {
        ge_show_message(s, 2, "goescape: build failed for %s: %s%s%s", pkg->import_path, reason,
                        needs_network(reason) ? ". Downloads are off; turn on the "
                                                "allowModuleDownloads setting to allow them"
                                              : "",
                        pkg->good ? ". Showing findings from the last successful build." : "");
    }
    pkg->failing = true;
    pkg->tests_current = false;
    free(pkg->first_error);
    pkg->first_error = reason;
    res->end_message = ge_xasprintf("build failed: %s", reason);
}

static bool package_ok(const struct ge_run *run, const struct ge_run_result *res)
{
    const struct ge_job *job = &run->job;
    if (ge_job_succeeded(job))
        return true;
    /* In a batch, one failing package does not spoil the others that compiled. */
    return job->spawn_error == 0 && job->exited && job->term_signal == 0 && !job->timed_out &&
           !job->output_capped && res->has_block && res->first_error == NULL;
}

void ge_pkg_answer_waiters(struct ge_server *s, struct ge_pkg *pkg, bool ok)
{
    for (struct ge_pending **pp = &s->pending; *pp;) {
        struct ge_pending *p = *pp;
        if (p->pkg != pkg) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        ge_reply(s, p->id,
                 json_pack("{s:s, s:b, s:I, s:s*}", "package", pkg->import_path, "ok", ok,
                           "escapes", (json_int_t)ge_pkg_count_heap(s, pkg), "error",
                           ok ? NULL : pkg->first_error));
        json_decref(p->id);
        free(p);
    }
}

void ge_run_apply(struct ge_run *run)
{
    struct ge_server *s = run->server;
    if (run->nunknown > 0 && ge_job_succeeded(&run->job))
        ge_log_info("%zu output lines were not escape facts; first: %s", run->nunknown,
                    run->first_unknown);
    uint64_t t0 = uv_hrtime();
    ge_server_changed(s);
    for (size_t i = 0; i < run->npkgs; i++) {
        struct ge_pkg *pkg = run->pkgs[i];
        pkg->analyzed = true;
        pkg->last_ms = uv_now(s->loop) - run->started_ms;
        if (pkg->nopen == 0)
            continue;
        struct ge_run_result *res = &run->results[i];
        res->ok = package_ok(run, res);
        res->applied = true;
        if (res->ok)
            apply_good(s, run, pkg, res);
        else
            apply_failed(s, run, pkg, res);
    }
    ge_log_debug("applied the analysis of %zu package%s in %.2f ms", run->npkgs,
                 run->npkgs == 1 ? "" : "s", (double)(uv_hrtime() - t0) / 1e6);
    if (run->texts_read + run->texts_kept > 0)
        ge_log_info("file texts: %zu read from disk, %zu kept from the last analysis",
                    run->texts_read, run->texts_kept);
    /* Publishing can be long for a big package; it goes out in slices between requests. */
    ge_deliver_start(s, run);
}

void ge_run_free(struct ge_run *run)
{
    ge_run_stream_drop(run);
    ge_publish_job_reset(&run->publishing);
    if (run->overlay_dir != NULL) {
        for (size_t i = 0; i < run->nsnaps; i++) {
            const char *base = strrchr(run->snaps[i].path, '/');
            char *sub = ge_xasprintf("%s/%zu", run->overlay_dir, i);
            char *copy = ge_xasprintf("%s/%s", sub, base ? base + 1 : run->snaps[i].path);
            unlink(copy);
            rmdir(sub);
            free(copy);
            free(sub);
        }
        char *json = ge_xasprintf("%s/overlay.json", run->overlay_dir);
        unlink(json);
        free(json);
        rmdir(run->overlay_dir);
        free(run->overlay_dir);
    }
    for (size_t i = 0; i < run->nsnaps; i++) {
        free(run->snaps[i].path);
        free(run->snaps[i].text);
    }
    free(run->snaps);
    for (size_t i = 0; i < run->ntexts; i++) {
        free(run->texts[i].path);
        ge_blob_unref(run->texts[i].blob);
    }
    free(run->texts);
    for (size_t i = 0; run->results != NULL && i < run->npkgs; i++) {
        for (size_t k = 0; run->results[i].sets != NULL && run->results[i].paths[k]; k++)
            ge_finding_set_free(&run->results[i].sets[k]);
        free(run->results[i].sets);
        ge_strv_free(run->results[i].paths);
        free(run->results[i].first_error);
        free(run->results[i].end_message);
        for (size_t k = 0; k < run->results[i].nerrors; k++)
            free(run->results[i].errors[k].text);
        free(run->results[i].errors);
        ge_strv_free(run->results[i].error_paths);
    }
    free(run->results);
    ge_strv_free(run->argv);
    ge_strv_free(run->env);
    free(run->cwd);
    free(run->pkgs);
    free(run->first_unknown);
    free(run->first_error);
    free(run->activity);
    ge_buf_free(&run->job.out);
    ge_buf_free(&run->job.err);
    free(run);
}
