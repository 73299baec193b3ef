/*
 * Walking Go expressions over a token list, for the range finder when the printed subject
 * cannot be compared with the source: the callee of a call, the operands of a + b + c, the
 * type before a composite literal. The walkers know the shapes an operand can take (names,
 * selectors, calls, index and slice expressions, literals, parenthesised expressions,
 * conversions), the precedence of binary operators, and that a line break after an operand
 * ends the statement. Anything else stops them, so a walk never crosses into a neighbouring
 * statement.
 */
#include "scan_internal.h"

#include <string.h>

static bool is(struct golex_toks *ts, size_t i, const char *s)
{
    return golex_toks_need(ts, i) && golex_is(ts->lx.text, &ts->v[i], s);
}

static bool is_literal(const struct golex_tok *t)
{
    return t->kind == T_STRING || t->kind == T_NUMBER || t->kind == T_RUNE;
}

bool ge__is_keyword(const char *text, const struct golex_tok *t)
{
    static const char *const kw[] = {
        "break",  "case",        "chan", "const",   "continue", "default", "defer",
        "else",   "fallthrough", "for",  "func",    "go",       "goto",    "if",
        "import", "interface",   "map",  "package", "range",    "return",  "select",
        "struct", "switch",      "type", "var",
    };
    size_t n = t->end - t->start;
    if (t->kind != T_IDENT || n < 2 || n > 11)
        return false;
    for (size_t i = 0; i < GE_ARRAY_SIZE(kw); i++)
        if (golex_is(text, t, kw[i]))
            return true;
    return false;
}

/* Does token k end an operand: a name, a literal, or a closing bracket? */
static bool ends_operand(const struct golex_toks *ts, size_t k)
{
    const struct golex_tok *t = &ts->v[k];
    if (is_literal(t))
        return true;
    if (t->kind == T_IDENT)
        return !ge__is_keyword(ts->lx.text, t);
    return golex_is(ts->lx.text, t, ")") || golex_is(ts->lx.text, t, "]") ||
           golex_is(ts->lx.text, t, "}");
}

bool ge__continues(const struct golex_toks *ts, size_t k)
{
    return k > 0 && k < ts->n && !ts->v[k].nl_before && ends_operand(ts, k - 1);
}

long ge__type_back(struct golex_toks *ts, size_t i)
{
    const char *s = ts->lx.text;
    const struct golex_tok *v = ts->v;
    long j = (long)i - 1;
    if (j < 0)
        return -1;
    if (golex_is(s, &v[j], "]")) { /* a generic instantiation T[args] */
        j = golex_toks_open(ts, (size_t)j) - 1;
        if (j < 0 || v[j].kind != T_IDENT)
            return -1;
    } else if (golex_is(s, &v[j], "}")) {
        j = golex_toks_open(ts, (size_t)j) - 1;
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
        long o = golex_toks_open(ts, (size_t)k);
        if (o < 0)
            break;
        j = o >= 1 && golex_is(s, &v[o - 1], "map") ? o - 1 : o;
    }
    return j;
}

/* The start of an operand whose last token is a closing bracket at j. */
static long group_back(struct golex_toks *ts, size_t j, size_t *next)
{
    const char *s = ts->lx.text;
    char c = s[ts->v[j].start];
    long o = golex_toks_open(ts, j);
    if (o < 0)
        return -1;
    if (c == '}') /* a composite literal: its type starts the operand */
        return ge__type_back(ts, (size_t)o);
    if (ge__continues(ts, (size_t)o)) { /* f(x), a[i], T[int] */
        *next = (size_t)o - 1;
        return -2;
    }
    if (c == ')' && o >= 2 && golex_is(s, &ts->v[o - 1], ".") && ge__continues(ts, (size_t)o - 1)) {
        *next = (size_t)o - 2; /* a type assertion x.(T) */
        return -2;
    }
    return c == ')' ? o : -1; /* a parenthesised expression; a lone [...] is no operand */
}

long ge__operand_back(struct golex_toks *ts, size_t last)
{
    const char *s = ts->lx.text;
    size_t j = last;
    if (j >= ts->n)
        return -1;
    for (;;) {
        const struct golex_tok *t = &ts->v[j];
        if (is_literal(t))
            return (long)j;
        if (t->kind == T_IDENT) {
            if (ge__is_keyword(s, t))
                return -1;
            if (j >= 2 && golex_is(s, &ts->v[j - 1], ".") && ge__continues(ts, j - 1)) {
                j -= 2;
                continue;
            }
            /* A name right after ']' is the element type of []T, [N]T or map[K]V: the operand
             * is a conversion to that type. */
            if (j >= 1 && !t->nl_before && golex_is(s, &ts->v[j - 1], "]"))
                return ge__type_back(ts, j + 1);
            return (long)j;
        }
        if (t->kind != T_OP || t->end - t->start != 1 || strchr(")]}", s[t->start]) == NULL)
            return -1;
        size_t next = 0;
        long first = group_back(ts, j, &next);
        if (first != -2)
            return first;
        j = next;
    }
}

long ge__operand_fwd(struct golex_toks *ts, size_t i)
{
    if (!golex_toks_need(ts, i))
        return -1;
    long j;
    const struct golex_tok *t = &ts->v[i];
    if (is_literal(t) || (t->kind == T_IDENT && !ge__is_keyword(ts->lx.text, t)))
        j = (long)i;
    else if (golex_is(ts->lx.text, t, "("))
        j = golex_toks_close(ts, i);
    else
        return -1;
    /* Selectors, calls, index and slice expressions, type assertions; a line break ends the
     * statement, so nothing on the next line continues the operand. */
    while (j >= 0 && golex_toks_need(ts, (size_t)j + 1) && !ts->v[j + 1].nl_before) {
        size_t k = (size_t)j + 1;
        if (is(ts, k, ".") && golex_toks_need(ts, k + 1) && ts->v[k + 1].kind == T_IDENT)
            j = (long)k + 1;
        else if (is(ts, k, ".") && is(ts, k + 1, "("))
            j = golex_toks_close(ts, k + 1);
        else if (is(ts, k, "(") || is(ts, k, "["))
            j = golex_toks_close(ts, k);
        else
            break;
    }
    return j;
}

int ge__binary_prec(const char *text, const struct golex_tok *t)
{
    static const char *const mul[] = {"*", "/", "%", "<<", ">>", "&", "&^"};
    static const char *const add[] = {"+", "-", "|", "^"};
    if (t->kind != T_OP)
        return 0;
    for (size_t i = 0; i < GE_ARRAY_SIZE(mul); i++)
        if (golex_is(text, t, mul[i]))
            return 5;
    for (size_t i = 0; i < GE_ARRAY_SIZE(add); i++)
        if (golex_is(text, t, add[i]))
            return 4;
    return 0;
}

/* Is token k a unary operator (an operator where no operand ends right before it)? */
static bool is_unary(struct golex_toks *ts, size_t k)
{
    static const char *const ops[] = {"-", "+", "!", "^", "*", "&", "<-"};
    bool op = false;
    for (size_t i = 0; i < GE_ARRAY_SIZE(ops) && !op; i++)
        op = is(ts, k, ops[i]);
    return op && (k == 0 || !ends_operand(ts, k - 1) || ts->v[k].nl_before);
}

/* The first token of the unary expression whose operand ends at token last, or -1. */
static long unary_back(struct golex_toks *ts, size_t last)
{
    long first = ge__operand_back(ts, last);
    while (first > 0 && is_unary(ts, (size_t)first - 1) && !ts->v[first].nl_before)
        first--;
    return first;
}

long ge__unary_fwd(struct golex_toks *ts, size_t i)
{
    while (golex_toks_need(ts, i) && is_unary(ts, i))
        i++;
    return ge__operand_fwd(ts, i);
}

bool ge__binary_chain(struct golex_toks *ts, size_t op, struct ge_span *out)
{
    if (op == 0 || !golex_toks_need(ts, op))
        return false;
    const char *s = ts->lx.text;
    int prec = ge__binary_prec(s, &ts->v[op]);
    /* A binary operator follows an operand on its own line (else it is unary). */
    if (prec == 0 || ts->v[op].nl_before || !ends_operand(ts, op - 1))
        return false;
    long first = unary_back(ts, op - 1);
    long last = ge__unary_fwd(ts, op + 1);
    if (first < 0 || last < 0)
        return false;
    /* An operator at the start of a line would follow a statement end, so none is. */
    while (first >= 2 && ge__binary_prec(s, &ts->v[first - 1]) >= prec &&
           !ts->v[first - 1].nl_before) {
        long f = unary_back(ts, (size_t)first - 2);
        if (f < 0)
            break;
        first = f;
    }
    while (golex_toks_need(ts, (size_t)last + 1) && !ts->v[last + 1].nl_before &&
           ge__binary_prec(s, &ts->v[last + 1]) >= prec) {
        long l = ge__unary_fwd(ts, (size_t)last + 2);
        if (l < 0)
            break;
        last = l;
    }
    *out = (struct ge_span){ts->v[first].start, ts->v[last].end};
    return true;
}
