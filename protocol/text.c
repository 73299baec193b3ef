/*
 * Positions in UTF-8 text. LSP counts characters in UTF-16 code units unless the client
 * negotiated UTF-8, while the compiler and our buffers count bytes, so every position that
 * crosses the protocol goes through here. Invalid UTF-8 is not an error: Go files may hold
 * anything in comments and strings, and each invalid byte then counts as one unit, the same
 * in both directions, so conversions still round-trip.
 */
#include "goescape/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* An empty text may come with a NULL pointer (an empty ge_buf); even NULL + 0 is undefined. */
static const char *nonnull(const char *text)
{
    return text != NULL ? text : "";
}

static bool is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/*
 * Returns the length of the character at s[0..n) (n >= 1): the length of a valid UTF-8
 * sequence (no overlong forms, no surrogates, nothing past U+10FFFF), or 1 for a byte that
 * does not start one.
 */
static size_t char_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    size_t len = 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        lo = c == 0xe0 ? 0xa0 : lo;
        hi = c == 0xed ? 0x9f : hi;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        lo = c == 0xf0 ? 0x90 : lo;
        hi = c == 0xf4 ? 0x8f : hi;
    } else {
        return 1;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 1;
    for (size_t i = 2; i < len; i++) {
        if (!is_cont(s[i]))
            return 1;
    }
    return len;
}

static uint32_t char_units(size_t len, enum ge_encoding enc)
{
    if (enc == GE_ENC_UTF8)
        return (uint32_t)len;
    return len == 4 ? 2 : 1;
}

/*
 * Returns the start of the character containing byte p of line[0..n). Decoding is
 * self-synchronising: a valid sequence holds only continuation bytes after its lead, so any
 * other byte starts a character, and p can be inside a character only if one starts at most
 * three bytes before it.
 */
static size_t char_start(const unsigned char *line, size_t n, size_t p)
{
    if (p >= n || !is_cont(line[p]))
        return p;
    for (size_t back = 1; back <= 3 && back <= p; back++) {
        size_t q = p - back;
        if (!is_cont(line[q]))
            return q + char_len(line + q, n - q) > p ? q : p;
    }
    return p;
}

/* Advances *offset past count more line breaks. Returns -ERANGE when the text ends first. */
static int skip_lines(const char *text, size_t len, size_t *offset, uint32_t count)
{
    size_t pos = *offset;
    for (uint32_t i = 0; i < count; i++) {
        const char *nl = pos < len ? memchr(text + pos, '\n', len - pos) : NULL;
        if (nl == NULL)
            return -ERANGE;
        pos = (size_t)(nl - text) + 1;
    }
    *offset = pos;
    return 0;
}

int ge_text_line_offset(const char *text, size_t len, uint32_t line, size_t *offset)
{
    size_t pos = 0;
    int rc = skip_lines(nonnull(text), len, &pos, line);
    if (rc == 0)
        *offset = pos;
    return rc;
}

size_t ge_text_line_length(const char *text, size_t len, size_t offset)
{
    if (offset >= len)
        return 0;
    const char *nl = memchr(text + offset, '\n', len - offset);
    if (nl == NULL)
        return len - offset;
    size_t end = (size_t)(nl - text);
    if (end > offset && text[end - 1] == '\r')
        end--;
    return end - offset;
}

uint32_t ge_text_units(const char *line, size_t line_len, size_t byte_col, enum ge_encoding enc)
{
    const unsigned char *s = (const unsigned char *)line;
    if (byte_col > line_len)
        byte_col = line_len;
    if (enc == GE_ENC_UTF8)
        return (uint32_t)char_start(s, line_len, byte_col);
    uint32_t units = 0;
    size_t i = 0;
    while (i < byte_col) {
        if (s[i] < 0x80) {
            units++;
            i++;
            continue;
        }
        size_t n = char_len(s + i, line_len - i);
        if (i + n > byte_col)
            break;
        units += char_units(n, enc);
        i += n;
    }
    return units;
}

int ge_text_byte_col(const char *line, size_t line_len, uint32_t units, enum ge_encoding enc,
                     size_t *byte_col)
{
    const unsigned char *s = (const unsigned char *)line;
    if (enc == GE_ENC_UTF8) {
        if (units > line_len) {
            *byte_col = line_len;
            return -ERANGE;
        }
        *byte_col = char_start(s, line_len, units);
        return *byte_col == units ? 0 : -EILSEQ;
    }
    uint32_t seen = 0;
    size_t i = 0;
    while (seen < units) {
        if (i >= line_len) {
            *byte_col = line_len;
            return -ERANGE;
        }
        if (s[i] < 0x80) {
            seen++;
            i++;
            continue;
        }
        size_t n = char_len(s + i, line_len - i);
        uint32_t u = char_units(n, enc);
        if (u > units - seen) {
            *byte_col = i;
            return -EILSEQ;
        }
        seen += u;
        i += n;
    }
    *byte_col = i;
    return 0;
}

/* Converts a character offset on the line starting at line_off into a text offset. */
static int offset_in_line(const char *text, size_t len, size_t line_off, uint32_t character,
                          enum ge_encoding enc, size_t *offset)
{
    size_t line_len = ge_text_line_length(text, len, line_off);
    size_t col = 0;
    int rc = ge_text_byte_col(text + line_off, line_len, character, enc, &col);
    *offset = line_off + col;
    return rc;
}

int ge_text_offset(const char *text, size_t len, struct ge_position pos, enum ge_encoding enc,
                   size_t *offset)
{
    size_t line_off = 0;
    text = nonnull(text);
    if (ge_text_line_offset(text, len, pos.line, &line_off) != 0) {
        *offset = len;
        return -ERANGE;
    }
    return offset_in_line(text, len, line_off, pos.character, enc, offset);
}

struct ge_position ge_text_position(const char *text, size_t len, size_t offset,
                                    enum ge_encoding enc)
{
    if (offset > len)
        offset = len;
    text = nonnull(text);
    uint32_t line = 0;
    size_t start = 0;
    for (;;) {
        const char *nl = start < offset ? memchr(text + start, '\n', offset - start) : NULL;
        if (nl == NULL)
            break;
        line++;
        start = (size_t)(nl - text) + 1;
    }
    size_t line_len = ge_text_line_length(text, len, start);
    return (struct ge_position){
        .line = line,
        .character = ge_text_units(text + start, line_len, offset - start, enc),
    };
}

void ge_lines_init(struct ge_lines *l, const char *text, size_t len)
{
    size_t cap = 64;
    text = nonnull(text);
    l->starts = ge_xmalloc(cap * sizeof *l->starts);
    l->starts[0] = 0;
    l->count = 1;
    for (const char *p = text, *end = text + len; (p = memchr(p, '\n', (size_t)(end - p)));) {
        p++;
        if (l->count == cap)
            l->starts = ge_xrealloc(l->starts, (cap *= 2) * sizeof *l->starts);
        l->starts[l->count++] = (size_t)(p - text);
    }
}

void ge_lines_free(struct ge_lines *l)
{
    free(l->starts);
    *l = (struct ge_lines){0};
}

struct ge_position ge_lines_position(const struct ge_lines *l, const char *text, size_t len,
                                     size_t offset, enum ge_encoding enc)
{
    if (offset > len)
        offset = len;
    text = nonnull(text);
    /* The last line start at or before offset. */
    size_t lo = 0, hi = l->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    size_t start = l->starts[lo];
    size_t line_len = ge_text_line_length(text, len, start);
    return (struct ge_position){
        .line = (uint32_t)lo,
        .character = ge_text_units(text + start, line_len, offset - start, enc),
    };
}

int ge_lines_offset(const struct ge_lines *l, uint32_t line, size_t *offset)
{
    if (line >= l->count)
        return -ERANGE;
    *offset = l->starts[line];
    return 0;
}

static bool position_before(struct ge_position a, struct ge_position b)
{
    return a.line < b.line || (a.line == b.line && a.character < b.character);
}

/*
 * Resolves an LSP range into byte offsets. A line past the end clamps to the end of the text
 * and a character past the end of its line to the end of that line, as the specification
 * says; only a position inside a character is an error. The end is found by scanning on from
 * the start's line, so the text is walked once.
 */
static int resolve_range(const char *text, size_t len, const struct ge_range *range,
                         enum ge_encoding enc, size_t *start, size_t *end)
{
    if (position_before(range->end, range->start))
        return -EINVAL;
    size_t line_off = 0;
    if (skip_lines(text, len, &line_off, range->start.line) != 0) {
        *start = len;
        *end = len;
        return 0;
    }
    if (offset_in_line(text, len, line_off, range->start.character, enc, start) == -EILSEQ)
        return -EINVAL;
    if (skip_lines(text, len, &line_off, range->end.line - range->start.line) != 0) {
        *end = len;
        return 0;
    }
    if (offset_in_line(text, len, line_off, range->end.character, enc, end) == -EILSEQ)
        return -EINVAL;
    return *end < *start ? -EINVAL : 0;
}

static bool continuation(char c)
{
    return ((unsigned char)c & 0xc0u) == 0x80u;
}

void ge_text_diff(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                  struct ge_text_delta *delta)
{
    size_t max = old_len < new_len ? old_len : new_len;
    size_t pre = 0;
    while (pre < max && old_text[pre] == new_text[pre])
        pre++;
    /* A change inside a character starts at the character. */
    while (pre > 0 && ((pre < old_len && continuation(old_text[pre])) ||
                       (pre < new_len && continuation(new_text[pre]))))
        pre--;
    size_t suf = 0;
    while (suf < max - pre && old_text[old_len - 1 - suf] == new_text[new_len - 1 - suf])
        suf++;
    while (suf > 0 && continuation(old_text[old_len - suf]))
        suf--;
    *delta =
        (struct ge_text_delta){.start = pre, .old_end = old_len - suf, .new_end = new_len - suf};
}

int ge_text_apply(struct ge_buf *text, const struct ge_range *range, enum ge_encoding enc,
                  const char *new_text, size_t new_len, struct ge_text_delta *delta)
{
    struct ge_text_delta d;
    if (range != NULL) {
        size_t start = 0, end = 0;
        int rc = resolve_range(nonnull(text->data), text->len, range, enc, &start, &end);
        if (rc != 0)
            return rc;
        d = (struct ge_text_delta){.start = start, .old_end = end, .new_end = start + new_len};
    } else {
        ge_text_diff(nonnull(text->data), text->len, nonnull(new_text), new_len, &d);
    }
    /* Only the changed bytes are spliced: a whole-document change is usually a small one. */
    const char *ins = range != NULL ? new_text : nonnull(new_text) + d.start;
    int rc = ge_buf_splice(text, d.start, d.old_end - d.start, ins, d.new_end - d.start);
    if (rc != 0)
        return rc;
    if (delta != NULL)
        *delta = d;
    return 0;
}
