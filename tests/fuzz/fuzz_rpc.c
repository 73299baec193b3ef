/*
 * libFuzzer target for protocol/rpc.c and protocol/lsp.c. The input is one message body. Its
 * classification must agree with the fields filled in, a valid message must survive
 * encode -> frame -> decode unchanged, replies built from it must encode, and any params must
 * be safe to read as LSP positions and ranges. The input is also used as an arbitrary error
 * message, which must always become valid JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/frame.h"
#include "goescape/lsp.h"
#include "goescape/rpc.h"

#define OUT_MAX (1u << 24)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_rpc: invariant failed: %s\n", what);
        abort();
    }
}

static void check_kind(const struct ge_rpc_msg *m)
{
    switch (m->kind) {
    case GE_RPC_REQUEST:
        check(m->method != NULL && m->id != NULL, "request has id and method");
        break;
    case GE_RPC_NOTIFICATION:
        check(m->method != NULL && m->id == NULL, "notification has method only");
        break;
    case GE_RPC_RESPONSE:
        check(m->method == NULL && m->params == NULL, "response has no method");
        break;
    }
    check(m->id == NULL || json_is_integer(m->id) || json_is_string(m->id), "id type");
    check(m->params == NULL || json_is_object(m->params) || json_is_array(m->params),
          "params type");
}

/* Encodes msg, frames it back out and decodes it: the result must be the same message. */
static void round_trip(const struct ge_rpc_msg *m)
{
    struct ge_buf out;
    ge_buf_init(&out, OUT_MAX);
    check(ge_rpc_encode(m->root, &out) == 0, "encode a decoded message");
    struct ge_framer f;
    struct ge_frame fr;
    ge_framer_init(&f);
    check(ge_frame_next(&f, out.data, out.len, &fr) == GE_FRAME_MESSAGE, "frame own output");
    check(fr.consumed == out.len, "one message");
    struct ge_rpc_msg again;
    check(ge_rpc_decode(fr.body, fr.body_len, &again, NULL) == 0, "decode own output");
    check(again.kind == m->kind, "same kind");
    check(json_equal(again.root, m->root), "same JSON");
    ge_rpc_msg_free(&again);
    ge_buf_free(&out);
}

static void build_replies(const struct ge_rpc_msg *m)
{
    struct ge_buf out;
    ge_buf_init(&out, OUT_MAX);
    json_t *params = m->params != NULL ? json_incref(m->params) : NULL;
    json_t *reply = ge_rpc_result_new(m->id, params);
    check(ge_rpc_encode(reply, &out) == 0, "encode result");
    json_decref(reply);
    reply = ge_rpc_error_new(m->id, GE_RPC_INVALID_PARAMS, m->method ? m->method : "x");
    check(ge_rpc_encode(reply, &out) == 0, "encode error");
    json_decref(reply);
    ge_buf_free(&out);
}

/* The handlers read positions and ranges out of params; that must never misbehave. */
static void read_lsp_shapes(json_t *params)
{
    struct ge_range r;
    struct ge_position p;
    if (ge_lsp_range_unpack(json_object_get(params, "range"), &r) == 0) {
        json_t *packed = ge_lsp_range_pack(&r);
        struct ge_range back;
        check(ge_lsp_range_unpack(packed, &back) == 0, "range round trip");
        check(memcmp(&back, &r, sizeof(r)) == 0, "same range");
        json_decref(packed);
    }
    if (ge_lsp_position_unpack(json_object_get(params, "position"), &p) == 0) {
        json_t *loc = ge_lsp_location_pack("file:///x", &(struct ge_range){p, p});
        check(loc != NULL, "location");
        json_decref(loc);
    }
}

/* Any bytes, cut at the first NUL, must make a valid JSON error message. */
static void lossy_message(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    json_t *e = ge_rpc_error_new(NULL, 1, s);
    char *text = json_dumps(e, JSON_COMPACT);
    check(text != NULL, "dump lossy error");
    json_t *back = json_loads(text, 0, NULL);
    check(back != NULL, "reload lossy error");
    const char *msg = json_string_value(json_object_get(json_object_get(back, "error"), "message"));
    check(msg != NULL && strlen(msg) >= strlen(s), "every byte kept or replaced");
    json_decref(back);
    free(text);
    json_decref(e);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ge_rpc_msg m;
    const char *why = NULL;
    int rc = ge_rpc_decode((const char *)data, size, &m, &why);
    if (rc == 0) {
        check_kind(&m);
        round_trip(&m);
        build_replies(&m);
        read_lsp_shapes(m.params);
    } else if (rc == -EPROTO) {
        check(m.root != NULL && why != NULL, "EPROTO keeps root and says why");
        check(m.id == NULL || json_is_integer(m.id) || json_is_string(m.id), "id type");
    } else {
        check(rc == -EBADMSG && m.root == NULL && m.id == NULL && why != NULL, "EBADMSG");
    }
    ge_rpc_msg_free(&m);
    lossy_message(data, size);
    return 0;
}
