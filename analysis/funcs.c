/*
 * Declarations a Go file makes at top level: functions and methods (named the way the
 * compiler names them in "in FUNC" and "can inline" lines), and named types with the kind of
 * type they are. The explainer uses them to name the function a fact is in when Go before
 * 1.26 did not print it, to tell a method value from a field, and to tell a named map from a
 * named slice. Also two small lookups around a position: a call's callee and the go/defer
 * keyword of a statement.
 */
#include "goescape/scan.h"
#include "golex.h"
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>

/* Longest receiver type text kept in a method name. */
#define RECV_MAX 256

/* Is token i (lexed on demand) the text s? */
static bool is(struct golex_toks *ts, size_t i, const char *s)
{
    return golex_toks_need(ts, i) && golex_is(ts->lx.text, &ts->v[i], s);
}

/* Appends the source bytes of tokens [a, b] to buf without white space, except one space after
 * a comma (the compiler's style in "Stack[K, V]" is "K,V"; the source style reads better). */
static size_t copy_tokens(struct golex_toks *ts, size_t a, size_t b, char *buf, size_t cap,
                          size_t n)
{
    for (size_t k = a; k <= b && k < ts->n; k++) {
        size_t len = ts->v[k].end - ts->v[k].start;
        if (n + len + 2 >= cap)
            break;
        memcpy(buf + n, ts->lx.text + ts->v[k].start, len);
        n += len;
        if (is(ts, k, ","))
            buf[n++] = ' ';
    }
    buf[n] = '\0';
    return n;
}

/* Writes "(*T)." or "T." for the receiver list between tokens open and close. */
static void receiver_prefix(struct golex_toks *ts, size_t open, size_t close, char *buf)
{
    size_t k = open + 1;
    /* Skip the receiver's name when one is given: "(s *Stack[T])" versus "(*Stack[T])". */
    if (k + 1 < close && ts->v[k].kind == T_IDENT && !is(ts, k + 1, "[") && !is(ts, k + 1, "."))
        k++;
    bool ptr = is(ts, k, "*");
    if (ptr)
        k++;
    size_t n = 0;
    if (ptr)
        buf[n++] = '(', buf[n++] = '*';
    n = copy_tokens(ts, k, close - 1, buf, RECV_MAX - 4, n);
    if (ptr)
        buf[n++] = ')';
    buf[n++] = '.';
    buf[n] = '\0';
}

/* Parses the declaration whose 'func' is token i; returns the token index after it. */
static size_t parse_func(struct golex_toks *ts, size_t i, struct ge_func_decl *d, bool *ok)
{
    char recv[RECV_MAX] = "";
    size_t j = i + 1;
    *ok = false;
    if (is(ts, j, "(")) {
        long c = golex_toks_close(ts, j);
        if (c < 0)
            return j;
        receiver_prefix(ts, j, (size_t)c, recv);
        j = (size_t)c + 1;
    }
    if (!golex_toks_need(ts, j) || ts->v[j].kind != T_IDENT)
        return j;
    size_t name = j++;
    if (golex_toks_need(ts, j) && is(ts, j, "[")) {
        long c = golex_toks_close(ts, j);
        if (c < 0)
            return j;
        j = (size_t)c + 1;
    }
    if (!golex_toks_need(ts, j) || !is(ts, j, "("))
        return j;
    size_t end = golex_sig_end(ts, j);
    size_t last = end - 1;
    if (golex_toks_need(ts, end) && is(ts, end, "{")) {
        long c = golex_toks_close(ts, end);
        last = c < 0 ? end : (size_t)c;
        end = last + 1;
    }
    const struct golex_tok *nt = &ts->v[name];
    d->name = ge_xasprintf("%s%.*s", recv, (int)(nt->end - nt->start), ts->lx.text + nt->start);
    d->name_span = (struct ge_span){nt->start, nt->end};
    d->decl = (struct ge_span){ts->v[i].start, ts->v[last].end};
    *ok = true;
    return end;
}

/* Tracks bracket depth so that only top-level 'func' and 'type' keywords are seen. */
static void track_depth(const struct golex_toks *ts, size_t i, long *depth)
{
    const struct golex_tok *t = &ts->v[i];
    if (t->kind != T_OP || t->end - t->start != 1)
        return;
    char c = ts->lx.text[t->start];
    if (c == '(' || c == '[' || c == '{')
        (*depth)++;
    else if ((c == ')' || c == ']' || c == '}') && *depth > 0)
        (*depth)--;
}

/* Both listers read the file's outline: top-level declarations never need the insides of
 * function bodies, which are most of the text. */
size_t ge_scan_funcs(const char *text, size_t len, struct ge_func_decl **out)
{
    struct golex_toks ts;
    golex_toks_init_outline(&ts, text, len);
    size_t n = ge__scan_funcs_in(&ts, out);
    golex_toks_free(&ts);
    return n;
}

size_t ge__scan_funcs_in(struct golex_toks *ts, struct ge_func_decl **out)
{
    struct ge_func_decl *v = NULL;
    size_t n = 0, cap = 0;
    long depth = 0;
    for (size_t i = 0; golex_toks_need(ts, i);) {
        if (depth == 0 && is(ts, i, "func")) {
            struct ge_func_decl d;
            bool ok;
            size_t next = parse_func(ts, i, &d, &ok);
            if (ok) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    v = ge_xrealloc(v, cap * sizeof(*v));
                }
                v[n++] = d;
            }
            i = next > i ? next : i + 1;
            continue;
        }
        track_depth(ts, i, &depth);
        i++;
    }
    *out = v;
    return n;
}

void ge_func_decls_free(struct ge_func_decl *decls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(decls[i].name);
    free(decls);
}

static enum ge_type_kind kind_at(struct golex_toks *ts, size_t k)
{
    static const struct {
        const char *tok;
        enum ge_type_kind kind;
    } kinds[] = {
        {"map", GE_TYPE_MAP},   {"chan", GE_TYPE_CHAN}, {"struct", GE_TYPE_STRUCT},
        {"func", GE_TYPE_FUNC}, {"*", GE_TYPE_POINTER}, {"interface", GE_TYPE_INTERFACE},
        {"<-", GE_TYPE_CHAN},
    };
    for (size_t i = 0; i < GE_ARRAY_SIZE(kinds); i++)
        if (is(ts, k, kinds[i].tok))
            return kinds[i].kind;
    if (is(ts, k, "[")) /* [] or [N] */
        return is(ts, k + 1, "]") ? GE_TYPE_SLICE : GE_TYPE_ARRAY;
    return k < ts->n && ts->v[k].kind == T_IDENT ? GE_TYPE_NAMED : GE_TYPE_UNKNOWN;
}

/* Reads "Name [TypeParams] [=] Type" at token k; returns the token after the name's line. */
static size_t parse_type_spec(struct golex_toks *ts, size_t k, struct ge_type_decl *d, bool *ok)
{
    *ok = false;
    if (!golex_toks_need(ts, k + 2) || ts->v[k].kind != T_IDENT)
        return k + 1;
    size_t t = k + 1;
    /* "T[K comparable] map[K]V" has type parameters; "T [4]int" is an array type. The two are
     * told apart by what follows the ']': a type after type parameters, nothing on an array. */
    if (is(ts, t, "[") && !is(ts, t + 1, "]")) {
        long c = golex_toks_close(ts, t);
        if (c > 0 && golex_toks_need(ts, (size_t)c + 1) && !ts->v[c + 1].nl_before &&
            ts->v[t + 1].kind == T_IDENT && ts->v[t + 2].kind == T_IDENT)
            t = (size_t)c + 1;
    }
    if (is(ts, t, "="))
        t++;
    golex_toks_need(ts, t + 1);
    const struct golex_tok *nt = &ts->v[k];
    d->name = ge_xstrndup(ts->lx.text + nt->start, nt->end - nt->start);
    d->kind = kind_at(ts, t);
    *ok = true;
    return t + 1;
}

static void push_type(struct ge_type_decl **v, size_t *n, size_t *cap, struct ge_type_decl d)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = ge_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = d;
}

/* Skips from token k to the start of the next spec in a "type ( ... )" group that ends at token
 * close: the next token at the group's level that starts a line or follows a ';'. */
static size_t next_spec(struct golex_toks *ts, size_t k, size_t close)
{
    long depth = 0;
    for (; k < close && golex_toks_need(ts, k); k++) {
        if (depth == 0 && (ts->v[k].nl_before || is(ts, k - 1, ";")))
            break;
        track_depth(ts, k, &depth);
    }
    return k;
}

size_t ge_scan_types(const char *text, size_t len, struct ge_type_decl **out)
{
    struct golex_toks ts;
    golex_toks_init_outline(&ts, text, len);
    size_t n = ge__scan_types_in(&ts, out);
    golex_toks_free(&ts);
    return n;
}

size_t ge__scan_types_in(struct golex_toks *ts, struct ge_type_decl **out)
{
    struct ge_type_decl *v = NULL;
    size_t n = 0, cap = 0;
    long depth = 0;
    for (size_t i = 0; golex_toks_need(ts, i);) {
        if (depth != 0 || !is(ts, i, "type") || !golex_toks_need(ts, i + 1)) {
            track_depth(ts, i++, &depth);
            continue;
        }
        struct ge_type_decl d;
        bool ok;
        if (!is(ts, i + 1, "(")) {
            i = parse_type_spec(ts, i + 1, &d, &ok);
            if (ok)
                push_type(&v, &n, &cap, d);
            continue;
        }
        long close = golex_toks_close(ts, i + 1);
        if (close < 0)
            break;
        for (size_t k = i + 2; k < (size_t)close;) {
            size_t next = parse_type_spec(ts, k, &d, &ok);
            if (ok)
                push_type(&v, &n, &cap, d);
            k = next_spec(ts, next > k ? next : k + 1, (size_t)close);
        }
        i = (size_t)close + 1;
    }
    *out = v;
    return n;
}

void ge_type_decls_free(struct ge_type_decl *decls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(decls[i].name);
    free(decls);
}

struct ge_span ge_scan_callee(const char *text, size_t len, size_t pos)
{
    if (text == NULL || pos >= len || text[pos] != '(')
        return (struct ge_span){pos, pos};
    /* An identifier chain a.b.C right before the '(' (gofmt never puts a space there). */
    size_t s = pos, start = pos;
    for (;;) {
        size_t e = s;
        while (s > 0 && golex_ident_byte((unsigned char)text[s - 1]))
            s--;
        if (s == e)
            break;
        start = s;
        if (s == 0 || text[s - 1] != '.')
            break;
        s--;
    }
    return (struct ge_span){start, pos};
}

const char *ge_scan_stmt_keyword(const char *text, size_t len, size_t pos)
{
    if (text == NULL || pos > len)
        return NULL;
    size_t i = pos;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
        i--;
    size_t e = i;
    while (i > 0 && golex_ident_byte((unsigned char)text[i - 1]))
        i--;
    if (e - i == 2 && memcmp(text + i, "go", 2) == 0)
        return "go";
    if (e - i == 5 && memcmp(text + i, "defer", 5) == 0)
        return "defer";
    return NULL;
}
