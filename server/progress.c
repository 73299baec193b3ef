/*
 * Work-done progress and status notifications. The token is created before the go command
 * starts; the client's answer to window/workDoneProgress/create is not awaited, since the
 * specification lets the server use the token as soon as the request is sent.
 */
#include "progress.h"

#include <stdlib.h>
#include <string.h>

static json_int_t next_token;

static void send_status(struct ge_server *s, struct ge_pkg *pkg, const char *state,
                        const char *message)
{
    json_t *escapes = json_object();
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_get(&s->files, *p);
        if (f == NULL || !ge_file_in_view(s, f))
            continue;
        int n = 0;
        for (size_t i = 0; i < f->set.count; i++)
            if (ge_category_is_heap(f->set.items[i].category) &&
                s->config.categories[f->set.items[i].category])
                n++;
        json_object_set_new(escapes, f->uri, json_integer(n));
    }
    ge_notify(s, "goescape/status",
              json_pack("{s:s, s:s, s:s, s:o}", "state", state, "package", pkg->import_path,
                        "message", message, "escapes", escapes));
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
