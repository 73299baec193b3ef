/*
 * Unit tests of protocol/rpc.c: classification of every well-formed message kind, every way a
 * body can fail to be JSON or JSON-RPC, and the builders and encoder the server replies with.
 * Also the LSP position and range shapes of protocol/lsp.c, which are JSON helpers too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/frame.h"
#include "goescape/lsp.h"
#include "goescape/rpc.h"

/* Decodes s (its strlen, or n bytes when n is not 0) and checks the return code. The message
 * is returned for further checks and must be freed. */
static struct ge_rpc_msg decode_n(const char *s, size_t n, int expect_rc)
{
    struct ge_rpc_msg m;
    const char *why = NULL;
    int rc = ge_rpc_decode(s, n ? n : strlen(s), &m, &why);
    assert_int_equal(rc, expect_rc);
    if (rc != 0)
        assert_non_null(why);
    if (rc == -EBADMSG) {
        assert_null(m.root);
        assert_null(m.id);
    }
    if (rc == 0 || rc == -EPROTO)
        assert_non_null(m.root);
    return m;
}

static struct ge_rpc_msg decode(const char *s, int expect_rc)
{
    return decode_n(s, 0, expect_rc);
}

static void expect_rc(const char *s, int rc)
{
    struct ge_rpc_msg m = decode(s, rc);
    ge_rpc_msg_free(&m);
}

static const char *detail(const char *s, size_t n)
{
    struct ge_rpc_msg m;
    const char *why = NULL;
    ge_rpc_decode(s, n ? n : strlen(s), &m, &why);
    ge_rpc_msg_free(&m);
    return why;
}

static void test_request(void **state)
{
    struct ge_rpc_msg m = decode(
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"textDocument/hover\",\"params\":{\"a\":1}}", 0);
    assert_int_equal(m.kind, GE_RPC_REQUEST);
    assert_true(json_is_integer(m.id));
    assert_int_equal(json_integer_value(m.id), 7);
    assert_string_equal(m.method, "textDocument/hover");
    assert_true(json_is_object(m.params));
    ge_rpc_msg_free(&m);
    assert_null(m.root);
    ge_rpc_msg_free(&m);

    m = decode("{\"method\":\"shutdown\",\"id\":\"abc\",\"jsonrpc\":\"2.0\"}", 0);
    assert_int_equal(m.kind, GE_RPC_REQUEST);
    assert_string_equal(json_string_value(m.id), "abc");
    assert_null(m.params);
    ge_rpc_msg_free(&m);

    m = decode("{\"jsonrpc\":\"2.0\",\"id\":-1,\"method\":\"x\",\"params\":[1,2]}", 0);
    assert_int_equal(json_integer_value(m.id), -1);
    assert_true(json_is_array(m.params));
    ge_rpc_msg_free(&m);

    /* Some clients send "params": null for methods without parameters. */
    m = decode("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"shutdown\",\"params\":null}", 0);
    assert_null(m.params);
    ge_rpc_msg_free(&m);
}

static void test_notification(void **state)
{
    struct ge_rpc_msg m =
        decode("{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}", 0);
    assert_int_equal(m.kind, GE_RPC_NOTIFICATION);
    assert_null(m.id);
    assert_string_equal(m.method, "initialized");
    ge_rpc_msg_free(&m);

    /* Duplicate keys are accepted; the last one wins. */
    m = decode("{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"method\":\"b\"}", 0);
    assert_string_equal(m.method, "b");
    ge_rpc_msg_free(&m);
}

static void test_response(void **state)
{
    struct ge_rpc_msg m = decode("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":null}", 0);
    assert_int_equal(m.kind, GE_RPC_RESPONSE);
    assert_int_equal(json_integer_value(m.id), 3);
    assert_null(m.method);
    ge_rpc_msg_free(&m);

    m = decode("{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"error\":{\"code\":-32601,\"message\":\"no\"}}",
               0);
    assert_int_equal(m.kind, GE_RPC_RESPONSE);
    ge_rpc_msg_free(&m);

    m = decode("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"x\"}}",
               0);
    assert_int_equal(m.kind, GE_RPC_RESPONSE);
    assert_null(m.id);
    ge_rpc_msg_free(&m);
}

static void test_bad_response(void **state)
{
    struct ge_rpc_msg m = decode(
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":1,\"error\":{\"code\":1,\"message\":\"m\"}}",
        -EPROTO);
    assert_int_equal(m.kind, GE_RPC_RESPONSE);
    assert_int_equal(json_integer_value(m.id), 4);
    ge_rpc_msg_free(&m);

    expect_rc("{\"jsonrpc\":\"2.0\",\"id\":4}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":\"bad\"}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":1.5,\"message\":\"m\"}}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":1}}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":1}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"2.0\",\"result\":1}", -EPROTO);
}

static void test_invalid_json(void **state)
{
    expect_rc("", -EBADMSG);
    expect_rc("{", -EBADMSG);
    expect_rc("{\"jsonrpc\":}", -EBADMSG);
    expect_rc("{\"jsonrpc\":\"2.0\",\"method\":\"x\",}", -EBADMSG);
    expect_rc("{'jsonrpc':'2.0'}", -EBADMSG);
    expect_rc("{\"jsonrpc\":\"2.0\",\"method\":\"x\"} {}", -EBADMSG);
    expect_rc("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[NaN]}", -EBADMSG);
    assert_string_equal(detail("{\"a\":1", 0), "truncated JSON");
    assert_string_equal(detail("{} x", 0), "data after the JSON value");
}

static void test_invalid_utf8(void **state)
{
    static const char *bad[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"\xc0\xaf\"}",         /* overlong '/' */
        "{\"jsonrpc\":\"2.0\",\"method\":\"\xed\xa0\x80\"}",     /* UTF-8 encoded surrogate */
        "{\"jsonrpc\":\"2.0\",\"method\":\"\xe4\xb8\"}",         /* truncated */
        "{\"jsonrpc\":\"2.0\",\"method\":\"\xf4\x90\x80\x80\"}", /* past U+10FFFF */
        "{\"jsonrpc\":\"2.0\",\"\xfe\":1,\"method\":\"x\"}",     /* in a key */
    };
    for (size_t i = 0; i < GE_ARRAY_SIZE(bad); i++) {
        expect_rc(bad[i], -EBADMSG);
        assert_string_equal(detail(bad[i], 0), "invalid UTF-8");
    }
    /* An escaped lone surrogate is not text either. */
    expect_rc("{\"jsonrpc\":\"2.0\",\"method\":\"\\ud800\"}", -EBADMSG);
    /* Valid multi-byte text and escaped pairs are fine. */
    struct ge_rpc_msg m = decode(
        "{\"jsonrpc\":\"2.0\",\"method\":\"\xe4\xb8\xad\\ud83d\\ude00\xf0\x9f\x98\x80\"}", 0);
    assert_string_equal(m.method, "\xe4\xb8\xad\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
    ge_rpc_msg_free(&m);
}

static void test_nul_in_strings(void **state)
{
    expect_rc("{\"jsonrpc\":\"2.0\",\"method\":\"a\\u0000b\"}", -EBADMSG);
    assert_string_equal(detail("{\"jsonrpc\":\"2.0\",\"method\":\"a\\u0000b\"}", 0),
                        "NUL character in a string");
    expect_rc("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"a\\u0000\":1}", -EBADMSG);
    static const char raw[] = "{\"jsonrpc\":\"2.0\",\"method\":\"a\0b\"}";
    struct ge_rpc_msg m = decode_n(raw, sizeof(raw) - 1, -EBADMSG);
    ge_rpc_msg_free(&m);
    static const char trailing[] = "{\"jsonrpc\":\"2.0\",\"method\":\"a\"}\0";
    m = decode_n(trailing, sizeof(trailing) - 1, -EBADMSG);
    ge_rpc_msg_free(&m);
}

static void test_not_an_object(void **state)
{
    expect_rc("[]", -EPROTO);
    expect_rc("[{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]", -EPROTO);
    assert_string_equal(detail("[]", 0), "batch messages are not supported");
    expect_rc("1", -EPROTO);
    expect_rc("\"x\"", -EPROTO);
    expect_rc("null", -EPROTO);
    expect_rc("true", -EPROTO);
    expect_rc("{}", -EPROTO);
}

static char *nested(size_t depth, const char *open, const char *inner, const char *close)
{
    size_t lo = strlen(open);
    size_t lc = strlen(close);
    size_t li = strlen(inner);
    char *s = malloc(depth * (lo + lc) + li + 128);
    assert_non_null(s);
    size_t o = (size_t)sprintf(s, "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":");
    for (size_t i = 0; i < depth; i++, o += lo)
        memcpy(s + o, open, lo);
    memcpy(s + o, inner, li);
    o += li;
    for (size_t i = 0; i < depth; i++, o += lc)
        memcpy(s + o, close, lc);
    strcpy(s + o, "}");
    return s;
}

static void test_deep_nesting(void **state)
{
    char *ok = nested(100, "[", "1", "]");
    expect_rc(ok, 0);
    free(ok);
    char *deep = nested(100000, "[", "", "]");
    expect_rc(deep, -EBADMSG);
    assert_string_equal(detail(deep, 0), "nesting too deep");
    free(deep);
    deep = nested(5000, "{\"a\":", "1", "}");
    expect_rc(deep, -EBADMSG);
    free(deep);
}

static void test_bad_version(void **state)
{
    expect_rc("{\"method\":\"x\"}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"1.0\",\"method\":\"x\"}", -EPROTO);
    expect_rc("{\"jsonrpc\":2.0,\"method\":\"x\"}", -EPROTO);
    expect_rc("{\"jsonrpc\":\"2.0 \",\"method\":\"x\"}", -EPROTO);
    /* The id still comes back so the error reply can carry it. */
    struct ge_rpc_msg m = decode("{\"jsonrpc\":\"1.0\",\"id\":9,\"method\":\"x\"}", -EPROTO);
    assert_int_equal(json_integer_value(m.id), 9);
    ge_rpc_msg_free(&m);
}

static void test_bad_id(void **state)
{
    static const char *ids[] = {"1.5", "1.0", "1e3", "true", "false", "{}", "[]", "null"};
    for (size_t i = 0; i < GE_ARRAY_SIZE(ids); i++) {
        char s[128];
        snprintf(s, sizeof(s), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"x\"}", ids[i]);
        struct ge_rpc_msg m = decode(s, -EPROTO);
        assert_null(m.id);
        ge_rpc_msg_free(&m);
    }
    /* An id that does not fit json_int_t is not representable JSON for us. */
    expect_rc("{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999999,\"method\":\"x\"}", -EBADMSG);
}

static void test_bad_method(void **state)
{
    static const char *methods[] = {"1", "null", "true", "{}", "[\"x\"]"};
    for (size_t i = 0; i < GE_ARRAY_SIZE(methods); i++) {
        char s[128];
        snprintf(s, sizeof(s), "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":%s}", methods[i]);
        struct ge_rpc_msg m = decode(s, -EPROTO);
        assert_int_equal(json_integer_value(m.id), 5);
        assert_null(m.method);
        ge_rpc_msg_free(&m);
    }
}

static void test_bad_params(void **state)
{
    static const char *params[] = {"1", "\"x\"", "true", "false", "1.5"};
    for (size_t i = 0; i < GE_ARRAY_SIZE(params); i++) {
        char s[128];
        snprintf(s, sizeof(s), "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"m\",\"params\":%s}",
                 params[i]);
        struct ge_rpc_msg m = decode(s, -EPROTO);
        assert_int_equal(json_integer_value(m.id), 6);
        ge_rpc_msg_free(&m);
        snprintf(s, sizeof(s), "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":%s}", params[i]);
        expect_rc(s, -EPROTO);
    }
}

static void test_detail_optional(void **state)
{
    struct ge_rpc_msg m;
    assert_int_equal(ge_rpc_decode("{", 1, &m, NULL), -EBADMSG);
    assert_int_equal(ge_rpc_decode("[]", 2, &m, NULL), -EPROTO);
    ge_rpc_msg_free(&m);
}

static char *dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT);
    assert_non_null(s);
    return s;
}

static void expect_json(json_t *v_new, const char *expected)
{
    char *s = dump(v_new);
    assert_string_equal(s, expected);
    free(s);
    json_decref(v_new);
}

static void test_builders(void **state)
{
    json_t *id = json_integer(12);
    expect_json(ge_rpc_result_new(id, json_pack("{s:i}", "a", 1)),
                "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":{\"a\":1}}");
    expect_json(ge_rpc_result_new(id, NULL), "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":null}");
    /* The id was borrowed: one reference is still ours. */
    assert_int_equal(id->refcount, 1);
    expect_json(ge_rpc_error_new(id, GE_RPC_METHOD_NOT_FOUND, "unknown method"),
                "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32601,"
                "\"message\":\"unknown method\"}}");
    json_decref(id);
    expect_json(ge_rpc_error_new(NULL, GE_RPC_PARSE_ERROR, "bad \xff path \xe4\xb8\xad"),
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                "\"message\":\"bad \xef\xbf\xbd path \xe4\xb8\xad\"}}");
    expect_json(ge_rpc_error_new(NULL, 1, "\xe4\xb8"),
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1,"
                "\"message\":\"\xef\xbf\xbd\xef\xbf\xbd\"}}");
    expect_json(ge_rpc_notification_new("exit", NULL), "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
    expect_json(ge_rpc_notification_new("n", json_array()),
                "{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":[]}");
    expect_json(ge_rpc_request_new(3, "workspace/configuration", json_object()),
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"workspace/configuration\","
                "\"params\":{}}");
}

static void test_encode(void **state)
{
    struct ge_buf out;
    ge_buf_init(&out, 4096);
    json_t *msg = ge_rpc_notification_new(
        "window/logMessage", json_pack("{s:i,s:s}", "type", 3, "message", "\xe4\xb8\xad"));
    assert_int_equal(ge_rpc_encode(msg, &out), 0);
    static const char body[] =
        "{\"jsonrpc\":\"2.0\",\"method\":\"window/logMessage\",\"params\":{\"type\":3,"
        "\"message\":\"\xe4\xb8\xad\"}}";
    char expected[256];
    snprintf(expected, sizeof(expected), "Content-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
    assert_string_equal(out.data, expected);

    /* What we encode, our own framer and decoder read back. */
    assert_int_equal(ge_rpc_encode(msg, &out), 0);
    struct ge_framer f;
    ge_framer_init(&f);
    size_t cursor = 0;
    for (int i = 0; i < 2; i++) {
        struct ge_frame fr;
        assert_int_equal(ge_frame_next(&f, out.data + cursor, out.len - cursor, &fr),
                         GE_FRAME_MESSAGE);
        cursor += fr.consumed;
        struct ge_rpc_msg m = decode_n(fr.body, fr.body_len, 0);
        assert_true(json_equal(m.root, msg));
        ge_rpc_msg_free(&m);
    }
    assert_int_equal(cursor, out.len);

    /* Past the cap nothing is appended. */
    size_t before = out.len;
    out.max = out.len + 20;
    assert_int_equal(ge_rpc_encode(msg, &out), -ENOBUFS);
    assert_int_equal(out.len, before);
    json_decref(msg);

    json_t *scalar = json_integer(1);
    assert_int_equal(ge_rpc_encode(scalar, &out), -EINVAL);
    assert_int_equal(out.len, before);
    json_decref(scalar);
    ge_buf_free(&out);
}

/* The fast path must write exactly what encoding the same message as a tree writes, so a
 * client cannot tell which path a notification took. */
static void test_encode_raw_matches_tree(void **state)
{
    static const char head[] = "{\"uri\":\"file:///a%20b.go\",\"version\":7,\"diagnostics\":[";
    static const char list[] = "{\"message\":\"\xe4\xb8\xad \\\"x\\\"\"},{\"severity\":2}";
    struct ge_rpc_piece pieces[] = {{head, sizeof(head) - 1}, {list, sizeof(list) - 1}, {"]}", 2}};
    struct ge_buf raw;
    struct ge_buf tree;
    ge_buf_init(&raw, 4096);
    ge_buf_init(&tree, 4096);
    assert_int_equal(ge_rpc_notification_encode_raw("textDocument/publishDiagnostics", pieces,
                                                    GE_ARRAY_SIZE(pieces), &raw),
                     0);
    char params[512];
    snprintf(params, sizeof(params), "%s%s]}", head, list);
    json_t *msg =
        ge_rpc_notification_new("textDocument/publishDiagnostics", json_loads(params, 0, NULL));
    assert_int_equal(ge_rpc_encode(msg, &tree), 0);
    assert_int_equal(raw.len, tree.len);
    assert_memory_equal(raw.data, tree.data, raw.len);

    /* Appended after what out holds, and read back by our own framer and decoder. */
    assert_int_equal(ge_rpc_notification_encode_raw("m", pieces + 2, 1, &raw), -EINVAL);
    struct ge_rpc_piece one = {"[1,2]", 5};
    assert_int_equal(ge_rpc_notification_encode_raw("$/x", &one, 1, &raw), 0);
    struct ge_framer f;
    ge_framer_init(&f);
    struct ge_frame fr;
    assert_int_equal(ge_frame_next(&f, raw.data, raw.len, &fr), GE_FRAME_MESSAGE);
    size_t cursor = fr.consumed;
    assert_int_equal(ge_frame_next(&f, raw.data + cursor, raw.len - cursor, &fr), GE_FRAME_MESSAGE);
    assert_int_equal(cursor + fr.consumed, raw.len);
    struct ge_rpc_msg m = decode_n(fr.body, fr.body_len, 0);
    assert_int_equal(m.kind, GE_RPC_NOTIFICATION);
    assert_string_equal(m.method, "$/x");
    assert_int_equal(json_array_size(m.params), 2);
    ge_rpc_msg_free(&m);
    json_decref(msg);
    ge_buf_free(&raw);
    ge_buf_free(&tree);
}

/* What cannot be written as it is gets -EINVAL, what does not fit -ENOBUFS; neither leaves a
 * partial message behind. */
static void test_encode_raw_rejects(void **state)
{
    struct ge_buf out;
    ge_buf_init(&out, 4096);
    assert_int_equal(ge_buf_appends(&out, "kept"), 0);
    struct ge_rpc_piece obj = {"{}", 2};
    static const char *const bad_methods[] = {"a\"b", "a\\b", "a\nb", "\x01"};
    for (size_t i = 0; i < GE_ARRAY_SIZE(bad_methods); i++)
        assert_int_equal(ge_rpc_notification_encode_raw(bad_methods[i], &obj, 1, &out), -EINVAL);
    struct ge_rpc_piece scalar = {"12", 2};
    struct ge_rpc_piece empty = {"", 0};
    assert_int_equal(ge_rpc_notification_encode_raw("m", &scalar, 1, &out), -EINVAL);
    assert_int_equal(ge_rpc_notification_encode_raw("m", &empty, 1, &out), -EINVAL);
    assert_int_equal(ge_rpc_notification_encode_raw("m", &obj, 0, &out), -EINVAL);
    assert_string_equal(out.data, "kept");

    /* The whole framed message must fit: body and header alike count against the cap. */
    static const char body[] = "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{}}";
    static const char header[] = "Content-Length: 42\r\n\r\n";
    out.max = out.len + sizeof(header) - 1 + sizeof(body) - 2;
    assert_int_equal(ge_rpc_notification_encode_raw("m", &obj, 1, &out), -ENOBUFS);
    assert_string_equal(out.data, "kept");
    out.max++;
    assert_int_equal(ge_rpc_notification_encode_raw("m", &obj, 1, &out), 0);
    assert_string_equal(out.data, "kept"
                                  "Content-Length: 42\r\n\r\n"
                                  "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{}}");
    ge_buf_free(&out);
}

static void test_lsp_position_unpack(void **state)
{
    struct ge_position p = {.line = 99, .character = 99};
    json_t *v = json_loads("{\"line\":3,\"character\":4,\"extra\":true}", 0, NULL);
    assert_int_equal(ge_lsp_position_unpack(v, &p), 0);
    assert_int_equal(p.line, 3);
    assert_int_equal(p.character, 4);
    json_decref(v);

    static const char *bad[] = {
        "{\"line\":3}",
        "{\"character\":3}",
        "{\"line\":-1,\"character\":0}",
        "{\"line\":0,\"character\":-5}",
        "{\"line\":1.5,\"character\":0}",
        "{\"line\":\"1\",\"character\":0}",
        "{\"line\":null,\"character\":0}",
        "{\"line\":4294967296,\"character\":0}",
        "[1,2]",
    };
    for (size_t i = 0; i < GE_ARRAY_SIZE(bad); i++) {
        v = json_loads(bad[i], 0, NULL);
        assert_non_null(v);
        p = (struct ge_position){.line = 99, .character = 99};
        assert_int_equal(ge_lsp_position_unpack(v, &p), -EINVAL);
        assert_int_equal(p.line, 99);
        json_decref(v);
    }
    assert_int_equal(ge_lsp_position_unpack(NULL, &p), -EINVAL);
    v = json_loads("{\"line\":4294967295,\"character\":0}", 0, NULL);
    assert_int_equal(ge_lsp_position_unpack(v, &p), 0);
    assert_int_equal(p.line, UINT32_MAX);
    json_decref(v);
}

static void test_lsp_range(void **state)
{
    struct ge_range r;
    json_t *v = json_loads("{\"start\":{\"line\":1,\"character\":2},"
                           "\"end\":{\"line\":3,\"character\":4}}",
                           0, NULL);
    assert_int_equal(ge_lsp_range_unpack(v, &r), 0);
    assert_int_equal(r.start.line, 1);
    assert_int_equal(r.start.character, 2);
    assert_int_equal(r.end.line, 3);
    assert_int_equal(r.end.character, 4);
    json_t *packed = ge_lsp_range_pack(&r);
    assert_true(json_equal(packed, v));
    json_decref(packed);
    json_decref(v);

    v = json_loads("{\"start\":{\"line\":1,\"character\":2}}", 0, NULL);
    assert_int_equal(ge_lsp_range_unpack(v, &r), -EINVAL);
    json_decref(v);
    v = json_loads("{\"start\":{\"line\":1,\"character\":2},\"end\":{\"line\":1}}", 0, NULL);
    assert_int_equal(ge_lsp_range_unpack(v, &r), -EINVAL);
    json_decref(v);

    expect_json(ge_lsp_position_pack((struct ge_position){.line = 7, .character = 0}),
                "{\"line\":7,\"character\":0}");
    expect_json(ge_lsp_location_pack("file:///a%20b.go", &r),
                "{\"uri\":\"file:///a%20b.go\",\"range\":{\"start\":{\"line\":1,"
                "\"character\":2},\"end\":{\"line\":3,\"character\":4}}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_notification),
        cmocka_unit_test(test_response),
        cmocka_unit_test(test_bad_response),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_nul_in_strings),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_bad_id),
        cmocka_unit_test(test_bad_method),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_detail_optional),
        cmocka_unit_test(test_builders),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_encode_raw_matches_tree),
        cmocka_unit_test(test_encode_raw_rejects),
        cmocka_unit_test(test_lsp_position_unpack),
        cmocka_unit_test(test_lsp_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
