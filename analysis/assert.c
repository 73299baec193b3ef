/*
 * Assertions in comments (see goescape/assert.h). Most files hold none, so a file is first
 * searched for the directives' words; only when they are there is it lexed, with the lexer
 * the ignore comment uses (golex_comments), so that a directive inside a string is never one.
 * The verdicts then compare each assertion's target with the findings, which are sorted by
 * span, by a binary search for the first finding in the target.
 */
#define _GNU_SOURCE /* memmem */
#include "goescape/assert.h"

#include "golex.h"
#include "goescape/filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *word;
    uint8_t kind;
    bool gcassert;
} DIRECTIVES[] = {
    {"goescape:noescape", GE_ASSERT_NOESCAPE, false},
    {"gcassert:noescape", GE_ASSERT_NOESCAPE, true},
    {"goescape:allow", GE_ASSERT_ALLOW, false},
};

const char *ge_assert_name(const struct ge_assertion *a)
{
    if (a->kind == GE_ASSERT_ALLOW)
        return "goescape:allow";
    return a->gcassert ? "gcassert:noescape" : "goescape:noescape";
}

static bool blank_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* What the lexer gathered: the directive comments, and which lines hold code. */
struct scan {
    const char *text;
    bool *code;
    struct ge_assertion *v;
    bool *after_code; /* per item of v */
    size_t n, cap;
};

/* Fills a from the comment c[0..n) when it is a directive; returns false otherwise. */
static bool parse_directive(const char *c, size_t n, struct ge_assertion *a)
{
    bool block = n >= 2 && c[1] == '*';
    if (block && n >= 4 && c[n - 2] == '*' && c[n - 1] == '/')
        n -= 2;
    size_t j = 2;
    while (j < n && (c[j] == ' ' || c[j] == '\t'))
        j++;
    for (size_t d = 0; d < GE_ARRAY_SIZE(DIRECTIVES); d++) {
        size_t k = strlen(DIRECTIVES[d].word);
        if (n - j < k || memcmp(c + j, DIRECTIVES[d].word, k) != 0)
            continue;
        if (j + k < n && !blank_byte(c[j + k]) && c[j + k] != '\n')
            continue;
        *a = (struct ge_assertion){.kind = DIRECTIVES[d].kind, .gcassert = DIRECTIVES[d].gcassert};
        size_t r = j + k, e = n;
        while (r < e && (blank_byte(c[r]) || c[r] == '\n'))
            r++;
        while (e > r && (blank_byte(c[e - 1]) || c[e - 1] == '\n'))
            e--;
        size_t rn = e - r < GE_ASSERT_REASON_MAX ? e - r : GE_ASSERT_REASON_MAX;
        memcpy(a->reason, c + r, rn);
        a->reason[rn] = '\0';
        return true;
    }
    return false;
}

static void note_comment(void *ctx, size_t start, size_t end, size_t line)
{
    struct scan *s = ctx;
    struct ge_assertion a;
    if (s->n >= GE_ASSERT_MAX || !parse_directive(s->text + start, end - start, &a))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = ge_xrealloc(s->v, s->cap * sizeof *s->v);
        s->after_code = ge_xrealloc(s->after_code, s->cap * sizeof *s->after_code);
    }
    a.comment = (struct ge_span){(uint32_t)start, (uint32_t)end};
    a.line = (uint32_t)line;
    s->after_code[s->n] = s->code[line];
    s->v[s->n++] = a;
}

static bool line_blank(const char *text, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (!blank_byte(text[i]))
            return false;
    return true;
}

/* The end of the line starting at off, before its newline. */
static size_t line_end(const char *text, size_t len, size_t off)
{
    const char *nl = memchr(text + off, '\n', len - off);
    return nl != NULL ? (size_t)(nl - text) : len;
}

/* Sets a's target: its own line after code, else the first code line below its comment
 * group, widened to the function whose declaration opens there. */
static void place(const char *text, size_t len, const size_t *starts, size_t nlines,
                  const bool *code, bool after_code, const struct ge_func_decl *funcs,
                  size_t nfuncs, struct ge_assertion *a)
{
    size_t t = a->line;
    if (!after_code) {
        /* The comment's last line: a block comment may run over several. */
        for (size_t i = a->comment.start; i < a->comment.end && i < len; i++)
            t += text[i] == '\n';
        t++;
        for (unsigned k = 0; t < nlines && !code[t] && k < GE_IGNORE_ABOVE_MAX; k++, t++)
            if (line_blank(text, starts[t], line_end(text, len, starts[t])))
                break;
        if (t >= nlines || !code[t]) {
            a->target = (struct ge_span){a->comment.start, a->comment.start};
            a->target_line = a->line;
            return;
        }
    }
    a->target_line = (uint32_t)t;
    size_t ls = starts[t], le = line_end(text, len, ls);
    a->target = (struct ge_span){(uint32_t)ls, (uint32_t)le};
    for (size_t i = 0; !after_code && i < nfuncs; i++) {
        if (funcs[i].decl.start >= ls && funcs[i].decl.start < le) {
            a->func_scope = true;
            a->target = funcs[i].decl;
            return;
        }
    }
}

static bool mentions_directive(const char *text, size_t len)
{
    return memmem(text, len, "goescape:", 9) != NULL || memmem(text, len, "gcassert:", 9) != NULL;
}

size_t ge_assert_scan(const char *text, size_t len, struct ge_assertion **out)
{
    *out = NULL;
    if (text == NULL || len == 0 || !mentions_directive(text, len))
        return 0;
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += text[i] == '\n';
    size_t *starts = ge_xmalloc(nlines * sizeof *starts);
    starts[0] = 0;
    for (size_t i = 0, k = 1; i < len; i++)
        if (text[i] == '\n')
            starts[k++] = i + 1;
    struct scan s = {.text = text, .code = ge_xcalloc(nlines, sizeof(bool))};
    golex_comments(text, len, 0, s.code, nlines, note_comment, &s);
    struct ge_func_decl *funcs = NULL;
    size_t nfuncs = s.n > 0 ? ge_scan_funcs(text, len, &funcs) : 0;
    for (size_t i = 0; i < s.n; i++)
        place(text, len, starts, nlines, s.code, s.after_code[i], funcs, nfuncs, &s.v[i]);
    ge_func_decls_free(funcs, nfuncs);
    free(s.after_code);
    free(s.code);
    free(starts);
    *out = s.v;
    return s.n;
}

/* The first finding whose span starts at or after off. */
static size_t lower_bound(const struct ge_finding *items, size_t n, uint32_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (items[mid].span.start < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void push(struct ge_assert_result **v, size_t *n, size_t *cap, struct ge_assert_result r)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = ge_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = r;
}

size_t ge_assert_check(const struct ge_assertion *a, size_t na, const struct ge_finding *items,
                       size_t n, struct ge_assert_result **out)
{
    struct ge_assert_result *v = NULL;
    size_t nv = 0, cap = 0;
    for (size_t i = 0; i < na; i++) {
        const struct ge_assertion *as = &a[i];
        bool bare = as->kind == GE_ASSERT_ALLOW && as->reason[0] == '\0';
        if (bare)
            push(&v, &nv, &cap, (struct ge_assert_result){GE_VERDICT_NO_REASON, i, SIZE_MAX});
        bool any = false;
        for (size_t k = lower_bound(items, n, as->target.start);
             k < n && items[k].span.start < as->target.end; k++) {
            any = true;
            if (bare || !ge_category_is_heap(items[k].category))
                continue;
            uint8_t verdict =
                as->kind == GE_ASSERT_NOESCAPE ? GE_VERDICT_BROKEN : GE_VERDICT_ALLOWED;
            push(&v, &nv, &cap, (struct ge_assert_result){verdict, i, k});
        }
        if (!any && !bare)
            push(&v, &nv, &cap, (struct ge_assert_result){GE_VERDICT_UNMATCHED, i, SIZE_MAX});
    }
    *out = v;
    return nv;
}

char *ge_assert_message_new(const struct ge_assertion *a, const struct ge_assert_result *r,
                            const char *finding_message)
{
    const char *name = ge_assert_name(a);
    const char *scope = a->func_scope ? " on this function" : "";
    switch (r->verdict) {
    case GE_VERDICT_BROKEN:
        return ge_xasprintf("%s%s broken: %s", name, scope, finding_message);
    case GE_VERDICT_ALLOWED:
        return ge_xasprintf("allowed by %s (%s): %s", name, a->reason, finding_message);
    case GE_VERDICT_NO_REASON:
        return ge_xasprintf("%s needs a reason: //%s <why this escape is accepted>", name, name);
    default:
        return ge_xasprintf("%s%s matches no code the compiler reported on%s", name, scope,
                            a->func_scope ? "" : " (was its line moved or deleted?)");
    }
}
