/*
 * Unit tests of protocol/text.c: line scanning, UTF-16 and UTF-8 unit mapping over ASCII, CJK,
 * emoji, tabs and invalid UTF-8, and incremental edits checked against a plain byte splice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/text.h"

#define CJK_ZHONG "\xe4\xb8\xad"     /* U+4E2D, 3 bytes, 1 UTF-16 unit */
#define CJK_WEN   "\xe6\x96\x87"     /* U+6587 */
#define EMOJI     "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes, 2 UTF-16 units */

static struct ge_position pos(uint32_t line, uint32_t character)
{
    return (struct ge_position){.line = line, .character = character};
}

static struct ge_range range(uint32_t l0, uint32_t c0, uint32_t l1, uint32_t c1)
{
    return (struct ge_range){.start = pos(l0, c0), .end = pos(l1, c1)};
}

static uint32_t units16(const char *s, size_t byte_col)
{
    return ge_text_units(s, strlen(s), byte_col, GE_ENC_UTF16);
}

static void expect_col(const char *s, uint32_t units, enum ge_encoding enc, int rc, size_t col)
{
    size_t got = 12345;
    assert_int_equal(ge_text_byte_col(s, strlen(s), units, enc, &got), rc);
    assert_int_equal(got, col);
}

static void test_line_offsets(void **state)
{
    const char *t = "a\nbc\r\nd";
    size_t len = strlen(t);
    size_t off = 99;
    assert_int_equal(ge_text_line_offset(t, len, 0, &off), 0);
    assert_int_equal(off, 0);
    assert_int_equal(ge_text_line_offset(t, len, 1, &off), 0);
    assert_int_equal(off, 2);
    assert_int_equal(ge_text_line_offset(t, len, 2, &off), 0);
    assert_int_equal(off, 6);
    assert_int_equal(ge_text_line_offset(t, len, 3, &off), -ERANGE);
    assert_int_equal(ge_text_line_offset(t, len, UINT32_MAX, &off), -ERANGE);

    assert_int_equal(ge_text_line_offset("abc\n", 4, 1, &off), 0);
    assert_int_equal(off, 4);
    assert_int_equal(ge_text_line_offset("abc\n", 4, 2, &off), -ERANGE);
    assert_int_equal(ge_text_line_offset(NULL, 0, 0, &off), 0);
    assert_int_equal(off, 0);
    assert_int_equal(ge_text_line_offset(NULL, 0, 1, &off), -ERANGE);

    assert_int_equal(ge_text_line_length(t, len, 0), 1);
    assert_int_equal(ge_text_line_length(t, len, 2), 2);
    assert_int_equal(ge_text_line_length(t, len, 6), 1);
    assert_int_equal(ge_text_line_length(t, len, 7), 0);
    assert_int_equal(ge_text_line_length(t, len, 100), 0);
    assert_int_equal(ge_text_line_length(NULL, 0, 0), 0);
    /* A lone '\r' belongs to the line, as the Go compiler counts lines by '\n' only. */
    assert_int_equal(ge_text_line_length("a\rb\n", 4, 0), 3);
    assert_int_equal(ge_text_line_length("ab\r", 3, 0), 3);
    assert_int_equal(ge_text_line_length("\r\n", 2, 0), 0);
}

static void test_units_ascii_and_tabs(void **state)
{
    assert_int_equal(units16("hello", 3), 3);
    assert_int_equal(units16("hello", 5), 5);
    assert_int_equal(units16("hello", 50), 5);
    assert_int_equal(units16("\t\tx", 2), 2);
    assert_int_equal(ge_text_units("\tx", 2, 1, GE_ENC_UTF8), 1);
    expect_col("\t\tx", 2, GE_ENC_UTF16, 0, 2);
    expect_col("abc", 3, GE_ENC_UTF16, 0, 3);
    expect_col("abc", 4, GE_ENC_UTF16, -ERANGE, 3);
    expect_col("abc", 4, GE_ENC_UTF8, -ERANGE, 3);
    expect_col("", 0, GE_ENC_UTF16, 0, 0);
    assert_int_equal(ge_text_units(NULL, 0, 0, GE_ENC_UTF16), 0);
}

static void test_units_cjk(void **state)
{
    const char *s = CJK_ZHONG CJK_WEN "x";
    assert_int_equal(units16(s, 0), 0);
    assert_int_equal(units16(s, 3), 1);
    assert_int_equal(units16(s, 6), 2);
    assert_int_equal(units16(s, 7), 3);
    /* Inside a character only the characters before it count. */
    assert_int_equal(units16(s, 4), 1);
    assert_int_equal(units16(s, 5), 1);
    assert_int_equal(ge_text_units(s, 7, 4, GE_ENC_UTF8), 3);
    assert_int_equal(ge_text_units(s, 7, 6, GE_ENC_UTF8), 6);
    expect_col(s, 1, GE_ENC_UTF16, 0, 3);
    expect_col(s, 2, GE_ENC_UTF16, 0, 6);
    expect_col(s, 3, GE_ENC_UTF16, 0, 7);
    expect_col(s, 3, GE_ENC_UTF8, 0, 3);
    expect_col(s, 1, GE_ENC_UTF8, -EILSEQ, 0);
    expect_col(s, 5, GE_ENC_UTF8, -EILSEQ, 3);
}

static void test_units_surrogate_pairs(void **state)
{
    const char *s = "a" EMOJI "b" EMOJI;
    assert_int_equal(units16(s, 1), 1);
    assert_int_equal(units16(s, 5), 3);
    assert_int_equal(units16(s, 6), 4);
    assert_int_equal(units16(s, 10), 6);
    assert_int_equal(units16(s, 3), 1);
    expect_col(s, 0, GE_ENC_UTF16, 0, 0);
    expect_col(s, 1, GE_ENC_UTF16, 0, 1);
    expect_col(s, 2, GE_ENC_UTF16, -EILSEQ, 1);
    expect_col(s, 3, GE_ENC_UTF16, 0, 5);
    expect_col(s, 4, GE_ENC_UTF16, 0, 6);
    expect_col(s, 5, GE_ENC_UTF16, -EILSEQ, 6);
    expect_col(s, 6, GE_ENC_UTF16, 0, 10);
    expect_col(s, 7, GE_ENC_UTF16, -ERANGE, 10);
    expect_col(s, 5, GE_ENC_UTF8, 0, 5);
    expect_col(s, 4, GE_ENC_UTF8, -EILSEQ, 1);
    expect_col(s, 2, GE_ENC_UTF8, -EILSEQ, 1);
}

/* Each byte that is not part of a valid sequence is one unit in both encodings. */
static void test_units_invalid_utf8(void **state)
{
    static const struct {
        const char *s;
        uint32_t units;
    } cases[] = {
        {"\xff\xfe", 2},
        {"\xe4\xb8x", 3},             /* truncated 3-byte sequence, then 'x' */
        {"\xc0\xaf", 2},              /* overlong '/' */
        {"\xed\xa0\x80", 3},          /* encoded surrogate */
        {"\xf4\x90\x80\x80", 4},      /* past U+10FFFF */
        {"\xf0\x9f\x98", 3},          /* truncated emoji at the end */
        {"\x80" CJK_ZHONG "\xbf", 3}, /* stray continuation bytes around a valid char */
        {"\xf0\x9f\x98" EMOJI, 5},    /* truncated emoji right before a whole one */
    };
    for (size_t i = 0; i < GE_ARRAY_SIZE(cases); i++) {
        const char *s = cases[i].s;
        assert_int_equal(units16(s, strlen(s)), cases[i].units);
        /* Every unit boundary maps back to a byte and round-trips. */
        for (uint32_t u = 0; u <= cases[i].units; u++) {
            size_t col = 0;
            int rc = ge_text_byte_col(s, strlen(s), u, GE_ENC_UTF16, &col);
            if (rc == 0)
                assert_int_equal(units16(s, col), u);
            else
                assert_int_equal(rc, -EILSEQ);
        }
    }
    expect_col("\xe4\xb8x", 1, GE_ENC_UTF16, 0, 1);
    expect_col("\xe4\xb8x", 1, GE_ENC_UTF8, 0, 1);
    expect_col("\xf0\x9f\x98" EMOJI, 3, GE_ENC_UTF8, 0, 3);
    expect_col("\xf0\x9f\x98" EMOJI, 4, GE_ENC_UTF8, -EILSEQ, 3);
    expect_col("\xf0\x9f\x98" EMOJI, 4, GE_ENC_UTF16, -EILSEQ, 3);
    expect_col("\xf0\x9f\x98" EMOJI, 5, GE_ENC_UTF16, 0, 7);
}

static const char mixed[] = "package m\r\n"
                            "\tx := \"" CJK_ZHONG CJK_WEN "\" // " EMOJI "!\n"
                            "\xff\xe4\xb8 bad" EMOJI "\r\n"
                            "\n"
                            "end";

static void test_position_round_trip(void **state)
{
    size_t len = sizeof(mixed) - 1;
    for (int e = 0; e < 2; e++) {
        enum ge_encoding enc = e == 0 ? GE_ENC_UTF16 : GE_ENC_UTF8;
        for (size_t off = 0; off <= len; off++) {
            struct ge_position p = ge_text_position(mixed, len, off, enc);
            size_t back = 0;
            int rc = ge_text_offset(mixed, len, p, enc, &back);
            assert_int_equal(rc, 0);
            /* An offset inside a character or a "\r\n" maps to where that begins. */
            assert_true(back <= off);
            assert_true(off - back <= 3);
            struct ge_position again = ge_text_position(mixed, len, back, enc);
            assert_int_equal(again.line, p.line);
            assert_int_equal(again.character, p.character);
        }
    }
    struct ge_position p = ge_text_position(mixed, sizeof(mixed) - 1, 1000, GE_ENC_UTF16);
    assert_int_equal(p.line, 4);
    assert_int_equal(p.character, 3);
    /* Line 1: '\t' x ' ' ':' '=' ' ' '"' 中 文 '"' ' ' '/' '/' ' ' 😀 '!' */
    size_t off = 0;
    assert_int_equal(ge_text_offset(mixed, sizeof(mixed) - 1, pos(1, 16), GE_ENC_UTF16, &off), 0);
    assert_memory_equal(mixed + off, "!", 1);
    assert_int_equal(ge_text_offset(mixed, sizeof(mixed) - 1, pos(1, 15), GE_ENC_UTF16, &off),
                     -EILSEQ);
    assert_memory_equal(mixed + off, EMOJI, 4);
    /* Past the end of a line clamps before its "\r\n"; past the last line to the end. */
    assert_int_equal(ge_text_offset(mixed, sizeof(mixed) - 1, pos(0, 50), GE_ENC_UTF16, &off),
                     -ERANGE);
    assert_int_equal(off, 9);
    assert_int_equal(ge_text_offset(mixed, sizeof(mixed) - 1, pos(9, 0), GE_ENC_UTF16, &off),
                     -ERANGE);
    assert_int_equal(off, sizeof(mixed) - 1);
    /* The '\n' of a "\r\n" belongs to the end of its line. */
    p = ge_text_position(mixed, sizeof(mixed) - 1, 10, GE_ENC_UTF16);
    assert_int_equal(p.line, 0);
    assert_int_equal(p.character, 9);
    p = ge_text_position(NULL, 0, 5, GE_ENC_UTF16);
    assert_int_equal(p.line, 0);
    assert_int_equal(p.character, 0);
}

/* Applies an edit to a buffer holding text and checks the result and the delta. */
static void expect_edit(const char *text, const struct ge_range *r, enum ge_encoding enc,
                        const char *insert, int rc, const char *result)
{
    struct ge_buf b;
    ge_buf_init(&b, GE_TEXT_MAX);
    assert_int_equal(ge_buf_appends(&b, text), 0);
    struct ge_text_delta d = {.start = 777, .old_end = 777, .new_end = 777};
    assert_int_equal(ge_text_apply(&b, r, enc, insert, strlen(insert), &d), rc);
    assert_string_equal(b.data, rc == 0 ? result : text);
    if (rc == 0) {
        assert_int_equal(d.new_end - d.start, strlen(insert));
        assert_int_equal(strlen(text) - (d.old_end - d.start) + strlen(insert), b.len);
        assert_memory_equal(b.data, text, d.start);
    } else {
        assert_int_equal(d.start, 777);
    }
    ge_buf_free(&b);
}

static void test_edit_ascii(void **state)
{
    struct ge_range r = range(0, 1, 0, 2);
    expect_edit("abc", &r, GE_ENC_UTF16, "XY", 0, "aXYc");
    r = range(0, 3, 0, 3);
    expect_edit("abc", &r, GE_ENC_UTF16, "!", 0, "abc!");
    r = range(0, 1, 1, 1);
    expect_edit("ab\r\ncd", &r, GE_ENC_UTF16, "", 0, "ad");
    r = range(1, 0, 1, 0);
    expect_edit("ab\n", &r, GE_ENC_UTF16, "new", 0, "ab\nnew");
    expect_edit("old text", NULL, GE_ENC_UTF16, "whole", 0, "whole");
}

static void test_edit_cjk(void **state)
{
    struct ge_range r = range(0, 1, 0, 2);
    expect_edit(CJK_ZHONG CJK_WEN CJK_ZHONG "\n", &r, GE_ENC_UTF16, "X", 0,
                CJK_ZHONG "X" CJK_ZHONG "\n");
    r = range(0, 3, 0, 6);
    expect_edit(CJK_ZHONG CJK_WEN CJK_ZHONG "\n", &r, GE_ENC_UTF8, "X", 0,
                CJK_ZHONG "X" CJK_ZHONG "\n");
    r = range(0, 1, 0, 6);
    expect_edit(CJK_ZHONG CJK_WEN "\n", &r, GE_ENC_UTF8, "X", -EINVAL, NULL);
    r = range(0, 3, 0, 4);
    expect_edit(CJK_ZHONG CJK_WEN "\n", &r, GE_ENC_UTF8, "X", -EINVAL, NULL);
    r = range(1, 1, 2, 1);
    expect_edit("x\n" CJK_ZHONG CJK_WEN "\r\n" CJK_WEN CJK_ZHONG, &r, GE_ENC_UTF16, "", 0,
                "x\n" CJK_ZHONG CJK_ZHONG);
}

static void test_edit_surrogate_pairs(void **state)
{
    struct ge_range r = range(0, 1, 0, 3);
    expect_edit("a" EMOJI "b" EMOJI "c", &r, GE_ENC_UTF16, "", 0, "ab" EMOJI "c");
    r = range(0, 4, 0, 6);
    expect_edit("a" EMOJI "b" EMOJI "c", &r, GE_ENC_UTF16, CJK_ZHONG, 0,
                "a" EMOJI "b" CJK_ZHONG "c");
    r = range(0, 3, 0, 3);
    expect_edit("a" EMOJI "b", &r, GE_ENC_UTF16, EMOJI, 0, "a" EMOJI EMOJI "b");
    /* Splitting a pair at either end of the range is rejected and changes nothing. */
    r = range(0, 2, 0, 3);
    expect_edit("a" EMOJI "b", &r, GE_ENC_UTF16, "x", -EINVAL, NULL);
    r = range(0, 0, 0, 2);
    expect_edit("a" EMOJI "b", &r, GE_ENC_UTF16, "x", -EINVAL, NULL);
    r = range(0, 2, 0, 2);
    expect_edit("a" EMOJI "b", &r, GE_ENC_UTF16, "", -EINVAL, NULL);
    r = range(0, 1, 0, 5);
    expect_edit("a" EMOJI "b", &r, GE_ENC_UTF8, "", 0, "ab");
    r = range(0, 1, 0, 3);
    expect_edit("a" EMOJI "b", &r, GE_ENC_UTF8, "", -EINVAL, NULL);
}

static void test_edit_clamps_past_end(void **state)
{
    struct ge_range r = range(0, 5, 0, 9);
    expect_edit("ab\r\ncd", &r, GE_ENC_UTF16, "X", 0, "abX\r\ncd");
    r = range(0, 1, 99, 0);
    expect_edit("ab\ncd\n", &r, GE_ENC_UTF16, "", 0, "a");
    r = range(7, 3, 8, 0);
    expect_edit("ab\ncd", &r, GE_ENC_UTF16, "!", 0, "ab\ncd!");
    r = range(1, 50, 1, 60);
    expect_edit("ab\ncd", &r, GE_ENC_UTF16, "!", 0, "ab\ncd!");
    r = range(0, 0, 0, UINT32_MAX);
    expect_edit("a" EMOJI "b\nz", &r, GE_ENC_UTF16, "", 0, "\nz");
}

static void test_edit_rejects_reversed(void **state)
{
    struct ge_range r = range(1, 0, 0, 1);
    expect_edit("ab\ncd", &r, GE_ENC_UTF16, "", -EINVAL, NULL);
    r = range(0, 2, 0, 1);
    expect_edit("ab\ncd", &r, GE_ENC_UTF16, "", -EINVAL, NULL);
    /* Reversed ends are rejected even when both would clamp to the same place. */
    r = range(0, 9, 0, 5);
    expect_edit("ab", &r, GE_ENC_UTF16, "", -EINVAL, NULL);
}

static void test_edit_empty_and_capped(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 8);
    struct ge_range r = range(3, 3, 4, 4);
    assert_int_equal(ge_text_apply(&b, &r, GE_ENC_UTF16, "hello", 5, NULL), 0);
    assert_string_equal(b.data, "hello");
    r = range(0, 5, 0, 5);
    assert_int_equal(ge_text_apply(&b, &r, GE_ENC_UTF16, " world", 6, NULL), -ENOBUFS);
    assert_string_equal(b.data, "hello");
    assert_int_equal(ge_text_apply(&b, NULL, GE_ENC_UTF16, "12345678", 8, NULL), 0);
    assert_int_equal(ge_text_apply(&b, NULL, GE_ENC_UTF16, NULL, 0, NULL), 0);
    assert_int_equal(b.len, 0);
    ge_buf_free(&b);

    ge_buf_init(&b, 8);
    r = range(0, 0, 0, 0);
    assert_int_equal(ge_text_apply(&b, &r, GE_ENC_UTF16, NULL, 0, NULL), 0);
    assert_int_equal(b.len, 0);
    ge_buf_free(&b);
}

static void test_edit_invalid_utf8_text(void **state)
{
    /* "\xe4\xb8" is two one-unit bytes, so a position between them is fine. */
    struct ge_range r = range(0, 1, 0, 2);
    expect_edit("\xe4\xb8x", &r, GE_ENC_UTF16, "", 0, "\xe4x");
    /* Completing the sequence turns three units into one character. */
    r = range(0, 2, 0, 2);
    expect_edit("\xe4\xb8x", &r, GE_ENC_UTF16, "\xad", 0, CJK_ZHONG "x");
}

/* A deterministic generator, so failures reproduce. */
static uint32_t next_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

/* Random edits at random positions, in both encodings, must equal a plain byte splice at the
 * offsets the positions stand for. */
static void test_edit_sequence_matches_splice(void **state)
{
    static const char *pieces[] = {"a", "\t", "\n", "\r\n", CJK_ZHONG, EMOJI, "\xff", "xyz", ""};
    uint64_t seed = 42;
    struct ge_buf b;
    struct ge_buf ref;
    ge_buf_init(&b, 1u << 20);
    ge_buf_init(&ref, 1u << 20);
    assert_int_equal(ge_buf_appends(&b, mixed), 0);
    assert_int_equal(ge_buf_appends(&ref, mixed), 0);
    for (int i = 0; i < 3000; i++) {
        enum ge_encoding enc = next_rand(&seed) % 2 ? GE_ENC_UTF16 : GE_ENC_UTF8;
        size_t a = next_rand(&seed) % (b.len + 1);
        size_t z = a + next_rand(&seed) % (b.len - a + 1) / 4;
        struct ge_position pa = ge_text_position(b.data, b.len, a, enc);
        struct ge_position pz = ge_text_position(b.data, b.len, z, enc);
        size_t oa = 0;
        size_t oz = 0;
        assert_int_equal(ge_text_offset(b.data, b.len, pa, enc, &oa), 0);
        assert_int_equal(ge_text_offset(b.data, b.len, pz, enc, &oz), 0);
        const char *ins = pieces[next_rand(&seed) % GE_ARRAY_SIZE(pieces)];
        struct ge_range r = {.start = pa, .end = pz};
        struct ge_text_delta d;
        assert_int_equal(ge_text_apply(&b, &r, enc, ins, strlen(ins), &d), 0);
        assert_int_equal(d.start, oa);
        assert_int_equal(d.old_end, oz);
        assert_int_equal(ge_buf_splice(&ref, oa, oz - oa, ins, strlen(ins)), 0);
        assert_int_equal(b.len, ref.len);
        assert_memory_equal(b.data, ref.data, b.len);
    }
    ge_buf_free(&b);
    ge_buf_free(&ref);
}

/* 1,000 edits near the end of a 100 KB, 3,000-line document (the slowest place to edit). */
static void test_edit_large_document(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, GE_TEXT_MAX);
    while (b.len < 100 * 1024)
        assert_int_equal(ge_buf_appends(&b, "\tx := \"" CJK_ZHONG EMOJI "\" // comment\n"), 0);
    size_t lines = 0;
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    uint64_t seed = 7;
    for (int i = 0; i < 1000; i++) {
        uint32_t line = (uint32_t)(lines - 1 - next_rand(&seed) % 10);
        struct ge_range r = range(line, 7, line, 8);
        const char *ins = i % 2 ? CJK_ZHONG : "y";
        assert_int_equal(ge_text_apply(&b, &r, GE_ENC_UTF16, ins, strlen(ins), NULL), 0);
    }
    size_t off = 0;
    assert_int_equal(ge_text_line_offset(b.data, b.len, (uint32_t)lines, &off), 0);
    assert_int_equal(off, b.len);
    ge_buf_free(&b);
}

/* The line index gives the same positions as the scanning conversion, at every offset. */
static void test_lines_index_matches_scan(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "", "a", "\n", "a\nb", "ab\r\ncd\n", "x := 名前\n\t😀 y\n\nlast", "\n\n\n"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        const char *text = texts[t];
        size_t len = strlen(text);
        struct ge_lines lines;
        ge_lines_init(&lines, text, len);
        for (size_t off = 0; off <= len + 1; off++) {
            for (int e = 0; e < 2; e++) {
                enum ge_encoding enc = e ? GE_ENC_UTF8 : GE_ENC_UTF16;
                struct ge_position want = ge_text_position(text, len, off, enc);
                struct ge_position got = ge_lines_position(&lines, text, len, off, enc);
                assert_int_equal(got.line, want.line);
                assert_int_equal(got.character, want.character);
            }
        }
        for (uint32_t line = 0; line < lines.count + 1; line++) {
            size_t a = 0, b = 0;
            int ra = ge_lines_offset(&lines, line, &a);
            int rb = ge_text_line_offset(text, len, line, &b);
            assert_int_equal(ra, rb);
            if (ra == 0)
                assert_int_equal(a, b);
        }
        ge_lines_free(&lines);
    }
}

/* A whole-text change reports only the bytes that differ, so findings outside them stay. */
static void expect_diff(const char *old_text, const char *new_text, size_t start, size_t old_end,
                        size_t new_end)
{
    struct ge_text_delta d;
    ge_text_diff(old_text, strlen(old_text), new_text, strlen(new_text), &d);
    if (d.start != start || d.old_end != old_end || d.new_end != new_end)
        fail_msg("\"%s\" -> \"%s\": [%zu, %zu) -> [%zu, %zu), want [%zu, %zu) -> [%zu, %zu)",
                 old_text, new_text, d.start, d.old_end, d.start, d.new_end, start, old_end, start,
                 new_end);
    struct ge_buf b;
    ge_buf_init(&b, GE_TEXT_MAX);
    assert_int_equal(ge_buf_appends(&b, old_text), 0);
    struct ge_text_delta applied;
    assert_int_equal(ge_text_apply(&b, NULL, GE_ENC_UTF16, new_text, strlen(new_text), &applied),
                     0);
    assert_string_equal(b.data ? b.data : "", new_text);
    assert_memory_equal(&applied, &d, sizeof(d));
    ge_buf_free(&b);
}

static void test_whole_change_diff(void **state)
{
    (void)state;
    const char *go = "package p\n\nvar x = 1\n";
    expect_diff(go, go, 21, 21, 21);                                   /* the same text */
    expect_diff(go, "// a\n// b\npackage p\n\nvar x = 1\n", 0, 0, 10); /* lines on top */
    expect_diff(go, "package p\n\nvar x = 2\n", 19, 20, 20);           /* one byte */
    expect_diff("a\nXYZ\nc\n", "a\nb\nc\n", 2, 5, 3);                  /* a revert */
    expect_diff("aa", "aaa", 2, 2, 3);                                 /* prefix first */
    expect_diff("", "abc", 0, 0, 3);
    expect_diff("abc", "", 0, 3, 0);
    expect_diff("", "", 0, 0, 0);
    /* 中 and 丫 share two leading bytes, 丫 and 乫 the last: the change is the character. */
    expect_diff("x\xe4\xb8\xady", "x\xe4\xb8\xaby", 1, 4, 4);
    expect_diff("x\xe4\xb8\xabyz", "x\xe4\xb9\xabyz", 1, 4, 4);
    /* A 4-byte character whose last three bytes equal the end of another. */
    expect_diff("\xf0\x9f\x98\x80", "\xf1\x9f\x98\x80", 0, 4, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_offsets),
        cmocka_unit_test(test_units_ascii_and_tabs),
        cmocka_unit_test(test_units_cjk),
        cmocka_unit_test(test_units_surrogate_pairs),
        cmocka_unit_test(test_units_invalid_utf8),
        cmocka_unit_test(test_position_round_trip),
        cmocka_unit_test(test_edit_ascii),
        cmocka_unit_test(test_edit_cjk),
        cmocka_unit_test(test_edit_surrogate_pairs),
        cmocka_unit_test(test_edit_clamps_past_end),
        cmocka_unit_test(test_edit_rejects_reversed),
        cmocka_unit_test(test_edit_empty_and_capped),
        cmocka_unit_test(test_edit_invalid_utf8_text),
        cmocka_unit_test(test_edit_sequence_matches_splice),
        cmocka_unit_test(test_edit_large_document),
        cmocka_unit_test(test_lines_index_matches_scan),
        cmocka_unit_test(test_whole_change_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
