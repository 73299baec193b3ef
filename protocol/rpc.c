/*
 * JSON-RPC 2.0 over jansson. Decoding is split in two steps that fail differently: jansson
 * decides whether the bytes are JSON at all (a parse error for the client), and the checks
 * here decide whether that JSON is a JSON-RPC message (an invalid request, which can still be
 * answered with the request's id). Building uses json_pack so ownership shows in the format:
 * "O" for borrowed values and "o" for stolen ones.
 */
#include "goescape/rpc.h"

#include "goescape/frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *json_error_detail(const json_error_t *err)
{
    switch (json_error_code(err)) {
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return "NUL character in a string";
    case json_error_stack_overflow:
        return "nesting too deep";
    case json_error_numeric_overflow:
        return "number out of range";
    case json_error_premature_end_of_input:
        return "truncated JSON";
    case json_error_end_of_input_expected:
        return "data after the JSON value";
    default:
        return "invalid JSON";
    }
}

static bool valid_id(const json_t *id)
{
    return json_is_integer(id) || json_is_string(id);
}

/* Checks the members of a response: exactly one of result and error, and an error object with
 * an integer code and a string message. */
static int check_response(json_t *root, const char **why)
{
    json_t *result = json_object_get(root, "result");
    json_t *error = json_object_get(root, "error");
    if (result == NULL && error == NULL) {
        *why = "missing method";
        return -EPROTO;
    }
    if (result != NULL && error != NULL) {
        *why = "response with both result and error";
        return -EPROTO;
    }
    if (error != NULL && (!json_is_integer(json_object_get(error, "code")) ||
                          !json_is_string(json_object_get(error, "message")))) {
        *why = "malformed error object";
        return -EPROTO;
    }
    return 0;
}

/* Classifies a decoded object. Fills out's borrowed fields as they are found valid. */
static int check_message(json_t *root, struct ge_rpc_msg *out, const char **why)
{
    if (!json_is_object(root)) {
        *why = json_is_array(root) ? "batch messages are not supported" : "not an object";
        return -EPROTO;
    }
    json_t *id = json_object_get(root, "id");
    if (id != NULL && valid_id(id))
        out->id = id;
    json_t *version = json_object_get(root, "jsonrpc");
    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0) {
        *why = "jsonrpc is not \"2.0\"";
        return -EPROTO;
    }
    json_t *method = json_object_get(root, "method");
    if (method == NULL) {
        /* A response. Its id may be null only when it reports an error. */
        bool null_error_id = json_is_null(id) && json_object_get(root, "error") != NULL;
        if (!valid_id(id) && !null_error_id) {
            *why = id == NULL ? "missing method" : "invalid id";
            return -EPROTO;
        }
        out->kind = GE_RPC_RESPONSE;
        return check_response(root, why);
    }
    if (id != NULL && out->id == NULL) {
        *why = "invalid id";
        return -EPROTO;
    }
    if (!json_is_string(method)) {
        *why = "method is not a string";
        return -EPROTO;
    }
    json_t *params = json_object_get(root, "params");
    if (params != NULL && !json_is_null(params) && !json_is_object(params) &&
        !json_is_array(params)) {
        *why = "params is neither an object nor an array";
        return -EPROTO;
    }
    out->kind = id != NULL ? GE_RPC_REQUEST : GE_RPC_NOTIFICATION;
    out->method = json_string_value(method);
    out->params = json_is_null(params) ? NULL : params;
    return 0;
}

int ge_rpc_decode(const char *body, size_t len, struct ge_rpc_msg *out, const char **err_detail)
{
    const char *why = NULL;
    json_error_t err;
    *out = (struct ge_rpc_msg){.kind = GE_RPC_NOTIFICATION, .root = NULL};
    /* JSON_DECODE_ANY lets a scalar through to the JSON-RPC check, which is where a valid JSON
     * value that is not a message belongs. jansson's defaults already reject invalid UTF-8, NUL
     * in strings and nesting past JSON_PARSER_MAX_DEPTH. */
    json_t *root = json_loadb(body, len, JSON_DECODE_ANY, &err);
    int rc = 0;
    if (root == NULL) {
        why = json_error_detail(&err);
        rc = -EBADMSG;
        goto out;
    }
    out->root = root;
    rc = check_message(root, out, &why);
out:
    if (err_detail != NULL)
        *err_detail = why;
    return rc;
}

void ge_rpc_msg_free(struct ge_rpc_msg *m)
{
    json_decref(m->root);
    *m = (struct ge_rpc_msg){.kind = GE_RPC_NOTIFICATION, .root = NULL};
}

static json_t *checked(json_t *v, const char *what)
{
    if (v == NULL) {
        fprintf(stderr, "goescape: cannot build JSON-RPC %s\n", what);
        abort();
    }
    return v;
}

json_t *ge_rpc_result_new(json_t *id, json_t *result_new)
{
    return checked(json_pack("{s:s, s:O?, s:o?}", "jsonrpc", "2.0", "id", id, "result", result_new),
                   "result");
}

/* Copies s, replacing each byte that is not part of valid UTF-8 with U+FFFD, so that text
 * from outside (paths, compiler output) can always become a JSON string. */
static json_t *string_lossy(const char *s)
{
    json_t *v = json_string(s);
    if (v != NULL)
        return v;
    size_t n = strlen(s);
    char *copy = ge_xmalloc(n * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            copy[o++] = (char)c;
            continue;
        }
        /* Trust a sequence only when jansson accepts it on its own. */
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        json_t *piece = len > 1 && i + len <= n ? json_stringn(s + i, len) : NULL;
        if (piece != NULL) {
            memcpy(copy + o, s + i, len);
            o += len;
            i += len - 1;
            json_decref(piece);
        } else {
            memcpy(copy + o, "\xef\xbf\xbd", 3);
            o += 3;
        }
    }
    v = json_stringn(copy, o);
    free(copy);
    return v;
}

json_t *ge_rpc_error_new(json_t *id, int code, const char *message)
{
    json_t *error = checked(json_pack("{s:i, s:o}", "code", code, "message",
                                      checked(string_lossy(message), "error message")),
                            "error");
    return checked(json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", id, "error", error),
                   "error");
}

json_t *ge_rpc_notification_new(const char *method, json_t *params_new)
{
    json_t *msg =
        checked(json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method), "notification");
    if (params_new != NULL)
        json_object_set_new(msg, "params", params_new);
    return msg;
}

json_t *ge_rpc_request_new(json_int_t id, const char *method, json_t *params_new)
{
    json_t *msg = checked(
        json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", id, "method", method), "request");
    if (params_new != NULL)
        json_object_set_new(msg, "params", params_new);
    return msg;
}

struct encode_ctx {
    struct ge_buf *out;
    int rc;
};

static int encode_cb(const char *buf, size_t size, void *data)
{
    struct encode_ctx *c = data;
    c->rc = ge_buf_append(c->out, buf, size);
    return c->rc == 0 ? 0 : -1;
}

/*
 * The body is written straight into out after room for the longest header; the header goes in
 * once the body's length is known, and the body moves back to meet it. A message is copied
 * once, not dumped to a string and copied again.
 */
int ge_rpc_encode(const json_t *msg, struct ge_buf *out)
{
    static const char room[GE_FRAME_HEADER_OUT_MAX] = {0};
    if (!json_is_object(msg) && !json_is_array(msg))
        return -EINVAL;
    size_t start = out->len;
    int rc = ge_buf_append(out, room, sizeof(room));
    if (rc != 0)
        return rc;
    struct encode_ctx c = {out, 0};
    if (json_dump_callback(msg, encode_cb, &c, JSON_COMPACT) != 0) {
        out->len = start;
        return c.rc != 0 ? c.rc : -EINVAL;
    }
    size_t body = start + sizeof(room);
    size_t n = out->len - body;
    char header[GE_FRAME_HEADER_OUT_MAX];
    size_t hn = ge_frame_header(header, n);
    memmove(out->data + start + hn, out->data + body, n);
    memcpy(out->data + start, header, hn);
    out->len = start + hn + n;
    out->data[out->len] = '\0';
    return 0;
}

/* Says whether s can sit between JSON quotes as it is: no quote, backslash or control byte. */
static bool plain_string(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            return false;
    }
    return true;
}

/*
 * The body's length is known before a byte of it is written, so the header goes first and each
 * piece of params is copied once, straight to its place.
 */
int ge_rpc_notification_encode_raw(const char *method, const struct ge_rpc_piece *params,
                                   size_t nparams, struct ge_buf *out)
{
    static const char head[] = "{\"jsonrpc\":\"2.0\",\"method\":\"";
    static const char mid[] = "\",\"params\":";
    if (!plain_string(method) || nparams == 0 || params[0].len == 0 ||
        (params[0].data[0] != '{' && params[0].data[0] != '['))
        return -EINVAL;
    size_t method_len = strlen(method);
    size_t n = sizeof(head) - 1 + method_len + sizeof(mid) - 1 + 1;
    for (size_t i = 0; i < nparams; i++)
        n += params[i].len;
    char header[GE_FRAME_HEADER_OUT_MAX];
    size_t hn = ge_frame_header(header, n);
    int rc = ge_buf_reserve(out, hn + n);
    if (rc != 0)
        return rc;
    ge_buf_append(out, header, hn);
    ge_buf_append(out, head, sizeof(head) - 1);
    ge_buf_append(out, method, method_len);
    ge_buf_append(out, mid, sizeof(mid) - 1);
    for (size_t i = 0; i < nparams; i++)
        ge_buf_append(out, params[i].data, params[i].len);
    ge_buf_append(out, "}", 1);
    return 0;
}
