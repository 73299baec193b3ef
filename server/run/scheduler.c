/*
 * The scheduler: every package's phase, and every change of it, in one place. Each event has
 * one function below; the work itself (timers, the go command, the parse, applying and
 * publishing results) is done through ops, so this file links without libuv or jansson and
 * the unit tests drive it with a fake clock.
 *
 *               trigger: open, save, edit, command, settings
 *   +--------+ -------------------------------------------------> +---------+ <-+ a trigger
 *   |  IDLE  |                                                    | WAITING |   | re-arms its
 *   +--------+ <------------------------------------------------- +---------+ --+ debounce timer
 *    |  ^  ^     shutdown, stop: nothing waits any more               |
 *    |  |  |                                                          | timer fired: one run for
 *    |  |  |                                                          | the waiting packages of
 *    |  |  | run over,                                                v its module and pass
 *    |  |  | nothing pending   +------------+  parse ok: apply   +---------+ <-+ timed out the
 *    |  |  +-------------------| DELIVERING | <----------------- | RUNNING |   | first time:
 *    |  |                      +------------+                    +---------+ --+ started again
 *    |  |                            | run over, a pass              |
 *    |  |                            | pending: WAITING              | cancelled, parse failed,
 *    |  |                            | (timer 0 unless armed)        | or not serving: run over,
 *    |  +----------------------------|-------------------------------+ then as from DELIVERING
 *    |
 *    | last document closed while no run holds it (from WAITING too);
 *    | at a run's end, a package no document holds any more
 *    v
 *   +--------+
 *   | CLOSED |  the package is destroyed, and its record with it
 *   +--------+
 *
 * A trigger while a run holds the package (RUNNING or DELIVERING) makes that run stale: it is
 * cancelled, its results are not published, and the trigger's pass waits in `pending` until
 * the run is over. `pending` also carries which pass comes next: QUICK (go build of the
 * package, for a lone save of a package file when the tests are compiled) or FULL; a quick
 * pass that delivered well asks for the full one when its package is published. The rules
 * themselves are docs/design.md, "One analysis", step 1.
 */
#include "run/scheduler.h"

#include "goescape/common.h"
#include "io/log.h"

#include <stdlib.h>
#include <string.h>

struct ge_sched {
    const struct ge_sched_ops *ops;
    void *ctx;
    struct ge_sched_settings settings;
    enum ge_sched_mode mode;
    struct ge_sched_pkg *pkgs;
    struct ge_sched_run *runs; /* newest first */
};

/* What asks for an analysis, which decides how long it waits:
 *   NOW          starts at once (a command, the first open, a test file opened);
 *   SAVE         starts at once when the package has been quiet for debounceMs (the
 *                leading edge of a burst), else waits debounceMs after the last trigger;
 *   SAVE_SOURCE  a save of a file that is not a _test.go file: like SAVE, and when it starts
 *                at once in a package whose full run compiles its test files, the quick pass
 *                comes first;
 *   EDIT         always waits debounceMs after the last trigger (typing, settings). */
enum trigger { TRIGGER_NOW, TRIGGER_SAVE, TRIGGER_SAVE_SOURCE, TRIGGER_EDIT };

struct ge_sched *ge_sched_create(const struct ge_sched_ops *ops, void *ctx,
                                 const struct ge_sched_settings *settings)
{
    struct ge_sched *sched = ge_xcalloc(1, sizeof *sched);
    sched->ops = ops;
    sched->ctx = ctx;
    sched->settings = *settings;
    sched->mode = GE_SCHED_SERVING;
    return sched;
}

void ge_sched_destroy(struct ge_sched *sched)
{
    while (sched->runs != NULL) {
        struct ge_sched_run *run = sched->runs;
        sched->runs = run->next;
        free(run->pkgs);
        free(run);
    }
    free(sched);
}

struct ge_sched_pkg *ge_sched_pkg_create(struct ge_sched *sched, void *owner, const char *group,
                                         const char *name)
{
    struct ge_sched_pkg *pkg = ge_xcalloc(1, sizeof *pkg);
    pkg->owner = owner;
    pkg->group = group;
    pkg->name = name;
    pkg->phase = GE_PHASE_IDLE;
    pkg->next = sched->pkgs;
    sched->pkgs = pkg;
    return pkg;
}

void ge_sched_pkg_destroy(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    for (struct ge_sched_pkg **pp = &sched->pkgs; *pp; pp = &(*pp)->next) {
        if (*pp == pkg) {
            *pp = pkg->next;
            break;
        }
    }
    free(pkg);
}

enum ge_sched_mode ge_sched_mode(const struct ge_sched *sched)
{
    return sched->mode;
}

bool ge_sched_pkg_in_run(const struct ge_sched_pkg *pkg)
{
    return pkg->run != NULL;
}

bool ge_sched_pkg_busy(const struct ge_sched_pkg *pkg)
{
    return pkg->phase != GE_PHASE_IDLE;
}

struct ge_sched_run *ge_sched_runs(const struct ge_sched *sched)
{
    return sched->runs;
}

static void arm(struct ge_sched *sched, struct ge_sched_pkg *pkg, uint64_t delay_ms)
{
    pkg->armed = true;
    sched->ops->timer_start(sched->ctx, pkg, delay_ms);
}

static void disarm(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    if (!pkg->armed)
        return;
    pkg->armed = false;
    sched->ops->timer_stop(sched->ctx, pkg);
}

static void cancel(struct ge_sched *sched, struct ge_sched_run *run, bool kill)
{
    run->cancelled = true;
    sched->ops->run_cancel(sched->ctx, run, kill);
}

/* Asks for an analysis of pkg. A run holding it is stale now and is cancelled; the package
 * runs again once the trigger's delay has passed and that run is over. */
static void trigger(struct ge_sched *sched, struct ge_sched_pkg *pkg, enum trigger kind)
{
    if (pkg->phase == GE_PHASE_CLOSED || sched->mode != GE_SCHED_SERVING)
        return;
    const struct ge_sched_ops *ops = sched->ops;
    uint64_t now = ops->now(sched->ctx);
    /* Quiet: no trigger for debounceMs. A run may be going on (the full run after a quick
     * pass, or a long build); it is stale now all the same. */
    bool quiet = pkg->trigger_ms == 0 || now - pkg->trigger_ms >= sched->settings.debounce_ms;
    bool save = kind == TRIGGER_SAVE || kind == TRIGGER_SAVE_SOURCE;
    bool at_once = kind == TRIGGER_NOW || (save && quiet);
    /* A lone save of a package file is answered by the quick pass first, when the full run
     * compiles the tests. A burst settles into one full run, so it costs no more compiler
     * runs than without the quick pass. */
    bool quick = kind == TRIGGER_SAVE_SOURCE && quiet && ops->wants_tests(sched->ctx, pkg) &&
                 ops->has_tests(sched->ctx, pkg);
    pkg->pending = quick ? GE_PASS_QUICK : GE_PASS_FULL;
    pkg->trigger_ms = now;
    if (pkg->run != NULL && !pkg->run->cancelled) {
        ge_log_info("%s changed while it was being analyzed; starting again", pkg->name);
        cancel(sched, pkg->run, false);
    }
    if (pkg->run == NULL)
        pkg->phase = GE_PHASE_WAITING;
    arm(sched, pkg, at_once ? 0 : sched->settings.debounce_ms);
}

/* Starts one run of the packages in batch, which all wait for batch[0]'s pass. */
static void start_run(struct ge_sched *sched, struct ge_sched_pkg **batch, size_t n)
{
    struct ge_sched_run *run = ge_xcalloc(1, sizeof *run);
    run->pkgs = batch;
    run->npkgs = n;
    run->pass = batch[0]->pending;
    run->tests = run->pass == GE_PASS_FULL && sched->ops->wants_tests(sched->ctx, batch[0]);
    for (size_t i = 0; i < n; i++) {
        batch[i]->run = run;
        batch[i]->phase = GE_PHASE_RUNNING;
        batch[i]->pending = GE_PASS_NONE;
        disarm(sched, batch[i]);
    }
    run->next = sched->runs;
    sched->runs = run;
    sched->ops->run_start(sched->ctx, run);
}

/* Batches first with every waiting package of its module that waits for the same pass, with
 * or without tests (packages outside modules run alone). */
static void start_runs(struct ge_sched *sched, struct ge_sched_pkg *first)
{
    bool tests = sched->ops->wants_tests(sched->ctx, first);
    size_t n = 0, cap = 1;
    for (struct ge_sched_pkg *p = sched->pkgs; p != NULL; p = p->next)
        cap++;
    struct ge_sched_pkg **batch = ge_xmalloc(cap * sizeof *batch);
    batch[n++] = first;
    for (struct ge_sched_pkg *p = sched->pkgs; first->group != NULL && p != NULL; p = p->next) {
        if (p != first && p->phase == GE_PHASE_WAITING && p->pending == first->pending &&
            p->group != NULL && strcmp(p->group, first->group) == 0 &&
            sched->ops->wants_tests(sched->ctx, p) == tests)
            batch[n++] = p;
    }
    start_run(sched, batch, n);
}

void ge_sched_timer_fired(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    pkg->armed = false;
    /* While a run holds the package, its end starts what waits. */
    if (sched->mode == GE_SCHED_SERVING && pkg->phase == GE_PHASE_WAITING)
        start_runs(sched, pkg);
}

/* The package goes: no document has it open and no run holds it. */
static void close_pkg(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    disarm(sched, pkg);
    pkg->pending = GE_PASS_NONE;
    pkg->phase = GE_PHASE_CLOSED;
    sched->ops->pkg_destroy(sched->ctx, pkg);
}

/* The run is over, applied or dropped: its packages leave it and what waits starts. */
static void finish(struct ge_sched *sched, struct ge_sched_run *run)
{
    const struct ge_sched_ops *ops = sched->ops;
    for (struct ge_sched_run **pp = &sched->runs; *pp; pp = &(*pp)->next) {
        if (*pp == run) {
            *pp = run->next;
            break;
        }
    }
    ops->run_end(sched->ctx, run);
    bool serving = sched->mode == GE_SCHED_SERVING;
    for (size_t i = 0; i < run->npkgs; i++) {
        struct ge_sched_pkg *pkg = run->pkgs[i];
        pkg->run = NULL;
        /* A cancelled run's packages run again, the one that cancelled it and the others it
         * took along alike. */
        if (run->cancelled && serving && pkg->pending == GE_PASS_NONE)
            pkg->pending = run->pass;
        if (ops->unused(sched->ctx, pkg)) {
            close_pkg(sched, pkg);
        } else if (pkg->pending != GE_PASS_NONE && serving) {
            /* A trigger came in during the run; its debounce timer may already have fired
             * while the run held the package. */
            pkg->phase = GE_PHASE_WAITING;
            if (!pkg->armed)
                arm(sched, pkg, 0);
        } else {
            pkg->pending = GE_PASS_NONE;
            pkg->phase = GE_PHASE_IDLE;
        }
    }
    free(run->pkgs);
    free(run);
    if (sched->mode == GE_SCHED_STOPPED && sched->runs == NULL)
        ops->drained(sched->ctx);
}

void ge_sched_run_ended(struct ge_sched *sched, struct ge_sched_run *run,
                        enum ge_sched_outcome outcome)
{
    if (outcome == GE_RUN_CANCELLED || run->cancelled || sched->mode != GE_SCHED_SERVING) {
        finish(sched, run);
    } else if (outcome == GE_RUN_TIMED_OUT && !run->retried) {
        /* A run that timed out is started once more: a build that was stuck (on a lock, say)
         * often goes through, and one that was merely slow, compiling dependencies on a cold
         * build cache, has left its finished packages in the build cache. */
        run->retried = true;
        sched->ops->run_retry(sched->ctx, run);
    } else {
        /* A failed build is parsed and applied too: its errors are shown. */
        sched->ops->run_parse(sched->ctx, run);
    }
}

void ge_sched_run_parsed(struct ge_sched *sched, struct ge_sched_run *run, bool ok)
{
    if (!ok || run->cancelled || sched->mode != GE_SCHED_SERVING) {
        finish(sched, run);
        return;
    }
    for (size_t i = 0; i < run->npkgs; i++)
        run->pkgs[i]->phase = GE_PHASE_DELIVERING;
    sched->ops->run_apply(sched->ctx, run);
}

void ge_sched_pkg_delivered(struct ge_sched *sched, struct ge_sched_run *run, size_t i, bool ok)
{
    struct ge_sched_pkg *pkg = run->pkgs[i];
    /* After a good quick pass the package waits for its full run, and its progress goes on.
     * A trigger during the delivery has already asked for the next run. Without an open test
     * file any more (and scope "open"), the quick pass was the whole analysis. */
    if (run->pass == GE_PASS_QUICK && ok &&
        (run->cancelled || sched->ops->wants_tests(sched->ctx, pkg))) {
        if (!run->cancelled)
            pkg->pending = GE_PASS_FULL;
        return;
    }
    sched->ops->pkg_complete(sched->ctx, run, i);
}

void ge_sched_run_delivered(struct ge_sched *sched, struct ge_sched_run *run)
{
    finish(sched, run);
}

/* A _test.go file of pkg was opened. Its findings come from the test binary, so a run with
 * tests is asked for, unless the test files' findings are current or such a run is waiting
 * or going. A run without tests in flight is not cancelled: the test run follows it. */
static void test_opened(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    const struct ge_sched_ops *ops = sched->ops;
    if (ops->tests_current(sched->ctx, pkg) || pkg->pending != GE_PASS_NONE ||
        !ops->wants_tests(sched->ctx, pkg))
        return;
    if (pkg->run != NULL) {
        if (!pkg->run->tests)
            pkg->pending = GE_PASS_FULL;
        return;
    }
    ge_log_info("a test file of %s was opened; compiling its tests", pkg->name);
    trigger(sched, pkg, TRIGGER_NOW);
}

void ge_sched_opened(struct ge_sched *sched, struct ge_sched_pkg *pkg, void *doc, bool test_file)
{
    const struct ge_sched_ops *ops = sched->ops;
    if (pkg->phase == GE_PHASE_CLOSED || sched->mode != GE_SCHED_SERVING)
        return;
    bool analyzed = ops->analyzed(sched->ctx, pkg);
    if (!analyzed && (pkg->pending != GE_PASS_NONE || pkg->run != NULL)) {
        /* The package's first analysis is waiting or going (an editor restoring several tabs
         * of one package). A waiting one takes this buffer with it; a going one read the
         * disk, so only a buffer that differs asks for another run, after it. */
        if (pkg->pending == GE_PASS_NONE && ops->doc_unsaved(sched->ctx, doc))
            pkg->pending = GE_PASS_FULL;
    } else if (!analyzed || sched->settings.analyze_on_open) {
        trigger(sched, pkg, analyzed ? TRIGGER_SAVE : TRIGGER_NOW);
    }
    if (test_file)
        test_opened(sched, pkg);
}

void ge_sched_edited(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    if (sched->settings.analyze_on_type)
        trigger(sched, pkg, TRIGGER_EDIT);
}

void ge_sched_saved(struct ge_sched *sched, struct ge_sched_pkg *pkg, bool test_file)
{
    trigger(sched, pkg, test_file ? TRIGGER_SAVE : TRIGGER_SAVE_SOURCE);
}

void ge_sched_closed(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    /* A run holding the package finds it unused when it is over, unless it was opened again
     * meanwhile. */
    if (pkg->phase != GE_PHASE_CLOSED && pkg->run == NULL)
        close_pkg(sched, pkg);
}

void ge_sched_analyze_now(struct ge_sched *sched, struct ge_sched_pkg *pkg)
{
    trigger(sched, pkg, TRIGGER_NOW);
}

void ge_sched_settings_changed(struct ge_sched *sched, const struct ge_sched_settings *settings,
                               bool rerun)
{
    sched->settings = *settings;
    for (struct ge_sched_pkg *p = sched->pkgs; rerun && p != NULL; p = p->next)
        if (p->phase != GE_PHASE_CLOSED && !sched->ops->unused(sched->ctx, p))
            trigger(sched, p, TRIGGER_EDIT);
}

/* Leaves serving: every run is cancelled and nothing waits any more. */
static void stop_serving(struct ge_sched *sched, enum ge_sched_mode mode, bool kill)
{
    sched->mode = mode;
    for (struct ge_sched_run *r = sched->runs; r != NULL; r = r->next)
        cancel(sched, r, kill);
    for (struct ge_sched_pkg *p = sched->pkgs; p != NULL; p = p->next) {
        disarm(sched, p);
        p->pending = GE_PASS_NONE;
        if (p->phase == GE_PHASE_WAITING)
            p->phase = GE_PHASE_IDLE;
    }
}

void ge_sched_shutdown(struct ge_sched *sched)
{
    if (sched->mode == GE_SCHED_SERVING)
        stop_serving(sched, GE_SCHED_SHUT_DOWN, false);
}

void ge_sched_stop(struct ge_sched *sched)
{
    if (sched->mode != GE_SCHED_STOPPED)
        stop_serving(sched, GE_SCHED_STOPPED, true);
}
