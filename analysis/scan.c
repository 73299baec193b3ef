/*
 * The range finder: from the compiler's position and printed subject to the byte span of the
 * expression in the source. The compiler reprints its own tree, so the subject is compared
 * with the source token by token (white space and comments never matter), and only the parts
 * the printer keeps verbatim are compared: the callee of a call, the type of a composite
 * literal, the name of a variable. Anything that does not line up with the token at the
 * position falls back to the one character at the position, so a span is never wrong.
 */
#include "goescape/scan.h"
#include "golex.h"
#include "scan_internal.h"

#include <string.h>

/* Most tokens a printed subject may have for token comparison. */
#define SUBJ_TOKS_MAX 256

/* The subject, tokenized. */
struct subj {
    const char *s;
    struct golex_tok t[SUBJ_TOKS_MAX];
    size_t n;
};

struct scan {
    const char *text;
    size_t len;
    size_t pos;
    struct golex_toks *ts; /* borrowed */
    size_t i;              /* index of the token that starts at pos */
};

static bool tok_same(const char *a, const struct golex_tok *ta, const char *b,
                     const struct golex_tok *tb)
{
    size_t n = ta->end - ta->start;
    return ta->kind == tb->kind && tb->end - tb->start == n &&
           memcmp(a + ta->start, b + tb->start, n) == 0;
}

static bool subj_lex(struct subj *sj, const char *subject)
{
    struct golex lx;
    golex_init(&lx, subject, strlen(subject), 0);
    sj->s = subject;
    sj->n = 0;
    for (;;) {
        struct golex_tok t = golex_next(&lx);
        if (t.kind == T_EOF)
            return sj->n > 0;
        if (sj->n == SUBJ_TOKS_MAX || t.kind == T_BAD)
            return false;
        sj->t[sj->n++] = t;
    }
}

static bool subj_is(const struct subj *sj, size_t k, const char *s)
{
    return k < sj->n && golex_is(sj->s, &sj->t[k], s);
}

static bool src_is(struct scan *sc, size_t i, const char *s)
{
    return golex_toks_need(sc->ts, i) && golex_is(sc->text, &sc->ts->v[i], s);
}

/* Index in the subject of the bracket opening the one at k, or -1. */
static long subj_open(const struct subj *sj, size_t k)
{
    char close = sj->s[sj->t[k].start];
    char open = close == ')' ? '(' : close == ']' ? '[' : '{';
    size_t depth = 0;
    for (size_t j = k + 1; j-- > 0;) {
        if (sj->t[j].kind != T_OP || sj->t[j].end - sj->t[j].start != 1)
            continue;
        char c = sj->s[sj->t[j].start];
        if (c == close)
            depth++;
        else if (c == open && --depth == 0)
            return (long)j;
    }
    return -1;
}

/* Do subject tokens [a, b) equal the source tokens that end just before source token i?
 * Returns the first source token index, or -1. */
static long match_back(struct scan *sc, const struct subj *sj, size_t a, size_t b, size_t i)
{
    size_t n = b - a;
    if (n == 0 || n > i)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (!tok_same(sj->s, &sj->t[a + k], sc->text, &sc->ts->v[i - n + k]))
            return -1;
    return (long)(i - n);
}

/* Do subject tokens [a, b) equal the source tokens from i on? */
static bool match_fwd(struct scan *sc, const struct subj *sj, size_t a, size_t b, size_t i)
{
    for (size_t k = a; k < b; k++, i++)
        if (!golex_toks_need(sc->ts, i) || !tok_same(sj->s, &sj->t[k], sc->text, &sc->ts->v[i]))
            return false;
    return true;
}

static struct ge_span tok_span(struct scan *sc, size_t first, size_t last)
{
    return (struct ge_span){sc->ts->v[first].start, sc->ts->v[last].end};
}

/* Finds where a printed type ends right before source token i: verbatim, or without the
 * parentheses the printer adds around "[]byte" in "([]byte)(s)". */
static long match_type_back(struct scan *sc, const struct subj *sj, size_t a, size_t b, size_t i)
{
    long first = match_back(sc, sj, a, b, i);
    if (first < 0 && b - a > 2 && subj_is(sj, a, "(") && subj_is(sj, b - 1, ")"))
        first = match_back(sc, sj, a + 1, b - 1, i);
    return first;
}

/* make(...), new(T), f(x), conversions: the compiler points at '(', or (Go 1.26, for a
 * conversion such as []byte(s)) at the first argument right after it. */
static bool rule_call(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    size_t paren = sc->i;
    if (!src_is(sc, paren, "(")) {
        if (paren == 0 || !src_is(sc, paren - 1, "("))
            return false;
        paren--;
    }
    size_t callee_end = sj->n;
    if (subj_is(sj, sj->n - 1, ")")) {
        long o = subj_open(sj, sj->n - 1);
        if (o <= 0)
            return false;
        callee_end = (size_t)o;
    }
    long first = match_type_back(sc, sj, 0, callee_end, paren);
    long close = golex_toks_close(sc->ts, paren);
    if (first < 0 || close < 0)
        return false;
    *out = tok_span(sc, (size_t)first, (size_t)close);
    return true;
}

/* Walks back over a type written before a composite literal's '{' at source token i:
 * T, pkg.T, T[args], []T, [N]T, map[K]V, []*T, struct{...}. Returns the first token or -1. */
static long type_back(struct scan *sc, size_t i)
{
    const char *s = sc->text;
    const struct golex_tok *v = sc->ts->v;
    long j = (long)i - 1;
    if (j < 0)
        return -1;
    if (golex_is(s, &v[j], "]")) { /* a generic instantiation T[args] */
        j = golex_toks_open(sc->ts, (size_t)j) - 1;
        if (j < 0 || v[j].kind != T_IDENT)
            return -1;
    } else if (golex_is(s, &v[j], "}")) {
        j = golex_toks_open(sc->ts, (size_t)j) - 1;
        if (j < 0 || !golex_is(s, &v[j], "struct"))
            return -1;
    } else if (v[j].kind != T_IDENT) {
        return -1;
    }
    if (j >= 2 && golex_is(s, &v[j - 1], ".") && v[j - 2].kind == T_IDENT)
        j -= 2;
    /* Element type prefixes: [], [N], map[K], and * right after one of them. */
    for (;;) {
        long k = j - 1;
        while (k >= 0 && golex_is(s, &v[k], "*"))
            k--;
        if (k < 0 || !golex_is(s, &v[k], "]"))
            break;
        long o = golex_toks_open(sc->ts, (size_t)k);
        if (o < 0)
            break;
        j = o >= 1 && golex_is(s, &v[o - 1], "map") ? o - 1 : o;
    }
    return j;
}

/* T{...} (at '{') and &T{...} (at '&'). */
static bool rule_composite(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    long o = subj_open(sj, sj->n - 1);
    if (o < 0)
        return false;
    bool amp = subj_is(sj, 0, "&");
    size_t i = sc->i;
    long first = -1;
    if (amp && src_is(sc, i, "&")) {
        size_t ntype = (size_t)o - 1;
        if (!match_fwd(sc, sj, 1, (size_t)o, i + 1))
            return false;
        first = (long)i;
        i += 1 + ntype;
    }
    if (!src_is(sc, i, "{"))
        return false;
    if (first < 0) {
        first = match_back(sc, sj, amp ? 1 : 0, (size_t)o, i);
        if (first < 0)
            first = type_back(sc, i);
        if (first < 0)
            first = (long)i; /* a literal with its type elided, as in []T{{1, 2}} */
    }
    long close = golex_toks_close(sc->ts, i);
    if (close < 0)
        return false;
    *out = tok_span(sc, (size_t)first, (size_t)close);
    return true;
}

/* A func literal: 'func' through its signature. */
static bool rule_func(struct scan *sc, struct ge_span *out)
{
    size_t i = sc->i;
    if (!src_is(sc, i, "func") || !src_is(sc, i + 1, "("))
        return false;
    size_t end = golex_sig_end(sc->ts, i + 1);
    if (end <= i + 1)
        return false;
    *out = tok_span(sc, i, end - 1);
    return true;
}

/* A variable or parameter: the identifier, compared with the last name of the subject
 * (generic code prints "pkg.v" for a local v). */
static bool rule_name(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    const struct golex_tok *last = &sj->t[sj->n - 1];
    if (last->kind != T_IDENT || !golex_toks_need(sc->ts, sc->i))
        return false;
    if (!tok_same(sj->s, last, sc->text, &sc->ts->v[sc->i]))
        return false;
    *out = tok_span(sc, sc->i, sc->i);
    return true;
}

/* Any other expression printed verbatim (x, t.A, s.Get, a + b, a[i], *p): line the subject
 * up with the source so that some subject token falls on the token at pos. */
static bool rule_align(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    for (size_t k = 0; k < sj->n; k++) {
        if (!tok_same(sj->s, &sj->t[k], sc->text, &sc->ts->v[sc->i]))
            continue;
        long first = k == 0 ? (long)sc->i : match_back(sc, sj, 0, k, sc->i);
        if (first < 0 || !match_fwd(sc, sj, k + 1, sj->n, sc->i + 1))
            continue;
        *out = tok_span(sc, (size_t)first, sc->i + (sj->n - 1 - k));
        return true;
    }
    return false;
}

static bool try_rules(struct scan *sc, enum ge_fact_kind kind, const char *subject,
                      struct ge_span *out)
{
    if (strcmp(subject, "func literal") == 0)
        return rule_func(sc, out);
    /* "... argument" (the implicit slice of a variadic call) is reported at the '(' of the
     * outermost call when calls are inlined, which need not be the variadic one: it keeps
     * the one character. */
    if (strcmp(subject, "... argument") == 0)
        return false;
    struct subj sj;
    if (!subj_lex(&sj, subject))
        return false;
    if (kind == GE_FACT_MOVED || kind == GE_FACT_PARAM)
        return rule_name(sc, &sj, out);
    if (subj_is(&sj, sj.n - 1, "}"))
        return rule_composite(sc, &sj, out);
    if (subj_is(&sj, sj.n - 1, ")") || strcmp(subject, "append") == 0) {
        if (rule_call(sc, &sj, out))
            return true;
    }
    return rule_align(sc, &sj, out);
}

/* The one character (a whole UTF-8 sequence when it is well formed) at pos. */
static struct ge_span one_char(const char *text, size_t len, size_t pos)
{
    unsigned char c = (unsigned char)text[pos];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (pos + n > len)
        n = 1;
    for (size_t k = 1; k < n; k++)
        if (((unsigned char)text[pos + k] & 0xc0) != 0x80)
            n = 1;
    return (struct ge_span){pos, pos + n};
}

/* Lexes up to pos and finds the first token that ends after it; true when that token starts
 * exactly at pos. The tokens may come from an earlier call on the same text. */
static bool find_token(struct scan *sc)
{
    struct golex_toks *ts = sc->ts;
    while ((ts->n == 0 || ts->v[ts->n - 1].end <= sc->pos) && golex_toks_need(ts, ts->n))
        ;
    size_t lo = 0, hi = ts->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ts->v[mid].end <= sc->pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ts->n)
        return false;
    sc->i = lo;
    return ts->v[lo].start == sc->pos;
}

struct ge_span ge__scan_expr_in(struct golex_toks *ts, const char *text, size_t len, size_t pos,
                                enum ge_fact_kind kind, const char *subject)
{
    if (text == NULL || pos >= len)
        return (struct ge_span){len, len};
    struct scan sc = {.text = text, .len = len, .pos = pos, .ts = ts};
    struct ge_span span = {0, 0};
    bool ok = subject != NULL && find_token(&sc) && try_rules(&sc, kind, subject, &span);
    if (!ok || span.start > pos || span.end <= pos || span.end > len)
        return one_char(text, len, pos);
    return span;
}

struct ge_span ge_scan_expr(const char *text, size_t len, size_t pos, enum ge_fact_kind kind,
                            const char *subject)
{
    if (text == NULL || pos >= len)
        return (struct ge_span){len, len};
    /* Lexing from the start of the text is the only way to know whether pos lies in a string
     * or a comment: no line of Go source, not even one at column 0, says so by itself. */
    struct golex_toks ts;
    golex_toks_init(&ts, text, len, 0);
    struct ge_span span = ge__scan_expr_in(&ts, text, len, pos, kind, subject);
    golex_toks_free(&ts);
    return span;
}
