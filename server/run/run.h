/*
 * One analysis in flight and the stages it goes through: a go command over one or more
 * packages of one module (analyze.c), a parse on libuv's thread pool (results.c), the results
 * applied on the loop (apply.c) and published in slices (deliver.c). Each stage is started by
 * name and reports its end through the run's hooks, which runner.c sets and turns into the
 * scheduler's events; no stage knows the scheduler.
 */
#ifndef GE_SERVER_RUN_H
#define GE_SERVER_RUN_H

#include "server.h"
#include "io/job.h"
#include "lsp/publish.h"

/* The text of an open document as it was when the run started. */
struct ge_run_snap {
    char *path; /* owned */
    char *text; /* owned */
    size_t len;
    uint64_t seq; /* the document's edit_seq at the start */
};

/* A file's disk text for the worker: the one its record held when the go command ended,
 * which the worker keeps when the disk still holds it, or a fresh read. */
struct ge_run_text {
    char *path;           /* owned */
    struct ge_blob *blob; /* a reference; handed to the file record when it is not open */
    bool checked;         /* the worker has compared it with the disk, or read it */
};

/* What the worker produced for one package. */
struct ge_run_result {
    char **paths; /* owned: every Go file of the package directory, NULL-terminated */
    /* owned: the findings of each of paths, split on the thread pool; once applied, the
     * findings the files held before, so they are freed off the loop with the run */
    struct ge_finding_set *sets;
    bool has_block;                /* the output had a "# pkg" block for this package */
    char *first_error;             /* owned: first compiler error that belongs to it, or NULL */
    char **error_paths;            /* owned: the file of each error below, NULL-terminated */
    struct ge_build_error *errors; /* owned: its compile errors with positions in its files */
    size_t nerrors;
    /* Set when applied on the loop. */
    bool applied;      /* the package had open documents and took the results */
    bool ok;           /* its build succeeded */
    char *end_message; /* owned: the progress message once it is published */
};

struct ge_run;

/* How the stages report back to whoever started the run. Each is called on the loop. */
struct ge_run_hooks {
    /* The go command is over: exit, end of output and every handle closed (run->job). */
    void (*job_ended)(struct ge_run *run);
    /* The parse is over (status 0), or failed or could not be queued (a libuv error). */
    void (*parsed)(struct ge_run *run, int status);
    /* Package i's applied results are published; ok: its build succeeded. */
    void (*pkg_delivered)(struct ge_run *run, size_t i, bool ok);
    /* Every package is published, or the delivery was aborted. */
    void (*delivered)(struct ge_run *run);
};

struct ge_run {
    struct ge_run *next;
    struct ge_server *server;
    const struct ge_run_hooks *hooks; /* borrowed */
    void *owner;                      /* whoever started the run (the scheduler's run) */
    struct ge_job job;
    uv_work_t work;
    char *cwd;
    char **argv;          /* owned, NULL-terminated */
    char **env;           /* owned, NULL-terminated */
    char *overlay_dir;    /* owned: this run's private overlay directory, or NULL */
    struct ge_pkg **pkgs; /* borrowed */
    size_t npkgs;
    struct ge_run_snap *snaps;
    size_t nsnaps;
    struct ge_parser *parser; /* owned: reads the output as it arrives, until the worker ends it */
    bool cancelled;           /* stale: its output is not parsed and its results not applied */
    bool retried;             /* the go command timed out once and was started again */
    bool tests;
    bool quick;      /* the quick pass: the package files only; its test files keep their findings
                        and a full run follows (see scheduler.c) */
    bool delivering; /* applied; its files are being published in slices (deliver.c) */
    size_t deliver_pkg;               /* the package being published */
    size_t deliver_file;              /* the next of its files */
    struct ge_publish_job publishing; /* that file, when it takes more than one slice */
    uint64_t started_ms;
    char *activity; /* owned: the last progress report sent ("building dependencies…"), or NULL */
    /* Filled by the worker. */
    struct ge_run_result *results; /* one per package */
    struct ge_run_text *texts;
    size_t ntexts;
    size_t cap_texts;
    size_t texts_kept; /* disk texts the worker found unchanged since the last analysis */
    size_t texts_read; /* and those it read */
    size_t nfacts;
    size_t nunknown;
    char *first_unknown; /* owned: the first line the parser did not know */
    char *first_error;   /* owned: the first error line of the whole output */
};

/* analyze.c */
/* Starts a run of the n packages (copied), with hooks (borrowed) and owner: begins their
 * progress, writes the overlay and starts the go command. Returns the run, which is in
 * s->runs until ge_run_end. */
struct ge_run *ge_run_start(struct ge_server *s, struct ge_pkg **pkgs, size_t n, bool quick,
                            bool tests, const struct ge_run_hooks *hooks, void *owner);
/* Starts the go command once more, after it timed out; job_ended follows again. */
void ge_run_retry(struct ge_run *run);
/* Stops the go command (kill: SIGKILL at once) and marks the run stale; job_ended follows. */
void ge_run_cancel(struct ge_run *run, bool kill);
/* The run is over: leaves s->runs and is freed on the thread pool. */
void ge_run_end(struct ge_run *run);

/* results.c */
/* Takes a parser for the run's output; ge_run_on_output is the job's on_stderr. */
void ge_run_stream_begin(struct ge_run *run);
void ge_run_on_output(struct ge_job *job, const char *data, size_t len);
/* Gives the parser back when the run ends without a parse (cancelled, not queued). */
void ge_run_stream_drop(struct ge_run *run);
/* Adds a disk text for path holding the reference blob (may be NULL: read it when needed). */
struct ge_run_text *ge_run_text_add(struct ge_run *run, const char *path, struct ge_blob *blob);
/* Ends the parse and places the findings on the thread pool, touching only run; the parsed
 * hook follows on the loop. */
void ge_run_parse(struct ge_run *run);
/* Frees everything the run owns, removing its overlay files. Touches only run, so it may run
 * on the thread pool once the run's handles are closed. */
void ge_run_free(struct ge_run *run);

/* apply.c */
/* Applies the parsed results on the loop and starts their delivery (deliver.c). */
void ge_run_apply(struct ge_run *run);
/* Heap escapes shown (ge_file_count_shown) in pkg's files that are in view. */
size_t ge_pkg_count_heap(struct ge_server *s, struct ge_pkg *pkg);
/* Answers the goescape.analyze requests waiting for pkg. */
void ge_pkg_answer_waiters(struct ge_server *s, struct ge_pkg *pkg, bool ok);

/* deliver.c */
/* Publishes an applied run's files in slices, calling pkg_delivered as each package is out,
 * then asks the client to refresh hints and lenses and calls delivered. */
void ge_deliver_start(struct ge_server *s, struct ge_run *run);

#endif
