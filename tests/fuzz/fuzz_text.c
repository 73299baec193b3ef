/*
 * libFuzzer target for the position mapping in protocol/text.c. The input is a document. A
 * reference model decodes it by computing code point values (a different formulation from
 * text.c's table of lead-byte ranges, cross-checked against jansson's UTF-8 validator) and
 * predicts every line start, unit count, byte column and position; text.c must agree in both
 * encodings, and offset -> position -> offset must round-trip to the start of a character.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "goescape/text.h"

/* Columns, units, lines and offsets past this are sampled rather than all checked, to keep
 * each input fast: every check costs time linear in what it scans. */
#define EXHAUSTIVE 64
#define STRIDE     17

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_text: invariant failed: %s\n", what);
        abort();
    }
}

/* Length of the character at s[0..n): a well-formed UTF-8 sequence decoded to a scalar value
 * in its shortest form, or 1 for a byte that starts none. */
static size_t ref_len(const uint8_t *s, size_t n)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = 0;
    uint32_t cp = 0;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 1;
    }
    if (n < len)
        return 1;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 1;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 1;
    return len;
}

static uint32_t ref_units(size_t len, enum ge_encoding enc)
{
    if (enc == GE_ENC_UTF8)
        return (uint32_t)len;
    return len == 4 ? 2 : 1;
}

static bool sampled(size_t i)
{
    return i <= EXHAUSTIVE || i % STRIDE == 0;
}

/* Predicts ge_text_units for every byte column and ge_text_byte_col for every unit count. */
static void check_line(const uint8_t *line, size_t n, enum ge_encoding enc)
{
    const char *s = (const char *)line;
    uint32_t before = 0; /* units of the characters that end at or before i */
    size_t i = 0;
    bool all_valid = true;
    while (i < n) {
        size_t len = ref_len(line + i, n - i);
        uint32_t u = ref_units(len, enc);
        all_valid = all_valid && (len > 1 || line[i] < 0x80);
        for (size_t k = 0; k < len; k++) {
            if (sampled(i + k))
                check(ge_text_units(s, n, i + k, enc) == before, "units at a column");
        }
        if (sampled(before)) {
            size_t col = 999;
            check(ge_text_byte_col(s, n, before, enc, &col) == 0 && col == i, "column of units");
        }
        for (uint32_t k = 1; k < u; k++) {
            if (!sampled(before + k))
                continue;
            size_t col = 999;
            check(ge_text_byte_col(s, n, before + k, enc, &col) == -EILSEQ && col == i,
                  "units inside a character");
        }
        before += u;
        i += len;
    }
    size_t col = 999;
    check(ge_text_units(s, n, n, enc) == before, "units of the whole line");
    check(ge_text_units(s, n, n + 5, enc) == before, "past the end clamps");
    check(ge_text_byte_col(s, n, before, enc, &col) == 0 && col == n, "end of line");
    check(ge_text_byte_col(s, n, before + 1, enc, &col) == -ERANGE && col == n, "past the end");
    /* The model's notion of valid UTF-8 must be jansson's (which allows NUL in json_stringn). */
    json_t *str = json_stringn(s, n);
    check((str != NULL) == all_valid, "reference decoder agrees with jansson");
    json_decref(str);
}

/* Checks line scanning, then each line, then offset <-> position over the whole text. */
static void check_text(const uint8_t *data, size_t size, enum ge_encoding enc)
{
    const char *text = (const char *)data;
    size_t start = 0;
    uint32_t line = 0;
    for (;;) {
        const uint8_t *nl = start < size ? memchr(data + start, '\n', size - start) : NULL;
        size_t end = nl != NULL ? (size_t)(nl - data) : size;
        size_t content = end > start && nl != NULL && data[end - 1] == '\r' ? end - 1 : end;
        size_t off = 999;
        if (sampled(line))
            check(ge_text_line_offset(text, size, line, &off) == 0 && off == start, "line start");
        check(ge_text_line_length(text, size, start) == content - start, "line length");
        check_line(data + start, content - start, enc);
        /* Each position costs O(o), so offsets are sampled over the whole text. */
        for (size_t o = start; o <= end; o++) {
            if (!sampled(o))
                continue;
            struct ge_position p = ge_text_position(text, size, o, enc);
            size_t col = o < content ? o - start : content - start;
            check(p.line == line, "position line");
            check(p.character == ge_text_units(text + start, content - start, col, enc),
                  "position character");
            size_t back = 999;
            check(ge_text_offset(text, size, p, enc, &back) == 0, "offset of a position");
            check(back <= o && back >= start && o - back <= 3, "back to a character start");
            struct ge_position q = ge_text_position(text, size, back, enc);
            check(q.line == p.line && q.character == p.character, "stable position");
        }
        if (nl == NULL)
            break;
        start = end + 1;
        line++;
    }
    size_t off = 999;
    check(ge_text_line_offset(text, size, line + 1, &off) == -ERANGE, "no line past the end");
    struct ge_position past = {.line = line + 1, .character = 0};
    check(ge_text_offset(text, size, past, enc, &off) == -ERANGE && off == size,
          "a line past the end clamps");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_text(data, size, GE_ENC_UTF16);
    check_text(data, size, GE_ENC_UTF8);
    return 0;
}
