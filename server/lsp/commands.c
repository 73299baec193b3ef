/*
 * workspace/executeCommand: goescape.analyze re-runs a document's package now and answers
 * when that analysis is done (so it can be cancelled); goescape.toggle turns hints on or off;
 * goescape.showFlow (codeaction.c) shows how an escape reaches the heap.
 */
#include "lsp/methods.h"

#include "run/scheduler.h"
#include "goescape/uri.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *argument_uri(json_t *args)
{
    json_t *first = json_array_get(args, 0);
    if (json_is_string(first))
        return json_string_value(first);
    return json_string_value(json_object_get(first, "uri"));
}

static int analyze(struct ge_server *s, json_t *id, json_t *args, json_t **result_new,
                   const char **err)
{
    const char *uri = argument_uri(args);
    if (uri == NULL && json_array_size(args) > 0) {
        *err = "goescape.analyze takes a document URI";
        return -EINVAL;
    }
    if (uri == NULL) {
        size_t i = 0, n = 0;
        const char *k;
        void *v;
        while (ge_strmap_next(&s->pkgs, &i, &k, &v)) {
            struct ge_pkg *pkg = v;
            ge_sched_analyze_now(s->sched, pkg->sched);
            n++;
        }
        *result_new = json_pack("{s:I}", "scheduled", (json_int_t)n);
        return 0;
    }
    struct ge_doc *d = ge_doc_find(s, uri);
    if (d == NULL || d->pkg == NULL) {
        *err = d == NULL ? "document is not open" : "document is not part of a Go package";
        return -ENOENT;
    }
    struct ge_pending *p = ge_xcalloc(1, sizeof *p);
    p->id = json_incref(id);
    p->pkg = d->pkg;
    p->next = s->pending;
    s->pending = p;
    ge_sched_analyze_now(s->sched, d->pkg->sched);
    return GE_REPLY_LATER;
}

static int toggle(struct ge_server *s, json_t *args, json_t **result_new, const char **err)
{
    json_t *first = json_array_get(args, 0);
    if (first != NULL && !json_is_boolean(first)) {
        *err = "goescape.toggle takes an optional boolean";
        return -EINVAL;
    }
    s->hints_enabled = first ? json_is_true(first) : !s->hints_enabled;
    if (s->caps.inlay_refresh)
        ge_request(s, "workspace/inlayHint/refresh", NULL, NULL, NULL);
    *result_new = json_pack("{s:b}", "inlayHints", s->hints_enabled);
    return 0;
}

int ge_m_execute_command(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                         const char **err)
{
    const char *cmd = json_string_value(json_object_get(params, "command"));
    json_t *args = json_object_get(params, "arguments");
    if (cmd == NULL || (args != NULL && !json_is_array(args))) {
        *err = "executeCommand needs a command and an array of arguments";
        return -EINVAL;
    }
    if (strcmp(cmd, "goescape.analyze") == 0)
        return analyze(s, id, args, result_new, err);
    if (strcmp(cmd, "goescape.toggle") == 0)
        return toggle(s, args, result_new, err);
    if (strcmp(cmd, "goescape.showFlow") == 0)
        return ge_cmd_show_flow(s, args, result_new, err);
    *err = "unknown command";
    return -EINVAL;
}
