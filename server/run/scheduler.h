/*
 * The scheduler: when each package is analyzed. It holds every package's phase and the runs in
 * flight, and every change of them happens in scheduler.c, through one function per event.
 * It knows nothing of libuv, JSON or the go command: time, timers and the stages that do the
 * work (start a run, parse it, apply it, deliver it) are reached through struct ge_sched_ops,
 * which runner.c fills for the server and the unit tests fill with fakes. The stages report
 * back to runner.c through callbacks, and runner.c turns each report into an event here.
 * Everything runs on one thread (the loop's).
 */
#ifndef GE_SERVER_RUN_SCHEDULER_H
#define GE_SERVER_RUN_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a package is in its analysis (the diagram is at the top of scheduler.c). */
enum ge_sched_phase {
    GE_PHASE_IDLE,       /* nothing is asked for and no run holds it */
    GE_PHASE_WAITING,    /* a pass is asked for; its debounce timer runs */
    GE_PHASE_RUNNING,    /* a run holds it: the go command, then the parse */
    GE_PHASE_DELIVERING, /* that run's results are applied and being published */
    GE_PHASE_CLOSED,     /* no document holds it any more; it is being destroyed */
};

/* Which pass a package waits for. */
enum ge_sched_pass {
    GE_PASS_NONE,  /* none */
    GE_PASS_QUICK, /* go build of the package alone; its test files keep their findings, and a
                      full pass follows when the tests are compiled */
    GE_PASS_FULL,  /* the package with its tests when they are wanted (go test -c) */
};

/* How the scheduler as a whole takes new work. */
enum ge_sched_mode {
    GE_SCHED_SERVING,   /* events start runs */
    GE_SCHED_SHUT_DOWN, /* LSP shutdown: runs were cancelled; nothing new starts */
    GE_SCHED_STOPPED,   /* the server stops: runs were killed; nothing new starts */
};

/* How a run's go command ended, as the job reports it. */
enum ge_sched_outcome {
    GE_RUN_OK,        /* exited with status 0 */
    GE_RUN_FAILED,    /* exited otherwise, or could not start: the failure is shown */
    GE_RUN_CANCELLED, /* stopped because the scheduler cancelled it */
    GE_RUN_TIMED_OUT, /* stopped for making no progress, or at the hard limit */
};

/* The settings the scheduler reads. */
struct ge_sched_settings {
    uint64_t debounce_ms;
    bool analyze_on_open; /* analyzeOn is "open" or "type": a reopened file runs again */
    bool analyze_on_type; /* analyzeOn is "type": every edit runs again */
};

struct ge_sched;
struct ge_sched_run;

/* One package as the scheduler sees it. Created with ge_sched_pkg_create; the fields are
 * read by the ops and tests, and written only by scheduler.c. */
struct ge_sched_pkg {
    struct ge_sched_pkg *next; /* in the scheduler's list */
    void *owner;               /* borrowed: the server's package */
    const char *name;          /* borrowed: its import path, for the log */
    const char *group;         /* borrowed: packages of one group (module root) share a run;
                                  NULL runs alone */
    enum ge_sched_phase phase;
    enum ge_sched_pass pending; /* the pass asked for and not started yet */
    bool armed;                 /* its debounce timer runs */
    uint64_t trigger_ms;        /* clock time of the last trigger, 0 before the first */
    struct ge_sched_run *run;   /* the run holding it (RUNNING, DELIVERING), or NULL */
};

/* One run: a go command over packages of one group, then its parse, apply and delivery. */
struct ge_sched_run {
    struct ge_sched_run *next;
    struct ge_sched_pkg **pkgs; /* owned array of borrowed packages */
    size_t npkgs;
    enum ge_sched_pass pass; /* QUICK or FULL */
    bool tests;              /* compiles the test binary */
    bool cancelled;          /* a newer trigger (or stopping) made it stale */
    bool retried;            /* timed out once and was started again */
    void *stage;             /* the stages' run, set by ops->run_start */
};

/* What the scheduler calls. All are required; each runs on the loop thread. */
struct ge_sched_ops {
    /* Milliseconds of a monotonic clock. */
    uint64_t (*now)(void *ctx);
    /* Fires ge_sched_timer_fired(pkg) after delay_ms, replacing an armed timer; stops it. */
    void (*timer_start)(void *ctx, struct ge_sched_pkg *pkg, uint64_t delay_ms);
    void (*timer_stop)(void *ctx, struct ge_sched_pkg *pkg);
    /* Facts about a package: its next full run compiles its tests; it has test files; the
     * last applied run compiled its tests and nothing since ran without them; an analysis of
     * it was applied; no document has it open. */
    bool (*wants_tests)(void *ctx, struct ge_sched_pkg *pkg);
    bool (*has_tests)(void *ctx, struct ge_sched_pkg *pkg);
    bool (*tests_current)(void *ctx, struct ge_sched_pkg *pkg);
    bool (*analyzed)(void *ctx, struct ge_sched_pkg *pkg);
    bool (*unused)(void *ctx, struct ge_sched_pkg *pkg);
    /* The open document doc (as given to ge_sched_opened) differs from the file on disk. */
    bool (*doc_unsaved)(void *ctx, void *doc);
    /* Stages. run_start sets run->stage and starts the go command; run_retry starts it once
     * more; run_cancel stops it (kill: at once, without the grace period); run_parse hands
     * the output to the parser; run_apply stores the results and starts their delivery. */
    void (*run_start)(void *ctx, struct ge_sched_run *run);
    void (*run_retry)(void *ctx, struct ge_sched_run *run);
    void (*run_cancel)(void *ctx, struct ge_sched_run *run, bool kill);
    void (*run_parse)(void *ctx, struct ge_sched_run *run);
    void (*run_apply)(void *ctx, struct ge_sched_run *run);
    /* Package i of run is done: its progress ends and its waiting requests are answered. */
    void (*pkg_complete)(void *ctx, struct ge_sched_run *run, size_t i);
    /* The run is over and leaves the scheduler; its stage data is released. */
    void (*run_end)(void *ctx, struct ge_sched_run *run);
    /* The package is CLOSED: it goes, and frees its record with ge_sched_pkg_destroy. */
    void (*pkg_destroy)(void *ctx, struct ge_sched_pkg *pkg);
    /* The scheduler is STOPPED and its last run has ended. */
    void (*drained)(void *ctx);
};

/* Creates a scheduler; ops (borrowed, must outlive it) and ctx are passed to every op. */
struct ge_sched *ge_sched_create(const struct ge_sched_ops *ops, void *ctx,
                                 const struct ge_sched_settings *settings);
/* Frees it, with the records of runs still in it (whose stages must be gone); the package
 * records must have been destroyed. */
void ge_sched_destroy(struct ge_sched *sched);
/* A new package record, IDLE; owner, group and name are borrowed and must outlive it. */
struct ge_sched_pkg *ge_sched_pkg_create(struct ge_sched *sched, void *owner, const char *group,
                                         const char *name);
/* Frees a record that no run holds. */
void ge_sched_pkg_destroy(struct ge_sched *sched, struct ge_sched_pkg *pkg);

/* Queries. */
enum ge_sched_mode ge_sched_mode(const struct ge_sched *sched);
/* True while a run holds pkg (RUNNING or DELIVERING). */
bool ge_sched_pkg_in_run(const struct ge_sched_pkg *pkg);
/* True while an analysis of pkg is asked for or going: its status comes when it ends. */
bool ge_sched_pkg_busy(const struct ge_sched_pkg *pkg);
/* The runs in flight, newest first. */
struct ge_sched_run *ge_sched_runs(const struct ge_sched *sched);

/* Events from the documents (textsync.c) and commands. */
/* A document of pkg was opened (the first one, or one more); doc is handed to
 * ops->doc_unsaved. test_file: it is a _test.go file. */
void ge_sched_opened(struct ge_sched *sched, struct ge_sched_pkg *pkg, void *doc, bool test_file);
/* A document of pkg was edited. */
void ge_sched_edited(struct ge_sched *sched, struct ge_sched_pkg *pkg);
/* A document of pkg was saved. */
void ge_sched_saved(struct ge_sched *sched, struct ge_sched_pkg *pkg, bool test_file);
/* The last open document of pkg was closed. */
void ge_sched_closed(struct ge_sched *sched, struct ge_sched_pkg *pkg);
/* goescape.analyze: pkg is analyzed now. */
void ge_sched_analyze_now(struct ge_sched *sched, struct ge_sched_pkg *pkg);
/* New settings; rerun: a setting the go command depends on changed, so every package with
 * an open document runs again. */
void ge_sched_settings_changed(struct ge_sched *sched, const struct ge_sched_settings *settings,
                               bool rerun);
/* LSP shutdown: cancels every run and refuses new ones. */
void ge_sched_shutdown(struct ge_sched *sched);
/* The server stops: kills every run and refuses new ones; ops->drained follows once the last
 * run has ended (at once when none is going). */
void ge_sched_stop(struct ge_sched *sched);

/* Events from the timer and the stages. */
void ge_sched_timer_fired(struct ge_sched *sched, struct ge_sched_pkg *pkg);
/* The go command of run is over (exit, end of output, handles closed). */
void ge_sched_run_ended(struct ge_sched *sched, struct ge_sched_run *run,
                        enum ge_sched_outcome outcome);
/* The parse of run is over; ok false when it failed or could not be queued. */
void ge_sched_run_parsed(struct ge_sched *sched, struct ge_sched_run *run, bool ok);
/* Package i of run has been published; ok: its build succeeded. */
void ge_sched_pkg_delivered(struct ge_sched *sched, struct ge_sched_run *run, size_t i, bool ok);
/* Every package of run has been published, or its delivery was aborted. */
void ge_sched_run_delivered(struct ge_sched *sched, struct ge_sched_run *run);

#endif
