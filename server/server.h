/*
 * The server's state and its lifecycle. One struct ge_server lives for the whole process and
 * owns everything: the transport, the open documents (lsp/documents.h), the packages and
 * their file records (run/workspace.h), the running analyses, and the settings. Each area
 * declares its own API in its own header; this one holds the state they share. Everything
 * here runs on the loop thread; the only code that runs elsewhere is the parse step of an
 * analysis (run/results.c), which touches nothing but its own run.
 */
#ifndef GE_SERVER_SERVER_H
#define GE_SERVER_SERVER_H

#include <uv.h>
#include <jansson.h>

#include "config.h"
#include "io/stall.h"
#include "io/transport.h"
#include "lsp/caps.h"
#include "strmap.h"
#include "goescape/text.h"

/* The server's lifetime: initialize makes it RUNNING, shutdown SHUTDOWN, and exit, end of
 * input or a signal STOPPING, in which it finishes its runs and closes its handles. */
enum ge_state { GE_STATE_UNINITIALIZED, GE_STATE_RUNNING, GE_STATE_SHUTDOWN, GE_STATE_STOPPING };

struct ge_pkg;
struct ge_run;
struct ge_sched;
struct ge_sched_pkg;
struct ge_pending;
struct ge_outgoing;
struct ge_companion;

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
    /* The generation of what the renderers read (struct ge_render_ctx: documents, findings,
     * settings, capabilities): bumped, with ge_server_changed, by the dispatcher for every
     * message except the requests that only render (hover, inlayHint, codeLens, codeAction),
     * when an analysis is applied, and when a package's files are dropped. Two answers made at
     * the same generation are the same. */
    uint64_t render_gen;
};

/* What a renderer reads may have changed (see render_gen). */
static inline void ge_server_changed(struct ge_server *s)
{
    s->render_gen++;
}

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

/* deliver.c: finishes every analysis still being published, at once (used when stopping). */
void ge_deliver_abort(struct ge_server *s);

#endif
