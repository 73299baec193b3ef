/*
 * Shared between check.c (flags, package listing, running the go command) and check_emit.c
 * (turning one package's compiler output into printed findings). Private to `goescape check`.
 *
 * Memory stays flat however large the repository is: while the go command runs, its output
 * is split at the "# package" lines that open each block and appended to a spool, an unlinked
 * file in $TMPDIR, without the explanation blocks of what is not shown. When a package's
 * output is complete, its blocks are read back, parsed, placed, printed and freed on the
 * thread pool, one package at a time.
 */
#ifndef GE_SERVER_CHECK_INTERNAL_H
#define GE_SERVER_CHECK_INTERNAL_H

#include "config.h"
#include "strmap.h"
#include "goescape/filter.h"
#include "goescape/fingerprint.h"
#include "goescape/report.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <uv.h>

struct ge_job;

/* Compiler output one go command may leave in the spool (the standard library with -m=2
 * prints about 150 MB); past it the go command is stopped and the run fails. */
#define GE_CHECK_SPOOL_MAX ((size_t)4 << 30)
/* Error lines kept for the report; the rest are counted. */
#define GE_CHECK_ERRORS_MAX 2000u
/* Longest "# package" line looked at; a longer one is kept as output of the block before. */
#define GE_CHECK_HEADER_MAX 4096u
/* One read of the spool while a package's output is parsed. */
#define GE_CHECK_READ_SIZE (64u * 1024u)
/* Output gathered before one write to the spool. */
#define GE_CHECK_WRITE_SIZE (256u * 1024u)

/* Largest baseline file read (a fingerprint line is about 200 bytes). */
#define GE_CHECK_BASELINE_MAX ((size_t)64 << 20)

/* Receives output a piece at a time. */
typedef void (*ge_check_sink_cb)(void *ctx, const char *data, size_t len);

/* The go command's output with the lines no output needs left out (ge_filter_skip_line),
 * before it is spooled. Lines may be split across reads: the start of an unfinished one
 * waits in carry. */
struct check_feeder {
    ge_check_sink_cb sink;
    void *ctx;
    struct ge_output_skip skip;
    bool skipping; /* off with --all: everything goes through */
    struct ge_buf carry;
    bool passthrough; /* the unfinished line outgrew carry: the rest of it goes through */
};

void ge_check_feeder_init(struct check_feeder *f, const struct ge_config *config,
                          ge_check_sink_cb sink, void *ctx);
/* Passes data[0..len) on to the sink, without the lines that are not needed. */
void ge_check_feeder_chunk(struct check_feeder *f, const char *data, size_t len);
/* Passes on a last line without a newline, and frees the feeder's buffer. */
void ge_check_feeder_end(struct check_feeder *f);

/* A stretch of the spool. */
struct check_extent {
    size_t off;
    size_t len;
};

struct check_pkg {
    char *import_path;
    char *dir;
    char *modroot; /* NULL for the standard library */
    char **files;  /* base names of the compiled files (test files too, unless --no-tests) */
    size_t nfiles;
    bool cgo;                 /* has cgo files: printed only at the end of the go command */
    struct check_extent *ext; /* owned: its compiler output in the spool, in output order */
    size_t next;
    /* Its place in the run of its go command. The loop thread sets queued; the worker sets
     * the rest while the package is its work item. */
    bool queued;             /* handed to the worker: no more output is spooled for it */
    bool done;               /* its findings are printed, or wait in the output spool */
    bool spooled;            /* they wait in the output spool, at out */
    struct check_extent out; /* in the output spool */
    size_t nout;             /* findings in out */
};

/* A source file's text, read for the package being printed. */
struct check_text {
    char *path;
    char *text;
    size_t len;
};

/* A block that came before the packages were listed: its "# package" line (NULL for output
 * before the first one) and its stretches of the spool. */
struct check_pending {
    char *header; /* owned */
    size_t header_len;
    struct check_extent *ext; /* owned */
    size_t next;
};

/* The spool: compiler output of one go command, on disk. */
struct check_spool {
    int fd;      /* -1 when none */
    size_t size; /* what was appended, written out or not */
    /* Appended output not written yet: it goes to the file in large writes (the go
     * command's output comes in runs of a few lines between the lines left out). The loop
     * thread owns it; a package's output is written out before the worker reads it. */
    char *wbuf; /* owned, GE_CHECK_WRITE_SIZE bytes */
    size_t wlen;
};

/* The findings whose presence makes the run exit with status 3 (--fail-on). */
enum check_fail_on { CHECK_FAIL_NONE, CHECK_FAIL_NEW, CHECK_FAIL_ANY };

struct check {
    struct ge_config config;
    bool json;
    bool github; /* --format github: workflow-command annotations */
    bool sarif;  /* --format sarif */
    /* Baselines: the fingerprints read from baseline_path (borrowed from argv), and the
     * entries to write to write_baseline. */
    const char *baseline_path;
    struct ge_strmap baseline; /* fingerprint -> non-NULL */
    bool have_baseline;
    const char *write_baseline;
    char **blines; /* owned: one JSON line per finding shown */
    size_t nblines;
    enum check_fail_on fail_on;
    const char *new_from_rev; /* --new-from-rev: borrowed from argv */
    bool quiet;               /* --quiet: no findings printed */
    /* The go commands running (go list, and the go command that analyzes), and the signals
     * that stop them (check.c). */
    struct ge_job *list_job;
    struct ge_job *job;
    size_t njobs;
    uv_signal_t signals[3];
    int signum;         /* the signal that interrupted the run, or 0 */
    char **child_flags; /* owned: the analysis flags, for the analysis of new_from_rev */
    size_t nchild_flags;
    size_t nfound; /* findings shown by the filter, in the baseline or not */
    size_t nnew;   /* of them, those not in the baseline (all without one) */
    char cwd[PATH_MAX];
    struct check_pkg *pkgs;
    size_t npkgs;
    size_t nskipped;          /* packages listed with nothing to compile, left out of pkgs */
    struct ge_strmap by_path; /* import path -> struct check_pkg * (borrowed) */
    json_t *errors;           /* error lines, for --format json */
    size_t nerrors;           /* error lines seen, kept or not */
    bool failed;
    size_t nprinted; /* findings printed on stdout so far */
    struct ge_parser *parser;
    struct check_spool spool;
    int spool_error;            /* a write to the spool failed: the run fails */
    struct check_feeder feeder; /* in front of the spool */
    /* The go command may start before the list is in: until then (listed false), its blocks
     * wait in pending. discard: the command turned out not to be the one wanted, and is being
     * stopped. output_over: its output has ended. */
    bool listed;
    bool discard;
    bool output_over;
    struct check_pending *pending; /* owned */
    size_t npending;
    /* The block being spooled: its package (NULL for lines outside the given packages) and
     * a header line still arriving. */
    struct check_pkg *block;
    struct check_extent *other; /* owned: output outside the packages (go's own errors) */
    size_t nother;
    bool line_start;
    char header[GE_CHECK_HEADER_MAX];
    size_t header_len;
    bool in_header;
    /* The packages of the running go command, in the order they are printed, and the
     * first of them not on stdout yet (worker). */
    struct check_pkg **order;
    size_t norder;
    size_t next_print;
    /* Output of packages finished before their turn (worker): an unlinked file. */
    FILE *outspool;
    size_t outspool_size;
    FILE *out;        /* where the package being printed goes: stdout or outspool */
    bool out_spooled; /* out is outspool: every JSON finding gets its separator */
    /* Error lines of packages, held until the go command's status says they are errors. */
    char **held;
    size_t nheld;
    /* Packages waiting for the worker (loop thread); one work item runs at a time. */
    uv_loop_t *loop; /* the private loop of the running go command, or NULL */
    uv_work_t work;
    bool busy;
    struct check_pkg *work_pkg; /* the package of the work item in flight */
    struct check_pkg **queue;
    size_t qhead;
    size_t qlen;
    /* go build prints one block per package, so a package is complete when the next block
     * starts; go test -c may print several, so each waits for the end of the command. */
    bool early;
    bool late_warned;
    /* The texts of the package being printed, each read once (NULL text: unreadable):
     * building its findings reads every file of the package, and printing reads them again.
     * Freed with the package, so at most one package's sources are held. */
    struct check_text *texts;
    size_t ntexts;
    size_t last_text; /* the entry found last, tried first */
    bool directives;  /* a file of the package being printed mentions a directive */
    size_t nbroken;   /* broken assertions printed (worker; read after the last package) */
};

/* The go command's output (check_stream.c), on the loop thread. begin resets the block state
 * for a new go command on loop, whose packages are known (listed) or not yet; chunk takes its
 * stderr as it arrives; listed gives the blocks that came before the list to their packages;
 * end says its output is over, and hands every package not printed yet to the worker. Each
 * package goes to the worker once its output is complete. */
void ge_check_stream_begin(struct check *c, uv_loop_t *loop, bool listed);
void ge_check_stream_chunk(struct check *c, const char *data, size_t len);
void ge_check_stream_listed(struct check *c);
void ge_check_stream_end(struct check *c);
/* Frees the blocks still waiting for the list. */
void ge_check_stream_drop_pending(struct check *c);

/* Appends data to the spool and to *ext (merged with its last stretch when adjacent).
 * Returns 0 or a negative errno (disk full: the run fails with that error). */
int ge_check_spool_append(struct check *c, struct check_extent **ext, size_t *n, const char *data,
                          size_t len);
/* Writes out what was appended to the spool, before it is read back. Returns 0 or a negative
 * errno, which also fails the run (spool_error). Loop thread. */
int ge_check_spool_flush(struct check *c);
/* Parses the spooled stretches and prints pkg's findings to c->out, counting them in
 * pkg->nout when out is the output spool; the report's unknown lines are held (c->held).
 * pkg NULL: the output outside the packages, whose unknown lines are reported at once.
 * Runs on the worker while the go command runs, and on the main thread after it. */
void ge_check_emit_pkg(struct check *c, struct check_pkg *pkg, const struct check_extent *ext,
                       size_t n);
/* Writes the waiting output of the packages whose turn has come to stdout. */
void ge_check_flush_ready(struct check *c);
/* Records one error line: stderr now, and the JSON report at the end. */
void ge_check_error(struct check *c, const char *line);
/* The JSON document's opening and end (after every package). */
void ge_check_emit_begin(struct check *c);
void ge_check_emit_end(struct check *c);

/* path relative to the working directory when it is below it, else path. Borrowed from
 * path. */
const char *ge_check_display_path(const struct check *c, const char *path);
/* Prints f as a GitHub Actions workflow command (::warning file=...::message) to c->out. */
void ge_check_print_github(struct check *c, const struct ge_finding *f, unsigned l1, unsigned c1,
                           unsigned l2, unsigned c2, const char *message);
/* Prints an assertion's verdict (message, borrowed) at path as "::error file=...::message". */
void ge_check_print_github_assertion(struct check *c, const char *path, unsigned l1, unsigned c1,
                                     unsigned l2, unsigned c2, const char *message);

/* --new-from-rev: analyzes the same targets (borrowed) at c->new_from_rev in a temporary git
 * worktree and loads the fingerprints found there as c's baseline. Returns 0, or the exit
 * status after printing why: 1 (that analysis or git failed), 2 (no such revision), or
 * 128 + the signal that interrupted it. The worktree is removed in every case. */
int ge_check_rev_baseline(struct check *c, char **targets, size_t ntargets);

/* A finding's place: 1-based lines and columns, the end column exclusive. */
struct check_region {
    unsigned l1, c1, l2, c2;
};
/* SARIF (check_sarif.c): the document's start, one result (columns in UTF-16 code units),
 * and its end with the run's errors. */
void ge_check_sarif_begin(struct check *c);
void ge_check_print_sarif(struct check *c, const struct ge_finding *f, const struct check_region *r,
                          const char *message, const char *fingerprint, bool in_baseline);
/* Prints an assertion's verdict as a result of the assertion rule: an error, or a warning for
 * an assertion that matches no code (verdict "unmatched"); f, when not NULL, is the finding that
 * breaks it, whose flow becomes the code flow. All borrowed. */
void ge_check_print_sarif_assertion(struct check *c, const char *path, const struct check_region *r,
                                    const char *message, const char *verdict,
                                    const struct ge_finding *f);
void ge_check_sarif_end(struct check *c);

/* Reads c->baseline_path into c->baseline. Returns 0, or a negative errno after printing
 * why (a missing file, one past GE_CHECK_BASELINE_MAX, a line that is not an entry). */
int ge_check_baseline_load(struct check *c);
/* Keeps the baseline entry of f (fingerprint and strings borrowed; copied) when a baseline is
 * to be written. Runs on the worker, one package at a time. */
void ge_check_baseline_add(struct check *c, const char *pkg, const struct ge_finding *f,
                           const char *fingerprint, const char *file, unsigned line);
/* Writes the kept entries, sorted, to c->write_baseline. Returns 0 or a negative errno
 * after printing why. */
int ge_check_baseline_write(struct check *c);

#endif
