/*
 * The method table and everything between a decoded message and its handler: lifecycle
 * checks, cancellation, responses to the server's own requests, and the single place where
 * handler errors become JSON-RPC error codes.
 */
#include "lsp/dispatch.h"

#include "companion/companion.h"
#include "io/log.h"
#include "lsp/methods.h"
#include "server.h"
#include "goescape/rpc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Methods allowed before initialize and after shutdown. */
#define GE_M_ANY_STATE 1u
/* Requests that only render what the server holds and change nothing of it: they leave
 * render_gen as it is (server.h). */
#define GE_M_RENDERS 2u

struct ge_method {
    const char *name;
    ge_request_fn request;
    ge_notify_fn notify;
    unsigned flags;
};

static void m_cancel(struct ge_server *s, json_t *params);
static void m_ignore(struct ge_server *s, json_t *params);

static const struct ge_method methods[] = {
    {"initialize", ge_m_initialize, NULL, GE_M_ANY_STATE},
    {"initialized", NULL, ge_m_initialized, 0},
    {"shutdown", ge_m_shutdown, NULL, 0},
    {"exit", NULL, ge_m_exit, GE_M_ANY_STATE},
    {"$/cancelRequest", NULL, m_cancel, 0},
    {"$/setTrace", NULL, m_ignore, 0},
    {"textDocument/didOpen", NULL, ge_m_did_open, 0},
    {"textDocument/didChange", NULL, ge_m_did_change, 0},
    {"textDocument/didSave", NULL, ge_m_did_save, 0},
    {"textDocument/didClose", NULL, ge_m_did_close, 0},
    {"textDocument/hover", ge_m_hover, NULL, GE_M_RENDERS},
    {"textDocument/inlayHint", ge_m_inlay_hint, NULL, GE_M_RENDERS},
    {"textDocument/codeLens", ge_m_code_lens, NULL, GE_M_RENDERS},
    {"textDocument/codeAction", ge_m_code_action, NULL, GE_M_RENDERS},
    {"workspace/executeCommand", ge_m_execute_command, NULL, 0},
    {"workspace/didChangeConfiguration", NULL, ge_m_did_change_configuration, 0},
    {"workspace/didChangeWorkspaceFolders", NULL, ge_m_did_change_folders, 0},
};

static const struct ge_method *lookup(const char *name)
{
    for (size_t i = 0; i < GE_ARRAY_SIZE(methods); i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

static void check_sent(int rc)
{
    if (rc != 0 && rc != -ENOBUFS && rc != -ESHUTDOWN)
        ge_log_error("cannot send a message: %s", strerror(-rc));
}

/* True when needle is in the first 128 bytes of body. */
static bool head_has(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle), lim = len < 128 ? len : 128;
    for (size_t i = 0; i + n <= lim; i++)
        if (memcmp(body + i, needle, n) == 0)
            return true;
    return false;
}

static bool is_publish(const json_t *msg)
{
    const char *m = json_string_value(json_object_get(msg, "method"));
    return m != NULL && strcmp(m, "textDocument/publishDiagnostics") == 0;
}

void ge_send(struct ge_server *s, const json_t *msg)
{
    /* In companion mode goescape's diagnostics are merged with gopls's. */
    if (s->companion != NULL && is_publish(msg) &&
        ge_companion_own_diagnostics(s->companion, json_object_get(msg, "params")))
        return;
    check_sent(ge_transport_send(&s->transport, msg));
}

/* Hands a framed publishDiagnostics of goescape's to the companion, which merges it with
 * gopls's list. True when taken. */
static bool own_diagnostics(struct ge_server *s, const struct ge_buf *framed)
{
    const char *data = framed->data;
    size_t len = framed->len, body = 0;
    for (size_t i = 0; i + 4 <= len && i < GE_FRAME_HEADER_OUT_MAX && body == 0; i++)
        if (memcmp(data + i, "\r\n\r\n", 4) == 0)
            body = i + 4;
    if (body == 0 || !head_has(data + body, len - body, "publishDiagnostics"))
        return false;
    if (ge_companion_own_framed(s->companion, data + body, len - body))
        return true; /* read as text: a tree of a large list would cost many times its size */
    json_t *msg = json_loadb(data + body, len - body, 0, NULL);
    bool taken = is_publish(msg) &&
                 ge_companion_own_diagnostics(s->companion, json_object_get(msg, "params"));
    json_decref(msg);
    return taken;
}

void ge_send_framed(struct ge_server *s, struct ge_buf *framed)
{
    /* In companion mode goescape's diagnostics are merged with gopls's. */
    if (s->companion != NULL && own_diagnostics(s, framed)) {
        ge_buf_free(framed);
        return;
    }
    check_sent(ge_transport_send_framed(&s->transport, framed));
}

static void send_new(struct ge_server *s, json_t *msg_new)
{
    ge_send(s, msg_new);
    json_decref(msg_new);
}

void ge_notify(struct ge_server *s, const char *method, json_t *params_new)
{
    send_new(s, ge_rpc_notification_new(method, params_new));
}

void ge_request(struct ge_server *s, const char *method, json_t *params_new, ge_reply_cb cb,
                void *ctx)
{
    struct ge_outgoing *o = ge_xcalloc(1, sizeof *o);
    o->id = ++s->next_id;
    o->cb = cb;
    o->ctx = ctx;
    o->next = s->outgoing;
    s->outgoing = o;
    send_new(s, ge_rpc_request_new(o->id, method, params_new));
}

void ge_reply(struct ge_server *s, json_t *id, json_t *result_new)
{
    send_new(s, ge_rpc_result_new(id, result_new));
}

void ge_reply_error(struct ge_server *s, json_t *id, int code, const char *message)
{
    send_new(s, ge_rpc_error_new(id, code, message));
}

static void vmessage(struct ge_server *s, const char *method, int type, const char *fmt, va_list ap)
{
    char text[2048];
    vsnprintf(text, sizeof text, fmt, ap);
    ge_log(type == 1 ? GE_LOG_ERROR : type == 2 ? GE_LOG_WARN : GE_LOG_INFO, "%s", text);
    ge_notify(s, method, json_pack("{s:i,s:s}", "type", type, "message", text));
}

void ge_show_message(struct ge_server *s, int type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(s, "window/showMessage", type, fmt, ap);
    va_end(ap);
}

void ge_log_message(struct ge_server *s, int type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(s, "window/logMessage", type, fmt, ap);
    va_end(ap);
}

static void m_ignore(struct ge_server *s, json_t *params)
{
    (void)s;
    (void)params;
}

/* Only goescape.analyze requests wait; a cancelled one is answered with -32800 at once. */
static void m_cancel(struct ge_server *s, json_t *params)
{
    json_t *id = json_object_get(params, "id");
    for (struct ge_pending **pp = &s->pending; *pp; pp = &(*pp)->next) {
        struct ge_pending *p = *pp;
        if (id != NULL && json_equal(p->id, id)) {
            *pp = p->next;
            ge_reply_error(s, p->id, GE_RPC_REQUEST_CANCELLED, "request cancelled");
            json_decref(p->id);
            free(p);
            return;
        }
    }
    ge_log_debug("$/cancelRequest for a request that is not pending");
}

/* Every message but a rendering request may change what the renderers read. */
static void note_change(struct ge_server *s, const struct ge_method *m)
{
    if (m == NULL || !(m->flags & GE_M_RENDERS))
        ge_server_changed(s);
}

static void handle_response(struct ge_server *s, struct ge_rpc_msg *m)
{
    json_t *id = m->id;
    note_change(s, NULL); /* the answer to workspace/configuration sets the settings */
    for (struct ge_outgoing **pp = &s->outgoing; *pp; pp = &(*pp)->next) {
        struct ge_outgoing *o = *pp;
        if (json_is_integer(id) && json_integer_value(id) == o->id) {
            *pp = o->next;
            if (o->cb != NULL)
                o->cb(s, json_object_get(m->root, "result"), json_object_get(m->root, "error"),
                      o->ctx);
            free(o);
            return;
        }
    }
    ge_log_warn("ignoring a response to a request that was never sent");
}

static int error_code(int rc)
{
    switch (rc) {
    case -EINVAL:
        return GE_RPC_INVALID_PARAMS;
    case -ECANCELED:
        return GE_RPC_REQUEST_CANCELLED;
    case -ENOENT:
        return GE_RPC_REQUEST_FAILED;
    case -EALREADY:
        return GE_RPC_INVALID_REQUEST;
    default:
        return GE_RPC_INTERNAL_ERROR;
    }
}

static void run_request(struct ge_server *s, const struct ge_method *m, struct ge_rpc_msg *msg)
{
    json_t *result = NULL;
    const char *err = NULL;
    int rc = m->request(s, msg->id, msg->params, &result, &err);
    if (rc == GE_REPLY_LATER)
        return;
    if (rc == 0) {
        ge_reply(s, msg->id, result ? result : json_null());
        return;
    }
    json_decref(result);
    if (err == NULL)
        err = rc == -EINVAL ? "invalid params" : strerror(-rc);
    ge_reply_error(s, msg->id, error_code(rc), err);
}

static void run_message(struct ge_server *s, struct ge_rpc_msg *msg)
{
    const struct ge_method *m = lookup(msg->method);
    bool request = msg->kind == GE_RPC_REQUEST;
    bool any = m != NULL && (m->flags & GE_M_ANY_STATE);
    note_change(s, m);
    if (s->state == GE_STATE_UNINITIALIZED && !any) {
        if (request)
            ge_reply_error(s, msg->id, GE_RPC_SERVER_NOT_INITIALIZED, "server not initialized");
        return;
    }
    if (s->state == GE_STATE_SHUTDOWN && !any) {
        if (request)
            ge_reply_error(s, msg->id, GE_RPC_INVALID_REQUEST, "server is shut down");
        return;
    }
    if (m == NULL || (request && m->request == NULL) || (!request && m->notify == NULL)) {
        if (request)
            ge_reply_error(s, msg->id, GE_RPC_METHOD_NOT_FOUND, "method not found");
        else
            ge_log_debug("dropping notification %s", msg->method);
        return;
    }
    if (request)
        run_request(s, m, msg);
    else
        m->notify(s, msg->params);
}

int ge_dispatch_call(struct ge_server *s, struct ge_rpc_msg *msg, json_t **result_new)
{
    const struct ge_method *m = lookup(msg->method);
    const char *err = NULL;
    *result_new = NULL;
    if (m == NULL || m->request == NULL)
        return -ENOENT;
    note_change(s, m);
    if (!(m->flags & GE_M_ANY_STATE) && s->state != GE_STATE_RUNNING)
        return -EALREADY;
    return m->request(s, msg->id, msg->params, result_new, &err);
}

void ge_dispatch_decoded(struct ge_server *s, struct ge_rpc_msg *msg)
{
    if (msg->kind == GE_RPC_RESPONSE)
        handle_response(s, msg);
    else
        run_message(s, msg);
}

void ge_dispatch(struct ge_server *s, const char *body, size_t len)
{
    struct ge_rpc_msg msg = {0};
    const char *detail = NULL;
    int rc = ge_rpc_decode(body, len, &msg, &detail);
    if (rc == -EBADMSG) {
        ge_log_warn("invalid JSON from the client: %s", detail ? detail : "parse error");
        ge_reply_error(s, NULL, GE_RPC_PARSE_ERROR, detail ? detail : "parse error");
    } else if (rc != 0 && msg.kind == GE_RPC_RESPONSE) {
        ge_log_warn("ignoring a malformed response: %s", detail ? detail : "invalid response");
    } else if (rc != 0) {
        ge_log_warn("invalid JSON-RPC message: %s", detail ? detail : "invalid request");
        ge_reply_error(s, msg.id, GE_RPC_INVALID_REQUEST, detail ? detail : "invalid request");
    } else if (msg.kind == GE_RPC_RESPONSE) {
        handle_response(s, &msg);
    } else {
        run_message(s, &msg);
    }
    ge_rpc_msg_free(&msg);
}
