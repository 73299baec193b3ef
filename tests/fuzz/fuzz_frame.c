/*
 * libFuzzer target for protocol/frame.c, through ge_frame_drain as the stdio transport uses it.
 * The first byte of the input seeds a chunking of the rest; the stream is parsed once as a
 * single read and once in those chunks, and both must report the same messages and errors in
 * the same order, with every message and error inside its contract and never more than
 * GE_FRAME_PENDING_MAX bytes left waiting.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/buf.h"
#include "goescape/frame.h"

#define LOG_MAX (1u << 24)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_frame: invariant failed: %s\n", what);
        abort();
    }
}

struct sink_state {
    const struct ge_buf *in; /* the buffer being drained */
    struct ge_buf *log;
};

static bool on_message(void *ctx, const char *body, size_t len)
{
    struct sink_state *st = ctx;
    const char *end = st->in->data + st->in->len;
    check(body >= st->in->data && len <= st->in->len && body <= end - len, "body within input");
    check(len <= GE_FRAME_BODY_MAX, "body within cap");
    check(ge_buf_printf(st->log, "M%zu:", len) == 0, "log");
    check(ge_buf_append(st->log, body, len) == 0, "log");
    return true;
}

static bool on_error(void *ctx, int err, const char *what)
{
    struct sink_state *st = ctx;
    check(err == -EPROTO || err == -EMSGSIZE, "known error");
    check(what != NULL && what[0] != '\0', "error text");
    check(ge_buf_printf(st->log, "E%d;", -err) == 0, "log");
    return true;
}

/* Parses everything in in (a transport buffer) and drops what was consumed. */
static void drain(struct ge_framer *f, struct ge_buf *in, struct ge_buf *log)
{
    struct sink_state st = {.in = in, .log = log};
    const struct ge_frame_sink sink = {.on_message = on_message, .on_error = on_error, .ctx = &st};
    size_t used = ge_frame_drain(f, in->data, in->len, &sink);
    check(used <= in->len, "consumed within input");
    ge_buf_consume(in, used);
    check(in->len < GE_FRAME_PENDING_MAX, "pending bytes within cap");
}

static void parse(const uint8_t *data, size_t size, uint32_t seed, struct ge_buf *log)
{
    struct ge_framer f;
    struct ge_buf in;
    ge_framer_init(&f);
    ge_buf_init(&in, size + 1);
    check(ge_buf_reserve(&in, 0) == 0, "reserve");
    size_t at = 0;
    while (at < size) {
        size_t n = size - at;
        if (seed != 0) {
            /* xorshift: chunks of 1 to 64 bytes, sometimes much larger. */
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            size_t want = seed % 8 == 0 ? seed % 4096 + 1 : seed % 64 + 1;
            n = n < want ? n : want;
        }
        check(ge_buf_append(&in, data + at, n) == 0, "append");
        at += n;
        drain(&f, &in, log);
    }
    ge_buf_free(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint32_t seed = (uint32_t)data[0] * 2654435761u + 1;
    data++;
    size--;
    struct ge_buf whole;
    struct ge_buf chunked;
    ge_buf_init(&whole, LOG_MAX);
    ge_buf_init(&chunked, LOG_MAX);
    parse(data, size, 0, &whole);
    parse(data, size, seed, &chunked);
    check(whole.len == chunked.len &&
              (whole.len == 0 || memcmp(whole.data, chunked.data, whole.len) == 0),
          "chunking does not change the outcome");
    ge_buf_free(&whole);
    ge_buf_free(&chunked);
    return 0;
}
