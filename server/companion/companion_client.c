/*
 * Companion mode: the client's messages (see companion.h). A request only gopls answers goes
 * to it undecoded; hover, inlayHint, codeLens and codeAction go to gopls and are answered by
 * goescape too, for a merge; goescape's own commands, initialize and shutdown are handled
 * here; notifications reach both servers.
 */
#include "companion/companion_int.h"

#include "io/log.h"
#include "lsp/dispatch.h"
#include "lsp/methods.h"
#include "server.h"
#include "goescape/common.h"
#include "goescape/rpc.h"

#include <stdio.h>
#include <string.h>

/* ---- from the client ---- */

static bool is_goescape_command(json_t *params)
{
    const char *cmd = json_string_value(json_object_get(params, "command"));
    return cmd != NULL && strncmp(cmd, "goescape.", 9) == 0;
}

/* Requests goescape answers itself, in full or in part: the last four are merged. */
static const char *const handled[] = {"initialize",
                                      "shutdown",
                                      "workspace/executeCommand",
                                      "textDocument/hover",
                                      "textDocument/inlayHint",
                                      "textDocument/codeLens",
                                      "textDocument/codeAction"};
#define GE_FIRST_MERGED 3

/* The index of method (n bytes) in handled, or -1. */
static int handled_index(const char *method, size_t n)
{
    for (size_t i = 0; i < GE_ARRAY_SIZE(handled); i++)
        if (strlen(handled[i]) == n && memcmp(handled[i], method, n) == 0)
            return (int)i;
    return -1;
}

static bool merged_method(const char *m)
{
    return handled_index(m, strlen(m)) >= GE_FIRST_MERGED;
}

/* Answers a request that cannot wait for gopls because too many already do. */
static void refuse_client_request(struct ge_companion *c, json_t *id)
{
    char text[160];
    snprintf(text, sizeof text,
             "goescape: %u requests are already waiting for gopls; this one was not sent "
             "(try again once gopls answers)",
             GE_COMPANION_WAITING_MAX);
    ge_reply_error(c->s, id, GE_COMPANION_FAILED, text);
}

/* The message as gopls gets it: without goescape's section of the settings under key
 * (initializationOptions or settings), which gopls would report as a setting it does not
 * know. NULL when there is no such section: the message then goes as it came. */
static json_t *for_gopls_new(const struct ge_rpc_msg *m, const char *key)
{
    json_t *opts = json_object_get(m->params, key);
    if (!json_is_object(opts) || json_object_get(opts, "goescape") == NULL)
        return NULL;
    json_t *rest = json_copy(opts);
    json_object_del(rest, "goescape");
    json_t *params = json_copy(m->params);
    json_object_set_new(params, key, rest);
    json_t *root = json_copy(m->root);
    json_object_set_new(root, "params", params);
    return root;
}

/* Sends the client's message to gopls, without goescape's section under key. */
static int send_gopls_settings(struct ge_companion *c, const struct ge_rpc_msg *m, const char *key,
                               const char *body, size_t len)
{
    json_t *mine = for_gopls_new(m, key);
    return mine != NULL ? ge_companion__send_gopls(c, mine)
                        : ge_companion__send_gopls_body(c, body, len);
}

/* A request both servers answer. It went to gopls before it was decoded (sent). goescape's
 * part is made now, while gopls works, and made again when gopls's answer is in only if an
 * analysis, an edit or a setting changed it meanwhile (ge_companion__make_ours); past
 * GE_COMPANION_EARLY_MAX waiting requests it is made only then. Without gopls it is the whole
 * answer. */
static void merged_request(struct ge_companion *c, struct ge_rpc_msg *m, const char *body,
                           size_t len, bool sent)
{
    struct ge_server *s = c->s;
    sent = sent || (ge_companion__alive(c) && ge_companion__send_gopls_body(c, body, len) == 0);
    if (!sent) {
        json_t *ours = NULL;
        if (ge_dispatch_call(s, m, &ours) != 0) {
            json_decref(ours);
            ours = NULL;
        }
        ge_reply(s, m->id, ours ? ours : json_null());
        return;
    }
    struct ge_fwd *f = ge_companion__fwd_add(c, m->id, GE_FWD_MERGE);
    f->msg = json_incref(m->root);
    f->hover = strcmp(m->method, "textDocument/hover") == 0;
    if (c->nfwds <= GE_COMPANION_EARLY_MAX)
        ge_companion__make_ours(c, f);
}

static void client_request(struct ge_companion *c, struct ge_rpc_msg *m, const char *body,
                           size_t len, bool sent)
{
    struct ge_server *s = c->s;
    if (strcmp(m->method, "shutdown") == 0) {
        /* gopls gets it too; its answer is not waited for (exit follows, with a limit), nor
         * refused at the cap (an answer that finds no request is only logged). */
        if (ge_companion__alive(c) && ge_companion__send_gopls_body(c, body, len) == 0 &&
            c->nfwds < GE_COMPANION_WAITING_MAX)
            ge_companion__fwd_add(c, m->id, GE_FWD_DROP);
        ge_dispatch_decoded(s, m);
        return;
    }
    if (strcmp(m->method, "workspace/executeCommand") == 0 && is_goescape_command(m->params)) {
        ge_dispatch_decoded(s, m);
        return;
    }
    if (!ge_companion__fwd_room(c)) {
        refuse_client_request(c, m->id);
        return;
    }
    if (strcmp(m->method, "initialize") == 0) {
        if (c->init_params == NULL && json_is_object(m->params)) {
            json_t *mine = for_gopls_new(m, "initializationOptions");
            c->init_params =
                json_incref(mine != NULL ? json_object_get(mine, "params") : m->params);
            json_decref(mine);
        }
        struct ge_fwd *f = ge_companion__fwd_add(c, m->id, GE_FWD_INIT);
        f->msg = json_incref(m->root);
        if (send_gopls_settings(c, m, "initializationOptions", body, len) != 0) {
            ge_companion__fwd_pop(c); /* f, the head */
            ge_companion__answer(c, f, NULL, NULL, NULL, 0);
            ge_companion__fwd_free(f);
        }
        return;
    }
    if (merged_method(m->method)) {
        merged_request(c, m, body, len, sent);
        return;
    }
    if (ge_companion__send_gopls_body(c, body, len) != 0) {
        ge_reply_error(s, m->id, GE_COMPANION_FAILED, "gopls is not running");
        return;
    }
    ge_companion__fwd_add(c, m->id, GE_FWD_PASS);
}

/* What was done with a request before it was decoded. */
enum early { EARLY_NONE, EARLY_RELAYED, EARLY_SENT };

/* A request only gopls answers (completion, definition, rename...) goes to gopls as the bytes
 * that came in and is never decoded (EARLY_RELAYED). A merged request goes to gopls before it
 * is decoded (EARLY_SENT): gopls starts on it a little earlier. */
static enum early relay_request(struct ge_companion *c, const char *body, size_t len)
{
    struct ge_companion_peek pk;
    if (ge_companion_peek(body, len, &pk) != 0)
        return EARLY_NONE;
    enum early done = EARLY_NONE;
    if (pk.id != NULL && pk.method != NULL && !pk.has_result && !pk.has_error) {
        int i = handled_index(pk.method, pk.method_len);
        if (i < 0) {
            done = EARLY_RELAYED;
            if (!ge_companion__fwd_room(c))
                refuse_client_request(c, pk.id);
            else if (ge_companion__send_gopls_body(c, body, len) != 0)
                ge_reply_error(c->s, pk.id, GE_COMPANION_FAILED, "gopls is not running");
            else
                ge_companion__fwd_add(c, pk.id, GE_FWD_PASS);
        } else if (i >= GE_FIRST_MERGED && ge_companion__fwd_room(c) && ge_companion__alive(c) &&
                   ge_companion__send_gopls_body(c, body, len) == 0) {
            done = EARLY_SENT;
        }
    }
    json_decref(pk.id);
    return done;
}

void ge_companion_from_client(struct ge_companion *c, const char *body, size_t len)
{
    enum early early = relay_request(c, body, len);
    if (early == EARLY_RELAYED)
        return;
    struct ge_rpc_msg m = {0};
    const char *why = NULL;
    if (ge_rpc_decode(body, len, &m, &why) != 0) {
        ge_rpc_msg_free(&m);
        ge_dispatch(c->s, body, len); /* answers the error as plain mode does */
        return;
    }
    if (m.kind == GE_RPC_RESPONSE) {
        ge_dispatch_decoded(c->s, &m); /* goescape's ids, including gopls's remapped requests */
    } else if (m.kind == GE_RPC_REQUEST) {
        client_request(c, &m, body, len, early == EARLY_SENT);
    } else {
        if (strcmp(m.method, "initialized") == 0)
            c->initialized = true;
        if (strcmp(m.method, "workspace/didChangeConfiguration") == 0) {
            send_gopls_settings(c, &m, "settings", body, len);
            json_t *own = ge_companion__own_section(json_object_get(m.params, "settings"));
            json_t *params = json_pack("{s:o}", "settings", own ? own : json_object());
            struct ge_rpc_msg mine = m;
            mine.params = params;
            ge_dispatch_decoded(c->s, &mine);
            json_decref(params);
        } else {
            ge_companion__send_gopls_body(c, body, len);
            ge_dispatch_decoded(c->s, &m);
        }
    }
    ge_rpc_msg_free(&m);
}
