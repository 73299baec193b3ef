/*
 * Unit tests of server/run/scheduler.c: the scheduler driven by fake events, a fake clock and
 * fake stages, with no libuv loop and no go command. Each case is a rule of docs/design.md,
 * "One analysis": when a run starts, how many runs a burst costs, what a trigger during a run
 * does, the quick pass and the full one after it, closing, stopping, and the retry after a
 * timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "run/scheduler.h"

#define DEBOUNCE_MS 500
#define MAX_PKGS    4
#define MAX_RUNS    16

/* A package of the fake server, and what the ops saw happen to it. */
struct fpkg {
    struct ge_sched_pkg *sp;
    bool armed;
    uint64_t due;
    bool wants_tests, has_tests, tests_current, analyzed, unused;
    bool destroyed;
    int completed; /* pkg_complete calls: its progress ended */
};

struct fake {
    uint64_t now;
    struct ge_sched *sched;
    struct fpkg pkgs[MAX_PKGS];
    size_t npkgs;
    struct ge_sched_run *started[MAX_RUNS];
    size_t nstarted;
    int cancels, kills, retries, parses, applies, ends, drained;
    bool unsaved;
};

static struct fpkg *fp(void *ctx, struct ge_sched_pkg *sp)
{
    (void)ctx;
    return sp->owner;
}

static uint64_t op_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static void op_timer_start(void *ctx, struct ge_sched_pkg *sp, uint64_t delay_ms)
{
    fp(ctx, sp)->armed = true;
    fp(ctx, sp)->due = ((struct fake *)ctx)->now + delay_ms;
}

static void op_timer_stop(void *ctx, struct ge_sched_pkg *sp)
{
    fp(ctx, sp)->armed = false;
}

static bool op_wants_tests(void *ctx, struct ge_sched_pkg *sp)
{
    return fp(ctx, sp)->wants_tests;
}

static bool op_has_tests(void *ctx, struct ge_sched_pkg *sp)
{
    return fp(ctx, sp)->has_tests;
}

static bool op_tests_current(void *ctx, struct ge_sched_pkg *sp)
{
    return fp(ctx, sp)->tests_current;
}

static bool op_analyzed(void *ctx, struct ge_sched_pkg *sp)
{
    return fp(ctx, sp)->analyzed;
}

static bool op_unused(void *ctx, struct ge_sched_pkg *sp)
{
    return fp(ctx, sp)->unused;
}

static bool op_doc_unsaved(void *ctx, void *doc)
{
    (void)doc;
    return ((struct fake *)ctx)->unsaved;
}

static void op_run_start(void *ctx, struct ge_sched_run *run)
{
    struct fake *f = ctx;
    assert_true(f->nstarted < MAX_RUNS);
    f->started[f->nstarted++] = run;
}

static void op_run_retry(void *ctx, struct ge_sched_run *run)
{
    (void)run;
    ((struct fake *)ctx)->retries++;
}

static void op_run_cancel(void *ctx, struct ge_sched_run *run, bool kill)
{
    struct fake *f = ctx;
    (void)run;
    f->cancels++;
    f->kills += kill;
}

static void op_run_parse(void *ctx, struct ge_sched_run *run)
{
    (void)run;
    ((struct fake *)ctx)->parses++;
}

static void op_run_apply(void *ctx, struct ge_sched_run *run)
{
    (void)ctx;
    /* The apply stage marks every package of the run analyzed. */
    for (size_t i = 0; i < run->npkgs; i++)
        ((struct fpkg *)run->pkgs[i]->owner)->analyzed = true;
    ((struct fake *)ctx)->applies++;
}

static void op_pkg_complete(void *ctx, struct ge_sched_run *run, size_t i)
{
    fp(ctx, run->pkgs[i])->completed++;
}

static void op_run_end(void *ctx, struct ge_sched_run *run)
{
    struct fake *f = ctx;
    f->ends++;
    for (size_t i = 0; i < f->nstarted; i++)
        if (f->started[i] == run)
            f->started[i] = NULL; /* freed by the scheduler */
}

static void op_pkg_destroy(void *ctx, struct ge_sched_pkg *sp)
{
    fp(ctx, sp)->destroyed = true;
}

static void op_drained(void *ctx)
{
    ((struct fake *)ctx)->drained++;
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

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof *f);
    f->now = 10000;
    struct ge_sched_settings settings = {.debounce_ms = DEBOUNCE_MS};
    f->sched = ge_sched_create(&ops, f, &settings);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;
    for (size_t i = 0; i < f->npkgs; i++)
        ge_sched_pkg_destroy(f->sched, f->pkgs[i].sp);
    ge_sched_destroy(f->sched);
    free(f);
    return 0;
}

static struct fpkg *add_pkg(struct fake *f, const char *group, const char *name)
{
    struct fpkg *p = &f->pkgs[f->npkgs++];
    p->sp = ge_sched_pkg_create(f->sched, p, group, name);
    return p;
}

/* Moves the clock forward by ms, firing each timer when its time comes. */
static void advance(struct fake *f, uint64_t ms)
{
    uint64_t end = f->now + ms;
    for (;;) {
        struct fpkg *next = NULL;
        for (size_t i = 0; i < f->npkgs; i++) {
            struct fpkg *p = &f->pkgs[i];
            if (p->armed && p->due <= end && (next == NULL || p->due < next->due))
                next = p;
        }
        if (next == NULL)
            break;
        f->now = next->due > f->now ? next->due : f->now;
        next->armed = false;
        ge_sched_timer_fired(f->sched, next->sp);
    }
    f->now = end;
}

static struct ge_sched_run *last_run(struct fake *f)
{
    assert_true(f->nstarted > 0);
    return f->started[f->nstarted - 1];
}

/* Carries a run through parse, apply and delivery, every package built well. */
static void complete(struct fake *f, struct ge_sched_run *run)
{
    ge_sched_run_ended(f->sched, run, GE_RUN_OK);
    ge_sched_run_parsed(f->sched, run, true);
    for (size_t i = 0; i < run->npkgs; i++)
        ge_sched_pkg_delivered(f->sched, run, i, true);
    ge_sched_run_delivered(f->sched, run);
}

/* The first open of a package starts a full run at once. */
static void test_first_open_starts_full_run(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    p->wants_tests = true;
    ge_sched_opened(f->sched, p->sp, NULL, false);
    assert_int_equal(p->sp->phase, GE_PHASE_WAITING);
    advance(f, 0);
    assert_int_equal(f->nstarted, 1);
    struct ge_sched_run *run = last_run(f);
    assert_int_equal(run->pass, GE_PASS_FULL);
    assert_true(run->tests);
    assert_int_equal(p->sp->phase, GE_PHASE_RUNNING);
    assert_true(ge_sched_pkg_busy(p->sp));
    ge_sched_run_ended(f->sched, run, GE_RUN_OK);
    ge_sched_run_parsed(f->sched, run, true);
    assert_int_equal(p->sp->phase, GE_PHASE_DELIVERING);
    ge_sched_pkg_delivered(f->sched, run, 0, true);
    assert_int_equal(p->completed, 1);
    ge_sched_run_delivered(f->sched, run);
    assert_int_equal(p->sp->phase, GE_PHASE_IDLE);
    assert_false(ge_sched_pkg_busy(p->sp));
    assert_int_equal(f->ends, 1);
}

/* A file opened during its package's first analysis (an editor restoring tabs) does not
 * cancel it; only a buffer that differs from the disk asks for a run after it. */
static void test_open_during_first_analysis(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    ge_sched_opened(f->sched, p->sp, NULL, false);
    advance(f, 0);
    ge_sched_opened(f->sched, p->sp, NULL, false);
    assert_int_equal(f->cancels, 0);
    assert_int_equal(p->sp->pending, GE_PASS_NONE);
    f->unsaved = true;
    ge_sched_opened(f->sched, p->sp, NULL, false);
    assert_int_equal(f->cancels, 0);
    assert_int_equal(p->sp->pending, GE_PASS_FULL);
    complete(f, last_run(f));
    advance(f, 0);
    assert_int_equal(f->nstarted, 2);
}

/* A save on a quiet package starts at once; saves within debounceMs of each other restart
 * the timer, so the burst costs two runs: the first save's and one after the burst. */
static void test_burst_of_saves_costs_two_runs(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    p->analyzed = true;
    advance(f, 5000);
    ge_sched_saved(f->sched, p->sp, false);
    advance(f, 0);
    assert_int_equal(f->nstarted, 1);
    struct ge_sched_run *first = last_run(f);
    for (int i = 0; i < 5; i++) {
        advance(f, 100);
        ge_sched_saved(f->sched, p->sp, false);
    }
    /* The first save's run is stale now: cancelled once, not again per save. */
    assert_true(first->cancelled);
    assert_int_equal(f->cancels, 1);
    ge_sched_run_ended(f->sched, first, GE_RUN_CANCELLED);
    assert_int_equal(f->parses, 0);
    advance(f, DEBOUNCE_MS - 1);
    assert_int_equal(f->nstarted, 1);
    advance(f, 1);
    assert_int_equal(f->nstarted, 2);
    assert_int_equal(last_run(f)->pass, GE_PASS_FULL);
    complete(f, last_run(f));
    advance(f, 10 * DEBOUNCE_MS);
    assert_int_equal(f->nstarted, 2);
    assert_int_equal(p->completed, 1);
}

/* A save while the package is being delivered makes the run stale and asks for a new one,
 * which starts after the run is over. */
static void test_save_while_delivering_runs_again(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    ge_sched_analyze_now(f->sched, p->sp);
    advance(f, 0);
    struct ge_sched_run *run = last_run(f);
    ge_sched_run_ended(f->sched, run, GE_RUN_OK);
    ge_sched_run_parsed(f->sched, run, true);
    advance(f, 5000);
    ge_sched_saved(f->sched, p->sp, false);
    assert_true(run->cancelled);
    assert_int_equal(p->sp->pending, GE_PASS_FULL);
    advance(f, 0); /* the timer fires while the run holds the package: nothing starts */
    assert_int_equal(f->nstarted, 1);
    ge_sched_pkg_delivered(f->sched, run, 0, true);
    ge_sched_run_delivered(f->sched, run);
    assert_int_equal(p->sp->phase, GE_PHASE_WAITING);
    advance(f, 0);
    assert_int_equal(f->nstarted, 2);
}

/* A cancelled run's results are dropped after the go command, and every package it took
 * along runs again. */
static void test_cancelled_run_is_dropped(void **state)
{
    struct fake *f = *state;
    struct fpkg *a = add_pkg(f, "/m", "m/a");
    struct fpkg *b = add_pkg(f, "/m", "m/b");
    ge_sched_edited(f->sched, a->sp); /* analyzeOn is "save": an edit is no trigger */
    assert_int_equal(a->sp->phase, GE_PHASE_IDLE);
    ge_sched_analyze_now(f->sched, a->sp);
    ge_sched_analyze_now(f->sched, b->sp);
    advance(f, 0);
    assert_int_equal(f->nstarted, 1); /* one module, one go command */
    struct ge_sched_run *run = last_run(f);
    assert_int_equal(run->npkgs, 2);
    advance(f, 5000);
    ge_sched_saved(f->sched, a->sp, false);
    ge_sched_run_ended(f->sched, run, GE_RUN_OK); /* exited before the signal arrived */
    assert_int_equal(f->parses, 0);
    assert_int_equal(a->completed + b->completed, 0);
    advance(f, 0);
    assert_int_equal(f->nstarted, 2);
    assert_int_equal(last_run(f)->npkgs, 2);
}

/* Packages of other modules, or waiting for another pass, do not share a run. */
static void test_batches_by_module(void **state)
{
    struct fake *f = *state;
    struct fpkg *a = add_pkg(f, "/m", "m/a");
    struct fpkg *b = add_pkg(f, "/n", "n/b");
    struct fpkg *c = add_pkg(f, NULL, "command-line-arguments");
    ge_sched_analyze_now(f->sched, a->sp);
    ge_sched_analyze_now(f->sched, b->sp);
    ge_sched_analyze_now(f->sched, c->sp);
    advance(f, 0);
    assert_int_equal(f->nstarted, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(f->started[i]->npkgs, 1);
}

/* With the tests compiled, a lone save of a package file runs the quick pass (no tests)
 * first; the full run follows at once, and the package's progress ends only after it. */
static void test_quick_pass_then_full(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    p->analyzed = p->wants_tests = p->has_tests = true;
    advance(f, 5000);
    ge_sched_saved(f->sched, p->sp, false);
    assert_int_equal(p->sp->pending, GE_PASS_QUICK);
    advance(f, 0);
    struct ge_sched_run *quick = last_run(f);
    assert_int_equal(quick->pass, GE_PASS_QUICK);
    assert_false(quick->tests);
    complete(f, quick);
    assert_int_equal(p->completed, 0);
    assert_int_equal(p->sp->phase, GE_PHASE_WAITING);
    advance(f, 0);
    struct ge_sched_run *full = last_run(f);
    assert_int_equal(full->pass, GE_PASS_FULL);
    assert_true(full->tests);
    complete(f, full);
    assert_int_equal(p->completed, 1);
    assert_int_equal(f->nstarted, 2);
}

/* A save of a test file, and a save in a burst, go straight to the full run; so does a save
 * in a package without test files. A quick pass that failed is the whole analysis. */
static void test_full_pass_cases(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    p->analyzed = p->wants_tests = p->has_tests = true;
    advance(f, 5000);
    ge_sched_saved(f->sched, p->sp, true);
    assert_int_equal(p->sp->pending, GE_PASS_FULL);
    advance(f, 100);
    ge_sched_saved(f->sched, p->sp, false);
    assert_int_equal(p->sp->pending, GE_PASS_FULL);
    ge_sched_run_ended(f->sched, last_run(f), GE_RUN_CANCELLED);
    advance(f, DEBOUNCE_MS);
    complete(f, last_run(f));
    p->has_tests = false;
    advance(f, 5000);
    ge_sched_saved(f->sched, p->sp, false);
    assert_int_equal(p->sp->pending, GE_PASS_FULL);
    advance(f, 0);
    complete(f, last_run(f));
    p->has_tests = true;
    advance(f, 5000);
    ge_sched_saved(f->sched, p->sp, false);
    advance(f, 0);
    struct ge_sched_run *quick = last_run(f);
    assert_int_equal(quick->pass, GE_PASS_QUICK);
    ge_sched_run_ended(f->sched, quick, GE_RUN_FAILED);
    ge_sched_run_parsed(f->sched, quick, true);
    int before = p->completed;
    ge_sched_pkg_delivered(f->sched, quick, 0, false);
    assert_int_equal(p->completed, before + 1);
    ge_sched_run_delivered(f->sched, quick);
    assert_int_equal(p->sp->phase, GE_PHASE_IDLE);
}

/* Opening a test file asks for a run with tests, unless their findings are current; a run
 * without tests in flight is not cancelled, the test run follows it. */
static void test_test_file_opened(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    p->analyzed = true;
    ge_sched_analyze_now(f->sched, p->sp);
    advance(f, 0);
    struct ge_sched_run *plain = last_run(f);
    assert_false(plain->tests);
    p->wants_tests = true;
    ge_sched_opened(f->sched, p->sp, NULL, true);
    assert_int_equal(f->cancels, 0);
    assert_int_equal(p->sp->pending, GE_PASS_FULL);
    complete(f, plain);
    advance(f, 0);
    assert_int_equal(f->nstarted, 2);
    assert_true(last_run(f)->tests);
    complete(f, last_run(f));
    p->tests_current = true;
    ge_sched_opened(f->sched, p->sp, NULL, true);
    assert_int_equal(p->sp->phase, GE_PHASE_IDLE);
}

/* Closing the last document destroys an idle package at once and a package in a run when the
 * run is over; one opened again meanwhile stays. */
static void test_close_last_document(void **state)
{
    struct fake *f = *state;
    struct fpkg *idle = add_pkg(f, "/m", "m/idle");
    struct fpkg *busy = add_pkg(f, "/m", "m/busy");
    ge_sched_analyze_now(f->sched, idle->sp);
    idle->unused = true;
    ge_sched_closed(f->sched, idle->sp);
    assert_true(idle->destroyed);
    assert_false(idle->armed);
    assert_int_equal(idle->sp->phase, GE_PHASE_CLOSED);
    advance(f, 0);
    assert_int_equal(f->nstarted, 0);

    ge_sched_analyze_now(f->sched, busy->sp);
    advance(f, 0);
    busy->unused = true;
    ge_sched_closed(f->sched, busy->sp);
    assert_false(busy->destroyed);
    complete(f, last_run(f));
    assert_true(busy->destroyed);
    assert_int_equal(busy->sp->phase, GE_PHASE_CLOSED);
    ge_sched_saved(f->sched, busy->sp, false);
    assert_false(busy->armed);
}

/* Stopping kills every run, stops every timer and refuses new runs; drained comes when the
 * last run has ended, once. */
static void test_stop_cancels_everything(void **state)
{
    struct fake *f = *state;
    struct fpkg *a = add_pkg(f, "/m", "m/a");
    struct fpkg *b = add_pkg(f, "/n", "n/b");
    struct fpkg *w = add_pkg(f, "/o", "o/w");
    ge_sched_analyze_now(f->sched, a->sp);
    ge_sched_analyze_now(f->sched, b->sp);
    advance(f, 0);
    struct ge_sched_run *ra = f->started[0], *rb = f->started[1];
    ge_sched_run_ended(f->sched, rb, GE_RUN_OK);
    ge_sched_run_parsed(f->sched, rb, true); /* b is being delivered */
    w->analyzed = true;
    ge_sched_saved(f->sched, w->sp, false);
    advance(f, 100);
    ge_sched_saved(f->sched, w->sp, false); /* w waits for its debounce */
    assert_true(w->armed);
    int parses = f->parses;
    ge_sched_stop(f->sched);
    assert_int_equal(ge_sched_mode(f->sched), GE_SCHED_STOPPED);
    assert_int_equal(f->kills, 3); /* a, b, and w's first run */
    assert_false(w->armed);
    assert_int_equal(w->sp->pending, GE_PASS_NONE);
    ge_sched_saved(f->sched, a->sp, false);
    ge_sched_analyze_now(f->sched, w->sp);
    ge_sched_timer_fired(f->sched, w->sp);
    size_t started = f->nstarted;
    advance(f, 10 * DEBOUNCE_MS);
    assert_int_equal(f->nstarted, started);
    ge_sched_run_ended(f->sched, ra, GE_RUN_OK);
    assert_int_equal(f->parses, parses);
    ge_sched_run_delivered(f->sched, rb);
    ge_sched_run_ended(f->sched, f->started[2], GE_RUN_CANCELLED);
    assert_int_equal(f->drained, 1);
    assert_null(ge_sched_runs(f->sched));
    assert_int_equal(f->nstarted, started);
}

/* Shutdown cancels without killing, and nothing starts afterwards. */
static void test_shutdown_refuses_new_runs(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    ge_sched_analyze_now(f->sched, p->sp);
    advance(f, 0);
    ge_sched_shutdown(f->sched);
    assert_int_equal(f->cancels, 1);
    assert_int_equal(f->kills, 0);
    ge_sched_run_ended(f->sched, last_run(f), GE_RUN_CANCELLED);
    ge_sched_analyze_now(f->sched, p->sp);
    advance(f, DEBOUNCE_MS);
    assert_int_equal(f->nstarted, 1);
    assert_int_equal(f->drained, 0);
}

/* A go command that timed out is started once more; a second timeout is a failure, which is
 * parsed and shown. */
static void test_timeout_retried_once(void **state)
{
    struct fake *f = *state;
    struct fpkg *p = add_pkg(f, "/m", "m/p");
    ge_sched_analyze_now(f->sched, p->sp);
    advance(f, 0);
    struct ge_sched_run *run = last_run(f);
    ge_sched_run_ended(f->sched, run, GE_RUN_TIMED_OUT);
    assert_int_equal(f->retries, 1);
    assert_int_equal(f->parses, 0);
    assert_true(run->retried);
    assert_int_equal(p->sp->phase, GE_PHASE_RUNNING);
    ge_sched_run_ended(f->sched, run, GE_RUN_TIMED_OUT);
    assert_int_equal(f->retries, 1);
    assert_int_equal(f->parses, 1);
    assert_int_equal(f->nstarted, 1);
}

/* New settings that change the go command run every package with an open document again,
 * after debounceMs. */
static void test_settings_rerun(void **state)
{
    struct fake *f = *state;
    struct fpkg *open = add_pkg(f, "/m", "m/open");
    struct fpkg *gone = add_pkg(f, "/m", "m/gone");
    gone->unused = true;
    struct ge_sched_settings settings = {.debounce_ms = 200, .analyze_on_type = true};
    ge_sched_settings_changed(f->sched, &settings, false);
    assert_int_equal(open->sp->phase, GE_PHASE_IDLE);
    ge_sched_settings_changed(f->sched, &settings, true);
    assert_int_equal(open->sp->phase, GE_PHASE_WAITING);
    assert_int_equal(gone->sp->phase, GE_PHASE_IDLE);
    advance(f, 199);
    assert_int_equal(f->nstarted, 0);
    advance(f, 1);
    assert_int_equal(f->nstarted, 1);
    complete(f, last_run(f));
    ge_sched_edited(f->sched, open->sp); /* analyzeOn "type" */
    assert_int_equal(open->sp->phase, GE_PHASE_WAITING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_open_starts_full_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_during_first_analysis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst_of_saves_costs_two_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_while_delivering_runs_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancelled_run_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_by_module, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quick_pass_then_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_pass_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_test_file_opened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_last_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_cancels_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_refuses_new_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_retried_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_rerun, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
