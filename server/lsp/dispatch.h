/*
 * The JSON-RPC side of the server (dispatch.c): a message in goes through the method table
 * (methods.h) to its handler; messages out are sent as notifications, requests to the client
 * with a callback for the response, and replies to requests answered later. Everything here
 * runs on the loop thread.
 */
#ifndef GE_SERVER_DISPATCH_H
#define GE_SERVER_DISPATCH_H

#include <jansson.h>
#include <stddef.h>

#include "goescape/buf.h"

struct ge_server;
struct ge_pkg;
struct ge_rpc_msg;

/* Handler results beyond the 0 / negative errno convention. */
#define GE_REPLY_LATER 1 /* the handler kept the request and will answer it itself */

/* A request from the client that is answered later (goescape.analyze waits for its
 * package's analysis). */
struct ge_pending {
    struct ge_pending *next;
    json_t *id; /* owned reference */
    struct ge_pkg *pkg;
};

/* A request the server sent to the client, waiting for its response. */
typedef void (*ge_reply_cb)(struct ge_server *s, json_t *result, json_t *error, void *ctx);
struct ge_outgoing {
    struct ge_outgoing *next;
    json_int_t id;
    ge_reply_cb cb;
    void *ctx;
};

/* Decodes one message body (borrowed) and runs it through the method table. */
void ge_dispatch(struct ge_server *s, const char *body, size_t len);
/* Companion mode: one decoded message, as ge_dispatch handles it. */
void ge_dispatch_decoded(struct ge_server *s, struct ge_rpc_msg *msg);
/* Companion mode: runs a request's handler and hands back its result instead of replying.
 * Returns 0 with *result_new set, GE_REPLY_LATER, or a negative errno. */
int ge_dispatch_call(struct ge_server *s, struct ge_rpc_msg *msg, json_t **result_new);
/* Sends a message (borrowed); failures are logged. */
void ge_send(struct ge_server *s, const json_t *msg);
/* Sends a message framed already; framed's storage is taken over and framed left empty.
 * Failures are logged. */
void ge_send_framed(struct ge_server *s, struct ge_buf *framed);
/* Sends a notification; params is stolen. */
void ge_notify(struct ge_server *s, const char *method, json_t *params_new);
/* Sends a request to the client; params is stolen; cb (may be NULL) gets the response. */
void ge_request(struct ge_server *s, const char *method, json_t *params_new, ge_reply_cb cb,
                void *ctx);
/* Answers a deferred request (id borrowed; result stolen). */
void ge_reply(struct ge_server *s, json_t *id, json_t *result_new);
void ge_reply_error(struct ge_server *s, json_t *id, int code, const char *message);
/* window/showMessage and window/logMessage; type is 1 error .. 4 log. */
void ge_show_message(struct ge_server *s, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ge_log_message(struct ge_server *s, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
