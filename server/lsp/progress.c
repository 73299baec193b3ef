/*
 * Work-done progress and status notifications. The token is created before the go command
 * starts; the client's answer to window/workDoneProgress/create is not awaited, since the
 * specification lets the server use the token as soon as the request is sent.
 */
#include "lsp/progress.h"

#include "lsp/dispatch.h"
#include "lsp/lookup.h"
#include "run/scheduler.h"
#include "lsp/publish.h"
#include "run/workspace.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

static json_int_t next_token;

/* The heap escapes of each file of pkg in view that the editor shows as diagnostics: a
 * category that is on and no goescape:ignore mark. Clients put these counts in their status
 * bars as they are, so they must match what the user sees. Returns the total. */
static size_t count_escapes(struct ge_server *s, struct ge_pkg *pkg, json_t *escapes)
{
    size_t total = 0;
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f == NULL || !ge_file_in_view(s, f))
            continue;
        size_t n = ge_file_count_shown(s, f);
        json_object_set_new(escapes, f->uri, json_integer((json_int_t)n));
        total += n;
    }
    return total;
}

static void send_status(struct ge_server *s, struct ge_pkg *pkg, const char *state,
                        const char *message)
{
    json_t *escapes = json_object();
    count_escapes(s, pkg, escapes);
    ge_notify(s, "goescape/status",
              json_pack("{s:s, s:s, s:s, s:o}", "state", state, "package", pkg->import_path,
                        "message", message, "escapes", escapes));
}

void ge_progress_refresh(struct ge_server *s, struct ge_pkg *pkg)
{
    /* A run waiting or in flight ends with its own status; a failing package keeps its error
     * message. */
    if (pkg == NULL || ge_sched_pkg_busy(pkg->sched) || !pkg->analyzed || pkg->failing)
        return;
    json_t *escapes = json_object();
    size_t n = count_escapes(s, pkg, escapes);
    char *message = ge_xasprintf("%zu heap escape%s", n, n == 1 ? "" : "s");
    ge_notify(s, "goescape/status",
              json_pack("{s:s, s:s, s:s, s:o}", "state", "idle", "package", pkg->import_path,
                        "message", message, "escapes", escapes));
    free(message);
}

void ge_progress_begin(struct ge_server *s, struct ge_pkg *pkg)
{
    char *title = ge_xasprintf("Escape analysis: %s", pkg->import_path);
    if (s->caps.work_done_progress && pkg->progress == NULL) {
        pkg->progress = ge_xasprintf("goescape/%lld", (long long)++next_token);
        ge_request(s, "window/workDoneProgress/create", json_pack("{s:s}", "token", pkg->progress),
                   NULL, NULL);
        ge_notify(s, "$/progress",
                  json_pack("{s:s, s:{s:s, s:s, s:b}}", "token", pkg->progress, "value", "kind",
                            "begin", "title", title, "cancellable", 0));
    }
    send_status(s, pkg, "analyzing", title);
    free(title);
}

void ge_progress_report(struct ge_server *s, struct ge_pkg *pkg, const char *message)
{
    if (pkg->progress != NULL)
        ge_notify(s, "$/progress",
                  json_pack("{s:s, s:{s:s, s:s}}", "token", pkg->progress, "value", "kind",
                            "report", "message", message));
    send_status(s, pkg, "analyzing", message);
}

void ge_progress_end(struct ge_server *s, struct ge_pkg *pkg, const char *message)
{
    if (pkg->progress != NULL) {
        ge_notify(s, "$/progress",
                  json_pack("{s:s, s:{s:s, s:s}}", "token", pkg->progress, "value", "kind", "end",
                            "message", message));
        free(pkg->progress);
        pkg->progress = NULL;
    }
    send_status(s, pkg, pkg->failing ? "failed" : "idle", message);
}
