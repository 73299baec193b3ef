/*
 * The compiler-output parser: splits the input into lines with memchr, reads each line's
 * position by hand, and hands the message to the matching pcre2 pattern after a cheap
 * dispatch on its first bytes. Inliner and other informational lines are recognised by
 * prefix and only counted, which keeps the common case (most of -m=2 output) to one memchr,
 * one position parse and one memcmp per line.
 */
#include "parse_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Longest line number or column accepted; longer digit runs are not a position. */
#define MAX_DIGITS 9

/* Messages that are known and carry no escape fact, recognised by prefix. */
static const struct sv info_prefixes[] = {
#define P(s)                                                                                       \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
    P("inlining call to "),
    P("can inline "),
    P("cannot inline "),
    P("index bounds check elided"),
    P("zero-copy string->[]byte conversion"),
    P("devirtualizing "),
#undef P
};

int ge_parser_create(struct ge_parser **parser_new)
{
    struct ge_parser *p = ge_xcalloc(1, sizeof(*p));
    p->open_block = -1;
    ge_buf_init(&p->carry, GE_PARSE_LINE_MAX + 1);
    int rc = ge__rx_init(p);
    if (rc < 0) {
        ge_parser_destroy(p);
        *parser_new = NULL;
        return rc;
    }
    *parser_new = p;
    return 0;
}

void ge_parser_destroy(struct ge_parser *p)
{
    if (p == NULL)
        return;
    ge__rx_free(p);
    ge__group_free(p);
    ge_arena_destroy(p->arena);
    ge_arena_destroy(p->keys);
    ge_buf_free(&p->carry);
    free(p);
}

void ge_report_destroy(struct ge_report *r)
{
    if (r == NULL)
        return;
    free(r->facts);
    free(r->others);
    ge_arena_destroy(r->arena);
    free(r);
}

static size_t parse_num(const char *s, size_t n, uint32_t *out)
{
    size_t i = 0;
    uint32_t v = 0;
    while (i < n && i < MAX_DIGITS && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (uint32_t)(s[i++] - '0');
    if (i < n && i == MAX_DIGITS && s[i] >= '0' && s[i] <= '9')
        return 0;
    *out = v;
    return i;
}

/* Reads "line[:col]" at s + i; returns the index after it, or 0. */
static size_t parse_line_col(const char *s, size_t n, size_t i, uint32_t *line, uint32_t *col)
{
    size_t k = parse_num(s + i, n - i, line);
    if (k == 0)
        return 0;
    i += k;
    *col = 0;
    if (i + 1 < n && s[i] == ':' && s[i + 1] >= '0' && s[i + 1] <= '9') {
        k = parse_num(s + i + 1, n - i - 1, col);
        if (k == 0)
            return 0;
        i += 1 + k;
    }
    return i;
}

/* Reads "[orig:line[:col]]" at s + i; returns the index after ']', or 0. */
static size_t parse_orig(const char *s, size_t n, size_t i, struct rpos *pos)
{
    const char *close = memchr(s + i, ']', n - i);
    if (close == NULL)
        return 0;
    struct rpos o;
    size_t inner = (size_t)(close - (s + i + 1));
    if (ge__parse_pos(s + i + 1, inner, &o, false) == 0)
        return 0;
    pos->orig = o.file;
    pos->orig_line = o.line;
    pos->orig_col = o.col;
    return (size_t)(close - s) + 1;
}

size_t ge__parse_pos(const char *s, size_t n, struct rpos *pos, bool prefix)
{
    const char *c = s;
    while ((c = memchr(c, ':', n - (size_t)(c - s))) != NULL) {
        size_t i = (size_t)(c - s);
        c++;
        if (i == 0)
            continue;
        *pos = (struct rpos){.file = {s, i}};
        size_t k = parse_line_col(s, n, i + 1, &pos->line, &pos->col);
        if (k == 0)
            continue;
        /* The compiler writes "a.tmpl:3:4[a.go:10:2]"; a space before '[' is accepted. */
        if (k + 1 < n && s[k] == ' ' && s[k + 1] == '[')
            k++;
        if (k < n && s[k] == '[') {
            k = parse_orig(s, n, k, pos);
            if (k == 0)
                continue;
        }
        if (!prefix && k == n)
            return k;
        if (prefix && k < n && s[k] == ':' && (k + 1 == n || s[k + 1] == ' '))
            return k + 1 == n ? n : k + 2;
    }
    return 0;
}

static void add_other(struct ge_parser *p, const struct rpos *pos, const char *text, size_t n)
{
    if (p->others.n >= GE_REPORT_OTHERS_MAX) {
        p->ndropped++;
        return;
    }
    if (n > GE_REPORT_LINE_MAX)
        n = GE_REPORT_LINE_MAX;
    struct ge_report_line o = {
        .pkg = p->pkg,
        .file = pos != NULL ? ge__intern_file(p, pos->file) : NULL,
        .line = pos != NULL ? pos->line : 0,
        .col = pos != NULL ? pos->col : 0,
        .text = ge_arena_strndup(p->arena, text, n),
    };
    VEC_PUSH(p->others, o);
}

static void on_header(struct ge_parser *p, const char *s, size_t n)
{
    ge__block_close(p);
    if (!ge__rx_match(p, RX_HEADER, s, n)) {
        add_other(p, NULL, s, n);
        return;
    }
    struct sv pkg = ge__rx_group(p, RX_HEADER, G_PKG, s);
    struct sv test = ge__rx_group(p, RX_HEADER, G_TEST, s);
    p->pkg = ge_arena_strndup(p->arena, pkg.p, pkg.n);
    p->test_build = test.p != NULL;
}

static bool has_prefix(const char *s, size_t n, const char *pre, size_t pn)
{
    return n >= pn && memcmp(s, pre, pn) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *suf, size_t sn)
{
    return n >= sn && memcmp(s + n - sn, suf, sn) == 0;
}
#define PREFIX(s, n, lit) has_prefix(s, n, lit, sizeof(lit) - 1)
#define SUFFIX(s, n, lit) has_suffix(s, n, lit, sizeof(lit) - 1)

/* Reads the POS of "from ... at POS". Generic code inlined from elsewhere can carry no
 * position, printed as "<unknown line number>"; it is kept with line 0. */
static bool step_pos(struct sv at, struct rpos *pos)
{
    if (at.n > 0 && ge__parse_pos(at.p, at.n, pos, false) == at.n)
        return true;
    if (!sv_eqs(at, "<unknown line number>"))
        return false;
    *pos = (struct rpos){.file = at};
    return true;
}

/*
 * Reads "    from WHAT (WHY) at POS". WHAT may hold parentheses, so the reason is the last
 * " (WHY) at POS" of the line. The full pattern finds it by backtracking over the whole line,
 * which in UTF mode is the single most expensive thing the parser does; since neither WHY nor
 * a position holds parentheses, the last '(' of the line nearly always opens WHY, and an
 * anchored pattern from there confirms it. The full pattern remains for the odd path that
 * holds a parenthesis.
 */
static bool match_from(struct ge_parser *p, const char *m, size_t n, struct raw_step *st,
                       struct sv *at)
{
    size_t open = n;
    while (open > 9 && m[open - 1] != '(')
        open--;
    if (open > 10 && m[open - 2] == ' ' && ge__rx_match_at(p, RX_FROM_TAIL, m, n, open - 1)) {
        st->what = (struct sv){m + 9, open - 11};
        st->why = ge__rx_group(p, RX_FROM_TAIL, G_WHY, m);
        *at = ge__rx_group(p, RX_FROM_TAIL, G_POS, m);
        return true;
    }
    if (!ge__rx_match(p, RX_FROM, m, n))
        return false;
    st->what = ge__rx_group(p, RX_FROM, G_WHAT, m);
    st->why = ge__rx_group(p, RX_FROM, G_WHY, m);
    *at = ge__rx_group(p, RX_FROM, G_POS, m);
    return true;
}

/* "  flow: ...", "    from ...", "  warning: ..." lines inside an explanation block. */
static void on_continuation(struct ge_parser *p, const struct rpos *pos, const char *m, size_t n)
{
    struct pblock *b = p->open_block >= 0 ? &p->blocks.v[p->open_block] : NULL;
    bool same = b != NULL && b->pos.line == pos->line && b->pos.col == pos->col &&
                sv_eq(b->pos.file, pos->file);
    struct raw_step st;
    struct sv at;
    if (same && PREFIX(m, n, "    from ") && match_from(p, m, n, &st, &at)) {
        if (p->edges.n > 0 && step_pos(at, &st.pos)) {
            st.pos.file = (struct sv){ge__intern_file(p, st.pos.file), st.pos.file.n};
            st.pos.orig = (struct sv){NULL, 0};
            VEC_PUSH(p->steps, st);
            p->edges.v[p->edges.n - 1].nsteps++;
            return;
        }
    } else if (same && PREFIX(m, n, "  flow: ") && ge__rx_match(p, RX_FLOW, m, n)) {
        struct raw_edge e = {.dst = ge__rx_group(p, RX_FLOW, G_DST, m),
                             .src = ge__rx_group(p, RX_FLOW, G_SRC, m),
                             .first_step = p->steps.n};
        VEC_PUSH(p->edges, e);
        return;
    } else if (same && PREFIX(m, n, "  warning: truncated explanation")) {
        b->truncated = true;
        return;
    }
    add_other(p, pos, m, n);
}

static void on_leak(struct ge_parser *p, const struct rpos *pos, const char *m)
{
    struct sv name = ge__rx_group(p, RX_LEAK, G_NAME, m);
    struct sv detail = ge__rx_group(p, RX_LEAK, G_RESULT, m);
    if (ge__rx_group(p, RX_LEAK, G_CONTENT, m).p != NULL)
        detail = (struct sv){"content", 7};
    else if (detail.p == NULL)
        detail = (struct sv){"", 0};
    ge__block_close(p);
    ge__fact_add(p, GE_FACT_PARAM, pos, name, detail);
}

/* Index of the last occurrence of pat in s[0..end), or -1. */
static long rfind(const char *s, size_t end, const char *pat, size_t pn)
{
    for (size_t i = end >= pn ? end - pn + 1 : 0; i-- > 0;)
        if (s[i] == pat[0] && memcmp(s + i, pat, pn) == 0)
            return (long)i;
    return -1;
}

/*
 * Reads "EXPR escapes to heap:" and "EXPR escapes to heap in FUNC:". The subject is greedy:
 * the last " escapes to heap" that the rest of the line fits wins. Letting the full pattern
 * find it means backtracking over all of FUNC in UTF mode; trying the occurrences from the
 * last one with an anchored pattern gives the same answer for a fraction of the work.
 */
static bool match_escape_block(struct ge_parser *p, const char *m, size_t n, struct sv *subj,
                               struct sv *func)
{
    static const char phrase[] = " escapes to heap";
    for (long k = rfind(m, n, phrase, sizeof(phrase) - 1); k > 0;
         k = rfind(m, (size_t)k + sizeof(phrase) - 2, phrase, sizeof(phrase) - 1)) {
        if (ge__rx_match_at(p, RX_ESCAPE_TAIL, m, n, (size_t)k)) {
            *subj = (struct sv){m, (size_t)k};
            *func = ge__rx_group(p, RX_ESCAPE_TAIL, G_FUNC, m);
            return true;
        }
    }
    return false;
}

/* Dispatches a message that follows a position. */
static void on_message(struct ge_parser *p, const struct rpos *pos, const char *m, size_t n)
{
    if (n > 0 && m[0] == ' ') {
        on_continuation(p, pos, m, n);
        return;
    }
    for (size_t i = 0; i < GE_ARRAY_SIZE(info_prefixes); i++) {
        if (has_prefix(m, n, info_prefixes[i].p, info_prefixes[i].n)) {
            ge__block_close(p);
            p->ninfo++;
            return;
        }
    }
    struct sv none = {"", 0}, subj, func;
    if (SUFFIX(m, n, " escapes to heap") && ge__rx_match(p, RX_ESCAPE, m, n)) {
        ge__block_close(p);
        ge__fact_add(p, GE_FACT_ESCAPE, pos, ge__rx_group(p, RX_ESCAPE, G_SUBJ, m), none);
    } else if (PREFIX(m, n, "parameter ") && ge__rx_match(p, RX_PARAM, m, n)) {
        ge__block_open(p, pos, ge__rx_group(p, RX_PARAM, G_NAME, m),
                       ge__rx_group(p, RX_PARAM, G_FUNC, m), ge__rx_group(p, RX_PARAM, G_SINK, m),
                       true);
    } else if (SUFFIX(m, n, ":") && match_escape_block(p, m, n, &subj, &func)) {
        ge__block_open(p, pos, subj, func, (struct sv){NULL, 0}, false);
    } else if (SUFFIX(m, n, " does not escape") && ge__rx_match(p, RX_NOESCAPE, m, n)) {
        ge__block_close(p);
        ge__fact_add(p, GE_FACT_NOESCAPE, pos, ge__rx_group(p, RX_NOESCAPE, G_SUBJ, m), none);
    } else if (PREFIX(m, n, "moved to heap: ") && ge__rx_match(p, RX_MOVED, m, n)) {
        ge__block_close(p);
        ge__fact_add(p, GE_FACT_MOVED, pos, ge__rx_group(p, RX_MOVED, G_NAME, m), none);
    } else if (PREFIX(m, n, "leaking param") && ge__rx_match(p, RX_LEAK, m, n)) {
        on_leak(p, pos, m);
    } else if (ge__rx_match(p, RX_INFO, m, n)) {
        ge__block_close(p);
        p->ninfo++;
    } else {
        ge__block_close(p);
        add_other(p, pos, m, n);
    }
}

static void on_line(struct ge_parser *p, const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (n == 0)
        return;
    if (s[0] == '#' && n > 1 && s[1] == ' ') {
        on_header(p, s, n);
        return;
    }
    struct rpos pos;
    size_t k = ge__parse_pos(s, n, &pos, true);
    if (k == 0) {
        /* The compiler omits the position it does not know, e.g. for a variable that
         * range-over-func rewriting introduced. */
        ge__block_close(p);
        if (ge__rx_match(p, RX_INFO, s, n))
            p->ninfo++;
        else
            add_other(p, NULL, s, n);
        return;
    }
    on_message(p, &pos, s + k, n - k);
}

/* Hands the facts and other lines over to a new report and frees the rest of the state. */
static struct ge_report *finish(struct ge_parser *p)
{
    ge__block_close(p);
    ge__match_leftovers(p);
    struct ge_report *r = ge_xcalloc(1, sizeof(*r));
    r->arena = p->arena;
    r->nfacts = p->facts.n;
    r->facts = p->facts.n ? ge_xrealloc(p->facts.v, p->facts.n * sizeof(*r->facts)) : NULL;
    r->nothers = p->others.n;
    r->others = p->others.n ? ge_xrealloc(p->others.v, p->others.n * sizeof(*r->others)) : NULL;
    if (p->facts.n == 0)
        free(p->facts.v);
    if (p->others.n == 0)
        free(p->others.v);
    p->facts.v = NULL;
    p->others.v = NULL;
    r->ndropped = p->ndropped;
    r->nlines = p->nlines;
    r->ninfo = p->ninfo;
    r->nunmatched = ge__count_unmatched(p);
    p->arena = NULL;
    ge__group_free(p);
    ge_arena_destroy(p->keys);
    p->keys = NULL;
    ge_buf_free(&p->carry);
    ge_buf_init(&p->carry, GE_PARSE_LINE_MAX + 1);
    return r;
}

void ge_parse_begin(struct ge_parser *p)
{
    ge__group_reset(p);
    ge_arena_destroy(p->arena);
    ge_arena_destroy(p->keys);
    p->arena = ge_arena_create();
    p->keys = ge_arena_create();
    ge_buf_reset(&p->carry);
    p->carry_over = false;
    p->pkg = NULL;
    p->test_build = false;
    p->ninfo = 0;
    p->nlines = 0;
    p->ndropped = 0;
}

static void line(struct ge_parser *p, const char *s, size_t n)
{
    on_line(p, s, n);
    p->nlines++;
}

/* Adds s[0..n) to the unfinished line, dropping what goes past GE_PARSE_LINE_MAX. */
static void carry(struct ge_parser *p, const char *s, size_t n)
{
    size_t room = GE_PARSE_LINE_MAX - p->carry.len;
    if (n > room) {
        n = room;
        p->carry_over = true;
    }
    if (n > 0 && ge_buf_append(&p->carry, s, n) != 0)
        p->carry_over = true;
}

void ge_parse_feed(struct ge_parser *p, const char *data, size_t len)
{
    const char *s = data;
    const char *end = data + len;
    if (p->carry.len > 0 || p->carry_over) {
        const char *nl = memchr(s, '\n', len);
        carry(p, s, (size_t)((nl != NULL ? nl : end) - s));
        if (nl == NULL)
            return;
        line(p, p->carry.data, p->carry.len);
        ge_buf_reset(&p->carry);
        p->carry_over = false;
        s = nl + 1;
    }
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (nl == NULL)
            break;
        line(p, s, (size_t)(nl - s));
        s = nl + 1;
    }
    /* Nothing may point into data once this returns. */
    ge__block_pin_open(p);
    if (s < end)
        carry(p, s, (size_t)(end - s));
}

void ge_parse_abort(struct ge_parser *p)
{
    ge__group_free(p);
    ge_arena_destroy(p->arena);
    ge_arena_destroy(p->keys);
    p->arena = p->keys = NULL;
    ge_buf_free(&p->carry);
    ge_buf_init(&p->carry, GE_PARSE_LINE_MAX + 1);
    p->carry_over = false;
}

int ge_parse_end(struct ge_parser *p, struct ge_report **report_new)
{
    if (p->arena == NULL)
        ge_parse_begin(p);
    if (p->carry.len > 0 || p->carry_over) {
        line(p, p->carry.data, p->carry.len);
        ge_buf_reset(&p->carry);
        p->carry_over = false;
    }
    *report_new = finish(p);
    return 0;
}

int ge_parse(struct ge_parser *p, const char *data, size_t len, struct ge_report **report_new)
{
    ge_parse_begin(p);
    ge_parse_feed(p, data, len);
    return ge_parse_end(p, report_new);
}
