/*
 * Unit tests of protocol/splice.c, the hover section spliced into gopls's answer as bytes.
 * Each answer the splice takes is also decoded and merged the way companion mode does it
 * without the splice (ge_companion_merge_hover, server/companion/companion_merge.c), and both
 * results must be equal as JSON. Answers of any other shape must be refused, so that the
 * caller decodes and merges them instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "companion/companion.h"
#include "goescape/buf.h"
#include "goescape/frame.h"
#include "goescape/splice.h"

#define OUT_MAX (1u << 24)

/* ours: goescape's hover result with section as its text, of the given kind. */
static json_t *ours_new(const char *section, const char *kind)
{
    return json_pack("{s:{s:s, s:s}}", "contents", "kind", kind, "value", section);
}

/* The body of a framed message, after checking its header against its length. */
static json_t *framed_body(const struct ge_buf *out)
{
    const char *sep = strstr(out->data, "\r\n\r\n");
    assert_non_null(sep);
    size_t body = (size_t)(sep + 4 - out->data);
    unsigned long n = 0;
    assert_int_equal(sscanf(out->data, "Content-Length: %lu\r\n", &n), 1);
    assert_int_equal(n, out->len - body);
    json_error_t err;
    json_t *got = json_loadb(out->data + body, out->len - body, 0, &err);
    if (got == NULL)
        fail_msg("the splice wrote invalid JSON: %s: %.*s", err.text, (int)(out->len - body),
                 out->data + body);
    return got;
}

/* Splices section into body and checks the result against the decode-and-merge path. */
static void check_same(const char *body, const char *section, const char *ours_kind)
{
    json_t *ours = ours_new(section, ours_kind);
    struct ge_buf out;
    ge_buf_init(&out, OUT_MAX);
    assert_int_equal(ge_splice_hover(body, strlen(body), section, strlen(section), &out), 0);
    json_t *got = framed_body(&out);

    json_t *want = json_loads(body, 0, NULL);
    assert_non_null(want);
    json_t *merged = ge_companion_merge_hover(json_object_get(want, "result"), ours);
    json_object_set_new(want, "result", merged);
    if (!json_equal(got, want)) {
        char *a = json_dumps(got, JSON_SORT_KEYS), *b = json_dumps(want, JSON_SORT_KEYS);
        fail_msg("splice and merge differ:\n  splice %s\n  merge  %s", a, b);
    }
    json_decref(got);
    json_decref(want);
    json_decref(ours);
    ge_buf_free(&out);
}

static void refused(const char *body)
{
    struct ge_buf out;
    ge_buf_init(&out, OUT_MAX);
    assert_int_equal(ge_splice_hover(body, strlen(body), "x", 1, &out), -EBADMSG);
    assert_int_equal(out.len, 0);
    ge_buf_free(&out);
}

static void test_plain_markdown(void **state)
{
    (void)state;
    check_same("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
               "\"```go\\nfunc (h Header) Get(key string) string\\n```\"},\"range\":{\"start\":"
               "{\"line\":3,\"character\":1},\"end\":{\"line\":3,\"character\":4}}},\"id\":7}",
               "**goescape** · `buf`: 1 heap escape", "markdown");
}

static void test_escapes_and_unicode_in_gopls_text(void **state)
{
    (void)state;
    /* Quotes, backslashes, a tab, an escaped slash, \u escapes with a surrogate pair, raw
     * UTF-8, and a value that ends in an escaped backslash (the closing quote follows "\\"). */
    check_same("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
               "\"say \\\"hi\\\" \\\\ C:\\\\dir\\t\\/x \\u00e9\\ud83d\\ude00 é😀 \\\\\"}},"
               "\"id\":1}",
               "escapes", "markdown");
    check_same("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
               "\"\\\\\\\"\"}},\"id\":1}",
               "after an escaped quote", "markdown");
}

static void test_escapes_and_unicode_in_section(void **state)
{
    (void)state;
    check_same("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
               "\"text\"}},\"id\":2}",
               "\"quoted\" back\\slash\nnew line\ttab\r\x01\x1f é→😀 </script>", "markdown");
}

static void test_layout_order_and_string_id(void **state)
{
    (void)state;
    /* Whitespace everywhere, the range before the contents, the value before the kind. */
    check_same("{\n  \"id\" : \"req-1\" ,\n  \"result\" : {\n    \"range\" : {\"start\": "
               "{\"line\": 0, \"character\": 0}, \"end\": {\"line\": 0, \"character\": 2}},\n"
               "    \"contents\" : { \"value\" : \"a [link](http://x/{}[]) \\\"}\\\" \" , "
               "\"kind\" : \"markdown\" }\n  },\n  \"jsonrpc\" : \"2.0\"\n}\n",
               "section", "markdown");
}

static void test_empty_texts_and_plain_ours(void **state)
{
    (void)state;
    check_same("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
               "\"\"}},\"id\":3}",
               "", "markdown");
    /* goescape writes plain text for a client without markdown; gopls's markdown decides. */
    check_same("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
               "\"x\"}},\"id\":4}",
               "plain section", "plaintext");
}

static void test_long_answer(void **state)
{
    (void)state;
    size_t n = 200000;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = i % 97 == 0 ? 'q' : (char)('a' + i % 26);
    text[n] = '\0';
    json_t *msg = json_pack("{s:s, s:i, s:{s:{s:s, s:s}}}", "jsonrpc", "2.0", "id", 9, "result",
                            "contents", "kind", "markdown", "value", text);
    char *body = json_dumps(msg, JSON_COMPACT);
    check_same(body, text, "markdown");
    struct ge_buf small;
    ge_buf_init(&small, 1000);
    assert_int_equal(ge_splice_hover(body, strlen(body), "x", 1, &small), -ENOBUFS);
    ge_buf_free(&small);
    free(body);
    json_decref(msg);
    free(text);
}

static void test_other_shapes_are_refused(void **state)
{
    (void)state;
    refused("{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":\"a MarkedString\"},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"language\":\"go\",\"value\":\"x\"}}"
            ",\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":[\"a\",{\"language\":\"go\","
            "\"value\":\"b\"}]},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"plaintext\",\"value\":"
            "\"x\"}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
            "\"x\",\"extra\":1}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
            "\"x\",\"value\":\"y\"}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\"}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"mark\\u0064own\","
            "\"value\":\"x\"}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"r\\u0065sult\":{\"contents\":{\"kind\":\"markdown\","
            "\"value\":\"x\"}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"no\"},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
            "\"x\"}},\"error\":{},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
            "\"unterminated}},\"id\":1}");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
            "\"x\"}},\"id\":1");
    refused("{\"jsonrpc\":\"2.0\",\"result\":{\"contents\":{\"kind\":\"markdown\",\"value\":"
            "\"x\"}},\"id\":1} trailing");
    refused("[1,2]");
    refused("");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_markdown),
        cmocka_unit_test(test_escapes_and_unicode_in_gopls_text),
        cmocka_unit_test(test_escapes_and_unicode_in_section),
        cmocka_unit_test(test_layout_order_and_string_id),
        cmocka_unit_test(test_empty_texts_and_plain_ours),
        cmocka_unit_test(test_long_answer),
        cmocka_unit_test(test_other_shapes_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
