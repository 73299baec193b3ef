/*
 * initialize, shutdown and exit, and the settings sources (initializationOptions,
 * workspace/didChangeConfiguration, workspace/configuration, workspace folders).
 */
#include "lsp/methods.h"

#include "io/log.h"
#include "lsp/dispatch.h"
#include "lsp/progress.h"
#include "run/runner.h"
#include "run/scheduler.h"
#include "goescape/rpc.h"
#include "lsp/publish.h"
#include "server.h"
#include "goescape/uri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool has_true(json_t *obj, const char *path)
{
    /* path is a dot-separated chain of object keys */
    char key[64];
    const char *p = path;
    while (obj != NULL && *p) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof key)
            return false;
        memcpy(key, p, n);
        key[n] = '\0';
        obj = json_object_get(obj, key);
        p += n + (p[n] == '.');
    }
    return json_is_true(obj);
}

static bool offers_utf8(json_t *caps)
{
    json_t *general = json_object_get(caps, "general");
    json_t *encs = json_object_get(general, "positionEncodings");
    size_t i;
    json_t *e;
    json_array_foreach(encs, i, e)
    {
        if (json_is_string(e) && strcmp(json_string_value(e), "utf-8") == 0)
            return true;
    }
    return false;
}

static bool hover_markdown(json_t *caps)
{
    json_t *fmts = json_object_get(json_object_get(json_object_get(caps, "textDocument"), "hover"),
                                   "contentFormat");
    size_t i;
    json_t *e;
    if (!json_is_array(fmts))
        return true;
    json_array_foreach(fmts, i, e)
    {
        if (json_is_string(e) && strcmp(json_string_value(e), "markdown") == 0)
            return true;
    }
    return false;
}

static bool label_location(json_t *caps)
{
    json_t *props = json_object_get(
        json_object_get(json_object_get(json_object_get(caps, "textDocument"), "inlayHint"),
                        "resolveSupport"),
        "properties");
    size_t i;
    json_t *e;
    json_array_foreach(props, i, e)
    {
        if (json_is_string(e) && strncmp(json_string_value(e), "label.location", 14) == 0)
            return true;
    }
    /* Clients that never resolve still render locations in label parts. */
    return json_object_get(json_object_get(caps, "textDocument"), "inlayHint") != NULL;
}

static void read_caps(struct ge_server *s, json_t *caps)
{
    struct ge_client_caps *c = &s->caps;
    c->utf8 = offers_utf8(caps);
    c->work_done_progress = has_true(caps, "window.workDoneProgress");
    c->configuration = has_true(caps, "workspace.configuration");
    c->inlay_refresh = has_true(caps, "workspace.inlayHint.refreshSupport");
    c->codelens_refresh = has_true(caps, "workspace.codeLens.refreshSupport");
    c->related_information = has_true(caps, "textDocument.publishDiagnostics.relatedInformation");
    c->hover_markdown = hover_markdown(caps);
    c->label_location = label_location(caps);
    c->snippet_edits = has_true(caps, "workspace.workspaceEdit.snippetEditSupport");
    c->document_changes = has_true(caps, "workspace.workspaceEdit.documentChanges");
    c->show_document = has_true(caps, "window.showDocument.support");
    s->enc = c->utf8 ? GE_ENC_UTF8 : GE_ENC_UTF16;
}

static void add_root(struct ge_server *s, const char *uri)
{
    char *path = NULL;
    if (ge_uri_to_path(uri, &path) != 0) {
        ge_log_warn("ignoring workspace folder %s: not a file: URI", uri);
        return;
    }
    size_t n = 0;
    while (s->roots != NULL && s->roots[n] != NULL)
        n++;
    s->roots = ge_xrealloc(s->roots, (n + 2) * sizeof(char *));
    s->roots[n] = path;
    s->roots[n + 1] = NULL;
}

static void read_roots(struct ge_server *s, json_t *params)
{
    json_t *folders = json_object_get(params, "workspaceFolders");
    size_t i;
    json_t *f;
    json_array_foreach(folders, i, f)
    {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        if (uri != NULL)
            add_root(s, uri);
    }
    const char *root = json_string_value(json_object_get(params, "rootUri"));
    if (s->roots == NULL && root != NULL)
        add_root(s, root);
}

static json_t *capabilities(struct ge_server *s)
{
    return json_pack("{s:s, s:{s:b, s:i, s:{s:b}}, s:{s:b}, s:b, s:{s:b}, s:{s:[s]},"
                     " s:{s:[s,s,s]}, s:{s:{s:b, s:b}}}",
                     "positionEncoding", s->enc == GE_ENC_UTF8 ? "utf-8" : "utf-16",
                     "textDocumentSync", "openClose", 1, "change", 2, "save", "includeText", 0,
                     "inlayHintProvider", "resolveProvider", 0, "hoverProvider", 1,
                     "codeLensProvider", "resolveProvider", 0, "codeActionProvider",
                     "codeActionKinds", "quickfix", "executeCommandProvider", "commands",
                     "goescape.analyze", "goescape.toggle", "goescape.showFlow", "workspace",
                     "workspaceFolders", "supported", 1, "changeNotifications", 1);
}

int ge_m_initialize(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                    const char **err)
{
    (void)id;
    if (s->state != GE_STATE_UNINITIALIZED) {
        *err = "initialize was already called";
        return -EALREADY;
    }
    if (!json_is_object(params)) {
        *err = "initialize needs params";
        return -EINVAL;
    }
    read_caps(s, json_object_get(params, "capabilities"));
    read_roots(s, params);
    json_t *opts = json_object_get(params, "initializationOptions");
    if (opts != NULL)
        ge_settings_changed(s, opts, "initializationOptions");
    s->state = GE_STATE_RUNNING;
    *result_new = json_pack("{s:o, s:{s:s, s:s}}", "capabilities", capabilities(s), "serverInfo",
                            "name", "goescape", "version", GE_VERSION);
    ge_log_info("initialized: %s positions, %s", s->enc == GE_ENC_UTF8 ? "utf-8" : "utf-16",
                s->roots && s->roots[0] ? s->roots[0] : "no workspace folder");
    return 0;
}

void ge_m_initialized(struct ge_server *s, json_t *params)
{
    (void)params;
    ge_pull_configuration(s);
}

int ge_m_shutdown(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                  const char **err)
{
    (void)id;
    (void)params;
    (void)err;
    s->state = GE_STATE_SHUTDOWN;
    ge_sched_shutdown(s->sched);
    *result_new = json_null();
    return 0;
}

void ge_m_exit(struct ge_server *s, json_t *params)
{
    (void)params;
    ge_server_stop(s, s->state == GE_STATE_SHUTDOWN ? 0 : 1);
}

void ge_settings_changed(struct ge_server *s, json_t *settings, const char *source)
{
    char *problems = NULL;
    char *before = ge_config_fingerprint(&s->config);
    if (ge_config_apply(&s->config, settings, &problems) != 0) {
        ge_show_message(s, 2, "goescape: ignored invalid settings from %s: %s", source, problems);
        free(problems);
    }
    char *after = ge_config_fingerprint(&s->config);
    bool rerun = strcmp(before, after) != 0;
    free(before);
    free(after);
    ge_runner_settings_changed(s, rerun && s->state != GE_STATE_UNINITIALIZED);
    if (s->state == GE_STATE_UNINITIALIZED)
        return;
    /* Display settings take effect on the next publish; command settings need a new run. */
    ge_publish_all_later(s);
    size_t i = 0;
    const char *k;
    void *v;
    while (!rerun && ge_strmap_next(&s->pkgs, &i, &k, &v)) {
        struct ge_pkg *pkg = v;
        if (pkg->nopen > 0)
            ge_progress_refresh(s, pkg); /* the status counts follow the categories shown */
    }
}

void ge_m_did_change_configuration(struct ge_server *s, json_t *params)
{
    json_t *settings = json_object_get(params, "settings");
    if (json_is_object(settings) && json_object_size(settings) > 0)
        ge_settings_changed(s, settings, "workspace/didChangeConfiguration");
    ge_pull_configuration(s);
}

static void configuration_reply(struct ge_server *s, json_t *result, json_t *error, void *ctx)
{
    (void)ctx;
    json_t *first = json_array_get(result, 0);
    if (error != NULL || !json_is_object(first))
        return;
    ge_settings_changed(s, first, "workspace/configuration");
}

void ge_pull_configuration(struct ge_server *s)
{
    if (!s->caps.configuration || s->state != GE_STATE_RUNNING)
        return;
    ge_request(s, "workspace/configuration",
               json_pack("{s:[{s:s}]}", "items", "section", "goescape"), configuration_reply, NULL);
}

void ge_m_did_change_folders(struct ge_server *s, json_t *params)
{
    json_t *event = json_object_get(params, "event");
    json_t *added = json_object_get(event, "added");
    size_t i;
    json_t *f;
    json_array_foreach(added, i, f)
    {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        if (uri != NULL)
            add_root(s, uri);
    }
}
