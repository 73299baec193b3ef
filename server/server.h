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

enum ge_state { GE_STATE_UNINITIALIZED, GE_STATE_RUNNING, GE_STATE_SHUTDOWN };

struct ge_pkg;
struct ge_run;
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
    bool dirty;          /* waiting for an analysis */
    bool analyzed;       /* at least one analysis finished, good or bad */
    bool good;           /* the last successful analysis exists */
    bool failing;        /* inside a failure episode (one message per episode) */
    bool quick;          /* the next run is the quick pass (see GE_TRIGGER_SAVE_SOURCE) */
    bool tests_current;  /* the last applied run compiled the test files and nothing since
                            ran without them: their findings need no new test compile */
    struct ge_run *run;  /* the analysis in flight, or NULL */
    int nopen;           /* open documents in this package */
    char **files;        /* owned: paths of its files with findings, NULL-terminated */
    uint64_t last_ms;    /* duration of the last analysis */
    uint64_t trigger_ms; /* loop time of the last trigger, 0 before the first */
    char *first_error;   /* owned: first compiler error of the failing build, or NULL */
    char *progress;      /* owned: the work-done progress token while analyzing, or NULL */
    bool closing;
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
    struct ge_run *runs;    /* analyses in flight */
    struct ge_pending *pending;
    struct ge_outgoing *outgoing;
    json_int_t next_id;
    char *tmpdir; /* owned: private 0700 directory for overlays, or NULL */
    bool go_missing_told;
    bool republish_all; /* the republish timer republishes every file */
    bool stopping;
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

/* analyze.c: scheduling and running analyses. */
/* What asks for an analysis, which decides how long it waits:
 *   GE_TRIGGER_NOW    starts at once (a command, the first open of a package);
 *   GE_TRIGGER_SAVE   starts at once when the package has been quiet for debounceMs (leading
 *                     edge), else waits debounceMs after the last trigger;
 *   GE_TRIGGER_SAVE_SOURCE  a save of a file that is not a _test.go file: like GE_TRIGGER_SAVE,
 *                     and when it starts at once with includeTests on in a package that has
 *                     test files, a quick pass compiles the package without its tests first,
 *                     so the saved file's findings come out before the test binary is built;
 *   GE_TRIGGER_EDIT   always waits debounceMs after the last trigger (typing, settings). */
enum ge_trigger { GE_TRIGGER_NOW, GE_TRIGGER_SAVE, GE_TRIGGER_SAVE_SOURCE, GE_TRIGGER_EDIT };
/* Asks for an analysis of pkg. A trigger that arrives while pkg is analyzed cancels that run;
 * the package is analyzed again once the trigger's delay has passed. */
void ge_analyze_schedule(struct ge_server *s, struct ge_pkg *pkg, enum ge_trigger trigger);
/* True when pkg's next run compiles its test binary (go test -c): includeTests is on and
 * either diagnosticsScope is "package" or a _test.go file of pkg is open. */
bool ge_analyze_wants_tests(struct ge_server *s, const struct ge_pkg *pkg);
/* A _test.go file of pkg was opened. Its findings come from the test binary, so a run with
 * tests is asked for, unless the test files' findings are current or such a run is waiting
 * or going. A run without tests in flight is not cancelled: the test run follows it. */
void ge_analyze_test_opened(struct ge_server *s, struct ge_pkg *pkg);
/* Cancels every analysis in flight (used when stopping). */
void ge_analyze_cancel_all(struct ge_server *s, bool kill);
/* deliver.c: finishes every analysis still being published, at once (used when stopping). */
void ge_deliver_abort(struct ge_server *s);

#endif
