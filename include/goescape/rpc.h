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
#define GE_RPC_PARSE_ERROR            (-32700)
#define GE_RPC_INVALID_REQUEST        (-32600)
#define GE_RPC_METHOD_NOT_FOUND       (-32601)
#define GE_RPC_INVALID_PARAMS         (-32602)
#define GE_RPC_INTERNAL_ERROR         (-32603)
#define GE_RPC_SERVER_NOT_INITIALIZED (-32002)
#define GE_RPC_REQUEST_FAILED         (-32803)
#define GE_RPC_REQUEST_CANCELLED      (-32800)

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
 * Decodes one message body (borrowed). Returns 0 and fills out (which then owns root), or:
 *   -EBADMSG  the body is not JSON (invalid syntax, invalid UTF-8, NUL in a string, too deep,
 *             an integer too large for json_int_t); out is zeroed;
 *   -EPROTO   JSON, but not a JSON-RPC 2.0 message (not an object, e.g. a batch array; wrong
 *             "jsonrpc"; wrong types for id, method or params; a response with neither or
 *             both of result and error). out->root is then owned as on success, and out->id
 *             is set when a valid id was present, so the error reply can carry it; out->kind
 *             is GE_RPC_RESPONSE when the message had no method but a valid id, so that no
 *             reply is sent to a malformed response.
 * Call ge_rpc_msg_free after either 0 or -EPROTO (it is harmless after -EBADMSG too).
 * "params": null is treated as absent, as some clients send it. A response may carry
 * "id": null only together with "error" (the peer could not read our request's id); out->id
 * is then NULL. Duplicate keys are accepted; the last one wins.
 * err_detail (may be NULL) receives a short static description.
 */
int ge_rpc_decode(const char *body, size_t len, struct ge_rpc_msg *out, const char **err_detail);
/* Releases out->root and clears the struct. Safe on a zeroed struct. */
void ge_rpc_msg_free(struct ge_rpc_msg *m);

/* Builders. id is borrowed (it is ref-counted; NULL means a JSON null id); *_new arguments
 * are stolen, even when NULL: a NULL result_new is a null result, a NULL params_new omits
 * "params". Strings are borrowed; invalid UTF-8 in an error message is replaced with U+FFFD.
 * Each returns a new reference and never NULL (an impossible message aborts, like OOM). */
json_t *ge_rpc_result_new(json_t *id, json_t *result_new);
json_t *ge_rpc_error_new(json_t *id, int code, const char *message);
json_t *ge_rpc_notification_new(const char *method, json_t *params_new);
json_t *ge_rpc_request_new(json_int_t id, const char *method, json_t *params_new);

/* Appends the framed message (header + compact JSON body) to out. msg is borrowed.
 * Returns 0, -ENOBUFS past out's cap, or -EINVAL if msg cannot be serialised. */
int ge_rpc_encode(const json_t *msg, struct ge_buf *out);

/* A piece of JSON text (borrowed). */
struct ge_rpc_piece {
    const char *data;
    size_t len;
};

/*
 * Appends a framed notification whose params are JSON text already: the concatenation of
 * params[0..nparams) (borrowed), which must be one JSON object or array. The pieces are copied
 * as they are, not parsed again, so a large list encoded as it was built costs one copy. method
 * (borrowed) is written between quotes unescaped. Returns 0, -ENOBUFS past out's cap (out is
 * then unchanged), or -EINVAL when method needs JSON escaping or params does not start with
 * '{' or '['.
 */
int ge_rpc_notification_encode_raw(const char *method, const struct ge_rpc_piece *params,
                                   size_t nparams, struct ge_buf *out);

#endif
