/*
 * The scheduler on the loop. scheduler.c decides and this file carries it out: the ops reach
 * libuv (the clock, each package's debounce timer) and the stages (analyze.c, results.c,
 * apply.c, deliver.c), and the hooks the stages call at their ends become the scheduler's
 * events. This is the one file that knows both sides; neither knows the other.
 */
#include "run/runner.h"

#include "io/fileio.h"
#include "lsp/documents.h"
#include "lsp/progress.h"
#include "run/run.h"
#include "run/scheduler.h"
#include "run/workspace.h"

#include <stdlib.h>

static struct ge_pkg *pkg_of(struct ge_sched_pkg *sp)
{
    return sp->owner;
}

static uint64_t op_now(void *ctx)
{
    struct ge_server *s = ctx;
    return uv_now(s->loop);
}

static void timer_fired(uv_timer_t *t)
{
    struct ge_pkg *pkg = t->data;
    ge_sched_timer_fired(pkg->server->sched, pkg->sched);
}

static void op_timer_start(void *ctx, struct ge_sched_pkg *sp, uint64_t delay_ms)
{
    (void)ctx;
    uv_timer_start(&pkg_of(sp)->debounce, timer_fired, delay_ms, 0);
}

static void op_timer_stop(void *ctx, struct ge_sched_pkg *sp)
{
    (void)ctx;
    uv_timer_stop(&pkg_of(sp)->debounce);
}

static bool op_wants_tests(void *ctx, struct ge_sched_pkg *sp)
{
    return ge_pkg_wants_tests(ctx, pkg_of(sp));
}

static bool op_has_tests(void *ctx, struct ge_sched_pkg *sp)
{
    (void)ctx;
    return ge_pkg_has_tests(pkg_of(sp));
}

static bool op_tests_current(void *ctx, struct ge_sched_pkg *sp)
{
    (void)ctx;
    return pkg_of(sp)->tests_current;
}

static bool op_analyzed(void *ctx, struct ge_sched_pkg *sp)
{
    (void)ctx;
    return pkg_of(sp)->analyzed;
}

static bool op_unused(void *ctx, struct ge_sched_pkg *sp)
{
    (void)ctx;
    return pkg_of(sp)->nopen == 0;
}

static bool op_doc_unsaved(void *ctx, void *doc)
{
    struct ge_doc *d = doc;
    (void)ctx;
    return !ge_file_holds(d->path, d->text.data ? d->text.data : "", d->text.len);
}

static const struct ge_run_hooks hooks;

static void op_run_start(void *ctx, struct ge_sched_run *sr)
{
    struct ge_pkg **pkgs = ge_xmalloc(sr->npkgs * sizeof *pkgs);
    for (size_t i = 0; i < sr->npkgs; i++)
        pkgs[i] = pkg_of(sr->pkgs[i]);
    sr->stage =
        ge_run_start(ctx, pkgs, sr->npkgs, sr->pass == GE_PASS_QUICK, sr->tests, &hooks, sr);
    free(pkgs);
}

static void op_run_retry(void *ctx, struct ge_sched_run *sr)
{
    (void)ctx;
    ge_run_retry(sr->stage);
}

static void op_run_cancel(void *ctx, struct ge_sched_run *sr, bool kill)
{
    (void)ctx;
    ge_run_cancel(sr->stage, kill);
}

static void op_run_parse(void *ctx, struct ge_sched_run *sr)
{
    (void)ctx;
    ge_run_parse(sr->stage);
}

static void op_run_apply(void *ctx, struct ge_sched_run *sr)
{
    (void)ctx;
    ge_run_apply(sr->stage);
}

static void op_pkg_complete(void *ctx, struct ge_sched_run *sr, size_t i)
{
    struct ge_run *run = sr->stage;
    ge_progress_end(ctx, run->pkgs[i], run->results[i].end_message);
    ge_pkg_answer_waiters(ctx, run->pkgs[i], run->results[i].ok);
}

static void op_run_end(void *ctx, struct ge_sched_run *sr)
{
    (void)ctx;
    ge_run_end(sr->stage);
    sr->stage = NULL;
}

static void op_pkg_destroy(void *ctx, struct ge_sched_pkg *sp)
{
    ge_pkg_destroy(ctx, pkg_of(sp));
}

static void op_drained(void *ctx)
{
    struct ge_server *s = ctx;
    ge_server_stop(s, s->exit_code);
}

static const struct ge_sched_ops ops = {
    .now = op_now,
    .timer_start = op_timer_start,
    .timer_stop = op_timer_stop,
    .wants_tests = op_wants_tests,
    .has_tests = op_has_tests,
    .tests_current = op_tests_current,
    .analyzed = op_analyzed,
    .unused = op_unused,
    .doc_unsaved = op_doc_unsaved,
    .run_start = op_run_start,
    .run_retry = op_run_retry,
    .run_cancel = op_run_cancel,
    .run_parse = op_run_parse,
    .run_apply = op_run_apply,
    .pkg_complete = op_pkg_complete,
    .run_end = op_run_end,
    .pkg_destroy = op_pkg_destroy,
    .drained = op_drained,
};

static void job_ended(struct ge_run *run)
{
    const struct ge_job *job = &run->job;
    enum ge_sched_outcome outcome = job->cancelled          ? GE_RUN_CANCELLED
                                    : job->timed_out        ? GE_RUN_TIMED_OUT
                                    : ge_job_succeeded(job) ? GE_RUN_OK
                                                            : GE_RUN_FAILED;
    ge_sched_run_ended(run->server->sched, run->owner, outcome);
}

static void parsed(struct ge_run *run, int status)
{
    ge_sched_run_parsed(run->server->sched, run->owner, status == 0);
}

static void pkg_delivered(struct ge_run *run, size_t i, bool ok)
{
    ge_sched_pkg_delivered(run->server->sched, run->owner, i, ok);
}

static void delivered(struct ge_run *run)
{
    ge_sched_run_delivered(run->server->sched, run->owner);
}

static const struct ge_run_hooks hooks = {
    .job_ended = job_ended,
    .parsed = parsed,
    .pkg_delivered = pkg_delivered,
    .delivered = delivered,
};

static struct ge_sched_settings settings_of(const struct ge_config *c)
{
    return (struct ge_sched_settings){
        .debounce_ms = c->debounce_ms,
        .analyze_on_open = c->analyze_on != GE_ANALYZE_SAVE,
        .analyze_on_type = c->analyze_on == GE_ANALYZE_TYPE,
    };
}

void ge_runner_init(struct ge_server *s)
{
    struct ge_sched_settings settings = settings_of(&s->config);
    s->sched = ge_sched_create(&ops, s, &settings);
}

void ge_runner_settings_changed(struct ge_server *s, bool rerun)
{
    struct ge_sched_settings settings = settings_of(&s->config);
    ge_sched_settings_changed(s->sched, &settings, rerun);
}
