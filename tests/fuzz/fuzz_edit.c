/*
 * libFuzzer target for ge_text_apply. The input is a small program: a header choosing the
 * encoding and the buffer cap, an initial document, then edits. Each edit is applied both by
 * ge_text_apply and by a reference model (a byte-at-a-time line walk with its own UTF-8
 * decoder and a plain splice); return codes, deltas and resulting text must match, and a
 * rejected edit must leave the text untouched. A whole-text replacement must report only the
 * bytes that differ: the model finds the longest common prefix and suffix on its own, and the
 * delta must leave both texts equal outside it.
 *
 * Input layout (all integers little-endian):
 *   u8  flags     bit 0: UTF-8 positions (else UTF-16); bits 1-3: cap = 32 << n bytes
 *   u16 text_len  then text_len bytes of initial text (clamped to what is there)
 *   edits, each:  u8 start.line, start.character, end.line, end.character
 *                 (0-250 literally; 251-255 name large values; all four 255 = NULL range)
 *                 u8 insert_len, then insert_len bytes of new text
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_edit: invariant failed: %s\n", what);
        abort();
    }
}

struct reader {
    const uint8_t *p;
    size_t left;
};

static uint8_t next_u8(struct reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

static uint32_t position_value(uint8_t b)
{
    static const uint32_t large[] = {256, 1000, 65535, UINT32_MAX - 1, UINT32_MAX};
    return b <= 250 ? b : large[b - 251];
}

/* Length of a well-formed UTF-8 sequence at s[0..n) by code point value, or 1. */
static size_t ref_len(const uint8_t *s, size_t n)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = (s[0] & 0xe0) == 0xc0   ? 2
                 : (s[0] & 0xf0) == 0xe0 ? 3
                 : (s[0] & 0xf8) == 0xf0 ? 4
                                         : 1;
    if (len == 1 || n < len)
        return 1;
    uint32_t cp = s[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 1;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 1;
    return len;
}

/* The model's position lookup: returns 0 with the clamped offset, or -EINVAL when the
 * position falls inside a character. */
static int ref_offset(const uint8_t *t, size_t n, struct ge_position p, enum ge_encoding enc,
                      size_t *off)
{
    size_t ls = 0;
    for (uint32_t l = 0; l < p.line; l++) {
        while (ls < n && t[ls] != '\n')
            ls++;
        if (ls == n) {
            *off = n;
            return 0;
        }
        ls++;
    }
    size_t le = ls;
    while (le < n && t[le] != '\n')
        le++;
    if (le < n && le > ls && t[le - 1] == '\r')
        le--;
    uint64_t acc = 0;
    size_t i = ls;
    for (;;) {
        if (acc == p.character || i >= le) {
            *off = i;
            return 0;
        }
        size_t len = ref_len(t + i, le - i);
        acc += enc == GE_ENC_UTF8 ? len : len == 4 ? 2 : 1;
        if (acc > p.character)
            return -EINVAL;
        i += len;
    }
}

static bool before(struct ge_position a, struct ge_position b)
{
    return a.line < b.line || (a.line == b.line && a.character < b.character);
}

static bool is_continuation(uint8_t c)
{
    return (c & 0xc0) == 0x80;
}

/* The model's diff of a whole-text replacement: the longest common prefix, then the longest
 * common suffix of what remains, each shortened until it ends at a character boundary. */
static struct ge_text_delta ref_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t pre = 0, suf = 0;
    while (pre < an && pre < bn && a[pre] == b[pre])
        pre++;
    while (pre > 0 &&
           ((pre < an && is_continuation(a[pre])) || (pre < bn && is_continuation(b[pre]))))
        pre--;
    while (pre + suf < an && pre + suf < bn && a[an - 1 - suf] == b[bn - 1 - suf])
        suf++;
    while (suf > 0 && is_continuation(a[an - suf]))
        suf--;
    return (struct ge_text_delta){.start = pre, .old_end = an - suf, .new_end = bn - suf};
}

/* Predicts ge_text_apply on model[0..*n) and applies the prediction to model. */
static int ref_apply(uint8_t *model, size_t *n, size_t cap, const struct ge_range *range,
                     enum ge_encoding enc, const uint8_t *ins, size_t ins_len,
                     struct ge_text_delta *d)
{
    size_t s = 0;
    size_t e = *n;
    if (range != NULL) {
        if (before(range->end, range->start))
            return -EINVAL;
        if (ref_offset(model, *n, range->start, enc, &s) != 0 ||
            ref_offset(model, *n, range->end, enc, &e) != 0)
            return -EINVAL;
        check(s <= e, "ordered positions give ordered offsets");
    }
    if (*n - (e - s) + ins_len > cap)
        return -ENOBUFS;
    *d = range != NULL ? (struct ge_text_delta){.start = s, .old_end = e, .new_end = s + ins_len}
                       : ref_diff(model, *n, ins, ins_len);
    if (range == NULL) {
        check(memcmp(model, ins, d->start) == 0, "the texts agree before the change");
        check(*n - d->old_end == ins_len - d->new_end &&
                  memcmp(model + d->old_end, ins + d->new_end, ins_len - d->new_end) == 0,
              "the texts agree after the change");
    }
    memmove(model + s + ins_len, model + e, *n - e);
    memcpy(model + s, ins, ins_len);
    *n = *n - (e - s) + ins_len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = {.p = data, .left = size};
    uint8_t flags = next_u8(&r);
    enum ge_encoding enc = flags & 1 ? GE_ENC_UTF8 : GE_ENC_UTF16;
    size_t cap = (size_t)32 << ((flags >> 1) & 7);
    size_t text_len = next_u8(&r);
    text_len |= (size_t)next_u8(&r) << 8;
    text_len = text_len < r.left ? text_len : r.left;
    text_len = text_len < cap ? text_len : cap;

    struct ge_buf text;
    ge_buf_init(&text, cap);
    check(ge_buf_append(&text, r.p, text_len) == 0, "initial text");
    r.p += text_len;
    r.left -= text_len;
    uint8_t *model = malloc(cap + 1);
    if (text.len > 0)
        memcpy(model, text.data, text.len);
    size_t model_len = text.len;

    while (r.left > 0) {
        uint8_t raw[4];
        for (int i = 0; i < 4; i++)
            raw[i] = next_u8(&r);
        struct ge_range range = {
            .start = {.line = position_value(raw[0]), .character = position_value(raw[1])},
            .end = {.line = position_value(raw[2]), .character = position_value(raw[3])},
        };
        bool whole = raw[0] == 255 && raw[1] == 255 && raw[2] == 255 && raw[3] == 255;
        size_t ins_len = next_u8(&r);
        ins_len = ins_len < r.left ? ins_len : r.left;
        const uint8_t *ins = r.p;
        r.p += ins_len;
        r.left -= ins_len;

        struct ge_text_delta got = {0};
        struct ge_text_delta want = {0};
        int rc = ge_text_apply(&text, whole ? NULL : &range, enc, (const char *)ins, ins_len, &got);
        int want_rc =
            ref_apply(model, &model_len, cap, whole ? NULL : &range, enc, ins, ins_len, &want);
        check(rc == want_rc, "same result as the model");
        check(text.len == model_len && (text.len == 0 || memcmp(text.data, model, text.len) == 0),
              "same text as the model");
        check(text.data == NULL || text.data[text.len] == '\0', "terminated");
        if (rc == 0) {
            check(memcmp(&got, &want, sizeof(got)) == 0, "same delta as the model");
            /* The end of the inserted text is a position that maps back to itself, unless
             * the insertion ends inside a character it completes or splits. */
            struct ge_position p = ge_text_position(text.data, text.len, got.new_end, enc);
            size_t back = 0;
            check(ge_text_offset(text.data, text.len, p, enc, &back) == 0, "new end resolves");
            check(back <= got.new_end && got.new_end - back <= 3, "new end near a boundary");
        }
    }
    free(model);
    ge_buf_free(&text);
    return 0;
}
