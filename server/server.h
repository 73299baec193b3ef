/*
 * The server's state and the contracts between its files. One struct ge_server lives for the
 * whole process and owns everything: the transport, the open documents, the packages with
 * their findings, the running analyses, and the settings. Everything here runs on the loop
 * thread; the only code that runs elsewhere is the parse step of an analysis (analyze.c),
 * which touches nothing but its own run.
 */
#ifndef GE_SERVER_SERVER_H
#define GE_SERVER_SERVER_H

#include <uv.h>
#include <jansson.h>

#include "config.h"
#include "io/fileio.h"
#include "io/job.h"
#include "io/stall.h"
#include "strmap.h"
#include "io/transport.h"
#include "goescape/assert.h"
#include "goescape/finding.h"
#include "goescape/text.h"

/* The server's lifetime: initialize makes it RUNNING, shutdown SHUTDOWN, and exit, end of
 * input or a signal STOPPING, in which it finishes its runs and closes its handles. */
enum ge_state { GE_STATE_UNINITIALIZED, GE_STATE_RUNNING, GE_STATE_SHUTDOWN, GE_STATE_STOPPING };

/* Handler results beyond the 0 / negative errno convention. */
#define GE_REPLY_LATER 1 /* the handler kept the request and will answer it itself */

struct ge_pkg;
struct ge_run;
struct ge_sched;
struct ge_sched_pkg;

/* What the client said it supports in initialize. */
struct ge_client_caps {
    bool utf8;
    bool work_done_progress;
    bool configuration;
    bool inlay_refresh;
    bool codelens_refresh;
    bool related_information;
    bool hover_markdown;
    bool label_location; /* inlay hint label parts with locations */
    bool show_message;
    bool snippet_edits;    /* workspace.workspaceEdit.snippetEditSupport (LSP 3.18) */
    bool document_changes; /* workspace.workspaceEdit.documentChanges */
    bool show_document;    /* window.showDocument.support */
};

/* An open document. */
struct ge_doc {
    char *uri;          /* owned */
    char *path;         /* owned; NULL when the URI is not a file: URI */
    struct ge_buf text; /* capped at GE_TEXT_MAX */
    int64_t version;
    struct ge_pkg *pkg; /* borrowed; NULL when the file is not analyzed */
    /* Edits applied since the oldest snapshot a running analysis holds, so its results can
     * be moved to the current text. delta_seq0 is the sequence number of deltas[0]. */
    struct ge_text_delta *deltas;
    size_t ndeltas;
    size_t cap_deltas;
    uint64_t delta_seq0;
    uint64_t edit_seq; /* number of edits applied so far */
};

/* One compile error in a file, shown only when reportBuildErrors is on. */
struct ge_build_error {
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based byte column, 0 when unknown */
    char *text;    /* owned */
};

/* A Go file of an analyzed package, with the findings that belong to it. */
struct ge_file {
    char *path; /* owned; also the key in ge_server.files */
    char *uri;  /* owned */
    struct ge_pkg *pkg;
    struct ge_finding_set set;     /* spans refer to the open document's text, or to disk */
    struct ge_blob *disk;          /* a reference: the text spans refer to when the file is not
                                      open (shared with an analysis that found it unchanged) */
    bool stale;                    /* findings from the last successful build; the current fails */
    bool republish;                /* republished when the republish timer fires */
    bool published;                /* the client has diagnostics of this file from us */
    bool published_empty;          /* ... and they are an empty list */
    uint64_t published_digest;     /* digest of those diagnostics' JSON */
    struct ge_build_error *errors; /* owned: compile errors of the failing build */
    size_t nerrors;
};

/* A package directory (or one file outside any module). */
struct ge_pkg {
    struct ge_server *server;
    char *key;         /* owned: the directory, or the file for a single-file package */
    char *dir;         /* owned: absolute package directory */
    char *modroot;     /* owned: directory of the go.mod, or NULL for a single-file package */
    char *import_path; /* owned: as the compiler prints it in "# ..." headers */
    char *pattern;     /* owned: "./rel", ".", or the file's base name */
    uv_timer_t debounce;
    bool analyzed;      /* at least one analysis finished, good or bad */
    bool good;          /* the last successful analysis exists */
    bool failing;       /* inside a failure episode (one message per episode) */
    bool tests_current; /* the last applied run compiled the test files and nothing since
                           ran without them: their findings need no new test compile */
    int nopen;          /* open documents in this package */
    char **files;       /* owned: paths of its files with findings, NULL-terminated */
    uint64_t last_ms;   /* duration of the last analysis */
    char *first_error;  /* owned: first compiler error of the failing build, or NULL */
    char *progress;     /* owned: the work-done progress token while analyzing, or NULL */
    /* owned: its phase and the pass it waits for, the scheduler's (run/scheduler.h); the
     * scheduler starts and stops the debounce timer (run/runner.c) */
    struct ge_sched_pkg *sched;
};

/* A request from the client that is answered later. */
struct ge_pending {
    struct ge_pending *next;
    json_t *id; /* owned reference */
    struct ge_pkg *pkg;
};

/* A request the server sent to the client, waiting for its response. */
typedef void (*ge_reply_cb)(struct ge_server *s, json_t *result, json_t *error, void *ctx);
struct ge_outgoing {
    struct ge_outgoing *next;
    json_int_t id;
    ge_reply_cb cb;
    void *ctx;
};

struct ge_server {
    uv_loop_t *loop;
    struct ge_transport transport;
    uv_signal_t sigterm;
    uv_timer_t republish;    /* debounced republish after edits and settings changes */
    uv_idle_t deliver;       /* publishes applied analyses in slices (deliver.c) */
    uv_timer_t deliver_wait; /* resumes them once the client has read enough */
    uv_timer_t exit_timer;
    struct ge_stall stall; /* the loop-stall log (stall.c) */
    uv_work_t trim;        /* malloc_trim on the thread pool (ge_server_trim_later) */
    bool trimming;
    uint64_t trimmed_ms;
    int open_handles;
    enum ge_state state;
    enum ge_encoding enc;
    struct ge_client_caps caps;
    struct ge_config config;
    bool hints_enabled;     /* goescape.toggle */
    struct ge_strmap docs;  /* uri -> struct ge_doc* (owned) */
    struct ge_strmap pkgs;  /* key -> struct ge_pkg* (owned) */
    struct ge_strmap files; /* path -> struct ge_file* (owned) */
    char **roots;           /* owned: workspace folder paths, NULL-terminated */
    struct ge_sched *sched; /* owned: when each package is analyzed (run/scheduler.h) */
    struct ge_run *runs;    /* analyses in flight (run/run.h) */
    struct ge_pending *pending;
    struct ge_outgoing *outgoing;
    json_int_t next_id;
    char *tmpdir; /* owned: private 0700 directory for overlays, or NULL */
    bool go_missing_told;
    bool republish_all; /* the republish timer republishes every file */
    int exit_code;
    struct ge_companion *companion; /* companion mode (companion.h), or NULL */
};

/* server.c: lifecycle. */
/* Sets up s on loop over in_fd/out_fd (borrowed). Returns 0 or a negative errno; either way
 * the server must end with ge_server_stop, running the loop dry, and ge_server_free. */
int ge_server_init(struct ge_server *s, uv_loop_t *loop, int in_fd, int out_fd);
/* Frees what outlives the handles, after the loop has run dry. */
void ge_server_free(struct ge_server *s);
/* Serves LSP on stdio until exit or end of input; returns the process exit status. */
int ge_server_run(const char *log_path);
/* Starts stopping: cancels analyses, kills children, closes handles. exit_code is kept. */
void ge_server_stop(struct ge_server *s, int exit_code);
/* Gives memory the allocator holds free back to the system, from the thread pool and at most
 * once every GE_TRIM_INTERVAL_MS; a no-op without glibc. */
void ge_server_trim_later(struct ge_server *s);

/* dispatch.c: the method table and replies. */
void ge_dispatch(struct ge_server *s, const char *body, size_t len);
/* Companion mode: one decoded message, as ge_dispatch handles it. */
struct ge_rpc_msg;
void ge_dispatch_decoded(struct ge_server *s, struct ge_rpc_msg *msg);
/* Companion mode: runs a request's handler and hands back its result instead of replying.
 * Returns 0 with *result_new set, GE_REPLY_LATER, or a negative errno. */
int ge_dispatch_call(struct ge_server *s, struct ge_rpc_msg *msg, json_t **result_new);
/* Sends a message (borrowed); failures are logged. */
void ge_send(struct ge_server *s, const json_t *msg);
/* Sends a message framed already; framed's storage is taken over and framed left empty.
 * Failures are logged. */
void ge_send_framed(struct ge_server *s, struct ge_buf *framed);
/* Sends a notification; params is stolen. */
void ge_notify(struct ge_server *s, const char *method, json_t *params_new);
/* Sends a request to the client; params is stolen; cb (may be NULL) gets the response. */
void ge_request(struct ge_server *s, const char *method, json_t *params_new, ge_reply_cb cb,
                void *ctx);
/* Answers a deferred request (id borrowed; result stolen). */
void ge_reply(struct ge_server *s, json_t *id, json_t *result_new);
void ge_reply_error(struct ge_server *s, json_t *id, int code, const char *message);
/* window/showMessage and window/logMessage; type is 1 error .. 4 log. */
void ge_show_message(struct ge_server *s, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ge_log_message(struct ge_server *s, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* documents.c */
struct ge_doc *ge_doc_find(struct ge_server *s, const char *uri);
/* The text findings in file refer to: the open document's, or the file's disk text. */
const char *ge_file_text(struct ge_server *s, struct ge_file *f, size_t *len);
struct ge_doc *ge_doc_for_path(struct ge_server *s, const char *path);
void ge_docs_free(struct ge_server *s);
/* Moves the spans of set through one edit, dropping the spans it touched. */
void ge_shift_findings(struct ge_finding_set *set, const struct ge_text_delta *delta);
/* Records a delta for running analyses and moves the file's findings with the edit. */
void ge_doc_track_edit(struct ge_server *s, struct ge_doc *d, const struct ge_text_delta *delta);

/* workspace.c: packages. */
/* Finds or creates the package of an absolute file path. Returns NULL (and logs once) when
 * the file cannot be analyzed. */
struct ge_pkg *ge_pkg_for_file(struct ge_server *s, const char *path);
void ge_pkgs_free(struct ge_server *s);
/* Destroys pkg, which no document has open and no analysis holds (its record in the scheduler
 * is freed with it). */
void ge_pkg_destroy(struct ge_server *s, struct ge_pkg *pkg);
struct ge_file *ge_file_get(struct ge_server *s, struct ge_pkg *pkg, const char *path);
/* True when path names a _test.go file. */
bool ge_is_test_file(const char *path);
/* True when one of the package's known files is a _test.go file. */
bool ge_pkg_has_tests(const struct ge_pkg *pkg);
/* True when pkg's next full run compiles its test binary (go test -c): includeTests is on and
 * either diagnosticsScope is "package" or a _test.go file of pkg is open. */
bool ge_pkg_wants_tests(struct ge_server *s, const struct ge_pkg *pkg);
/* Module root of a directory: the nearest ancestor with go.mod, as a new string, or NULL. */
char *ge_find_modroot(const char *dir);
/* The module path declared in modroot/go.mod, as a new string, or NULL. */
char *ge_read_module_path(const char *modroot);

/* deliver.c: finishes every analysis still being published, at once (used when stopping). */
void ge_deliver_abort(struct ge_server *s);

/* publish.c: diagnostics. */
/* True when f's diagnostics, code lenses and status count are shown: f is open, or
 * diagnosticsScope is "package". */
bool ge_file_in_view(struct ge_server *s, const struct ge_file *f);
/* Publishes the diagnostics of one file, only when they changed; a file out of view gets an
 * empty list when the client has diagnostics of it. */
void ge_publish_file(struct ge_server *s, struct ge_file *f);
/* One file's diagnostics built over several slices of loop time. */
/* How an assertion changes one finding's diagnostic. */
struct ge_assert_mark {
    uint32_t assertion; /* index + 1, or 0 */
    uint8_t verdict;    /* enum ge_assert_verdict */
};

struct ge_publish_job {
    struct ge_file *file; /* borrowed: the file being built, or NULL */
    const char *text;     /* borrowed: the text it was started on */
    size_t len;
    const struct ge_finding *items; /* borrowed: the findings it was started on */
    size_t count;
    uint64_t edit_seq; /* the document's edit_seq when started (0 when not open) */
    bool stale;
    size_t next;           /* the next finding to add */
    struct ge_lines lines; /* owned: line index of text */
    struct ge_buf list;    /* owned: the diagnostics so far, as JSON text without the [] */
    size_t count_out;      /* diagnostics in list */
    uint64_t digest;       /* of list so far, folded in as diagnostics are added */
    bool truncated;        /* list reached its cap; the rest were dropped */
    /* The file's assertions (goescape/assert.h) and, per finding, the verdict that changes
     * how it is shown (assert_of: assertion index + 1, or 0), both owned, NULL when none. */
    struct ge_assertion *asserts;
    struct ge_assert_mark *assert_of;
};
/* Builds f's diagnostics until deadline_ns (uv_hrtime) or the end, then publishes them as
 * ge_publish_file does. Returns true once f is done; false when it must be called again. A
 * change to f's text or findings between calls starts it over. */
bool ge_publish_step(struct ge_server *s, struct ge_publish_job *job, struct ge_file *f,
                     uint64_t deadline_ns);
void ge_publish_job_reset(struct ge_publish_job *job);
/* Publishes an empty list for every file of pkg and forgets its findings. */
void ge_publish_clear_pkg(struct ge_server *s, struct ge_pkg *pkg);
/* Republishes every file after GE_REPUBLISH_DELAY_MS (settings changed). */
void ge_publish_all_later(struct ge_server *s);
/* The same for one file (after an edit moved its findings). */
void ge_publish_file_later(struct ge_server *s, struct ge_file *f);
/* Replaces the file's compile errors (errors_new is stolen; may be NULL). */
void ge_file_set_errors(struct ge_file *f, struct ge_build_error *errors_new, size_t n);
/* LSP range of a byte span in text. */
struct ge_range ge_span_range(struct ge_server *s, const char *text, size_t len,
                              struct ge_span span);

#endif
