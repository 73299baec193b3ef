/*
 * Companion mode: gopls as a child process behind goescape (see companion.h). Each gopls
 * process is one struct ge_gopls with its own transport over two pipes, so the framing, the
 * input cap and the output queue cap are the ones the client connection has. A message is
 * decoded once; one that needs no merge is forwarded as the bytes that came in, and a hover
 * answer gets goescape's section spliced into those bytes (protocol/splice.c).
 */
#include "companion/companion.h"
#include "companion/companion_int.h"
#include "lsp/dispatch.h"
#include "lsp/documents.h"
#include "lsp/publish.h"
#include "run/workspace.h"

#include "io/job.h"
#include "io/log.h"
#include "server.h"
#include "strmap.h"
#include "io/transport.h"
#include "goescape/frame.h"
#include "goescape/rpc.h"
#include "goescape/splice.h"
#include "goescape/uri.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *conf_path;
static char **conf_argv;
static bool conf_on;

void ge_companion_configure(const char *path, char **argv)
{
    conf_on = true;
    conf_path = path;
    conf_argv = argv;
}

static void close_tr(struct ge_gopls *g)
{
    if (!g->tr_closing) {
        g->tr_closing = true;
        ge_transport_close(&g->tr);
    }
}

static void send_client_body(struct ge_companion *c, const char *body, size_t len)
{
    int rc = ge_transport_send_body(&c->s->transport, body, len);
    if (rc != 0 && rc != -ENOBUFS && rc != -ESHUTDOWN)
        ge_log_error("cannot send a message to the client: %s", strerror(-rc));
}

static void send_client(struct ge_companion *c, json_t *msg_new)
{
    int rc = ge_transport_send(&c->s->transport, msg_new);
    if (rc != 0 && rc != -ENOBUFS && rc != -ESHUTDOWN)
        ge_log_error("cannot send a message to the client: %s", strerror(-rc));
    json_decref(msg_new);
}

bool ge_companion__alive(struct ge_companion *c)
{
    return c->g != NULL && !c->g->exited;
}

int ge_companion__send_gopls_body(struct ge_companion *c, const char *body, size_t len)
{
    if (!ge_companion__alive(c))
        return -EPIPE;
    int rc = ge_transport_send_body(&c->g->tr, body, len);
    if (rc != 0)
        ge_log_warn("cannot send a message to gopls: %s", strerror(-rc));
    return rc;
}

int ge_companion__send_gopls(struct ge_companion *c, json_t *msg_new)
{
    int rc = -EPIPE;
    if (ge_companion__alive(c)) {
        rc = ge_transport_send(&c->g->tr, msg_new);
        if (rc != 0)
            ge_log_warn("cannot send a message to gopls: %s", strerror(-rc));
    }
    json_decref(msg_new);
    return rc;
}

/* ---- diagnostics ---- */

/* goescape's list of an open document is kept: gopls publishes for it after every change.
 * Elsewhere (diagnosticsScope "package") it is made again on the rare list from gopls, which
 * saves holding the text of every escape of a package. */
static bool keep_ours(void *ctx, const char *uri)
{
    struct ge_companion *c = ctx;
    return ge_doc_find(c->s, uri) != NULL;
}

bool ge_companion_own_framed(struct ge_companion *c, const char *body, size_t len)
{
    return ge_companion_diags_set_raw(&c->diags, &c->s->transport, body, len, keep_ours, c);
}

bool ge_companion_own_diagnostics(struct ge_companion *c, json_t *params)
{
    ge_companion_diags_set(&c->diags, &c->s->transport, params, true, keep_ours, c);
    return true;
}

/* gopls published for uri, where goescape's list was not kept: goescape publishes its list
 * again, which sends the union; when it has none to publish, gopls's goes alone. */
static void gopls_diagnostics(struct ge_companion *c, json_t *params)
{
    struct ge_server *s = c->s;
    if (ge_companion_diags_set(&c->diags, &s->transport, params, false, keep_ours, c))
        return;
    const char *uri = json_string_value(json_object_get(params, "uri"));
    unsigned sent = ge_companion_diags_sent(&c->diags, uri);
    char *path = NULL;
    struct ge_file *f = ge_uri_to_path(uri, &path) == 0 ? ge_strmap_get(&s->files, path) : NULL;
    free(path);
    if (f != NULL) {
        f->published = false; /* so that the same list is sent again */
        ge_publish_file(s, f);
    }
    if (ge_companion_diags_sent(&c->diags, uri) == sent)
        ge_companion_diags_flush(&c->diags, &s->transport, uri);
}

/* The goescape section of settings meant for both servers, as {"goescape": {...}}, or NULL:
 * the rest is gopls's, even where a name is also one of goescape's (env, buildFlags). */
json_t *ge_companion__own_section(json_t *settings)
{
    json_t *mine = json_object_get(settings, "goescape");
    return json_is_object(mine) ? json_pack("{s:O}", "goescape", mine) : NULL;
}

/* Answers the client's initialize: goescape's initialize runs now, with the position encoding
 * gopls chose, and the capabilities are merged. gopls_result is NULL when gopls cannot answer. */
static void finish_initialize(struct ge_companion *c, struct ge_fwd *f, json_t *gopls_result)
{
    struct ge_server *s = c->s;
    json_t *params = json_copy(json_object_get(f->msg, "params"));
    json_t *own = ge_companion__own_section(json_object_get(params, "initializationOptions"));
    if (own != NULL)
        json_object_set_new(params, "initializationOptions", own);
    else
        json_object_del(params, "initializationOptions");
    struct ge_rpc_msg msg = {.kind = GE_RPC_REQUEST,
                             .root = f->msg,
                             .id = f->id,
                             .method = "initialize",
                             .params = params};
    json_t *ours = NULL;
    int rc = ge_dispatch_call(s, &msg, &ours);
    json_decref(params);
    json_t *tcaps = json_object_get(gopls_result, "capabilities");
    const char *enc = json_string_value(json_object_get(tcaps, "positionEncoding"));
    if (gopls_result != NULL) {
        /* gopls picked from the client's list; without a choice LSP means UTF-16. */
        s->enc = enc != NULL && strcmp(enc, "utf-8") == 0 ? GE_ENC_UTF8 : GE_ENC_UTF16;
    }
    if (rc != 0) {
        ge_reply_error(s, f->id, GE_RPC_INVALID_REQUEST, "initialize failed");
        return;
    }
    json_t *caps = json_object_get(ours, "capabilities");
    json_object_set_new(caps, "positionEncoding",
                        json_string(s->enc == GE_ENC_UTF8 ? "utf-8" : "utf-16"));
    if (gopls_result != NULL) {
        json_t *merged = ge_companion_merge_caps(tcaps, caps);
        json_object_set_new(merged, "positionEncoding",
                            json_string(s->enc == GE_ENC_UTF8 ? "utf-8" : "utf-16"));
        json_object_set_new(ours, "capabilities", merged);
        json_t *info = json_object_get(gopls_result, "serverInfo");
        const char *ver = json_string_value(json_object_get(info, "version"));
        json_object_set_new(
            json_object_get(ours, "serverInfo"), "name",
            json_sprintf("goescape with gopls%s%.64s", ver ? " " : "", ver ? ver : ""));
    }
    ge_reply(s, f->id, ours);
    if (c->untold != NULL) {
        ge_notify(s, "window/showMessage",
                  json_pack("{s:i, s:s}", "type", 1, "message", c->untold));
        free(c->untold);
        c->untold = NULL;
    }
    ge_log_info("companion mode: %s positions%s", s->enc == GE_ENC_UTF8 ? "utf-8" : "utf-16",
                gopls_result ? "" : "; gopls is not running");
}

/* goescape's own result for a merged request, or NULL. */
static json_t *own_result(struct ge_companion *c, struct ge_fwd *f)
{
    struct ge_rpc_msg msg = {.kind = GE_RPC_REQUEST,
                             .root = f->msg,
                             .id = f->id,
                             .method = json_string_value(json_object_get(f->msg, "method")),
                             .params = json_object_get(f->msg, "params")};
    json_t *ours = NULL;
    if (ge_dispatch_call(c->s, &msg, &ours) != 0) {
        json_decref(ours);
        return NULL;
    }
    return ours;
}

/* goescape's part is made when the request comes, while gopls works on it, and again when
 * gopls's answer is in only if what it was made from changed meanwhile (render_gen): gopls
 * may answer late (while it loads the workspace), and a part made before an analysis ended
 * would then replace, in the client, the answer to a later request that has the analysis's
 * findings. */
void ge_companion__make_ours(struct ge_companion *c, struct ge_fwd *f)
{
    if (f->ours_made && f->ours_gen == c->s->render_gen)
        return;
    json_decref(f->ours);
    f->ours = own_result(c, f);
    f->ours_gen = c->s->render_gen;
    f->ours_made = true;
}

/* True when goescape has nothing to add to gopls's answer to f. */
static bool needs_nothing(const struct ge_fwd *f)
{
    if (f->kind == GE_FWD_PASS || f->kind == GE_FWD_DROP)
        return true;
    return f->kind == GE_FWD_MERGE && (f->ours == NULL || json_is_null(f->ours) ||
                                       (json_is_array(f->ours) && json_array_size(f->ours) == 0));
}

void ge_companion__answer(struct ge_companion *c, struct ge_fwd *f, json_t *result, json_t *error,
                          const char *body, size_t len)
{
    struct ge_server *s = c->s;
    switch (f->kind) {
    case GE_FWD_PASS:
        if (body != NULL)
            send_client_body(c, body, len);
        else
            ge_reply_error(s, f->id, GE_COMPANION_FAILED, "gopls stopped before it answered");
        break;
    case GE_FWD_MERGE: {
        ge_companion__make_ours(c, f);
        if (body != NULL && needs_nothing(f)) {
            /* Nothing to add: gopls's answer goes through as it came. */
            send_client_body(c, body, len);
            break;
        }
        json_t *merged = f->hover ? ge_companion_merge_hover(result, f->ours)
                                  : ge_companion_merge_lists(result, f->ours);
        ge_reply(s, f->id, merged);
        break;
    }
    case GE_FWD_INIT:
        finish_initialize(c, f, error == NULL ? result : NULL);
        break;
    case GE_FWD_OWN_INIT:
        if (result != NULL && ge_companion__alive(c)) {
            ge_companion__send_gopls(c, ge_rpc_notification_new("initialized", json_object()));
            size_t i = 0;
            const char *k;
            void *v;
            while (ge_strmap_next(&s->docs, &i, &k, &v)) {
                struct ge_doc *d = v;
                ge_companion__send_gopls(
                    c, ge_rpc_notification_new(
                           "textDocument/didOpen",
                           json_pack("{s:{s:s, s:s, s:I, s:s%}}", "textDocument", "uri", d->uri,
                                     "languageId", "go", "version", (json_int_t)d->version, "text",
                                     d->text.data, d->text.len)));
            }
        }
        break;
    case GE_FWD_DROP:
        break;
    }
}

void ge_companion__fwd_free(struct ge_fwd *f)
{
    json_decref(f->id);
    json_decref(f->msg);
    json_decref(f->ours);
    free(f);
}

/* The link that points to the request waiting under id, or NULL. */
static struct ge_fwd **fwd_find(struct ge_companion *c, json_t *id)
{
    bool num = json_is_integer(id);
    for (struct ge_fwd **pp = &c->fwds; *pp; pp = &(*pp)->next) {
        json_t *x = (*pp)->id;
        if (num ? json_is_integer(x) && json_integer_value(x) == json_integer_value(id)
                : json_equal(x, id))
            return pp;
    }
    return NULL;
}

/* Takes the request at link pp off the list. */
static struct ge_fwd *fwd_unlink(struct ge_companion *c, struct ge_fwd **pp)
{
    struct ge_fwd *f = *pp;
    *pp = f->next;
    c->nfwds--;
    return f;
}

static struct ge_fwd *fwd_take(struct ge_companion *c, json_t *id)
{
    struct ge_fwd **pp = fwd_find(c, id);
    return pp != NULL ? fwd_unlink(c, pp) : NULL;
}

/* The first request on the list, taken off it, or NULL. */
struct ge_fwd *ge_companion__fwd_pop(struct ge_companion *c)
{
    struct ge_fwd *f = c->fwds;
    if (f != NULL) {
        c->fwds = f->next;
        c->nfwds--;
    }
    return f;
}

struct ge_fwd *ge_companion__fwd_add(struct ge_companion *c, json_t *id, enum ge_fwd_kind kind)
{
    struct ge_fwd *f = ge_xcalloc(1, sizeof *f);
    f->id = json_incref(id);
    f->kind = kind;
    f->next = c->fwds;
    c->fwds = f;
    c->nfwds++;
    return f;
}

/* True when one more request may wait for gopls. The first refusal of an episode is logged;
 * the episode ends when the list is down to half the cap. */
bool ge_companion__fwd_room(struct ge_companion *c)
{
    if (c->nfwds < GE_COMPANION_WAITING_MAX) {
        if (c->nfwds <= GE_COMPANION_WAITING_MAX / 2)
            c->fwds_full = false;
        return true;
    }
    if (!c->fwds_full)
        ge_log_warn("%u requests are waiting for gopls; refusing new ones until it answers",
                    GE_COMPANION_WAITING_MAX);
    c->fwds_full = true;
    return false;
}

/* ---- gopls's requests to the client ---- */

static void back_reply(struct ge_server *s, json_t *result, json_t *error, void *ctx)
{
    struct ge_back *b = ctx;
    struct ge_companion *c = b->c;
    (void)s;
    b->answered = true;
    if (b->gen == c->gen && ge_companion__alive(c)) {
        json_t *msg = json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", b->gopls_id);
        if (error != NULL)
            json_object_set(msg, "error", error);
        else
            json_object_set(msg, "result", result ? result : json_null());
        ge_companion__send_gopls(c, msg);
    }
    for (struct ge_back **pp = &c->backs; *pp; pp = &(*pp)->next) {
        if (*pp == b) {
            *pp = b->next;
            c->nbacks--;
            break;
        }
    }
    json_decref(b->gopls_id);
    free(b);
}

/* gopls asks while GE_COMPANION_ASKING_MAX of its requests wait for the client: it is
 * answered at once and the client never sees the request. */
static void refuse_gopls_request(struct ge_companion *c, struct ge_rpc_msg *m)
{
    if (!c->backs_full)
        ge_log_warn("%u requests from gopls are waiting for the client; refusing %s and new "
                    "ones until it answers",
                    GE_COMPANION_ASKING_MAX, m->method);
    c->backs_full = true;
    char text[160];
    snprintf(text, sizeof text,
             "goescape: %u requests to the client are already waiting for answers; this one "
             "was not sent",
             GE_COMPANION_ASKING_MAX);
    ge_companion__send_gopls(c, ge_rpc_error_new(m->id, GE_COMPANION_FAILED, text));
}

static void gopls_request(struct ge_companion *c, struct ge_rpc_msg *m)
{
    if (c->nbacks >= GE_COMPANION_ASKING_MAX) {
        refuse_gopls_request(c, m);
        return;
    }
    if (c->nbacks <= GE_COMPANION_ASKING_MAX / 2)
        c->backs_full = false;
    c->nbacks++;
    struct ge_back *b = ge_xcalloc(1, sizeof *b);
    b->c = c;
    b->gopls_id = json_incref(m->id);
    b->gen = c->gen;
    b->next = c->backs;
    c->backs = b;
    ge_request(c->s, m->method, m->params ? json_incref(m->params) : NULL, back_reply, b);
    b->our_id = c->s->next_id;
}

/* gopls cancels one of its requests: the client knows it by goescape's id. */
static void gopls_cancel(struct ge_companion *c, struct ge_rpc_msg *m)
{
    json_t *id = json_object_get(m->params, "id");
    for (struct ge_back *b = c->backs; b; b = b->next) {
        if (b->gen == c->gen && json_equal(b->gopls_id, id)) {
            send_client(
                c, ge_rpc_notification_new("$/cancelRequest", json_pack("{s:I}", "id", b->our_id)));
            return;
        }
    }
}

/* ---- from gopls ---- */

/* goescape's hover section spliced into gopls's answer, when both have the shapes the splice
 * takes (ge_splice_hover); true when it was sent. */
static bool splice_hover(struct ge_companion *c, struct ge_fwd *f, const char *body, size_t len)
{
    json_t *value = json_object_get(json_object_get(f->ours, "contents"), "value");
    if (!json_is_string(value))
        return false;
    struct ge_buf framed;
    ge_buf_init(&framed, GE_FRAME_HEADER_OUT_MAX + (size_t)GE_FRAME_BODY_MAX);
    if (ge_splice_hover(body, len, json_string_value(value), json_string_length(value), &framed) !=
        0) {
        ge_buf_free(&framed);
        return false;
    }
    int rc = ge_transport_send_framed(&c->s->transport, &framed);
    if (rc != 0 && rc != -ENOBUFS && rc != -ESHUTDOWN)
        ge_log_error("cannot send a message to the client: %s", strerror(-rc));
    return true;
}

/* Relays gopls's answer as the bytes that came in, without decoding it, when goescape has
 * nothing to add to it, or with goescape's hover section spliced in. True when it did. */
static bool relay_answer(struct ge_companion *c, const char *body, size_t len)
{
    struct ge_companion_peek pk;
    if (ge_companion_peek(body, len, &pk) != 0)
        return false;
    bool done = false;
    struct ge_fwd **pp = NULL;
    if (pk.id != NULL && !pk.has_method && pk.has_result != pk.has_error)
        pp = fwd_find(c, pk.id);
    json_decref(pk.id);
    if (pp == NULL)
        return false;
    struct ge_fwd *f = *pp;
    if (f->kind == GE_FWD_MERGE) {
        ge_companion__make_ours(c, f);
        pp = fwd_find(c, f->id); /* the link again: it must not outlive a handler's call */
    }
    if (needs_nothing(f)) {
        if (f->kind != GE_FWD_DROP)
            send_client_body(c, body, len);
        done = true;
    } else if (f->hover && pk.has_result) {
        done = splice_hover(c, f, body, len);
    }
    if (done)
        ge_companion__fwd_free(fwd_unlink(c, pp));
    return done;
}

static void from_gopls(struct ge_transport *t, const char *body, size_t len)
{
    struct ge_gopls *g = t->data;
    struct ge_companion *c = g->c;
    if (g != c->g || c->stopping)
        return;
    if (relay_answer(c, body, len))
        return;
    struct ge_rpc_msg m = {0};
    const char *why = NULL;
    if (ge_rpc_decode(body, len, &m, &why) != 0) {
        ge_log_warn("ignoring a malformed message from gopls: %s", why ? why : "invalid");
        ge_rpc_msg_free(&m);
        return;
    }
    if (m.kind == GE_RPC_RESPONSE) {
        struct ge_fwd *f = fwd_take(c, m.id);
        if (f == NULL)
            ge_log_warn("ignoring a response from gopls to a request it never had");
        else {
            ge_companion__answer(c, f, json_object_get(m.root, "result"),
                                 json_object_get(m.root, "error"), body, len);
            ge_companion__fwd_free(f);
        }
    } else if (m.kind == GE_RPC_REQUEST) {
        gopls_request(c, &m);
    } else if (strcmp(m.method, "textDocument/publishDiagnostics") == 0) {
        gopls_diagnostics(c, m.params);
    } else if (strcmp(m.method, "$/cancelRequest") == 0) {
        gopls_cancel(c, &m);
    } else {
        send_client_body(c, body, len);
    }
    ge_rpc_msg_free(&m);
}

static void gopls_frame_error(struct ge_transport *t, int err, const char *what)
{
    (void)t;
    ge_log_warn("bad framing from gopls (%s): %s", strerror(-err), what);
}

static void gopls_eof(struct ge_transport *t, int err)
{
    (void)t;
    ge_log_debug("gopls's output ended (%s)", err ? uv_strerror(err) : "EOF");
}

static void gopls_handle_closed(struct ge_gopls *g)
{
    if (--g->handles == 0)
        free(g);
}

static void proc_closed(uv_handle_t *h)
{
    gopls_handle_closed(h->data);
}

static void tr_closed(struct ge_transport *t)
{
    gopls_handle_closed(t->data);
}

static void spawn(struct ge_companion *c);

static void timer_closed(uv_handle_t *h)
{
    struct ge_companion *c = h->data;
    c->timers--;
}

static void close_timers(struct ge_companion *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->kill_timer)) {
        uv_close((uv_handle_t *)&c->kill_timer, timer_closed);
        uv_close((uv_handle_t *)&c->restart_timer, timer_closed);
    }
}

static void restart_fired(uv_timer_t *timer)
{
    struct ge_companion *c = timer->data;
    if (!c->stopping && c->g == NULL)
        spawn(c);
}

/* Every request gopls had is answered without it; gopls's requests to the client are dropped. */
static void gopls_gone(struct ge_companion *c, const char *what, bool retry)
{
    struct ge_gopls *g = c->g;
    c->g = NULL;
    c->gen++;
    if (g != NULL) {
        g->exited = true;
        close_tr(g);
    }
    for (struct ge_fwd *f = ge_companion__fwd_pop(c); f != NULL; f = ge_companion__fwd_pop(c)) {
        ge_companion__answer(c, f, NULL, NULL, NULL, 0);
        ge_companion__fwd_free(f);
    }
    if (c->stopping)
        return;
    ge_companion_diags_drop_gopls(&c->diags, &c->s->transport);
    retry = retry && c->restarts < GE_COMPANION_RESTARTS_MAX;
    if (!c->told) {
        c->told = true;
        char *text = ge_xasprintf("goescape: %s; %s", what,
                                  retry ? "starting it again; escapes are still shown"
                                        : "gopls features are off; escapes are still shown");
        if (c->s->state == GE_STATE_UNINITIALIZED) {
            /* A client takes messages once initialize is answered: it is said then. */
            ge_log_error("%s", text);
            free(c->untold);
            c->untold = text;
        } else {
            ge_show_message(c->s, 1, "%s", text);
            free(text);
        }
    } else {
        ge_log_warn("%s", what);
    }
    if (retry) {
        uint64_t wait = (uint64_t)GE_COMPANION_BACKOFF_MS << c->restarts;
        c->restarts++;
        uv_timer_start(&c->restart_timer, restart_fired, wait, 0);
    }
}

static void proc_exited(uv_process_t *p, int64_t status, int signal)
{
    struct ge_gopls *g = p->data;
    struct ge_companion *c = g->c;
    kill(-p->pid, SIGKILL); /* whatever gopls left in its group, gopls itself under a guard */
    ge_job_await_group(p->pid, GE_COMPANION_GROUP_GONE_MS);
    uv_close((uv_handle_t *)p, proc_closed);
    if (c->g == g) {
        char what[128];
        if (signal != 0)
            snprintf(what, sizeof what, "gopls was killed by signal %d", signal);
        else
            snprintf(what, sizeof what, "gopls exited with status %d", (int)status);
        gopls_gone(c, what, true);
    } else {
        g->exited = true;
        close_tr(g);
    }
    if (c->stopping)
        close_timers(c);
}

static int open_pipes(struct ge_gopls *g, int child[2])
{
    int in[2], out[2];
    int rc = uv_pipe(in, 0, UV_NONBLOCK_PIPE);
    if (rc != 0)
        return rc;
    rc = uv_pipe(out, UV_NONBLOCK_PIPE, 0);
    if (rc != 0) {
        close(in[0]);
        close(in[1]);
        return rc;
    }
    child[0] = in[0];
    child[1] = out[1];
    rc = ge_transport_init(&g->tr, g->c->s->loop, out[0], in[1]);
    return rc;
}

static void spawn(struct ge_companion *c)
{
    struct ge_gopls *g = ge_xcalloc(1, sizeof *g);
    g->c = c;
    g->gen = c->gen;
    int child[2] = {-1, -1};
    int rc = open_pipes(g, child);
    g->tr.data = g;
    g->tr.on_message = from_gopls;
    g->tr.on_error = gopls_frame_error;
    g->tr.on_eof = gopls_eof;
    g->tr.on_closed = tr_closed;
    g->handles = 1;
    const char *file = conf_path ? conf_path : "gopls";
    char *path = NULL;
    if (rc == 0)
        rc = ge_job_resolve(file, NULL, NULL, &path);
    size_t n = 0;
    while (conf_argv && conf_argv[n])
        n++;
    char **args = ge_xcalloc(n + 2, sizeof *args);
    args[0] = (char *)file;
    for (size_t i = 0; i < n; i++)
        args[i + 1] = conf_argv[i];
    if (rc == 0) {
        uv_stdio_container_t stdio[3] = {
            {.flags = UV_INHERIT_FD, .data.fd = child[0]},
            {.flags = UV_INHERIT_FD, .data.fd = child[1]},
            {.flags = UV_INHERIT_FD, .data.fd = STDERR_FILENO},
        };
        uv_process_options_t opts = {.exit_cb = proc_exited,
                                     .file = path,
                                     .args = args,
                                     .flags = UV_PROCESS_DETACHED,
                                     .stdio_count = 3,
                                     .stdio = stdio};
        g->proc.data = g;
        rc = ge_job_spawn(c->s->loop, &g->proc, &opts);
        g->handles++;
        if (rc != 0)
            uv_close((uv_handle_t *)&g->proc, proc_closed);
    }
    free(args);
    free(path);
    if (child[0] >= 0) {
        close(child[0]);
        close(child[1]);
    }
    if (rc != 0) {
        g->exited = true;
        close_tr(g);
        char what[512];
        snprintf(what, sizeof what, "cannot start gopls (%s): %s", file,
                 rc == -ENOEXEC ? "not an executable program or #! script" : uv_strerror(rc));
        gopls_gone(c, what, rc != UV_ENOENT && rc != UV_EACCES && rc != -ENOEXEC);
        return;
    }
    c->g = g;
    ge_transport_start(&g->tr);
    ge_log_info("started gopls (%s) in process group %d", file, g->proc.pid);
    if (c->init_params != NULL) {
        /* A restart: gopls is brought to where the client's session is. */
        json_t *id = json_sprintf("goescape-companion:%lld", (long long)++c->own_ids);
        ge_companion__fwd_add(c, id, GE_FWD_OWN_INIT);
        json_t *req = json_pack("{s:s, s:O, s:s, s:O}", "jsonrpc", "2.0", "id", id, "method",
                                "initialize", "params", c->init_params);
        json_decref(id);
        ge_companion__send_gopls(c, req);
    }
}

/* ---- lifetime ---- */

struct ge_companion *ge_companion_start(struct ge_server *s)
{
    if (!conf_on)
        return NULL;
    struct ge_companion *c = ge_xcalloc(1, sizeof *c);
    c->s = s;
    ge_strmap_init(&c->diags);
    uv_timer_init(s->loop, &c->restart_timer);
    uv_timer_init(s->loop, &c->kill_timer);
    c->restart_timer.data = c;
    c->kill_timer.data = c;
    c->timers = 2;
    spawn(c);
    return c;
}

static void kill_fired(uv_timer_t *timer)
{
    struct ge_companion *c = timer->data;
    if (c->g != NULL && !c->g->exited) {
        ge_log_warn("gopls did not exit within %u ms; killing it", GE_COMPANION_EXIT_MS);
        kill(-c->g->proc.pid, SIGKILL);
    }
}

void ge_companion_stop(struct ge_companion *c)
{
    if (c == NULL || c->stopping)
        return;
    c->stopping = true;
    uv_timer_stop(&c->restart_timer);
    if (!ge_companion__alive(c)) {
        close_timers(c);
        return;
    }
    close_tr(c->g); /* what is queued (exit) is written first; then gopls reads end of input */
    uv_timer_start(&c->kill_timer, kill_fired, GE_COMPANION_EXIT_MS, 0);
}

void ge_companion_free(struct ge_companion *c)
{
    if (c == NULL)
        return;
    for (struct ge_fwd *f = ge_companion__fwd_pop(c); f != NULL; f = ge_companion__fwd_pop(c))
        ge_companion__fwd_free(f);
    ge_companion_diags_free(&c->diags);
    while (c->backs != NULL) {
        struct ge_back *b = c->backs;
        c->backs = b->next;
        c->nbacks--;
        json_decref(b->gopls_id);
        free(b);
    }
    json_decref(c->init_params);
    free(c->untold);
    free(c);
}
