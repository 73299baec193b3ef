/*
 * Facts from inlined code. When the compiler inlines a call, what the callee's body allocates
 * is reported at the '(' of the call in the caller's file, under the callee's own names
 * (strings.oldnew, &strings.Replacer{...}, a panic message), and the explanation threads the
 * value through the call's result (~r0, ~R0) and compiler temporaries (.autotmp_5). This file
 * reads the call as the user wrote it, so that a finding can say "inside the inlined call to
 * strings.NewReplacer" and a flow step can show ctx.Done() instead of a temporary's method.
 */
#include "explain_internal.h"
#include "golex.h"
#include "scan_internal.h"

#include <stdlib.h>
#include <string.h>

/* How far back a receiver chain such as a.b(x).c(y).d is followed. */
#define CHAIN_BACK_MAX 512u

/* Start of the receiver chain that ends with the callee whose '(' is at paren: through
 * selectors and the calls between them, on one line. */
static size_t chain_start(const char *text, size_t len, size_t paren)
{
    size_t start = ge_scan_callee(text, len, paren).start;
    while (start >= 2 && text[start - 1] == '.' && text[start - 2] == ')' &&
           paren - start < CHAIN_BACK_MAX) {
        int depth = 0;
        size_t i = start - 2;
        for (;; i--) {
            if (text[i] == '\n')
                return start;
            depth += text[i] == ')';
            depth -= text[i] == '(';
            if (depth == 0 || i == 0)
                break;
        }
        if (depth != 0)
            return start;
        struct ge_span prev = ge_scan_callee(text, len, i);
        if (prev.start == prev.end)
            return start;
        start = prev.start;
    }
    return start;
}

/* Offset just past the ')' closing the '(' at paren, or 0. */
static size_t call_end(const char *text, size_t len, size_t paren)
{
    struct golex_toks ts;
    golex_toks_init(&ts, text, len, paren);
    size_t end = 0;
    if (golex_toks_need(&ts, 0)) {
        long close = golex_toks_close(&ts, 0);
        if (close > 0)
            end = ts.v[close].end;
    }
    golex_toks_free(&ts);
    return end;
}

char *ge__source_call_new(const struct ge_explain_source *src, uint32_t line, uint32_t col,
                          char **callee_new)
{
    size_t paren;
    if (callee_new != NULL)
        *callee_new = NULL;
    if (!ge__src_offset(src, line, col, &paren) || src->text[paren] != '(')
        return NULL;
    size_t start = chain_start(src->text, src->len, paren);
    size_t end = call_end(src->text, src->len, paren);
    if (start == paren || end == 0)
        return NULL;
    if (callee_new != NULL)
        *callee_new = ge__source_subject_new(src->text, (struct ge_span){start, paren});
    return ge__source_subject_new(src->text, (struct ge_span){start, end});
}

bool ge__is_result_name(const char *s, size_t n)
{
    const char *t = memchr(s, '~', n);
    if (t == NULL || (size_t)(t - s) + 3 > n || (t[1] != 'r' && t[1] != 'R'))
        return false;
    for (const char *p = s; p < t; p++)
        if (!golex_ident_byte((unsigned char)*p) && *p != '.' && *p != '/')
            return false;
    for (const char *p = t + 2; p < s + n; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

bool ge__is_result_assign(const char *what)
{
    const char *eq = what != NULL ? strstr(what, " = ") : NULL;
    if (eq == NULL)
        eq = what != NULL ? strstr(what, " := ") : NULL;
    if (eq == NULL)
        return false;
    /* "~r0 = x" or, for a call with several results, "~r0, ~r1 = x, true". */
    for (const char *p = what; p < eq;) {
        const char *comma = memchr(p, ',', (size_t)(eq - p));
        const char *end = comma != NULL ? comma : eq;
        if (!ge__is_result_name(p, (size_t)(end - p)))
            return false;
        p = comma != NULL ? comma + 1 + (comma[1] == ' ') : eq;
    }
    return true;
}

bool ge__becomes_result(const struct ge_why *w)
{
    for (size_t i = 0; i < w->nflat; i++) {
        const char *dst = w->flat[i].edge->dst;
        if (dst != NULL && ge__is_result_name(dst, strlen(dst)))
            return true;
        if (w->flat[i].step != NULL && ge__is_result_assign(w->flat[i].step->what))
            return true;
    }
    return false;
}

/* Is the subject the call at the position itself, printed as the compiler names it:
 * (*Context).ClientIP(c) for c.ClientIP()? Then it is the user's value. */
static bool subject_is_call(const char *subject, const char *callee)
{
    size_t n = strlen(subject);
    if (n == 0 || subject[n - 1] != ')')
        return false;
    int depth = 0;
    size_t open = n;
    while (open-- > 0) {
        depth += subject[open] == ')';
        depth -= subject[open] == '(';
        if (depth == 0)
            break;
    }
    if (open == 0 || open >= n)
        return false;
    const char *a = subject + open, *b = callee + strlen(callee);
    while (a > subject && golex_ident_byte((unsigned char)a[-1]))
        a--;
    while (b > callee && golex_ident_byte((unsigned char)b[-1]))
        b--;
    size_t an = (size_t)(subject + open - a), bn = strlen(b);
    return an > 0 && an == bn && memcmp(a, b, an) == 0;
}

/* Builtins and conversions to basic types look like calls but inline nothing: a value the
 * compiler reports at len("123") is the constant it folds to. */
static bool builtin(const char *callee)
{
    static const char *const names[] = {
        "len",    "cap",     "make",    "new",     "append",    "copy",       "delete",
        "panic",  "print",   "println", "complex", "real",      "imag",       "min",
        "max",    "clear",   "string",  "byte",    "rune",      "int",        "int8",
        "int16",  "int32",   "int64",   "uint",    "uint8",     "uint16",     "uint32",
        "uint64", "uintptr", "float32", "float64", "complex64", "complex128", "bool",
    };
    for (size_t i = 0; i < GE_ARRAY_SIZE(names); i++)
        if (strcmp(callee, names[i]) == 0)
            return true;
    return false;
}

void ge__inlined_origin(const struct ge_fact *f, const struct ge_explain_source *src,
                        struct ge_why *w)
{
    if (src == NULL || src->text == NULL || src->fit != GE_FIT_CALL || f->subject == NULL ||
        strcmp(f->subject, "... argument") == 0)
        return;
    char *callee = NULL;
    char *call = ge__source_call_new(src, f->line, f->col, &callee);
    if (call == NULL || builtin(callee) || subject_is_call(f->subject, callee)) {
        free(call);
        free(callee);
        return;
    }
    w->inlined_call = callee;
    w->call_text = call;
}

/* The first occurrence of the NUL-terminated needle in text[0..len), or NULL. */
static const char *find_text(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = text; (p = memchr(p, needle[0], len - (size_t)(p - text))) != NULL; p++)
        if ((size_t)(text + len - p) >= n && memcmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* Does the file import a package named q ("q" or ".../q" in its import declarations, which
 * come before its first top-level declaration)? */
static bool imports(const struct ge_explain_source *src, const char *q, size_t qn)
{
    size_t end = src->len;
    static const char *const decls[] = {"\nfunc ", "\ntype ", "\nvar ", "\nconst "};
    for (size_t i = 0; i < GE_ARRAY_SIZE(decls); i++) {
        const char *d = find_text(src->text, end, decls[i]);
        if (d != NULL && (size_t)(d - src->text) < end)
            end = (size_t)(d - src->text);
    }
    for (const char *p = src->text; (p = memchr(p, '"', end - (size_t)(p - src->text))) != NULL;) {
        const char *close = memchr(p + 1, '"', end - (size_t)(p + 1 - src->text));
        if (close == NULL)
            break;
        size_t n = (size_t)(close - p - 1);
        if (n >= qn && memcmp(close - qn, q, qn) == 0 && (n == qn || close[-(long)qn - 1] == '/'))
            return true;
        p = close + 1;
    }
    return false;
}

char *ge__inlined_place_new(const struct ge_why *w, const char *place)
{
    const struct ge_explain_source *src = w->src;
    const char *dot = strchr(place, '.');
    if (src == NULL || src->text == NULL || dot == NULL || strchr(dot + 1, '.') != NULL ||
        !imports(src, place, (size_t)(dot - place)))
        return NULL;
    size_t pn = strlen(place);
    for (size_t i = 0; i < w->nflat; i++) {
        const struct ge_report_step *st = w->flat[i].step;
        if (st == NULL || st->what == NULL || strncmp(st->what, place, pn) != 0 ||
            (strncmp(st->what + pn, " := ", 4) != 0 && strncmp(st->what + pn, " = ", 3) != 0) ||
            st->file == NULL || w->fact->file == NULL || strcmp(st->file, w->fact->file) != 0)
            continue;
        char *callee = NULL;
        free(ge__source_call_new(src, st->line, st->col, &callee));
        if (callee != NULL) {
            char *s = ge_xasprintf("a variable of the inlined call to %s", callee);
            free(callee);
            return s;
        }
    }
    return NULL;
}
