/*
 * libFuzzer target for protocol/frame.c. The first byte of the input seeds a chunking of the
 * rest; the stream is parsed once as a single read and once in those chunks, and both must
 * report the same messages and errors in the same order, with every ge_frame field inside its
 * contract on every call.
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

/* Parses everything in in (a transport buffer) and drops what was consumed. */
static void drain(struct ge_framer *f, struct ge_buf *in, struct ge_buf *log)
{
    size_t cursor = 0;
    for (;;) {
        struct ge_frame fr;
        size_t avail = in->len - cursor;
        int rc = ge_frame_next(f, in->data + cursor, avail, &fr);
        check(fr.consumed <= avail, "consumed within input");
        if (rc == GE_FRAME_MORE) {
            check(fr.consumed == 0, "MORE consumes nothing");
            break;
        }
        if (rc == GE_FRAME_MESSAGE) {
            check(fr.body == in->data + cursor + fr.consumed - fr.body_len, "body ends at cursor");
            check(fr.body_len <= GE_FRAME_BODY_MAX, "body within cap");
            check(fr.consumed - fr.body_len <= GE_FRAME_HEADER_MAX, "header within cap");
            check(ge_buf_printf(log, "M%zu:", fr.body_len) == 0, "log");
            check(ge_buf_append(log, fr.body, fr.body_len) == 0, "log");
        } else if (rc == GE_FRAME_SKIP) {
            check(fr.consumed > 0, "SKIP makes progress");
        } else {
            check(rc == -EPROTO || rc == -EMSGSIZE, "known error");
            check(fr.consumed > 0, "an error makes progress");
            check(fr.error != NULL && fr.error[0] != '\0', "error text");
            check(ge_buf_printf(log, "E%d;", -rc) == 0, "log");
        }
        cursor += fr.consumed;
    }
    ge_buf_consume(in, cursor);
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
