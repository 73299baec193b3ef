/*
 * The show-or-hide rule for findings (see goescape/filter.h). Most findings have no mark near
 * them, so a finding first looks for the mark's words in its own line and the non-blank lines
 * just above; only when they are there does it lex the text from the start, because whether
 * those words are in a comment depends on everything before them (a raw string or a block
 * comment may span any number of lines). Marks are few, so the slow path is rare.
 */
#include "goescape/filter.h"

#include "golex.h"
#include "parse_internal.h"

#include <string.h>

#define MARK     "goescape:ignore"
#define MARK_LEN (sizeof MARK - 1)

/* What the lexer learned about one line of the region. */
static bool space_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static size_t line_start(const char *text, size_t off)
{
    while (off > 0 && text[off - 1] != '\n')
        off--;
    return off;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!space_byte(s[i]))
            return false;
    return true;
}

/* The first line that may hold a mark for the line starting at start: the non-blank lines
 * just above it, at most GE_IGNORE_ABOVE_MAX of them. */
static size_t region_start(const char *text, size_t start)
{
    size_t r = start;
    for (unsigned k = 0; k < GE_IGNORE_ABOVE_MAX && r > 0; k++) {
        size_t prev = line_start(text, r - 1);
        if (blank(text + prev, r - 1 - prev))
            break;
        r = prev;
    }
    return r;
}

static bool mentions_mark(const char *s, size_t n)
{
    for (const char *p = s; n >= MARK_LEN;) {
        const char *g = memchr(p, 'g', n - MARK_LEN + 1);
        if (g == NULL)
            return false;
        if (memcmp(g, MARK, MARK_LEN) == 0)
            return true;
        n -= (size_t)(g - p) + 1;
        p = g + 1;
    }
    return false;
}

/* True when the comment c[0..n), opening characters included, is a mark. */
static bool comment_marks(const char *c, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        bool opener = c[i] == '/' && (c[i + 1] == '/' || (i == 0 && c[i + 1] == '*'));
        if (!opener)
            continue;
        size_t j = i + 2;
        while (j < n && (c[j] == ' ' || c[j] == '\t'))
            j++;
        if (n - j >= MARK_LEN && memcmp(c + j, MARK, MARK_LEN) == 0 &&
            (j + MARK_LEN == n || !word_byte(c[j + MARK_LEN])))
            return true;
    }
    return false;
}

enum lex_state { CODE, LINE_COMMENT, BLOCK_COMMENT, STRING, RUNE, RAW_STRING };

void golex_comments(const char *text, size_t end, size_t region, bool *code, size_t ncode,
                    golex_comment_cb cb, void *ctx)
{
    enum lex_state st = CODE;
    size_t cur = 0, cstart = 0, cline = 0;
    for (size_t i = 0; i < end; i++) {
        char ch = text[i];
        bool in_region = i >= region && cur < ncode;
        bool comment_end = false;
        size_t cend = 0;
        switch (st) {
        case CODE:
            if (ch == '/' && i + 1 < end && (text[i + 1] == '/' || text[i + 1] == '*')) {
                st = text[i + 1] == '/' ? LINE_COMMENT : BLOCK_COMMENT;
                cstart = i;
                cline = cur;
                i++;
                continue;
            }
            st = ch == '"' ? STRING : ch == '\'' ? RUNE : ch == '`' ? RAW_STRING : CODE;
            break;
        case STRING:
        case RUNE:
            if (ch == '\\' && i + 1 < end && text[i + 1] != '\n') {
                i++;
                continue;
            }
            if (ch == (st == STRING ? '"' : '\'') || ch == '\n')
                st = CODE;
            break;
        case RAW_STRING:
            if (ch == '`')
                st = CODE;
            break;
        case LINE_COMMENT:
            comment_end = ch == '\n';
            cend = i;
            break;
        case BLOCK_COMMENT:
            comment_end = ch == '*' && i + 1 < end && text[i + 1] == '/';
            cend = i + 2;
            break;
        }
        bool is_code = st != LINE_COMMENT && st != BLOCK_COMMENT && !space_byte(ch) && ch != '\n';
        if (in_region && is_code)
            code[cur] = true;
        if (comment_end) {
            if (cstart >= region && cline < ncode)
                cb(ctx, cstart, cend, cline);
            if (st == BLOCK_COMMENT)
                i++;
            st = CODE;
        }
        if (ch == '\n' && i >= region)
            cur++;
    }
    /* A comment still open at the end of the last line: what it holds so far is enough. */
    if ((st == LINE_COMMENT || st == BLOCK_COMMENT) && cstart >= region && cline < ncode)
        cb(ctx, cstart, end, cline);
}

struct mark_scan {
    const char *text;
    bool *mark;
};

static void note_mark(void *ctx, size_t start, size_t end, size_t line)
{
    struct mark_scan *m = ctx;
    if (comment_marks(m->text + start, end - start))
        m->mark[line] = true;
}

bool ge_filter_ignored(const char *text, size_t len, size_t off)
{
    if (text == NULL || off > len)
        return false;
    size_t start = line_start(text, off);
    const char *nl = memchr(text + off, '\n', len - off);
    size_t end = nl != NULL ? (size_t)(nl - text) : len;
    size_t region = region_start(text, start);
    if (!mentions_mark(text + region, end - region))
        return false;
    /* Per line of the region: holds something other than comments and white space; a
     * marking comment starts on it. */
    bool code[GE_IGNORE_ABOVE_MAX + 1] = {0}, mark[GE_IGNORE_ABOVE_MAX + 1] = {0};
    struct mark_scan ms = {.text = text, .mark = mark};
    golex_comments(text, end, region, code, GE_ARRAY_SIZE(code), note_mark, &ms);
    size_t last = 0;
    for (size_t i = region; i < start; i++)
        last += text[i] == '\n';
    if (mark[last])
        return true;
    /* Upwards through the comment-only lines just above. */
    for (size_t k = last; k-- > 0;) {
        if (code[k])
            return false;
        if (mark[k])
            return true;
    }
    return false;
}

bool ge_filter_shows(const bool *categories, const char *text, size_t len,
                     const struct ge_finding *f)
{
    if (f->category >= GE_CAT_COUNT || !categories[f->category])
        return false;
    return !ge_filter_ignored(text, len, f->span.start);
}

static bool starts(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(s, lit, k) == 0;
}

static bool ends(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(s + n - k, lit, k) == 0;
}

static bool contains(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    for (size_t i = 0; i + k <= n; i++)
        if (s[i] == lit[0] && memcmp(s + i, lit, k) == 0)
            return true;
    return false;
}

bool ge_filter_skip_line(struct ge_output_skip *s, const char *line, size_t n)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    /* Most lines are the next line of the block being skipped: the same position, then the
     * indented message. */
    if (s->pos_len > 0 && n > s->pos_len && line[s->pos_len] == ' ' &&
        memcmp(line, s->pos, s->pos_len) == 0)
        return true;
    struct rpos pos;
    size_t k = n > 0 && line[0] != '#' ? ge__parse_pos(line, n, &pos, true) : 0;
    if (k == 0) {
        s->pos_len = 0;
        return false;
    }
    const char *m = line + k;
    size_t mn = n - k;
    if (mn > 0 && m[0] == ' ')
        return s->pos_len == k && memcmp(s->pos, line, k) == 0;
    s->pos_len = 0;
    if (!s->params && starts(m, mn, "parameter ") && ends(m, mn, ":") &&
        contains(m, mn, " leaks to ") && k <= sizeof s->pos) {
        memcpy(s->pos, line, k);
        s->pos_len = k;
        return true;
    }
    if (!s->params && starts(m, mn, "leaking param"))
        return true;
    /* The inliner's lines carry no fact; the compiler prints them before the escape analysis
     * prints anything at the same position, so no explanation block is open across them. */
    if (starts(m, mn, "inlining call to ") || starts(m, mn, "can inline ") ||
        starts(m, mn, "cannot inline "))
        return true;
    return !s->noescape && ends(m, mn, " does not escape");
}
