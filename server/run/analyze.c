/*
 * The first stage of an analysis: start the go command of a run (scheduler.c decides which
 * packages and which pass), with an -overlay for unsaved buffers, say what it is doing while
 * it is silent, start it again or stop it when told, and at the end free the run off the loop.
 * The stage reports through the run's hooks (run.h) and knows nothing of the scheduler.
 */
#include "run/run.h"
#include "lsp/documents.h"
#include "run/workspace.h"

#include "io/fileio.h"
#include "io/gocmd.h"
#include "io/log.h"
#include "lsp/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a go command may be silent before the fallback says it is building. */
#define GE_QUIET_REPORT_MS 3000

static void build_command(struct ge_server *s, struct ge_run *run)
{
    const char **patterns = ge_xmalloc(run->npkgs * sizeof(char *));
    for (size_t i = 0; i < run->npkgs; i++)
        patterns[i] = run->pkgs[i]->pattern;
    char *overlay = run->overlay_dir ? ge_xasprintf("%s/overlay.json", run->overlay_dir) : NULL;
    run->argv = ge_gocmd_build_argv(&s->config, run->tests, run->pkgs[0]->modroot, overlay,
                                    patterns, run->npkgs);
    run->env = ge_gocmd_env(&s->config);
    free(overlay);
    free(patterns);
}

static int write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int rc = 0;
    while (len > 0 && rc == 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno != EINTR)
            rc = -errno;
        if (w > 0) {
            data += w;
            len -= (size_t)w;
        }
    }
    close(fd);
    return rc;
}

/* Writes an -overlay for open documents whose text differs from the disk, in a private 0700
 * directory outside the user's tree. Returns 0 or a negative errno. */
static int write_overlay(struct ge_server *s, struct ge_run *run)
{
    struct ge_buf json;
    ge_buf_init(&json, 64u << 20);
    ge_buf_appends(&json, "{\"Replace\":{");
    int count = 0;
    int rc = 0;
    for (size_t i = 0; i < run->nsnaps && rc == 0; i++) {
        struct ge_run_snap *sn = &run->snaps[i];
        if (ge_file_holds(sn->path, sn->text, sn->len))
            continue;
        if (run->overlay_dir == NULL) {
            run->overlay_dir = ge_xasprintf("%s/run-XXXXXX", s->tmpdir);
            if (mkdtemp(run->overlay_dir) == NULL) {
                rc = -errno;
                free(run->overlay_dir);
                run->overlay_dir = NULL;
                break;
            }
        }
        /* Each copy keeps its file's base name, in its own numbered directory, so compiler
         * errors in unsaved buffers name the user's file. */
        const char *base = strrchr(sn->path, '/');
        char *sub = ge_xasprintf("%s/%zu", run->overlay_dir, i);
        char *copy = ge_xasprintf("%s/%s", sub, base ? base + 1 : sn->path);
        if (mkdir(sub, 0700) != 0)
            rc = -errno;
        free(sub);
        if (rc == 0)
            rc = write_file(copy, sn->text, sn->len);
        json_t *k = json_string(sn->path);
        char *kq = json_dumps(k, JSON_ENCODE_ANY);
        json_t *v = json_string(copy);
        char *vq = json_dumps(v, JSON_ENCODE_ANY);
        ge_buf_printf(&json, "%s%s:%s", count ? "," : "", kq, vq);
        free(kq);
        free(vq);
        json_decref(k);
        json_decref(v);
        free(copy);
        count++;
    }
    ge_buf_appends(&json, "}}");
    if (rc == 0 && run->overlay_dir != NULL) {
        char *path = ge_xasprintf("%s/overlay.json", run->overlay_dir);
        rc = write_file(path, json.data, json.len);
        free(path);
    }
    ge_buf_free(&json);
    return rc;
}

static void snapshot_docs(struct ge_server *s, struct ge_run *run)
{
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(&s->docs, &i, &k, &v)) {
        struct ge_doc *d = v;
        bool ours = false;
        for (size_t p = 0; d->pkg != NULL && p < run->npkgs && !ours; p++)
            ours = d->pkg == run->pkgs[p];
        if (!ours)
            continue;
        run->snaps = ge_xrealloc(run->snaps, (run->nsnaps + 1) * sizeof *run->snaps);
        run->snaps[run->nsnaps++] = (struct ge_run_snap){
            .path = ge_xstrdup(d->path),
            .text = ge_xstrndup(d->text.data ? d->text.data : "", d->text.len),
            .len = d->text.len,
            .seq = d->edit_seq,
        };
        d->ndeltas = 0; /* only edits after this snapshot matter now */
    }
}

/* Sends message as the run's progress, to each of its packages, when it is news. */
static void report(struct ge_server *s, struct ge_run *run, const char *message)
{
    if (run->activity != NULL && strcmp(run->activity, message) == 0)
        return;
    free(run->activity);
    run->activity = ge_xstrdup(message);
    for (size_t i = 0; i < run->npkgs; i++)
        ge_progress_report(s, run->pkgs[i], message);
}

/* True when the compiler's -p names one of the run's packages, its external test package, or
 * the test binary's main. */
static bool compiles_ours(const struct ge_run *run, const char *pkg)
{
    if (strcmp(pkg, "main") == 0)
        return true;
    for (size_t i = 0; i < run->npkgs; i++) {
        const char *ip = run->pkgs[i]->import_path;
        size_t n = strlen(ip);
        if (strncmp(pkg, ip, n) == 0 && (pkg[n] == '\0' || strcmp(pkg + n, "_test") == 0))
            return true;
    }
    return false;
}

/*
 * What the go command is doing, said while it is silent. The compiler prints escape facts only
 * for the packages named on the command line, so a cold build cache means minutes without a
 * word while dependencies compile. Where the group's compilers can be seen, their packages tell
 * dependencies from ours; elsewhere a long silence before any output is all there is to say.
 */
static void job_sample(struct ge_job *job, const struct ge_proc_sample *sample)
{
    struct ge_run *run = job->data;
    struct ge_server *s = run->server;
    if (run->cancelled || s->state == GE_STATE_STOPPING)
        return;
    if (sample == NULL) {
        if (job->err_total == 0 && uv_now(s->loop) - job->started_ms >= GE_QUIET_REPORT_MS)
            report(s, run, "building (dependencies first when the build cache is cold)…");
        return;
    }
    const char *dep = NULL;
    bool ours = false;
    for (size_t i = 0; i < sample->ncompiling; i++) {
        if (compiles_ours(run, sample->compiling[i]))
            ours = true;
        else if (dep == NULL)
            dep = sample->compiling[i];
    }
    if (dep != NULL) {
        char *msg = ge_xasprintf("building dependencies… (%s)", dep);
        report(s, run, msg);
        free(msg);
    } else if (ours) {
        report(s, run,
               run->tests ? "compiling the package and its tests" : "compiling the package");
    }
}

static void job_done(struct ge_job *job);

static void start_job(struct ge_server *s, struct ge_run *run)
{
    struct ge_job_spec spec = {
        .argv = (const char *const *)run->argv,
        .env = (const char *const *)run->env,
        .cwd = run->cwd,
        .timeout_ms = s->config.timeout_ms,
        .nice = (int)s->config.compiler_nice,
        .on_stderr = ge_run_on_output,
        .on_sample = job_sample,
    };
    ge_run_stream_begin(run);
    run->job.data = run;
    ge_job_start(&run->job, s->loop, &spec, job_done);
}

void ge_run_retry(struct ge_run *run)
{
    struct ge_server *s = run->server;
    run->retried = true;
    ge_log_warn("%s: the go command %s; starting it once more", run->pkgs[0]->import_path,
                run->job.hard_limit ? "reached its hard time limit" : "made no progress");
    char *msg = ge_xasprintf("no progress for %g s; trying once more",
                             (double)s->config.timeout_ms / 1000.0);
    report(s, run,
           run->job.hard_limit ? "still running at the hard time limit; trying once more" : msg);
    free(msg);
    ge_run_stream_drop(run);
    ge_buf_free(&run->job.out);
    ge_buf_free(&run->job.err);
    start_job(s, run);
}

void ge_run_cancel(struct ge_run *run, bool kill)
{
    run->cancelled = true;
    if (kill)
        ge_job_kill(&run->job);
    else
        ge_job_cancel(&run->job);
}

static void job_done(struct ge_job *job)
{
    struct ge_run *run = job->data;
    ge_log_info("go command finished in %llu ms (status %lld, signal %d, %zu bytes)",
                (unsigned long long)(job->finished_ms - job->started_ms),
                (long long)job->exit_status, job->term_signal, job->err_total);
    run->hooks->job_ended(run);
}

struct ge_run *ge_run_start(struct ge_server *s, struct ge_pkg **pkgs, size_t n, bool quick,
                            bool tests, const struct ge_run_hooks *hooks, void *owner)
{
    struct ge_run *run = ge_xcalloc(1, sizeof *run);
    run->server = s;
    run->hooks = hooks;
    run->owner = owner;
    run->pkgs = ge_xmalloc(n * sizeof *pkgs);
    memcpy(run->pkgs, pkgs, n * sizeof *pkgs);
    run->npkgs = n;
    run->quick = quick;
    run->tests = tests;
    run->cwd = ge_xstrdup(pkgs[0]->modroot ? pkgs[0]->modroot : pkgs[0]->dir);
    run->started_ms = uv_now(s->loop);
    for (size_t i = 0; i < n; i++)
        ge_progress_begin(s, pkgs[i]);
    run->next = s->runs;
    s->runs = run;
    snapshot_docs(s, run);
    if (s->tmpdir != NULL && write_overlay(s, run) != 0)
        ge_log_warn("cannot write the overlay for unsaved buffers; analyzing the files on disk");
    build_command(s, run);
    ge_log_info("running %s %s ... (%zu packages) in %s", run->argv[0], run->argv[1], n, run->cwd);
    start_job(s, run);
    return run;
}

/* A finished run, freed on the thread pool: a big package's findings take milliseconds to
 * free, and the loop answers requests meanwhile. */
struct reaper {
    uv_work_t work;
    struct ge_server *server;
    struct ge_run *run; /* owned */
};

static void reap_work(uv_work_t *req)
{
    struct reaper *r = req->data;
    ge_run_free(r->run);
    r->run = NULL;
}

static void reap_done(uv_work_t *req, int status)
{
    struct reaper *r = req->data;
    (void)status;
    if (r->run != NULL)
        ge_run_free(r->run); /* cancelled before it ran */
    /* An analysis frees about as much as the findings it leaves. */
    else if (r->server->runs == NULL)
        ge_server_trim_later(r->server);
    free(r);
}

static void reap(struct ge_server *s, struct ge_run *run)
{
    struct reaper *r = ge_xcalloc(1, sizeof *r);
    r->server = s;
    r->run = run;
    r->work.data = r;
    if (uv_queue_work(s->loop, &r->work, reap_work, reap_done) != 0) {
        ge_run_free(run);
        free(r);
    }
}

void ge_run_end(struct ge_run *run)
{
    struct ge_server *s = run->server;
    if (run->npkgs > 0) {
        char *what = ge_xasprintf("the analysis of %s%s", run->pkgs[0]->import_path,
                                  run->npkgs > 1 ? " and more packages" : "");
        ge_stall_summary(&s->stall, what);
        free(what);
    }
    for (struct ge_run **pp = &s->runs; *pp; pp = &(*pp)->next) {
        if (*pp == run) {
            *pp = run->next;
            break;
        }
    }
    reap(s, run);
}
