/*
 * Unit tests of protocol/frame.c. A small transport model feeds chunks into a capped buffer,
 * drains it through ge_frame_drain and compacts once per read, as the server's stdio transport
 * does, and logs what the framer reported so a whole stream's outcome is one string to compare.
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

#include "goescape/buf.h"
#include "goescape/frame.h"

#define LOG_MAX    (1u << 20)
#define STREAM_MAX (GE_FRAME_BODY_MAX + (1u << 20))

struct transport {
    struct ge_framer framer;
    struct ge_buf in;  /* bytes read and not yet consumed */
    struct ge_buf log; /* "M<len>:<body>\n" per message, "EPROTO\n" etc. per error */
    size_t stop_after; /* callbacks before one returns false; 0 never stops */
};

static void transport_init(struct transport *t)
{
    ge_framer_init(&t->framer);
    ge_buf_init(&t->in, STREAM_MAX);
    ge_buf_init(&t->log, LOG_MAX);
    assert_int_equal(ge_buf_reserve(&t->in, 0), 0);
    assert_int_equal(ge_buf_reserve(&t->log, 0), 0);
    t->stop_after = 0;
}

static void transport_free(struct transport *t)
{
    ge_buf_free(&t->in);
    ge_buf_free(&t->log);
}

static bool go_on(struct transport *t)
{
    return t->stop_after == 0 || --t->stop_after > 0;
}

static bool log_message(void *ctx, const char *body, size_t len)
{
    struct transport *t = ctx;
    assert_true(body >= t->in.data && len <= t->in.len && body <= t->in.data + t->in.len - len);
    assert_int_equal(ge_buf_printf(&t->log, "M%zu:", len), 0);
    assert_int_equal(ge_buf_append(&t->log, body, len), 0);
    assert_int_equal(ge_buf_appends(&t->log, "\n"), 0);
    return go_on(t);
}

static bool log_error(void *ctx, int err, const char *what)
{
    struct transport *t = ctx;
    assert_non_null(what);
    assert_true(what[0] != '\0');
    const char *name = err == -EPROTO ? "EPROTO" : err == -EMSGSIZE ? "EMSGSIZE" : "E?";
    assert_int_equal(ge_buf_printf(&t->log, "%s\n", name), 0);
    return go_on(t);
}

/* Parses everything in the buffer and drops what was consumed. Returns the bytes dropped. */
static size_t transport_drain(struct transport *t)
{
    const struct ge_frame_sink sink = {.on_message = log_message, .on_error = log_error, .ctx = t};
    size_t used = ge_frame_drain(&t->framer, t->in.data, t->in.len, &sink);
    assert_true(used <= t->in.len);
    ge_buf_consume(&t->in, used);
    return used;
}

/* Appends one read and parses everything it completes. */
static void transport_read(struct transport *t, const char *p, size_t n)
{
    assert_int_equal(ge_buf_append(&t->in, p, n), 0);
    transport_drain(t);
    assert_true(t->in.len < GE_FRAME_PENDING_MAX);
}

/* Feeds the stream in the given chunk sizes (the last chunk takes the rest) and checks the
 * log. Nothing may be left over when the stream ends in a complete message. */
static void expect_chunked(const char *stream, size_t len, const size_t *cuts, size_t ncuts,
                           const char *expected)
{
    struct transport t;
    transport_init(&t);
    size_t at = 0;
    for (size_t i = 0; i < ncuts; i++) {
        transport_read(&t, stream + at, cuts[i] - at);
        at = cuts[i];
    }
    transport_read(&t, stream + at, len - at);
    assert_string_equal(t.log.data, expected);
    assert_int_equal(t.in.len, 0);
    transport_free(&t);
}

static void expect_whole(const char *stream, const char *expected)
{
    expect_chunked(stream, strlen(stream), NULL, 0, expected);
}

/* Every single split point, every pair of split points, and one byte per read. */
static void expect_any_split(const char *stream, const char *expected, bool pairs)
{
    size_t len = strlen(stream);
    for (size_t k = 0; k <= len; k++)
        expect_chunked(stream, len, &k, 1, expected);
    for (size_t a = 1; pairs && a < len; a++) {
        for (size_t b = a; b < len; b++) {
            size_t cuts[2] = {a, b};
            expect_chunked(stream, len, cuts, 2, expected);
        }
    }
    struct transport t;
    transport_init(&t);
    for (size_t i = 0; i < len; i++)
        transport_read(&t, stream + i, 1);
    assert_string_equal(t.log.data, expected);
    transport_free(&t);
}

#define GOOD        "Content-Length: 2\r\n\r\n{}"
#define GOOD_LOGGED "M2:{}\n"

static void test_single_message(void **state)
{
    expect_whole("Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}", "M17:{\"jsonrpc\":\"2.0\"}\n");
}

static void test_zero_length_body(void **state)
{
    expect_whole("Content-Length: 0\r\n\r\n" GOOD, "M0:\n" GOOD_LOGGED);
}

static void test_incomplete_returns_more(void **state)
{
    struct ge_framer f;
    struct ge_frame fr;
    ge_framer_init(&f);
    const char *s = "Content-Length: 10\r\n\r\n12345";
    assert_int_equal(ge_frame_next(&f, s, strlen(s), &fr), GE_FRAME_MORE);
    assert_int_equal(fr.consumed, 0);
    assert_int_equal(ge_frame_next(&f, s, 0, &fr), GE_FRAME_MORE);
    assert_int_equal(ge_frame_next(&f, s, 10, &fr), GE_FRAME_MORE);
}

static void test_headers_tolerated(void **state)
{
    expect_whole("content-length: 2\r\n\r\n{}"
                 "CONTENT-LENGTH:3\r\n\r\n[1]"
                 "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
                 "Content-Length: \t 4 \t\r\nX-Custom: a:b:c\r\n\r\nnull"
                 "Content-Length: 2\n\n{}"
                 "Content-Length: 2\nContent-Type: x\r\n\n{}"
                 "Content-Length: 002\r\n\r\n{}",
                 "M2:{}\nM3:[1]\nM4:null\nM2:{}\nM2:{}\nM2:{}\n");
}

/* A body may contain anything, including what looks like a header. */
static void test_body_bytes_are_opaque(void **state)
{
    static const char stream[] = "Content-Length: 24\r\n\r\nContent-Length: 5\r\n\r\n\0\xff\n"
                                 "Content-Length: 2\r\n\r\n{}";
    static const char expected[] = "M24:Content-Length: 5\r\n\r\n\0\xff\n\nM2:{}\n";
    struct transport t;
    transport_init(&t);
    transport_read(&t, stream, sizeof(stream) - 1);
    assert_int_equal(t.log.len, sizeof(expected) - 1);
    assert_memory_equal(t.log.data, expected, sizeof(expected) - 1);
    transport_free(&t);
}

static const char multi_stream[] =
    "Content-Length: 52\r\n\r\n"
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"x\":1}"
    "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
    "Content-Length: 15\r\n\r\n"
    "{\"t\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\"}"
    "content-length:0\n\n"
    "Content-Length: 2\r\nX-Unknown: 1\r\n\r\n{}";

static const char multi_expected[] =
    "M52:{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"x\":1}\n"
    "M15:{\"t\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\"}\n"
    "M0:\n"
    "M2:{}\n";

static void test_several_messages_one_read(void **state)
{
    expect_whole(multi_stream, multi_expected);
}

static void test_split_at_every_byte(void **state)
{
    expect_any_split(multi_stream, multi_expected, true);
}

static void test_ten_thousand_messages(void **state)
{
    enum { COUNT = 10000 };
    struct ge_buf s;
    ge_buf_init(&s, 1u << 24);
    for (int i = 0; i < COUNT; i++) {
        char body[64];
        int n = snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"n\":%d}", i);
        assert_int_equal(ge_buf_printf(&s, "Content-Length: %d\r\n\r\n%s", n, body), 0);
    }
    struct ge_framer f;
    ge_framer_init(&f);
    size_t cursor = 0;
    int seen = 0;
    size_t calls = 0;
    for (;;) {
        struct ge_frame fr;
        int rc = ge_frame_next(&f, s.data + cursor, s.len - cursor, &fr);
        calls++;
        cursor += fr.consumed;
        if (rc != GE_FRAME_MESSAGE) {
            assert_int_equal(rc, GE_FRAME_MORE);
            break;
        }
        char expect[64];
        int n = snprintf(expect, sizeof(expect), "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"n\":%d}",
                         seen);
        assert_int_equal(fr.body_len, (size_t)n);
        assert_memory_equal(fr.body, expect, (size_t)n);
        seen++;
    }
    assert_int_equal(seen, COUNT);
    assert_int_equal(cursor, s.len);
    assert_int_equal(calls, COUNT + 1);
    ge_buf_free(&s);
}

/* Each bad header is reported once and the good message after it still arrives, however the
 * stream is cut into reads. */
static void test_missing_length(void **state)
{
    expect_any_split("Content-Type: x\r\n\r\n{\"lost\":1}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("\r\n" GOOD, "EPROTO\n" GOOD_LOGGED, false);
}

static void test_non_numeric_length(void **state)
{
    expect_any_split("Content-Length: 1a\r\n\r\n{\"x\"}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("Content-Length: +2\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("Content-Length: 0x10\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("Content-Length: 1 2\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
}

static void test_empty_length(void **state)
{
    expect_any_split("Content-Length: \r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("Content-Length:\r\n\r\n" GOOD, "EPROTO\n" GOOD_LOGGED, false);
}

static void test_negative_length(void **state)
{
    expect_any_split("Content-Length: -5\r\n\r\nhello" GOOD, "EPROTO\n" GOOD_LOGGED, false);
}

static void test_duplicated_length(void **state)
{
    expect_any_split("Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" GOOD,
                     "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("Content-Length: 2\r\ncontent-length: 7\r\n\r\n{}" GOOD,
                     "EPROTO\n" GOOD_LOGGED, false);
}

static void test_line_without_colon(void **state)
{
    expect_any_split("Content-Length: 2\r\nbogus\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("bogus\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split(": 2\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
}

static void test_bad_header_name(void **state)
{
    expect_any_split("Content Length: 2\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("Content-Length : 2\r\n\r\n{}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
}

/* The body of a message whose header was lost arrives where a header should be. */
static void test_junk_before_header(void **state)
{
    expect_any_split("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("{\n  \"pretty\": 1\n}\n" GOOD GOOD, "EPROTO\n" GOOD_LOGGED GOOD_LOGGED,
                     false);
    expect_any_split("garbage" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    expect_any_split("null" GOOD, "EPROTO\n" GOOD_LOGGED, false);
    /* A name that merely ends in Content-Length is an unknown header, not junk. */
    expect_any_split("X-Content-Length: 9\r\n" GOOD, GOOD_LOGGED, false);
}

/* After an error, text that only looks like a header name is not mistaken for a message. */
static void test_resync_ignores_partial_names(void **state)
{
    expect_any_split("oops\r\n\r\ncontent-lengt Content-Len Content-Length: 2\r\n\r\n{}",
                     "EPROTO\n" GOOD_LOGGED, false);
}

static void test_overflowing_length(void **state)
{
    expect_any_split("Content-Length: 99999999999999999999999999\r\n\r\n{\"x\":1}" GOOD,
                     "EMSGSIZE\n" GOOD_LOGGED, false);
}

static void test_header_block_too_large(void **state)
{
    struct ge_buf s;
    ge_buf_init(&s, 1u << 20);
    assert_int_equal(ge_buf_appends(&s, "Content-Length: 2\r\nX-Pad: "), 0);
    for (int i = 0; i < GE_FRAME_HEADER_MAX; i++)
        assert_int_equal(ge_buf_appends(&s, "a"), 0);
    assert_int_equal(ge_buf_appends(&s, "\r\n\r\n{}" GOOD GOOD), 0);
    const char *expected = "EMSGSIZE\n" GOOD_LOGGED GOOD_LOGGED;
    expect_whole(s.data, expected);
    for (size_t k = 1; k < s.len; k += 97)
        expect_chunked(s.data, s.len, &k, 1, expected);
    size_t cuts[64];
    for (size_t i = 0; i < GE_ARRAY_SIZE(cuts); i++)
        cuts[i] = (i + 1) * (s.len / (GE_ARRAY_SIZE(cuts) + 1));
    expect_chunked(s.data, s.len, cuts, GE_ARRAY_SIZE(cuts), expected);
    ge_buf_free(&s);

    /* A block of exactly GE_FRAME_HEADER_MAX bytes, blank line included, is accepted. */
    ge_buf_init(&s, 1u << 20);
    assert_int_equal(ge_buf_appends(&s, "Content-Length: 2\r\nX: "), 0);
    while (s.len < GE_FRAME_HEADER_MAX - 4)
        assert_int_equal(ge_buf_appends(&s, "b"), 0);
    assert_int_equal(ge_buf_appends(&s, "\r\n\r\n{}"), 0);
    expect_whole(s.data, GOOD_LOGGED);
    assert_int_equal(ge_buf_splice(&s, 30, 0, "c", 1), 0);
    expect_whole(s.data, "EMSGSIZE\n");
    ge_buf_free(&s);
}

/* A body past GE_FRAME_BODY_MAX streams past in discard mode, without being buffered. */
static void test_body_too_large(void **state)
{
    enum { CHUNK = 1 << 20 };
    char *chunk = calloc(CHUNK, 1);
    assert_non_null(chunk);
    memset(chunk, 'z', CHUNK);
    struct transport t;
    transport_init(&t);
    char header[64];
    size_t body = (size_t)GE_FRAME_BODY_MAX + 1;
    snprintf(header, sizeof(header), "Content-Length: %zu\r\n\r\nzzz", body);
    transport_read(&t, header, strlen(header));
    assert_string_equal(t.log.data, "EMSGSIZE\n");
    assert_int_equal(t.framer.discard, body - 3);
    size_t left = body - 3;
    while (left > CHUNK) {
        transport_read(&t, chunk, CHUNK);
        left -= CHUNK;
        assert_int_equal(t.in.len, 0);
    }
    struct ge_buf tail;
    ge_buf_init(&tail, 1u << 21);
    assert_int_equal(ge_buf_append(&tail, chunk, left), 0);
    assert_int_equal(ge_buf_appends(&tail, GOOD), 0);
    transport_read(&t, tail.data, tail.len);
    assert_string_equal(t.log.data, "EMSGSIZE\n" GOOD_LOGGED);
    assert_int_equal(t.framer.discard, 0);
    ge_buf_free(&tail);
    transport_free(&t);
    free(chunk);
}

/* A body at exactly the cap is still a message (the framer does not copy it). */
static void test_body_at_cap_is_message(void **state)
{
    struct ge_framer f;
    struct ge_frame fr;
    ge_framer_init(&f);
    char header[64];
    int n = snprintf(header, sizeof(header), "Content-Length: %u\r\n\r\n", GE_FRAME_BODY_MAX);
    assert_int_equal(ge_frame_next(&f, header, (size_t)n, &fr), GE_FRAME_MORE);
    assert_int_equal(fr.consumed, 0);
    assert_int_equal(f.discard, 0);
}

/* A callback that returns false stops the drain right after its message or error, and what it
 * left is drained by the next call, as when the transport closes on an exit notification. */
static void test_drain_stops_when_asked(void **state)
{
    struct transport t;
    transport_init(&t);
    assert_int_equal(ge_buf_appends(&t.in, GOOD "bogus\r\n\r\n" GOOD GOOD "Content-Le"), 0);
    t.stop_after = 1;
    assert_int_equal(transport_drain(&t), strlen(GOOD));
    assert_string_equal(t.log.data, GOOD_LOGGED);
    t.stop_after = 1;
    assert_int_equal(transport_drain(&t), strlen("bogus\r\n\r\n"));
    assert_string_equal(t.log.data, GOOD_LOGGED "EPROTO\n");
    t.stop_after = 0;
    assert_int_equal(transport_drain(&t), 2 * strlen(GOOD));
    assert_string_equal(t.log.data, GOOD_LOGGED "EPROTO\n" GOOD_LOGGED GOOD_LOGGED);
    /* A partial header stays for the next read. */
    assert_string_equal(t.in.data, "Content-Le");
    assert_int_equal(transport_drain(&t), 0);
    transport_read(&t, "ngth: 2\r\n\r\n{}", strlen("ngth: 2\r\n\r\n{}"));
    assert_string_equal(t.log.data, GOOD_LOGGED "EPROTO\n" GOOD_LOGGED GOOD_LOGGED GOOD_LOGGED);
    assert_int_equal(t.in.len, 0);
    transport_free(&t);
}

/* What the server writes, its own framer reads back, for every body size up to the largest. */
static void test_header_round_trip(void **state)
{
    char header[GE_FRAME_HEADER_OUT_MAX];
    assert_int_equal(ge_frame_header(header, 0), strlen("Content-Length: 0\r\n\r\n"));
    assert_string_equal(header, "Content-Length: 0\r\n\r\n");
    assert_int_equal(ge_frame_header(header, 1234567), strlen("Content-Length: 1234567\r\n\r\n"));
    assert_string_equal(header, "Content-Length: 1234567\r\n\r\n");
    size_t n = ge_frame_header(header, SIZE_MAX);
    assert_true(n < GE_FRAME_HEADER_OUT_MAX);
    assert_int_equal(n, strlen(header));

    static const char *const bodies[] = {"", "{}", "[1,2,3]", "{\"a\":\"\xe4\xb8\xad\"}"};
    struct transport t;
    transport_init(&t);
    for (size_t i = 0; i < GE_ARRAY_SIZE(bodies); i++) {
        char frame[128];
        size_t hn = ge_frame_header(frame, strlen(bodies[i]));
        memcpy(frame + hn, bodies[i], strlen(bodies[i]));
        transport_read(&t, frame, hn + strlen(bodies[i]));
    }
    assert_string_equal(t.log.data, "M0:\nM2:{}\nM7:[1,2,3]\nM11:{\"a\":\"\xe4\xb8\xad\"}\n");
    transport_free(&t);
}

/* A relayed body is sent as it is behind our header, reads back whole, and a body past the
 * buffer's cap leaves the buffer as it was. */
static void test_wrap(void **state)
{
    (void)state;
    struct ge_buf out;
    ge_buf_init(&out, 64);
    assert_int_equal(ge_frame_wrap(&out, "{\"id\":1}", 8), 0);
    assert_int_equal(ge_frame_wrap(&out, "[]", 2), 0);
    size_t len = out.len;
    char big[64] = {0};
    assert_int_equal(ge_frame_wrap(&out, big, sizeof big), -ENOBUFS);
    assert_int_equal(out.len, len);
    struct transport t;
    transport_init(&t);
    transport_read(&t, out.data, out.len);
    assert_string_equal(t.log.data, "M8:{\"id\":1}\nM2:[]\n");
    transport_free(&t);
    ge_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_message),
        cmocka_unit_test(test_zero_length_body),
        cmocka_unit_test(test_incomplete_returns_more),
        cmocka_unit_test(test_headers_tolerated),
        cmocka_unit_test(test_body_bytes_are_opaque),
        cmocka_unit_test(test_several_messages_one_read),
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_ten_thousand_messages),
        cmocka_unit_test(test_missing_length),
        cmocka_unit_test(test_non_numeric_length),
        cmocka_unit_test(test_empty_length),
        cmocka_unit_test(test_negative_length),
        cmocka_unit_test(test_duplicated_length),
        cmocka_unit_test(test_line_without_colon),
        cmocka_unit_test(test_bad_header_name),
        cmocka_unit_test(test_junk_before_header),
        cmocka_unit_test(test_resync_ignores_partial_names),
        cmocka_unit_test(test_overflowing_length),
        cmocka_unit_test(test_header_block_too_large),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_body_at_cap_is_message),
        cmocka_unit_test(test_drain_stops_when_asked),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
