/*
 * JSON-RPC 2.0 messages over jansson: decoding and validating what a client sends, and
 * building what the server sends back. Validation only classifies; turning a failure into a
 * JSON-RPC error code happens in one place, the server's dispatcher.
 */
#ifndef GOESCAPE_RPC_H
#define GOESCAPE_RPC_H

#include <jansson.h>
#include "goescape/buf.h"

/* JSON-RPC and LSP error codes, used by the dispatcher only. */
#define GE_RPC_PARSE_ERROR          (-32700)
#define GE_RPC_INVALID_REQUEST      (-32600)
#define GE_RPC_METHOD_NOT_FOUND     (-32601)
#define GE_RPC_INVALID_PARAMS       (-32602)
#define GE_RPC_INTERNAL_ERROR       (-32603)
#define GE_RPC_SERVER_NOT_INITIALIZED (-32002)
#define GE_RPC_REQUEST_FAILED       (-32803)
#define GE_RPC_REQUEST_CANCELLED    (-32800)

enum ge_rpc_kind {
    GE_RPC_REQUEST,      /* has id and method */
    GE_RPC_NOTIFICATION, /* has method, no id */
    GE_RPC_RESPONSE,     /* has id and result or error, no method */
};

struct ge_rpc_msg {
    enum ge_rpc_kind kind;
    json_t *root;       /* owned: the whole decoded message */
    json_t *id;         /* borrowed from root; integer or string; NULL for notifications */
    const char *method; /* borrowed from root; NULL for responses */
    json_t *params;     /* borrowed from root; object or array, or NULL when absent */
};

/*
 * Decodes one message body. Returns 0 and fills out (which then owns root), or:
 *   -EBADMSG  the body is not JSON (invalid syntax, invalid UTF-8, NUL in a string, too deep);
 *   -EPROTO   JSON, but not a JSON-RPC 2.0 message (not an object, wrong "jsonrpc", wrong
 *             types for id, method or params). out->id is set when a valid id was present,
 *             so the error reply can carry it, and out->root is then owned as on success.
 * err_detail (may be NULL) receives a short static or out-owned description.
 */
int ge_rpc_decode(const char *body, size_t len, struct ge_rpc_msg *out, const char **err_detail);
/* Releases out->root and clears the struct. Safe on a zeroed struct. */
void ge_rpc_msg_free(struct ge_rpc_msg *m);

/* Builders. id is borrowed (it is copied or ref-counted); *_new arguments are stolen.
 * Each returns a new reference. */
json_t *ge_rpc_result_new(json_t *id, json_t *result_new);
json_t *ge_rpc_error_new(json_t *id, int code, const char *message);
json_t *ge_rpc_notification_new(const char *method, json_t *params_new);
json_t *ge_rpc_request_new(json_int_t id, const char *method, json_t *params_new);

/* Appends the framed message (header + compact JSON body) to out. msg is borrowed.
 * Returns 0, -ENOBUFS past out's cap, or -EINVAL if msg cannot be serialised. */
int ge_rpc_encode(const json_t *msg, struct ge_buf *out);

#endif
