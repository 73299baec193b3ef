/*
 * The range finder: from the compiler's position and printed subject to the byte span of the
 * expression in the source. The compiler reprints its own tree, so the subject is compared
 * with the source token by token (white space and comments never matter), and only the parts
 * the printer keeps verbatim are compared: the callee of a call, the type of a composite
 * literal, the name of a variable. Where the printer rewrote operands (~r0 for an inlined
 * call's result in a + b + c, *(~R0)), the shape of the expression at the position is walked
 * instead. A subject that does not line up with the source is placed by what the compiler
 * points at: the call at whose '(' it reports the arguments of an inlined call and what the
 * inlined body allocates, or the token at the position (a neighbouring argument, a constant
 * printed as its value). Failing all, the span is the one character at the position, so a
 * span always contains the position and is never wrong.
 */
#include "goescape/scan.h"
#include "golex.h"
#include "scan_internal.h"

#include <string.h>

/* Most tokens a printed subject may have for token comparison. */
#define SUBJ_TOKS_MAX 256
/* Runes of a string constant as go/constant prints it, at most (see shortened_end). */
#define PRINTED_STRING_RUNES 72
/* Most tokens the range finder looks back for the call around a neighbouring argument. */
#define ENCLOSE_TOKS_MAX 4096

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

/* The end of a string constant the printer shortened, or 0. go/constant prints a string of
 * more than PRINTED_STRING_RUNES runes (quotes included) as its first runes and "...", with no
 * closing quote; lexed as Go, it would run on into the rest of the subject. */
static size_t shortened_end(const char *s, size_t len, const struct golex_tok *t)
{
    size_t i = t->start;
    if (s[i] != '"')
        return 0;
    for (size_t runes = 0; runes < PRINTED_STRING_RUNES && i < len; runes++)
        do
            i++;
        while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80);
    if (i < t->start + 4 || i >= t->end || memcmp(s + i - 3, "...", 3) != 0)
        return 0;
    return i;
}

static bool subj_lex(struct subj *sj, const char *subject)
{
    size_t len = strlen(subject);
    struct golex lx;
    golex_init(&lx, subject, len, 0);
    sj->s = subject;
    sj->n = 0;
    for (;;) {
        struct golex_tok t = golex_next(&lx);
        if (t.kind == T_EOF)
            return sj->n > 0;
        if (sj->n == SUBJ_TOKS_MAX || t.kind == T_BAD)
            return false;
        size_t end = t.kind == T_STRING ? shortened_end(subject, len, &t) : 0;
        if (end > 0) {
            t.end = end;
            golex_init(&lx, subject, len, end);
        }
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
            first = ge__type_back(sc->ts, i);
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

/* Does the subject hold a compiler name (~r0, ~R0, ~p0, .autotmp_3) where the source has an
 * expression? Such a subject is never printed verbatim from the source. */
static bool subj_has_temp(const struct subj *sj)
{
    for (size_t k = 0; k + 1 < sj->n; k++) {
        const struct golex_tok *a = &sj->t[k], *b = &sj->t[k + 1];
        const char *name = sj->s + b->start;
        if (b->kind != T_IDENT || a->end != b->start)
            continue;
        if (golex_is(sj->s, a, "~") && strchr("rRp", name[0]) != NULL && b->end - b->start > 1 &&
            name[1] >= '0' && name[1] <= '9')
            return true;
        if (golex_is(sj->s, a, ".") && strncmp(name, "autotmp_", 8) == 0)
            return true;
    }
    return false;
}

/* Is the subject exactly "~r0" or "~R0": the result of a call? */
static bool subj_is_result(const struct subj *sj)
{
    return sj->n == 2 && subj_has_temp(sj) && subj_is(sj, 0, "~") && sj->s[sj->t[1].start] != 'p';
}

/* Does the subject have the operator text op as a binary operator (after an operand) outside
 * brackets? */
static bool subj_has_binary(const struct subj *sj, const char *op)
{
    long depth = 0;
    for (size_t k = 0; k < sj->n; k++) {
        const struct golex_tok *t = &sj->t[k], *prev = k > 0 ? &sj->t[k - 1] : NULL;
        char c = t->kind == T_OP && t->end - t->start == 1 ? sj->s[t->start] : 0;
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if (c == ')' || c == ']' || c == '}')
            depth--;
        else if (depth == 0 && prev != NULL && golex_is(sj->s, t, op) &&
                 (prev->kind != T_OP || strchr(")]}", sj->s[prev->start]) != NULL))
            return true;
    }
    return false;
}

/* a + b + c (string concatenation, reported at one of its '+'), and other binary expressions
 * whose operands the printer rewrote (an inlined call's result, a converted constant): every
 * operand joined by operators of the precedence of the one at pos. */
static bool rule_binary(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    char op[4];
    const struct golex_tok *t = &sc->ts->v[sc->i];
    if (t->end - t->start >= sizeof(op))
        return false;
    memcpy(op, sc->text + t->start, t->end - t->start);
    op[t->end - t->start] = '\0';
    return subj_has_binary(sj, op) && ge__binary_chain(sc->ts, sc->i, out);
}

/* *(~R0), &x.f and the like at their operator: the operator and its operand. */
static bool rule_unary(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    if (sj->n < 2 || !tok_same(sj->s, &sj->t[0], sc->text, &sc->ts->v[sc->i]) ||
        (!subj_is(sj, 0, "*") && !subj_is(sj, 0, "&")))
        return false;
    long last = ge__unary_fwd(sc->ts, sc->i);
    if (last < 0)
        return false;
    *out = tok_span(sc, sc->i, (size_t)last);
    return true;
}

/* The call whose '(' is token paren: from the start of its callee to the matching ')'. */
static bool call_span(struct scan *sc, size_t paren, struct ge_span *out)
{
    if (!src_is(sc, paren, "(") || !ge__continues(sc->ts, paren))
        return false;
    long first = ge__operand_back(sc->ts, paren - 1);
    long close = golex_toks_close(sc->ts, paren);
    if (first < 0 || close < 0)
        return false;
    *out = tok_span(sc, (size_t)first, (size_t)close);
    return true;
}

/* A parenthesised expression at its '(', as in err == (T{}): the parentheses and what they
 * hold. Not the parameters or receiver after "func". */
static bool paren_span(struct scan *sc, struct ge_span *out)
{
    if (!src_is(sc, sc->i, "(") || ge__continues(sc->ts, sc->i) ||
        (sc->i > 0 && src_is(sc, sc->i - 1, "func")))
        return false;
    long close = golex_toks_close(sc->ts, sc->i);
    if (close < 0)
        return false;
    *out = tok_span(sc, sc->i, (size_t)close);
    return true;
}

/* Index of the innermost bracket that encloses token i, or -1 when there is none nearby. */
static long enclosing_open(struct scan *sc, size_t i)
{
    size_t depth = 0;
    for (size_t j = i; j-- > 0 && i - j <= ENCLOSE_TOKS_MAX;) {
        const struct golex_tok *t = &sc->ts->v[j];
        char c = t->kind == T_OP && t->end - t->start == 1 ? sc->text[t->start] : 0;
        if (c == ')' || c == ']' || c == '}')
            depth++;
        else if ((c == '(' || c == '[' || c == '{') && depth-- == 0)
            return (long)j;
    }
    return -1;
}

/* Go before 1.26 reports an argument converted to an interface at a neighbouring argument
 * ("n" of fmt.Sprintf("%s=%d", name, n) at the format). When the token at pos starts an
 * argument of a call and the subject is a name passed as another argument of that call on the
 * same line, the span is the token at pos: the subject's own name would not contain pos. */
static bool rule_neighbour(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    if (sj->n != 1 || sj->t[0].kind != T_IDENT || sc->i == 0)
        return false;
    long open = enclosing_open(sc, sc->i);
    if (open < 0 || !src_is(sc, (size_t)open, "(") || !ge__continues(sc->ts, (size_t)open) ||
        (!src_is(sc, sc->i - 1, ",") && sc->i - 1 != (size_t)open))
        return false;
    long close = golex_toks_close(sc->ts, (size_t)open);
    size_t depth = 0;
    for (size_t k = (size_t)open + 1; close > 0 && k < (size_t)close; k++) {
        const struct golex_tok tk = sc->ts->v[k], *t = &tk; /* a copy: lexing may move v */
        char c = t->kind == T_OP && t->end - t->start == 1 ? sc->text[t->start] : 0;
        depth += c == '(' || c == '[' || c == '{';
        depth -= depth > 0 && (c == ')' || c == ']' || c == '}');
        if (depth != 0 || k == sc->i || !tok_same(sj->s, &sj->t[0], sc->text, t) ||
            !(src_is(sc, k - 1, ",") || k - 1 == (size_t)open) ||
            !(src_is(sc, k + 1, ",") || src_is(sc, k + 1, ")") || src_is(sc, k + 1, "...")))
            continue;
        size_t a = t->start < sc->pos ? t->start : sc->pos;
        size_t b = t->start < sc->pos ? sc->pos : t->start;
        if (memchr(sc->text + a, '\n', b - a) != NULL)
            continue;
        *out = tok_span(sc, sc->i, sc->i);
        return true;
    }
    return false;
}

/* A constant is printed as its value ("h2", 501): at a name, the name; at the '.' of a
 * qualified name, the whole selector; at a literal the printer shortened, the literal. */
static bool rule_constant(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    size_t k = subj_is(sj, 0, "-") ? 1 : 0;
    if (sj->n != k + 1 || sj->t[k].kind == T_IDENT || sj->t[k].kind == T_OP)
        return false;
    const struct golex_tok *t = &sc->ts->v[sc->i];
    if (t->kind == T_STRING || t->kind == T_NUMBER || t->kind == T_RUNE ||
        (t->kind == T_IDENT && !ge__is_keyword(sc->text, t))) {
        *out = tok_span(sc, sc->i, sc->i);
        return true;
    }
    if (!golex_is(sc->text, t, ".") || !ge__continues(sc->ts, sc->i) ||
        !golex_toks_need(sc->ts, sc->i + 1) || sc->ts->v[sc->i + 1].kind != T_IDENT)
        return false;
    long first = ge__operand_back(sc->ts, sc->i + 1);
    if (first < 0)
        return false;
    *out = tok_span(sc, (size_t)first, sc->i + 1);
    return true;
}

/* A method value or field of an operand the printer rewrote ((~r0).Flush for
 * http.NewResponseController(w).Flush), reported at its '.': the operand as written and the
 * selected name. */
static bool rule_selector(struct scan *sc, const struct subj *sj, struct ge_span *out)
{
    if (sj->n < 3 || !subj_is(sj, sj->n - 2, ".") || sj->t[sj->n - 1].kind != T_IDENT ||
        !subj_has_temp(sj) || !src_is(sc, sc->i, ".") || !golex_toks_need(sc->ts, sc->i + 1) ||
        !tok_same(sj->s, &sj->t[sj->n - 1], sc->text, &sc->ts->v[sc->i + 1]))
        return false;
    long first = ge__operand_back(sc->ts, sc->i + 1);
    if (first < 0)
        return false;
    *out = tok_span(sc, (size_t)first, sc->i + 1);
    return true;
}

/* The rules that compare the subject with the expression at pos. */
static bool expr_rules(struct scan *sc, enum ge_fact_kind kind, const char *subject,
                       const struct subj *sj, struct ge_span *out)
{
    if (strcmp(subject, "func literal") == 0)
        return rule_func(sc, out);
    if (kind == GE_FACT_MOVED || kind == GE_FACT_PARAM)
        return rule_name(sc, sj, out);
    if (subj_is(sj, sj->n - 1, "}") && rule_composite(sc, sj, out))
        return true;
    if ((subj_is(sj, sj->n - 1, ")") || strcmp(subject, "append") == 0) && rule_call(sc, sj, out))
        return true;
    if (rule_align(sc, sj, out) || rule_binary(sc, sj, out) || rule_unary(sc, sj, out) ||
        rule_selector(sc, sj, out))
        return true;
    /* The result of an inlined call, reported at its '(': the call is the expression. */
    return subj_is_result(sj) && call_span(sc, sc->i, out);
}

static enum ge_span_fit try_rules(struct scan *sc, enum ge_fact_kind kind, const char *subject,
                                  struct ge_span *out)
{
    struct subj sj;
    bool lexed = strcmp(subject, "... argument") != 0 && subj_lex(&sj, subject);
    if (lexed && expr_rules(sc, kind, subject, &sj, out))
        return GE_FIT_EXPR;
    if (kind == GE_FACT_PARAM)
        return GE_FIT_CHAR;
    /* The arguments of an inlined call and what its body allocates are reported at the call's
     * '(', and so is "... argument", the implicit slice of a variadic call (of the outermost
     * call when calls are inlined): the whole call contains them. */
    if (call_span(sc, sc->i, out) || paren_span(sc, out))
        return GE_FIT_CALL;
    if (lexed && kind != GE_FACT_MOVED &&
        (rule_neighbour(sc, &sj, out) || rule_constant(sc, &sj, out)))
        return GE_FIT_TOKEN;
    return GE_FIT_CHAR;
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
                                enum ge_fact_kind kind, const char *subject, enum ge_span_fit *fit)
{
    enum ge_span_fit got = GE_FIT_CHAR;
    struct ge_span span = {len, len};
    if (text != NULL && pos < len) {
        struct scan sc = {.text = text, .len = len, .pos = pos, .ts = ts};
        if (subject != NULL && find_token(&sc))
            got = try_rules(&sc, kind, subject, &span);
        if (got == GE_FIT_CHAR || span.start > pos || span.end <= pos || span.end > len) {
            got = GE_FIT_CHAR;
            span = one_char(text, len, pos);
        }
    }
    if (fit != NULL)
        *fit = got;
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
    struct ge_span span = ge__scan_expr_in(&ts, text, len, pos, kind, subject, NULL);
    golex_toks_free(&ts);
    return span;
}
