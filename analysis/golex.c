/*
 * The Go tokenizer behind the range finder. Operators are matched longest first from a short
 * table, which is all the range finder needs: it looks at brackets, '.', '&', '*' and
 * identifiers, and must not split "&&" into two address-of operators.
 */
#include "golex.h"

#include <stdlib.h>
#include <string.h>

void golex_init(struct golex *lx, const char *text, size_t len, size_t off)
{
    if (len > UINT32_MAX) /* token offsets are 32-bit; nothing past that is lexed */
        len = UINT32_MAX;
    *lx = (struct golex){text, len, off < len ? off : len};
}

bool golex_ident_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

bool golex_is(const char *text, const struct golex_tok *t, const char *s)
{
    size_t n = strlen(s);
    return t->end - t->start == n && memcmp(text + t->start, s, n) == 0;
}

/* Skips white space and comments; returns true when a newline was crossed. */
static bool skip_space(struct golex *lx)
{
    bool nl = false;
    const char *s = lx->text;
    while (lx->off < lx->len) {
        char c = s[lx->off];
        if (c == '\n') {
            nl = true;
            lx->off++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            lx->off++;
        } else if (c == '/' && lx->off + 1 < lx->len && s[lx->off + 1] == '/') {
            const char *e = memchr(s + lx->off, '\n', lx->len - lx->off);
            lx->off = e ? (size_t)(e - s) : lx->len;
        } else if (c == '/' && lx->off + 1 < lx->len && s[lx->off + 1] == '*') {
            size_t i = lx->off + 2;
            while (i + 1 < lx->len && !(s[i] == '*' && s[i + 1] == '/')) {
                nl = nl || s[i] == '\n';
                i++;
            }
            lx->off = i + 1 < lx->len ? i + 2 : lx->len;
        } else {
            break;
        }
    }
    return nl;
}

/* Skips a quoted literal starting at off (the quote); stops at a newline when unterminated. */
static size_t skip_quoted(const char *s, size_t len, size_t off, char q)
{
    size_t i = off + 1;
    while (i < len && s[i] != q && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < len && s[i + 1] != '\n')
            i++;
        i++;
    }
    return i < len && s[i] == q ? i + 1 : i;
}

static size_t skip_number(const char *s, size_t len, size_t i)
{
    while (i < len) {
        char c = s[i];
        bool exp = (c == 'e' || c == 'E' || c == 'p' || c == 'P');
        if (exp && i + 1 < len && (s[i + 1] == '+' || s[i + 1] == '-'))
            i += 2;
        else if (golex_ident_byte((unsigned char)c) || c == '.')
            i++;
        else
            break;
    }
    return i;
}

/* Operator bytes by role, looked up once per byte instead of searched for in a string: OP_ANY
 * starts an operator, OP_EQ may come before '=' ("+=", "<=", ":="), OP_TWICE may be doubled
 * ("&&", "<<", "++"). The NUL byte is none of them. */
enum { OP_ANY = 1, OP_EQ = 2, OP_TWICE = 4 };
static const unsigned char op_bytes[256] = {
    ['+'] = OP_ANY | OP_EQ | OP_TWICE,
    ['-'] = OP_ANY | OP_EQ | OP_TWICE,
    ['*'] = OP_ANY | OP_EQ,
    ['/'] = OP_ANY | OP_EQ,
    ['%'] = OP_ANY | OP_EQ,
    ['&'] = OP_ANY | OP_EQ | OP_TWICE,
    ['|'] = OP_ANY | OP_EQ | OP_TWICE,
    ['^'] = OP_ANY | OP_EQ,
    ['<'] = OP_ANY | OP_EQ | OP_TWICE,
    ['>'] = OP_ANY | OP_EQ | OP_TWICE,
    ['='] = OP_ANY | OP_EQ,
    ['!'] = OP_ANY | OP_EQ,
    [':'] = OP_ANY | OP_EQ,
    ['.'] = OP_ANY,
    [','] = OP_ANY,
    [';'] = OP_ANY,
    ['('] = OP_ANY,
    [')'] = OP_ANY,
    ['['] = OP_ANY,
    [']'] = OP_ANY,
    ['{'] = OP_ANY,
    ['}'] = OP_ANY,
    ['~'] = OP_ANY,
};

static bool is_op_byte(unsigned role, char c)
{
    return (op_bytes[(unsigned char)c] & role) != 0;
}

/* Length of the operator at s[i]: "...", "<<=", "&^=", two-character operators, or one. */
static size_t match_op(const char *s, size_t len, size_t i)
{
    char c = s[i];
    char d = i + 1 < len ? s[i + 1] : '\0';
    char e = i + 2 < len ? s[i + 2] : '\0';
    if ((c == '.' && d == '.' && e == '.') || ((c == '<' || c == '>') && d == c && e == '=') ||
        (c == '&' && d == '^' && e == '='))
        return i + 3;
    /* d is '\0' past the end; c never is (golex_next sends NUL bytes to T_BAD). */
    bool two = (d == '=' && is_op_byte(OP_EQ, c)) || (d == c && is_op_byte(OP_TWICE, c)) ||
               (c == '<' && d == '-') || (c == '&' && d == '^');
    return i + (two ? 2 : 1);
}

struct golex_tok golex_next(struct golex *lx)
{
    bool nl = skip_space(lx);
    const char *s = lx->text;
    size_t i = lx->off;
    struct golex_tok t = {.kind = T_EOF, .start = i, .end = i, .nl_before = nl};
    if (i >= lx->len)
        return t;
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\'') {
        t.kind = c == '"' ? T_STRING : T_RUNE;
        t.end = skip_quoted(s, lx->len, i, (char)c);
    } else if (c == '`') {
        const char *e = memchr(s + i + 1, '`', lx->len - i - 1);
        t.kind = T_STRING;
        t.end = e ? (size_t)(e - s) + 1 : lx->len;
    } else if ((c >= '0' && c <= '9') ||
               (c == '.' && i + 1 < lx->len && s[i + 1] >= '0' && s[i + 1] <= '9')) {
        t.kind = T_NUMBER;
        t.end = skip_number(s, lx->len, i + 1);
    } else if (golex_ident_byte(c)) {
        size_t j = i + 1;
        while (j < lx->len && golex_ident_byte((unsigned char)s[j]))
            j++;
        t.kind = T_IDENT;
        t.end = j;
    } else if (is_op_byte(OP_ANY, (char)c)) {
        t.kind = T_OP;
        t.end = match_op(s, lx->len, i);
    } else {
        t.kind = T_BAD;
        t.end = i + 1;
    }
    lx->off = t.end;
    return t;
}

void golex_toks_init(struct golex_toks *ts, const char *text, size_t len, size_t off)
{
    *ts = (struct golex_toks){0};
    golex_init(&ts->lx, text, len, off);
}

void golex_toks_init_outline(struct golex_toks *ts, const char *text, size_t len)
{
    golex_toks_init(ts, text, len, 0);
    ts->outline = true;
}

/* The bytes skip_group stops at in a brace pair, and in a parenthesis pair: each may start a
 * comment, a literal or a bracket of the pair, or (a newline) a line, where a later rescan can
 * start. Every other byte is skipped. */
static const bool brace_stop[256] = {
    ['\n'] = true, ['/'] = true, ['"'] = true, ['\''] = true,
    ['`'] = true,  ['{'] = true, ['}'] = true,
};
static const bool paren_stop[256] = {
    ['\n'] = true, ['/'] = true, ['"'] = true, ['\''] = true,
    ['`'] = true,  ['('] = true, [')'] = true,
};

static char closer_of(char c)
{
    return c == '(' ? ')' : c == '[' ? ']' : c == '{' ? '}' : 0;
}

static char opener_of(char c)
{
    return c == ')' ? '(' : c == ']' ? '[' : c == '}' ? '{' : 0;
}

/*
 * Finds the bracket that closes the '{' or '(' at s[open] as golex_toks_close would find it
 * among the tokens, without making them. Only the bytes that golex_next reads differently in
 * context need care: comments, strings, raw strings and runes are skipped exactly as it skips
 * them, and every other byte outside them is white space, a token of its own, or part of one
 * that holds no bracket, quote or comment start. Returns false when the closing bracket does
 * not start before limit. *nl is its token's nl_before, which golex_next gives when it lexes
 * from the last place before it where a token or white space starts (a newline, a comment, a
 * literal or a bracket): usually the start of its line.
 */
static bool skip_group(const char *s, size_t len, size_t open, size_t limit, size_t *close,
                       bool *nl)
{
    const bool *stop = s[open] == '{' ? brace_stop : paren_stop;
    char opener = s[open], closer = closer_of(s[open]);
    size_t depth = 1, restart = open;
    if (limit > len)
        limit = len;
    for (size_t i = open + 1; i < limit;) {
        while (i < limit && !stop[(unsigned char)s[i]])
            i++;
        if (i >= limit)
            break;
        char c = s[i];
        size_t start = i;
        if (c == '\n') {
            i++;
        } else if (c == '/') {
            if (i + 1 < len && s[i + 1] == '/') {
                const char *e = memchr(s + i, '\n', len - i);
                i = e ? (size_t)(e - s) : len;
            } else if (i + 1 < len && s[i + 1] == '*') {
                size_t j = i + 2;
                while (j + 1 < len && !(s[j] == '*' && s[j + 1] == '/'))
                    j++;
                i = j + 1 < len ? j + 2 : len;
            } else {
                i++;
                continue; /* an operator, which may go on: no place to rescan from */
            }
        } else if (c == '"' || c == '\'') {
            i = skip_quoted(s, len, i, c);
        } else if (c == '`') {
            const char *e = memchr(s + i + 1, '`', len - i - 1);
            i = e ? (size_t)(e - s) + 1 : len;
        } else if (c == opener) {
            depth++;
            i++;
        } else if (c == closer && --depth == 0) {
            struct golex lx;
            golex_init(&lx, s, len, restart);
            struct golex_tok t;
            do
                t = golex_next(&lx);
            while (t.start < start);
            *close = start;
            *nl = t.nl_before;
            return true;
        } else {
            i++;
        }
        restart = start;
    }
    return false;
}

/* Is token k of ts the identifier kw? */
static bool tok_is(const struct golex_toks *ts, size_t k, const char *kw)
{
    return ts->v[k].kind == T_IDENT && golex_is(ts->lx.text, &ts->v[k], kw);
}

/* Does the outline leave out what follows token k, an opening bracket: a brace pair, or the
 * group of a var, const or import declaration, which no declaration lister reads? */
static bool outlined(const struct golex_toks *ts, size_t k)
{
    const struct golex_tok *t = &ts->v[k];
    if (t->kind != T_OP || t->end - t->start != 1)
        return false;
    char c = ts->lx.text[t->start];
    return c == '{' || (c == '(' && k > 0 &&
                        (tok_is(ts, k - 1, "var") || tok_is(ts, k - 1, "const") ||
                         tok_is(ts, k - 1, "import")));
}

static void push_tok(struct golex_toks *ts, struct golex_tok t)
{
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 256;
        ts->v = ge_xrealloc(ts->v, ts->cap * sizeof(*ts->v));
    }
    ts->v[ts->n++] = t;
}

void golex_toks_free(struct golex_toks *ts)
{
    free(ts->v);
    ts->v = NULL;
    ts->n = ts->cap = 0;
}

bool golex_toks_need(struct golex_toks *ts, size_t i)
{
    while (ts->n <= i) {
        if (ts->eof)
            return false;
        struct golex_tok t = golex_next(&ts->lx);
        if (t.kind == T_EOF) {
            ts->eof = true;
            return false;
        }
        push_tok(ts, t);
        size_t close;
        bool nl;
        if (ts->outline && outlined(ts, ts->n - 1) &&
            skip_group(ts->lx.text, ts->lx.len, t.start, (size_t)t.start + GOLEX_MAX_SPAN, &close,
                       &nl)) {
            push_tok(ts, (struct golex_tok){.start = (uint32_t)close,
                                            .end = (uint32_t)close + 1,
                                            .kind = T_OP,
                                            .nl_before = nl});
            ts->lx.off = close + 1;
        }
    }
    return true;
}

long golex_toks_close(struct golex_toks *ts, size_t i)
{
    if (!golex_toks_need(ts, i) || ts->v[i].kind != T_OP)
        return -1;
    char open = ts->lx.text[ts->v[i].start];
    char close = closer_of(open);
    if (close == 0)
        return -1;
    size_t limit = ts->v[i].start + GOLEX_MAX_SPAN;
    size_t depth = 0;
    for (size_t j = i; golex_toks_need(ts, j) && ts->v[j].start < limit; j++) {
        const struct golex_tok *t = &ts->v[j];
        if (t->kind != T_OP || t->end - t->start != 1)
            continue;
        char c = ts->lx.text[t->start];
        if (c == open)
            depth++;
        else if (c == close && --depth == 0)
            return (long)j;
    }
    return -1;
}

long golex_toks_open(const struct golex_toks *ts, size_t i)
{
    if (i >= ts->n || ts->v[i].kind != T_OP)
        return -1;
    char close = ts->lx.text[ts->v[i].start];
    char open = opener_of(close);
    if (open == 0)
        return -1;
    size_t depth = 0;
    for (size_t j = i + 1; j-- > 0;) {
        const struct golex_tok *t = &ts->v[j];
        if (t->kind != T_OP || t->end - t->start != 1)
            continue;
        char c = ts->lx.text[t->start];
        if (c == close)
            depth++;
        else if (c == open && --depth == 0)
            return (long)j;
    }
    return -1;
}

size_t golex_sig_end(struct golex_toks *ts, size_t j)
{
    long c = golex_toks_close(ts, j);
    if (c < 0)
        return j;
    size_t k = (size_t)c + 1;
    size_t first = k;
    while (golex_toks_need(ts, k)) {
        /* A copy: lexing further may move the token array. */
        const struct golex_tok tk = ts->v[k], *t = &tk;
        const char *s = ts->lx.text;
        if (golex_is(s, t, "{") || (t->nl_before && k > first) || golex_is(s, t, ",") ||
            golex_is(s, t, ")") || golex_is(s, t, "]") || golex_is(s, t, "}") ||
            golex_is(s, t, ";") || golex_is(s, t, "=") || golex_is(s, t, ":="))
            break;
        if ((golex_is(s, t, "struct") || golex_is(s, t, "interface")) &&
            golex_toks_need(ts, k + 1) && golex_is(s, &ts->v[k + 1], "{")) {
            c = golex_toks_close(ts, k + 1);
        } else if (golex_is(s, t, "(") || golex_is(s, t, "[")) {
            c = golex_toks_close(ts, k);
        } else {
            c = (long)k;
        }
        if (c < 0)
            break;
        k = (size_t)c + 1;
    }
    return k;
}
