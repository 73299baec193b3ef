/*
 * The server's lifetime: set up the loop and the transport, run until exit or end of input,
 * then stop every child, close every handle and free everything, so that uv_loop_close
 * succeeds and nothing outlives the process.
 */
#include "server.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "run/workspace.h"

#include "companion/companion.h"

#include "io/log.h"
#include "io/platform.h"
#include "run/runner.h"
#include "run/scheduler.h"
#include "goescape/rpc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

/* How long a stopping server waits for the client to take its last messages. */
#define GE_EXIT_FLUSH_MS 2000

static void on_message(struct ge_transport *t, const char *body, size_t len)
{
    struct ge_server *s = t->data;
    if (s->state == GE_STATE_STOPPING)
        return;
    if (s->companion != NULL)
        ge_companion_from_client(s->companion, body, len);
    else
        ge_dispatch(s, body, len);
}

static void on_frame_error(struct ge_transport *t, int err, const char *what)
{
    struct ge_server *s = t->data;
    ge_log_warn("bad message framing (%s): %s", strerror(-err), what);
    json_t *msg = ge_rpc_error_new(NULL, GE_RPC_PARSE_ERROR, what);
    ge_send(s, msg);
    json_decref(msg);
}

static void on_eof(struct ge_transport *t, int err)
{
    struct ge_server *s = t->data;
    if (err != 0)
        ge_log_warn("the client connection broke: %s", uv_strerror(err));
    else if (s->state != GE_STATE_STOPPING)
        ge_log_info("stdin closed without exit; stopping");
    ge_server_stop(s, s->state == GE_STATE_SHUTDOWN ? 0 : 1);
}

static void handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_transport_closed(struct ge_transport *t)
{
    struct ge_server *s = t->data;
    if (!uv_is_closing((uv_handle_t *)&s->exit_timer))
        uv_close((uv_handle_t *)&s->exit_timer, handle_closed);
}

static void exit_timer_fired(uv_timer_t *timer)
{
    struct ge_server *s = timer->data;
    ge_log_warn("the client did not take the last messages; closing anyway");
    ge_transport_abort(&s->transport);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct ge_server *s = h->data;
    ge_log_info("signal %d; stopping", signum);
    ge_server_stop(s, s->state == GE_STATE_SHUTDOWN ? 0 : 1);
}

static void free_pending(struct ge_server *s)
{
    while (s->pending != NULL) {
        struct ge_pending *p = s->pending;
        s->pending = p->next;
        json_decref(p->id);
        free(p);
    }
    while (s->outgoing != NULL) {
        struct ge_outgoing *o = s->outgoing;
        s->outgoing = o->next;
        free(o);
    }
}

void ge_server_stop(struct ge_server *s, int exit_code)
{
    if (s->state != GE_STATE_STOPPING) {
        s->state = GE_STATE_STOPPING;
        s->exit_code = exit_code;
        ge_sched_stop(s->sched);
        uv_timer_stop(&s->republish);
        ge_deliver_abort(s);
        ge_companion_stop(s->companion);
    }
    if (s->runs != NULL)
        return; /* the scheduler calls back here when the last run has ended */
    if (uv_is_closing((uv_handle_t *)&s->republish))
        return;
    ge_pkgs_free(s);
    uv_close((uv_handle_t *)&s->republish, handle_closed);
    uv_close((uv_handle_t *)&s->deliver, handle_closed);
    uv_close((uv_handle_t *)&s->deliver_wait, handle_closed);
    uv_close((uv_handle_t *)&s->sigterm, handle_closed);
    ge_stall_close(&s->stall, handle_closed);
    uv_timer_start(&s->exit_timer, exit_timer_fired, GE_EXIT_FLUSH_MS, 0);
    ge_transport_close(&s->transport);
}

/* Memory the allocator holds free goes back to the system on the thread pool, after an
 * analysis is freed and when edits pause, at most every GE_TRIM_INTERVAL_MS. */
#define GE_TRIM_INTERVAL_MS 2000u

static void trim_work(uv_work_t *req)
{
    (void)req;
    ge_platform_trim_memory();
}

static void trim_done(uv_work_t *req, int status)
{
    struct ge_server *s = req->data;
    (void)status;
    s->trimming = false;
}

void ge_server_trim_later(struct ge_server *s)
{
    uint64_t now = uv_now(s->loop);
    if (s->trimming || s->state == GE_STATE_STOPPING ||
        (s->trimmed_ms != 0 && now - s->trimmed_ms < GE_TRIM_INTERVAL_MS))
        return;
    s->trim.data = s;
    if (uv_queue_work(s->loop, &s->trim, trim_work, trim_done) == 0) {
        s->trimming = true;
        s->trimmed_ms = now;
    }
}

/* A private directory for overlays: created with mode 0700, removed at exit. */
static char *make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = ge_xasprintf("%s/goescape-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        ge_log_warn("cannot create a private temporary directory: %s; unsaved buffers are not "
                    "analyzed",
                    strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

static void remove_tmpdir(char *dir)
{
    if (dir == NULL)
        return;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *sub = ge_xasprintf("%s/%s", dir, e->d_name);
        if (unlink(sub) != 0)
            rmdir(sub);
        free(sub);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
    free(dir);
}

int ge_server_init(struct ge_server *s, uv_loop_t *loop, int in_fd, int out_fd)
{
    *s = (struct ge_server){.loop = loop, .hints_enabled = true, .enc = GE_ENC_UTF16};
    signal(SIGPIPE, SIG_IGN);
    ge_config_init(&s->config);
    ge_runner_init(s);
    ge_strmap_init(&s->docs);
    ge_strmap_init(&s->pkgs);
    ge_strmap_init(&s->files);
    s->tmpdir = make_tmpdir();
    uv_timer_init(loop, &s->republish);
    s->republish.data = s;
    uv_idle_init(loop, &s->deliver);
    s->deliver.data = s;
    uv_timer_init(loop, &s->deliver_wait);
    s->deliver_wait.data = s;
    uv_timer_init(loop, &s->exit_timer);
    s->exit_timer.data = s;
    uv_signal_init(loop, &s->sigterm);
    s->sigterm.data = s;
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_unref((uv_handle_t *)&s->sigterm);
    if (ge_stall_start(&s->stall, loop) != 0)
        ge_log_debug("the loop-stall log is off");
    int rc = ge_transport_init(&s->transport, loop, in_fd, out_fd);
    s->transport.data = s;
    s->transport.on_message = on_message;
    s->transport.on_error = on_frame_error;
    s->transport.on_eof = on_eof;
    s->transport.on_closed = on_transport_closed;
    if (rc == 0)
        s->companion = ge_companion_start(s);
    return rc;
}

void ge_server_free(struct ge_server *s)
{
    ge_docs_free(s);
    ge_strmap_free(&s->pkgs);
    ge_strmap_free(&s->files);
    free_pending(s);
    for (char **r = s->roots; r && *r; r++)
        free(*r);
    free(s->roots);
    ge_config_free(&s->config);
    remove_tmpdir(s->tmpdir);
    s->tmpdir = NULL;
    ge_companion_free(s->companion);
    s->companion = NULL;
    ge_sched_destroy(s->sched);
    s->sched = NULL;
}

int ge_server_run(const char *log_path)
{
    uv_loop_t loop;
    struct ge_server s;
    int rc = uv_loop_init(&loop);
    if (rc != 0) {
        ge_log_error("cannot start the event loop: %s", uv_strerror(rc));
        return 1;
    }
    rc = ge_server_init(&s, &loop, STDIN_FILENO, STDOUT_FILENO);
    if (rc == 0)
        rc = ge_transport_start(&s.transport);
    if (rc != 0) {
        ge_log_error("cannot use stdin/stdout: %s", uv_strerror(rc));
        ge_server_stop(&s, 1);
    }
    ge_log_info("goescape %s ready%s%s", GE_VERSION, log_path ? "; log file " : "",
                log_path ? log_path : "");
    uv_run(&loop, UV_RUN_DEFAULT);
    ge_server_free(&s);
    rc = uv_loop_close(&loop);
    if (rc != 0)
        ge_log_error("handles left open at exit: %s", uv_strerror(rc));
    return s.exit_code;
}
